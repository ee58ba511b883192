// Runs cannot be lost by a flag: existing folders, resumed recipes, killed writes, failing hooks,
// block slots that cannot be saved, and captions looked up in the checkpoint's own embeddings.
import Foundation
import XCTest
@testable import ZooLua

final class RunSafetyTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
        try makeLua().run("""
            local zoo = require 'zoo'
            zoo.run.mkdir('\(dir)/images/a')
            for i = 1, 8 do zoo.image.save(zoo.rand(3, 16, 16) * 2 - 1, string.format('\(dir)/images/a/%02d.png', i)) end
            """)
        try writeTinyDCGANEntry(in: dir, description: "run safety test", snapshotEvery: 2)
    }

    @discardableResult
    func stackzoo(_ args: [String]) throws -> (Int32, String) {
        let (s, out, err) = try runStackzoo(args + ["--threads", "1"], cwd: dir, environment: ["STACKZOO_HOME": repositoryRoot])
        return (s, out + err)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/" + path) }
    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + path)) }

    func testAnExistingRunFolderIsRefusedUnlessForced() throws {
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/a", "--steps", "2"]).0, 0)
        let final = try bytes("runs/a/checkpoints/final.safetensors")
        let log = try bytes("runs/a/log.jsonl")
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/a", "--steps", "4"])
        XCTAssertEqual(s, 1, out)
        XCTAssertTrue(out.contains("runs/a already holds a run: continue it with 'stackzoo train --resume runs/a'"), out)
        XCTAssertEqual(try bytes("runs/a/checkpoints/final.safetensors"), final, "the run is untouched")
        XCTAssertEqual(try bytes("runs/a/log.jsonl"), log)
        XCTAssertTrue(exists("runs/a/checkpoints/step-000002.safetensors"))

        let (s2, out2) = try stackzoo(["train", "tiny.lua", "--out", "runs/a", "--steps", "4", "--force"])
        XCTAssertEqual(s2, 0, out2)
        XCTAssertTrue(out2.contains("moved the run that was in runs/a to runs/a.old-1 (--force)"), out2)
        XCTAssertEqual(try bytes("runs/a.old-1/checkpoints/final.safetensors"), final, "the old run is kept aside")
        XCTAssertTrue(exists("runs/a/checkpoints/step-000004.safetensors"))
        XCTAssertEqual(try stackzoo(["train", "--resume", "runs/a", "--force"]).0, 64, "--force with --resume is a usage error")
    }

    func testAFailedStartLeavesNoFolder() throws {
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/bad", "--set", "data.root=nowhere"])
        XCTAssertEqual(s, 1, out)
        XCTAssertFalse(exists("runs/bad"), out)
    }

    func testResumeContinuesWithTheRunsRecipe() throws {
        let recipe = """
            local Trainer = require "trainer"
            local t = Trainer.new(...)
            t:run {
              lr = function(step) return 1 / step end,
              checkpoint_every = 2,
              on_step = function(tr)
                local f = assert(io.open("hooks.txt", "a"))
                f:write(tr.step, ":", tr.model.optimizers.optG.lr, "\\n")
                f:close()
              end,
            }
            """
        try write(recipe, to: dir + "/custom.lua")
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/r", "--steps", "2", "--recipe", "custom.lua"]).0, 0)
        try FileManager.default.removeItem(atPath: dir + "/custom.lua")   // the run keeps its own copy
        let (s, out) = try stackzoo(["train", "--resume", "runs/r", "--steps", "4"])
        XCTAssertEqual(s, 0, out)
        let lines = try String(contentsOfFile: dir + "/hooks.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.map { $0.split(separator: ":")[0] }, ["1", "2", "3", "4"], "the hook runs after the resume")
        XCTAssertEqual(Double(lines[3].split(separator: ":")[1])!, 1e-3 / 4, accuracy: 1e-12, "the schedule continues")
        let meta = try makeLua().run("return require('zoo').checkpoint_metadata('\(dir)/runs/r/checkpoints/final.safetensors')['stackzoo.recipe']")
        XCTAssertEqual(meta.first as? String, recipe, "the checkpoint records the run's recipe, not the default one")
        XCTAssertTrue(out.contains("train longer: stackzoo train --resume runs/r --steps 8"), out)
    }

    func testKilledWritesLeaveNoTemporaries() throws {
        XCTAssertEqual(try stackzoo(["train", "tiny.lua", "--out", "runs/k", "--steps", "2"]).0, 0)
        // What kill -9 during an atomic write leaves: NAME.tmp.PID of a process that is gone.
        try write(String(repeating: "x", count: 5000), to: dir + "/runs/k/checkpoints/step-000004.safetensors.tmp.4194300")
        try write("x", to: dir + "/runs/k/config.lua.tmp.4194301")
        let (s, out) = try stackzoo(["train", "--resume", "runs/k", "--steps", "3"])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("removed 1 unfinished temporary file(s)"), out)
        XCTAssertFalse(exists("runs/k/checkpoints/step-000004.safetensors.tmp.4194300"))
        XCTAssertFalse(exists("runs/k/config.lua.tmp.4194301"))
    }

    func testAFailingHookWritesACheckpointOfItsStep() throws {
        try write("""
            local Trainer = require "trainer"
            local t = Trainer.new(...)
            t:run {
              checkpoint_every = 100,
              on_step = function(tr) if tr.step == 3 then error("boom in my hook") end end,
            }
            """, to: dir + "/failing.lua")
        let (s, out) = try stackzoo(["train", "tiny.lua", "--out", "runs/h", "--steps", "10", "--recipe", "failing.lua"])
        XCTAssertEqual(s, 1, out)
        XCTAssertTrue(out.contains("boom in my hook"), out)
        XCTAssertTrue(out.contains("the recipe's on_step failed after step 3; checkpoint runs/h/checkpoints/step-000003.safetensors holds that step"), out)
        XCTAssertTrue(exists("runs/h/checkpoints/step-000003.safetensors"), out)
        try write("local T = require 'trainer'; T.new(...):run { checkpoint_every = 100 }", to: dir + "/runs/h/recipe.lua")
        let (s2, out2) = try stackzoo(["train", "--resume", "runs/h", "--steps", "4"])
        XCTAssertEqual(s2, 0, out2)
        XCTAssertTrue(out2.contains("resuming runs/h at step 3"), out2)
    }

    func testBlockSlotsMustBeSavable() throws {
        let lua = try makeLua()
        // A slot that captures a file-level local cannot be written back: refused at config time.
        try write("""
            local nn = zoo.nn
            local function up_block(cin, cout)
              return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 3, padding = 1 }))
            end
            return { extends = "dcgan/tiny", arch = { up_block = up_block } }
            """, to: dir + "/captures.lua")
        assertScriptError(lua, "require('zoo').config('\(dir)/captures.lua')",
                          ["captures.lua", "'arch.up_block' uses 'nn', a local variable outside the function", "write the function inline"])
        // A named local function without upvalues is saved as an anonymous function and reads back.
        try write("""
            local function up_block(cin, cout)
              local nn = zoo.nn
              return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 3, padding = 1 }), nn.ReLU())
            end
            return { extends = "dcgan/tiny", arch = { up_block = up_block } }
            """, to: dir + "/named.lua")
        let r = try lua.run("""
            local zoo = require 'zoo'
            local text = zoo.config_source((zoo.config('\(dir)/named.lua')))
            local again = zoo.config('config.lua', {}, text)
            local m = zoo.model(again)
            return tostring(m.networks.netG):find('ReLU') ~= nil
            """)
        XCTAssertEqual(r.first as? Bool, true)
    }

    /// The checkpoint's data.embeddings picks the file, not whichever .npy sorts first.
    func testCaptionsUseTheConfiguredEmbeddings() throws {
        let data = dir + "/emoji"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Fixtures/data/emoji", toPath: data)
        try FileManager.default.moveItem(atPath: data + "/emb_test.npy", toPath: data + "/emb_z.npy")
        // A decoy that sorts first: the same header, every value zero.
        var decoy = try Data(contentsOf: URL(fileURLWithPath: data + "/emb_z.npy"))
        let headerEnd = decoy.firstIndex(of: 0x0A)! + 1
        decoy.replaceSubrange(headerEnd..<decoy.count, with: Data(count: decoy.count - headerEnd))
        try decoy.write(to: URL(fileURLWithPath: data + "/emb_a.npy"))
        let r = try makeLua().run("""
            local zoo = require 'zoo'
            local e = zoo.load_npy('\(data)/emb_z.npy')              -- [N, K, 16]
            assert(e:pow(2):sum():item() > 0)
            local t, file = zoo.data.caption_embeddings({ kind = "captioned", root = '\(data)', embeddings = "emb_z.npy" },
                                                       { "grinning face", "a grinning face emoji" })
            local row = e:slice(1, 1, 1):reshape(e:size(2), e:size(3))
            local d1 = (t:slice(1, 1, 1):reshape(16) - row:slice(1, 1, 1):reshape(16)):pow(2):sum():item()
            local d2 = (t:slice(1, 2, 1):reshape(16) - row:slice(1, 2, 1):reshape(16)):pow(2):sum():item()
            local ok, err = pcall(zoo.data.caption_embeddings, { kind = "captioned", root = '\(data)' }, { "grinning face" })
            local ok2, err2 = pcall(zoo.data.caption_embeddings, { kind = "captioned", root = '\(data)', embeddings = "emb_z.npy" }, { "grining face" })
            return d1, d2, file, ok, err, ok2, err2
            """)
        XCTAssertEqual(r[0] as? Double, 0)
        XCTAssertEqual(r[1] as? Double, 0)
        XCTAssertEqual(r[2] as? String, data + "/emb_z.npy")
        XCTAssertEqual(r[3] as? Bool, false, "two embedding files and none named: an error, not a guess")
        XCTAssertTrue((r[4] as? String ?? "").contains("several embedding files"), "\(r[4] ?? "")")
        XCTAssertTrue((r[6] as? String ?? "").contains("closest: 'grinning face'"), "\(r[6] ?? "")")

        // End to end: a text model trained on emb_z.npy samples "grinning face" from emb_z.npy.
        let tiny = ["--set", "arch.gf=4", "--set", "arch.df=2", "--set", "arch.z=4", "--set", "arch.condition=4",
                    "--set", "arch.text=16", "--set", "train.batch=2", "--set", "data.root=" + data, "--set", "data.embeddings=emb_z.npy"]
        var (s, out) = try stackzoo(["train", "stackgan-v1/emoji-stage1", "--out", "runs/t", "--steps", "1"] + tiny)
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("--captions CAPTIONS.txt"), "the closing hint of a text model names its conditions: \(out)")
        try write("grinning face\n", to: dir + "/caps.txt")
        let ckpt = "runs/t/checkpoints/final.safetensors"
        (s, out) = try stackzoo(["sample", ckpt, "--captions", "caps.txt", "--n", "4", "--nrow", "4", "--out", "c.png"])
        XCTAssertEqual(s, 0, out)
        (s, out) = try stackzoo(["sample", ckpt, "--embeddings", data + "/emb_z.npy", "--n", "4", "--nrow", "4", "--out", "e.png"])
        XCTAssertEqual(s, 0, out)
        // c.png has the caption beside its row (13 characters: a margin of 13·6 + 8 pixels), then e.png's pixels.
        let grids = try makeLua().run("""
            local zoo = require 'zoo'
            local c, e = zoo.image.load('\(dir)/c.png'), zoo.image.load('\(dir)/e.png')
            local margin = c:size(3) - e:size(3)
            return string.format("%d %d %g", margin, c:size(2) - e:size(2), (c:slice(3, margin + 1, e:size(3)) - e):pow(2):sum():item())
            """)
        XCTAssertEqual(grids.first as? String, "86 0 0", "the caption's row of emb_z.npy, not of emb_a.npy")
        XCTAssertEqual(try String(contentsOfFile: dir + "/c.txt", encoding: .utf8), "row 1: grinning face\n")
    }
}
