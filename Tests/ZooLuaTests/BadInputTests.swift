// Values that used to pass validation and fail later (or run out of memory): each is one clear
// error at the start, naming where the value was set, exit 1.
import Foundation
import XCTest
@testable import ZooLua

final class BadInputTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try temporaryFolder(self) }

    func stackzoo(_ args: [String]) throws -> (Int32, String) {
        let (s, out, err) = try runStackzoo(args + ["--threads", "1"], cwd: dir, environment: ["STACKZOO_HOME": repositoryRoot])
        return (s, out + err)
    }

    func testIntegerOptionsBeyondIntAreErrorsNotTraps() throws {
        // 2^63 as a float once trapped converting to Int (a fuzz case: train.batch = 9223372036854775807).
        let lua = try makeLua()
        assertScriptError(lua, "require('zoo').data.open({kind = 'captioned', root = 'nowhere'}, {batch = 2^63})", ["option 'batch': integer expected"])
        assertScriptError(lua, "require('zoo').data.open({kind = 'captioned', root = 'nowhere'}, {batch = -1e300})", ["option 'batch': integer expected"])
    }

    func testTrainingKnobsAreCheckedUpFront() throws {
        for (args, message) in [
            (["stackgan-v2/emoji", "--set", "train.batch=1"], "--set train.batch: config: train.batch = 1: at least 2 images per step"),
            (["stackgan-v1/emoji-stage1", "--set", "train.batch=1"], "--set train.batch: config: train.batch = 1: at least 2 images per step"),
            (["stackgan-v2/emoji", "--set", "train.snapshot_every=0"], "--set train.snapshot_every: train.snapshot_every = 0: must be"),
            (["dcgan/tiny", "--set", "train.snapshot_every=0"], "--set train.snapshot_every: train.snapshot_every = 0: must be an integer of at least 1"),
        ] {
            let (s, out) = try stackzoo(["train"] + args + ["--out", "runs/x", "--steps", "1"])
            XCTAssertEqual(s, 1, out)
            XCTAssertTrue(out.contains(message), "\(args): \(out)")
            XCTAssertFalse(out.contains("step 1/"), "refused before training: \(out)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/x"), "no folder left behind")
        }
    }

    /// Tensors a config makes count against its tensor budget (1 GiB), before the machine's memory.
    func testAConfigsTensorsHaveABudget() throws {
        try write("""
            local t = {}
            for i = 1, 10 do t[i] = zoo.zeros(12000, 12000) end
            return { model = "dcgan", arch = { nz = 4 } }
            """, to: dir + "/bomb.lua")
        assertScriptError(try makeLua(), "require('zoo').config('\(dir)/bomb.lua')",
                          ["bomb.lua:2: out of memory: requested 576 MB for a tensor of shape [12000, 12000] (the config's tensor budget 1.1 GB, 576 MB in use)"])
        // Trusted code has no such budget, and the budget ends with the config.
        XCTAssertNoThrow(try makeLua().run("local zoo = require 'zoo'; local a, b = zoo.zeros(12000, 12000), zoo.zeros(12000, 12000)"))
    }

    /// A table raised as an error is described where it was raised, in an entry or a script.
    func testTableErrorsAreDescribed() throws {
        try write("error({ code = 3 })\nreturn {}\n", to: dir + "/raises.lua")
        assertScriptError(try makeLua(), "require('zoo').config('\(dir)/raises.lua')", ["raises.lua:1: error object (a table): {code = 3}"])
        assertScriptError(try makeLua(), "local x = 1\nerror({ 'first', why = true })", ["test:2: error object (a table): {[1] = \"first\", why = true}"])
    }

    /// dcgan/tiny, the smoke-test entry, trains as it is and samples into a folder.
    func testTheSmokeTestEntryTrainsAndSamples() throws {
        var (s, out) = try stackzoo(["train", "dcgan/tiny", "--out", "runs/tiny", "--steps", "2"])
        XCTAssertEqual(s, 0, out)
        let ckpt = "runs/tiny/checkpoints/final.safetensors"
        (s, out) = try stackzoo(["sample", ckpt, "--n", "4", "--out", "grids/"])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/grids/samples.png"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/grids.png"), out)
    }
}
