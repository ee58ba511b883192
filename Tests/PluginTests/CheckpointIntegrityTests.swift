// Checkpoints of a real model: sealed with a checksum verified on every read (Swift and Lua paths),
// non-finite weights refused when written and when loaded (network weights and the EMA), old files loading.
import Foundation
import XCTest
import ZooCore
import ZooLua
@testable import StackGANv2

final class CheckpointIntegrityTests: XCTestCase {
    let values: [String: Any] = ["arch.gf": 8, "arch.df": 4, "arch.z": 20, "arch.condition": 16, "arch.text": 32, "arch.branches": 2]
    var dir = ""

    override func setUpWithError() throws {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-ckpt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    func model() throws -> StackGANv2Model { try ModelRegistry.shared.make("stackgan-v2", values: values) as! StackGANv2Model }

    func save(_ m: StackGANv2Model, _ name: String) throws -> String {
        let path = dir + "/" + name
        try Checkpoint.make(m, modelName: "stackgan-v2", config: values, path: path).write(path: path)
        return path
    }

    func assertError(_ body: () throws -> Void, _ fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { e in
            for f in fragments { XCTAssertTrue("\(e)".contains(f), "'\(e)' lacks '\(f)'", line: line) }
        }
    }

    func testCheckpointsAreSealedAndABitFlipIsRefusedOnEveryPath() throws {
        let path = try save(try model(), "step-000100.safetensors")
        let file = try SafeTensorsFile.read(path: path)
        XCTAssertTrue(file.metadata[SafeTensorsFile.checksumKey]?.hasPrefix("xxh64:") == true)
        XCTAssertNoThrow(try Checkpoint.restore(file, into: try model()))
        // One flipped bit in the last tensor's bytes.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 5] ^= 0x04
        try bytes.write(to: URL(fileURLWithPath: path))
        let message = path + ": checksum mismatch (tensor data damaged)"
        assertError({ _ = try SafeTensorsFile.read(path: path) }, [message])
        let lua = try LuaState(projectRoot: StackGANv2LuaTests.root)
        for call in ["zoo.load_checkpoint(p)", "zoo.checkpoint_metadata(p)",
                     "zoo.read_checkpoint(p, zoo.model('stackgan-v2/emoji', {'arch.gf=8', 'arch.df=4', 'arch.branches=1'}))"] {
            assertError({ try lua.run("local zoo = require 'zoo'\nlocal p = '\(path)'\n\(call)") }, [message])
        }
    }

    func testNonFiniteWeightsAreRefusedWhenWrittenAndWhenLoaded() throws {
        let m = try model()
        let (name, weight) = m.netG.namedParameters()[0]
        let good = weight.value
        try weight.value.set(flat: 3, to: .nan)
        assertError({ _ = try self.save(m, "nan.safetensors") },
                    ["nan.safetensors: tensor 'netG.\(name)' holds 1 non-finite value (the first, element 3, is nan); refusing to write non-finite weights"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nan.safetensors"))
        weight.value = good
        // A file whose tensors parse and match their checksum but hold a NaN (written elsewhere).
        var file = try SafeTensorsFile.read(path: try save(m, "good.safetensors"))
        var bad = try file.tensor("netG." + name)
        try bad.set(flat: 0, to: .nan)
        file.set("netG." + name, SafeTensor(bad))
        file.sealChecksum()
        try file.write(path: dir + "/bad.safetensors")
        assertError({ try Checkpoint.restore(try SafeTensorsFile.read(path: self.dir + "/bad.safetensors"), into: try self.model()) },
                    [dir + "/bad.safetensors: tensor 'netG.\(name)' holds 1 non-finite value (the first, element 0, is nan); refusing to load non-finite weights"])
    }

    func testInfInTheAverageIsRefusedToo() throws {
        let m = try model()
        var ema = Dictionary(uniqueKeysWithValues: m.stateTensors())
        let key = ema.keys.sorted()[0]
        try ema[key]!.set(flat: 1, to: .infinity)
        try m.loadStateTensors(ema)
        assertError({ _ = try self.save(m, "inf.safetensors") }, ["tensor '\(key)' holds 1 non-finite value (the first, element 1, is inf)"])
        // And in a file: a converted checkpoint (no checksum) whose EMA holds an inf.
        var file = try SafeTensorsFile.read(path: try save(try model(), "good.safetensors"))
        file.metadata.removeValue(forKey: SafeTensorsFile.checksumKey)
        file.set(key, SafeTensor(ema[key]!))
        try file.write(path: dir + "/inf.safetensors")
        assertError({ try Checkpoint.restore(try SafeTensorsFile.read(path: self.dir + "/inf.safetensors"), into: try self.model()) },
                    [dir + "/inf.safetensors: tensor '\(key)' holds 1 non-finite value", "refusing to load non-finite weights"])
    }

    func testCheckpointsWithoutAChecksumStillLoad() throws {
        let a = try model()
        var file = try SafeTensorsFile.read(path: try save(a, "new.safetensors"))
        file.metadata.removeValue(forKey: SafeTensorsFile.checksumKey)
        try file.write(path: dir + "/old.safetensors")
        let b = try model()
        try Checkpoint.restore(try SafeTensorsFile.read(path: dir + "/old.safetensors"), into: b)
        XCTAssertEqual(a.netG.stateDict().map(\.1), b.netG.stateDict().map(\.1))
    }
}
