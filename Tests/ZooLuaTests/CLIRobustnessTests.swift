// stackzoo end to end on requests too large for memory and on damaged checkpoints: one clear error,
// exit 1, never a crash. Runs under a 4 GB engine cap, so nothing large is made whatever the machine.
import Foundation
import XCTest

final class CLIRobustnessTests: XCTestCase {
    /// (status, stderr) of the debug stackzoo under a 4 GB cap, in the repository.
    func stackzoo(_ arguments: [String]) throws -> (Int32, String) {
        let (s, _, err) = try runStackzoo(arguments, environment: ["STACKZOO_MEMORY_CAP": "4G", "STACKZOO_THREADS": "1"])
        return (s, err)
    }

    func assertFails(_ arguments: [String], _ fragments: [String], line: UInt = #line) throws {
        let (s, err) = try stackzoo(arguments)
        XCTAssertEqual(s, 1, err, line: line)
        for f in fragments { XCTAssertTrue(err.contains(f), "stderr lacks '\(f)':\n\(err)", line: line) }
        XCTAssertFalse(err.contains("Fatal error") || err.contains("Illegal instruction"), err, line: line)
    }

    func testConfigsTooLargeForMemoryAreRefusedNamingTheKey() throws {
        try assertFails(["describe", "stackgan-v2/emoji", "--set", "arch.gf=1000"],
                        ["arch.gf = 1000: the networks would need ", "more than the memory limit (engine memory cap 4.0 GB"])
        try assertFails(["describe", "stackgan-v1/emoji-stage1", "--set", "arch.gf=1000"], ["arch.gf = 1000: the networks would need "])
        try assertFails(["describe", "stackgan-v2/emoji", "--set", "arch.text=100000000"],
                        ["arch.text = 100000000 is out of range: at most 1048576"])
        try assertFails(["describe", "stackgan-v1/emoji-stage1", "--set", "arch.text=100000000"],
                        ["arch.text = 100000000 is out of range"])
        let (s, err) = try stackzoo(["describe", "stackgan-v2/emoji", "--memory-cap", "lots"])
        XCTAssertNotEqual(s, 0)
        XCTAssertTrue(err.contains("--memory-cap must be a size such as 8G"), err)
    }

    func testScriptsAskingForTooMuchGetAnErrorNamingTheOp() throws {
        let dir = try temporaryFolder(self)
        try write("""
            local zoo = require 'zoo'
            local ok, err = pcall(function() return zoo.randn(100000, 1):matmul(zoo.randn(1, 100000)) end)
            io.stderr:write("caught: ", tostring(err), "\\n")
            local t = {}
            for i = 1, 10 do t[i] = zoo.zeros(35000, 35000) end
            """, to: dir + "/big.lua")
        try assertFails(["run", dir + "/big.lua"],
                        ["caught: " + dir + "/big.lua:2: out of memory: requested 40.0 GB for matmul [100000, 1] x [1, 100000] (engine memory cap 4.0 GB",
                         dir + "/big.lua:5: out of memory: requested 4.9 GB for a tensor of shape [35000, 35000] (engine memory cap 4.0 GB"])
        try write("local zoo = require 'zoo'\nzoo.nn.Conv2d(3, 4, {kernel = 3, padding = 100000}):forward(zoo.randn(1, 3, 8, 8))\n",
                  to: dir + "/pad.lua")
        try assertFails(["run", dir + "/pad.lua"], ["pad.lua:2: out of memory: requested ", "for conv2d [1, 3, 8, 8] * weight [4, 3, 3, 3] (stride 1, padding 100000)"])
    }

    /// A tiny unconditional StackGAN-v2 checkpoint (64×64), written through the CLI.
    func tinyCheckpoint(in dir: String) throws -> String {
        try write("""
            local zoo = require 'zoo'
            local m = zoo.model("stackgan-v2/emoji-uncond", {"arch.gf=8", "arch.df=4", "arch.branches=1", "train.batch=2"})
            m:save_checkpoint(arg[1])
            """, to: dir + "/make.lua")
        let path = dir + "/tiny.safetensors"
        let (s, err) = try stackzoo(["run", dir + "/make.lua", path])
        XCTAssertEqual(s, 0, err)
        return path
    }

    func testSamplingTooManyImagesIsRefusedBeforeTheFirst() throws {
        let dir = try temporaryFolder(self)
        let ckpt = try tinyCheckpoint(in: dir)
        try assertFails(["sample", ckpt, "--n", "100000000", "--out", dir + "/x.png"],
                        ["out of memory: requested ", " for 100000000 sampled images (engine memory cap 4.0 GB"])
        let (s, err) = try stackzoo(["sample", ckpt, "--n", "4", "--out", dir + "/x.png"])
        XCTAssertEqual(s, 0, err)
    }

    func testDamagedCheckpointsAreRefusedNamingTheFile() throws {
        let dir = try temporaryFolder(self)
        let ckpt = try tinyCheckpoint(in: dir)
        let (s0, out0, _) = try runStackzoo(["describe", ckpt])
        XCTAssertEqual(s0, 0)
        XCTAssertTrue(out0.contains("checksum: verified"), out0)
        // One bit of one weight flipped, well inside the data section.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: ckpt))
        bytes[bytes.count - 1000] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: ckpt))
        try assertFails(["sample", ckpt, "--out", dir + "/x.png"], [ckpt + ": checksum mismatch (tensor data damaged)"])
        try assertFails(["describe", ckpt], [ckpt + ": checksum mismatch (tensor data damaged)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.png"))
    }
}
