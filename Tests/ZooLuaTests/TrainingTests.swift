// stackzoo train end to end: a Lua model through the recipe, hooks, exact resume, SIGINT, NaN stop,
// atomic checkpoints, and sampling from the checkpoint alone.
import Foundation
import XCTest
@testable import ZooLua

final class TrainingTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
        // 12 tiny pictures: a bright square on a dark ground, at different places.
        let lua = try makeLua()
        try lua.run("""
            local zoo = require 'zoo'
            zoo.run.mkdir('\(dir)/images/a')
            for i = 1, 12 do
              local t = zoo.full({3, 20, 20}, -0.8)
              for y = 1, 8 do for x = 1, 8 do for c = 1, 3 do t:set(0.9 - 0.3 * c, c, y + i % 6, x + (i * 5) % 10) end end end
              zoo.image.save(t, string.format('\(dir)/images/a/%02d.png', i))
            end
            """)
        try writeTinyDCGANEntry(in: dir, description: "training test", snapshotEvery: 3)
    }

    /// Runs the debug stackzoo in the test folder with the repository's plugins and scripts;
    /// returns (status, stdout + stderr).
    @discardableResult
    func stackzoo(_ args: [String], interruptWhen: (() -> Bool)? = nil) throws -> (Int32, String) {
        let (s, out, err) = try runStackzoo(args + ["--threads", "1"], cwd: dir, environment: ["STACKZOO_HOME": repositoryRoot],
                                            interruptWhen: interruptWhen)
        return (s, out + err)
    }

    func weights(_ checkpoint: String) throws -> [Any?] {
        try makeLua().run("""
            local zoo = require 'zoo'
            local t = zoo.load('\(checkpoint)')
            local names = {}
            for k in pairs(t) do if not k:find('^opt%.') then names[#names + 1] = k end end
            table.sort(names)
            local out = {}
            for _, k in ipairs(names) do for _, v in ipairs(t[k]:values()) do out[#out + 1] = v end end
            return table.concat(out, ',')
            """)
    }

    func testTrainsALuaModelAndResumesExactly() throws {
        let (s1, out1) = try stackzoo(["train", "tiny.lua", "--out", "runs/straight", "--steps", "8", "--seed", "5"])
        XCTAssertEqual(s1, 0, out1)
        for f in ["config.lua", "log.jsonl", "report.html", "checkpoints/final.safetensors", "checkpoints/step-000008.safetensors",
                  "checkpoints/step-000006.safetensors", "samples/step-000008.png", "samples/step-000003.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/runs/straight/" + f), "missing \(f)\n\(out1)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/straight/checkpoints/step-000003.safetensors"), "keep = 2")
        let log = try String(contentsOfFile: dir + "/runs/straight/log.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.count, 8)
        XCTAssertTrue(log[0].hasPrefix("{\"step\":1,\"epoch\":") && log[0].contains("\"errD\":"), String(log[0]))

        // 4 steps, stop, resume for 4 more: bitwise the same weights as 8 straight.
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/split", "--steps", "4", "--seed", "5"]).0, 0)
        let (s2, out2) = try stackzoo(["train", "--resume", "runs/split", "--steps", "8"])
        XCTAssertEqual(s2, 0, out2)
        XCTAssertTrue(out2.contains("resuming runs/split at step 4"), out2)
        XCTAssertEqual(try weights(dir + "/runs/split/checkpoints/final.safetensors").first as? String,
                       try weights(dir + "/runs/straight/checkpoints/final.safetensors").first as? String)
        let splitLog = try String(contentsOfFile: dir + "/runs/split/log.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(splitLog.map { $0.split(separator: ",").prefix(3) }, log.map { $0.split(separator: ",").prefix(3) })

        // The checkpoint alone is enough to sample.
        let (s3, out3) = try stackzoo(["sample", "runs/straight/checkpoints/final.safetensors", "--n", "4", "--out", "s.png"])
        XCTAssertEqual(s3, 0, out3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/s.png"))
    }

    func testStackGANv1TwoStageRecipeWithAResume() throws {
        // The tiny captioned fixture (6 training images, 16-d embeddings): 3 steps per epoch of 2.
        let data = repositoryRoot + "/Tests/Fixtures/data/emoji"
        let tiny = ["--set", "arch.gf=4", "--set", "arch.df=2", "--set", "arch.z=4", "--set", "arch.condition=4",
                    "--set", "arch.text=16", "--set", "train.batch=2", "--set", "train.epochs=1", "--set", "train.snapshot_every=2",
                    "--set", "data.root=" + data]
        let recipe = repositoryRoot + "/scripts/train_stackgan_v1.lua"
        // Stage-I stopped by --steps before its epoch ends: no DONE, Stage-II not started.
        var (s, out) = try stackzoo(["train", "stackgan-v1/emoji-stage1", "--recipe", recipe, "--out", "runs/v1", "--steps", "2"] + tiny)
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("Stage-I stopped early (reached --steps 2)"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/v1/stage1/DONE"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/v1/stage2"), out)
        // The rerun resumes Stage-I, finishes its epoch, then trains Stage-II on it.
        (s, out) = try stackzoo(["train", "--resume", "runs/v1", "--recipe", recipe])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("resuming runs/v1/stage1 at step 2"), out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/runs/v1/stage1/DONE"), out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/runs/v1/stage2/checkpoints/final.safetensors"), out)
        let config2 = try String(contentsOfFile: dir + "/runs/v1/stage2/config.lua", encoding: .utf8)
        XCTAssertTrue(config2.contains("stage1_checkpoint = \"runs/v1/stage1/checkpoints/final.safetensors\""), config2)
        // Stage-I and Stage-II side by side from the Stage-II checkpoint alone.
        try write("grinning face\n", to: dir + "/caps.txt")
        (s, out) = try stackzoo(["sample", "runs/v1/stage2/checkpoints/final.safetensors", "--loop", repositoryRoot + "/scripts/stages.lua",
                                 "--captions", "caps.txt", "--n", "2", "--out", "st.png"])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/st.png"), out)
    }

    func testHooksAndSchedulesFireAsWritten() throws {
        try write("""
            local Trainer = require "trainer"
            local t = Trainer.new(...)
            local calls = {}
            t:run {
              lr = function(step, epoch) return step < 2 and 1 or 0.5 end,
              sample_every = 100, checkpoint_every = 100,
              on_step = function(tr, losses, names) calls[#calls + 1] = "step" .. tr.step .. ":" .. tr.model.optimizers.optG.lr end,
              on_epoch = function(tr, epoch) calls[#calls + 1] = "epoch" .. epoch end,
              on_snapshot = function(tr, path) calls[#calls + 1] = "snapshot" .. tr.step end,
            }
            local f = assert(io.open("calls.txt", "w")); f:write(table.concat(calls, " ")); f:close()
            """, to: dir + "/recipe.lua")
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/hooks", "--steps", "4", "--recipe", dir + "/recipe.lua"])
        XCTAssertEqual(s, 0, out)
        // 12 images / batch 4 = 3 steps per epoch: the epoch hook fires when step 4 starts epoch 1.
        XCTAssertEqual(try String(contentsOfFile: dir + "/calls.txt", encoding: .utf8),
                       "step1:0.001 step2:0.0005 step3:0.0005 epoch0 step4:0.0005 snapshot4")
    }

    func testInterruptWritesACheckpointAndExitsCleanly() throws {
        // Interrupt once training is under way (its handler is installed before the first step).
        let log = dir + "/runs/int/log.jsonl"
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/int", "--set", "train.epochs=100000"]) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count >= 2
        }
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("stopped: interrupted at step"), out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/runs/int/checkpoints/final.safetensors"), out)
    }

    func testNaNStopsAndKeepsTheLastGoodCheckpoint() throws {
        try write("""
            local Trainer = require "trainer"
            local t = Trainer.new(...)
            t:run {
              checkpoint_every = 2,
              on_step = function(tr)
                if tr.step == 3 then
                  local w = tr.model.networks.netD[1].weight
                  w:set(0 / 0, 1, 1, 1, 1)
                end
              end,
            }
            """, to: dir + "/nan.lua")
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/nan", "--steps", "10", "--recipe", dir + "/nan.lua"])
        XCTAssertNotEqual(s, 0)
        XCTAssertTrue(out.contains("step 4: loss 'errD' is nan") || out.contains("step 4: loss 'errD' is -nan"), out)
        XCTAssertTrue(out.contains("the last good checkpoint is runs/nan/checkpoints/step-000002.safetensors"), out)
        XCTAssertNoThrow(try weights(dir + "/runs/nan/checkpoints/step-000002.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/nan/checkpoints/step-000004.safetensors"))
    }

    func testADamagedCheckpointIsRefusedOnResumeAndSample() throws {
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/bad", "--steps", "3"]).0, 0)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir + "/runs/bad/checkpoints").filter { $0.hasSuffix(".safetensors") }
        for name in checkpoints {
            let url = URL(fileURLWithPath: dir + "/runs/bad/checkpoints/" + name)
            var bytes = try Data(contentsOf: url)
            bytes[bytes.count - 100] ^= 0x01
            try bytes.write(to: url)
        }
        let (s, out) = try stackzoo(["train", "--resume", "runs/bad", "--steps", "6"])
        XCTAssertNotEqual(s, 0, out)
        XCTAssertNotNil(out.range(of: #"runs/bad/checkpoints/[a-z0-9-]+\.safetensors: checksum mismatch \(tensor data damaged\)"#,
                                  options: .regularExpression), out)
        XCTAssertFalse(out.contains("resuming"), out)
        let (s2, out2) = try stackzoo(["sample", "runs/bad/checkpoints/final.safetensors", "--out", "x.png"])
        XCTAssertNotEqual(s2, 0, out2)
        XCTAssertTrue(out2.contains("runs/bad/checkpoints/final.safetensors: checksum mismatch (tensor data damaged)"), out2)
    }

    func testFailedCheckpointWriteLeavesThePreviousOneReadable() throws {
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/atomic", "--steps", "3"]).0, 0)
        // A folder where the next checkpoint file should go makes its rename fail.
        try FileManager.default.createDirectory(atPath: dir + "/runs/atomic/checkpoints/step-000006.safetensors", withIntermediateDirectories: true)
        let (s, out) = try stackzoo(["train", "--resume", "runs/atomic", "--steps", "6"])
        XCTAssertNotEqual(s, 0, out)
        XCTAssertTrue(out.contains("step-000006.safetensors"), out)
        XCTAssertNoThrow(try weights(dir + "/runs/atomic/checkpoints/step-000003.safetensors"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/runs/atomic/checkpoints").filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
    }
}
