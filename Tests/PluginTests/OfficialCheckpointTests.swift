// OfficialCheckpointTests: `stackzoo convert`'s conversion equals scripts/convert_official.py's, tensor by tensor, for StackGAN-v2 and v1.
import XCTest
import ZooCore
import ZooTestSupport
@testable import StackGANv1
@testable import StackGANv2

final class OfficialCheckpointTests: XCTestCase {
    override func setUp() {
        if !ModelRegistry.shared.contains(StackGANv1Plugin.name) { StackGANv1Plugin.register(into: .shared) }
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
    }

    /// Converts the fixture's .pth files into a model built from `expected`'s config.
    func convert(like expected: SafeTensorsFile, netG: String, netD: [String]) throws -> SafeTensorsFile {
        let (name, values) = try configOf(expected)
        GlobalRandom.seed(0)
        let model = try ModelRegistry.shared.make(name, values: values)
        return try OfficialCheckpoint.convert(model, modelName: name, config: values, netG: fixturePath("pth/" + netG),
                                              netD: netD.map { fixturePath("pth/" + $0) })
    }

    func configOf(_ file: SafeTensorsFile) throws -> (String, [String: Any]) {
        var f = file
        f.metadata["stackzoo.format"] = Checkpoint.format
        f.metadata["stackzoo.model"] = f.metadata["stackzoo.model"] ?? "stackgan-v1"
        return try Checkpoint.config(of: f)
    }

    func assertSameTensors(_ a: SafeTensorsFile, _ b: SafeTensorsFile, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(a.names), Set(b.names), file: file, line: line)
        for n in a.names { XCTAssertEqual(a[n], b[n], n, file: file, line: line) }
    }

    func testStackGANv2EqualsThePythonConverter() throws {
        // make_pth_fixtures.py: a tiny v2 saved as the official trainer does (module. prefix, no
        // num_batches_tracked, netD1 in the legacy format), then run through convert_official.py.
        let python = try SafeTensorsFile.read(path: fixturePath("pth/v2_converted.safetensors"))
        let native = try convert(like: python, netG: "v2_netG.pth", netD: ["v2_netD0.pth", "v2_netD1.pth"])
        XCTAssertTrue(native.names.contains("netG_ema.h_net1.fc.0.weight"))
        assertSameTensors(native, python)
        let (_, nativeValues) = try Checkpoint.config(of: native), (_, pythonValues) = try configOf(python)
        func number(_ v: Any?) -> Double? { (v as? Double) ?? (v as? Int).map(Double.init) }
        for (k, v) in pythonValues {   // (checkpoints write 2.0 as 2, so numbers compare as numbers)
            if let x = number(v) { XCTAssertEqual(number(nativeValues[k]), x, k) } else { XCTAssertEqual(nativeValues[k] as? Bool, v as? Bool, k) }
        }
        // What it writes loads back as a model.
        let (name, values) = try Checkpoint.config(of: native)
        try Checkpoint.restore(try SafeTensorsFile.decode(try native.encode(), path: "converted"), into: try ModelRegistry.shared.make(name, values: values))
    }

    func testStackGANv1EqualsTheCheckpointItWasSavedFrom() throws {
        let original = try SafeTensorsFile.read(path: fixturePath("pth/v1.safetensors"))
        let native = try convert(like: original, netG: "v1_netG.pth", netD: ["v1_netD.pth"])
        assertSameTensors(native, original)
    }

    func testWrongFilesAreClearErrors() throws {
        let python = try SafeTensorsFile.read(path: fixturePath("pth/v2_converted.safetensors"))
        XCTAssertThrowsError(try convert(like: python, netG: "v2_netD0.pth", netD: [])) {
            XCTAssertTrue("\($0)".contains("v2_netD0.pth as stackgan-v2's netG"), "\($0)")
        }
        XCTAssertThrowsError(try convert(like: python, netG: "v2_netG.pth", netD: ["v2_netD1.pth", "v2_netD0.pth"])) {
            XCTAssertTrue("\($0)".contains("v2_netD1.pth as stackgan-v2's netsD.0"), "\($0)")
        }
        XCTAssertThrowsError(try convert(like: python, netG: "v2_netG.pth", netD: ["v2_netD0.pth", "v2_netD1.pth", "v2_netD1.pth"])) {
            XCTAssertTrue("\($0)".contains("3 discriminator files for stackgan-v2's 2"), "\($0)")
        }
    }
}
