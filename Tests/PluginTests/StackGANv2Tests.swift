// StackGAN-v2: parity with the PyTorch fixtures, official parameter counts, config errors, slots.
import Foundation
import XCTest
import ZooCore
import ZooLua
import ZooTestSupport
@testable import StackGANv2

final class StackGANv2Tests: XCTestCase {
    override func setUp() {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
    }

    func parity(_ name: String) throws {
        let report = try ParityRunners.run(prefix: fixturePath("parity/\(name)"))
        XCTAssertGreaterThan(report.rows.count, 50, name)
        // Most tensors must meet the fixed tolerance outright; the sensitivity bound is for a few.
        let calibrated = report.rows.filter { $0.relative > $0.tolerance }.count
        XCTAssertLessThanOrEqual(calibrated, report.rows.count / 20, "\(name): \(calibrated) tensors only pass by sensitivity")
        for row in report.rows where !row.passed {
            XCTFail("\(name) \(row.name): error \(row.maxAbs) (relative \(row.relative)) > tolerance \(row.tolerance) and > 4× the float32 sensitivity \(row.sensitivity)")
        }
    }

    func testParityConditional() throws { try parity("shared_v2_cond") }
    func testParityUnconditional() throws { try parity("shared_v2_uncond") }
    func testParityDemo() throws { try parity("shared_v2_demo") }

    /// SPEC §3.3: trainable parameters of the birds (conditional) and unconditional configs.
    func testOfficialParameterCounts() throws {
        for (conditional, g, d) in [(true, 21_239_696, [5_723_906, 18_834_178, 71_269_122]),
                                    (false, 16_472_208, [2_765_569, 15_875_841, 68_310_785])] {
            var cfg = StackGANv2Config()
            cfg.conditional = conditional
            cfg.initialize = false
            XCTAssertEqual(try GNet(cfg).parameterCount, g, "G conditional=\(conditional)")
            for (size, expected) in zip([64, 128, 256], d) {
                XCTAssertEqual(try V2Discriminator(size: size, cfg).parameterCount, expected, "D\(size) conditional=\(conditional)")
            }
        }
    }

    func testBadConfigs() throws {
        var cfg = StackGANv2Config()
        cfg.branchNum = 5
        XCTAssertThrowsError(try cfg.validate()) { XCTAssertTrue("\($0)".contains("arch.branches must be 1, 2 or 3"), "\($0)") }
        cfg.branchNum = 2
        cfg.gfDim = 6
        XCTAssertThrowsError(try cfg.validate()) { XCTAssertTrue("\($0)".contains("arch.gf must be a positive multiple of 4"), "\($0)") }
    }
}

/// StackGAN-v2 from Lua: zoo entries resolve, block slots swap, a step trains, sampling works.
final class StackGANv2LuaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func lua() throws -> LuaState {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        return try LuaState(projectRoot: StackGANv2LuaTests.root)
    }

    func testEveryEntryResolves() throws {
        let lua = try lua()
        for entry in ["birds", "bedroom", "church", "dog", "cat", "emoji", "emoji-uncond", "emoji-swap"] {
            XCTAssertNoThrow(try lua.call("config", "stackgan-v2/\(entry)"), entry)
        }
        let (cfg) = try lua.call("config", "stackgan-v2/dog")[0] as! [String: Any]
        XCTAssertEqual((cfg["loss"] as! [String: Any])["colour"] as? Double, 50)
        XCTAssertEqual((cfg["arch"] as! [String: Any])["conditional"] as? Bool, false)
    }

    func testFalseFlagsReachTheCompiledModel() throws {
        // arch.conditional = false (emoji-uncond) must build an unconditional model, and be stored so.
        let r = try lua().run("""
            local zoo = require 'zoo'
            local m = zoo.model("stackgan-v2/emoji-uncond", {"arch.gf=8", "arch.df=4", "arch.branches=1"})
            return m.text_dim == nil, #m.network_names
            """)
        XCTAssertEqual(r.first as? Bool, true)
    }

    func testBlockSwapTrainsAndSamples() throws {
        let lua = try lua()
        let r = try lua.run("""
            local zoo = require "zoo"
            zoo.seed(1)
            local m = zoo.model("stackgan-v2/emoji-swap", {"train.batch=2"})
            local up = m.networks.netG.h_net1.upsample1
            assert(up[4]:type() == "LeakyReLU", "the slot's block is in place")
            local batch = { text = zoo.randn(2, 384) * 0.05 }   -- MiniLM-like: unit-norm sentence vectors
            for _, s in ipairs {64, 128} do
              batch["real." .. s] = zoo.rand(2, 3, s, s) * 2 - 1
              batch["wrong." .. s] = zoo.rand(2, 3, s, s) * 2 - 1
            end
            local first = m:train_step(batch)
            local second, names = m:train_step(batch)
            assert(names[1] == "errD.0" and names[3] == "errG")
            for _, n in ipairs(names) do assert(second[n] == second[n], n .. " is NaN") end
            local imgs, order = m:sample { n = 2, seed = 3, condition = zoo.randn(2, 384) }
            assert(order[2] == "img128" and imgs.img128:size(3) == 128)
            return first.errD_0 == nil and first["errD.0"] ~= second["errD.0"]
            """)
        XCTAssertEqual(r.first as? Bool, true)
    }

    func testForwardPassesFromLuaMatchTheReference() throws {
        let lua = try lua()
        let p = fixturePath("parity/shared_v2_cond")
        let r = try lua.run("""
            local zoo = require "zoo"
            local m = zoo.model { model = "stackgan-v2", arch = { gf = 8, df = 4, z = 20, condition = 16, text = 32 } }
            m.networks.netG:load_state_dict((zoo.load("\(p).G.safetensors")))
            for k = 0, 2 do m.networks["netsD." .. k]:load_state_dict((zoo.load("\(p).D" .. k .. ".safetensors"))) end
            for _, net in pairs(m.networks) do net:evaluate() end
            local io = (zoo.load("\(p).io.safetensors"))
            local g, names = m:forward("G", { z = io["in.z"], text = io["in.text"], eps = io["in.eps"] })
            assert(names[1] == "img64" and names[4] == "mu")
            local worst = 0
            local function check(got, ref) worst = math.max(worst, (got - ref):pow(2):sum():item()) end
            for _, s in ipairs { 64, 128, 256 } do check(g["img" .. s], io["eval.G.img" .. s]) end
            check(g.mu, io["eval.G.mu"])
            local d = m:forward("D1", { image = g.img128, condition = g.mu })
            check(d.cond_prob, io["eval.D1.fake.cond_prob"])
            check(d.uncond_logit, io["eval.D1.fake.uncond_logit"])
            assert(not pcall(m.forward, m, "D7", {}))
            local drawn = m:forward("G", { z = io["in.z"], text = io["in.text"] })   -- ε drawn when not given
            assert(drawn.img64:size(1) == 2 and (drawn.c_code - g.c_code):pow(2):sum():item() > 0)
            return worst
            """)
        XCTAssertLessThan(r.first as? Double ?? 1, 1e-8)
    }

    func testBadConfigsFromLua() throws {
        let lua = try lua()
        assertError(lua, "require('zoo').model('stackgan-v2/emoji', {'arch.branches=5'})", "arch.branches must be 1, 2 or 3")
        assertError(lua, "require('zoo').config('stackgan-v2/emoji', {'arch.gff=3'})", "unknown key 'arch.gff' for model 'stackgan-v2' (did you mean 'arch.gf'?)")
        assertError(lua, "require('zoo').config('stackgan-v2/emoji', {'arch.conditional=yes'})", "expected true or false")
        assertError(lua, """
            local zoo = require('zoo')
            local cfg = zoo.config('stackgan-v2/emoji')
            cfg.arch.up_block = function(cin, cout) return 42 end
            zoo.model(cfg)
            """, "arch.up_block: must return a module, got number")
    }

    func assertError(_ lua: LuaState, _ code: String, _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try lua.run(code), line: line) { e in
            XCTAssertTrue("\(e)".contains(fragment), "'\(e)' lacks '\(fragment)'", line: line)
        }
    }
}

/// Checkpoints of StackGAN-v2: round trip of every piece of state, and sampling from a file alone.
final class StackGANv2CheckpointTests: XCTestCase {
    override func setUp() {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
    }

    /// The shared_v2_cond fixture sizes as flat config values.
    let values: [String: Any] = ["arch.gf": 8, "arch.df": 4, "arch.z": 20, "arch.condition": 16, "arch.text": 32, "arch.branches": 3]

    func fixtureBatch() throws -> [String: Tensor] {
        let io = try SafeTensorsFile.read(path: fixturePath("parity/shared_v2_cond.io.safetensors"))
        var batch: [String: Tensor] = ["text": try io.tensor("in.text"), "z": try io.tensor("in.z"), "eps": try io.tensor("in.eps")]
        for s in [64, 128, 256] {
            batch["real.\(s)"] = try io.tensor("in.real_u8.\(s)").mapped { ($0 - 128) / 128 }
            batch["wrong.\(s)"] = try io.tensor("in.wrong_u8.\(s)").mapped { ($0 - 128) / 128 }
        }
        return batch
    }

    func testRoundTripRestoresEveryState() throws {
        GlobalRandom.seed(4)
        let a = try ModelRegistry.shared.make("stackgan-v2", values: values) as! StackGANv2Model
        _ = try a.trainStep(try fixtureBatch())
        let dir = try temporaryDirectory()
        let path = dir + "/a.safetensors"
        try Checkpoint.make(a, modelName: "stackgan-v2", config: values, metadata: ["step": "1"]).write(path: path)
        let file = try SafeTensorsFile.read(path: path)
        let (name, restoredValues) = try Checkpoint.config(of: file)
        XCTAssertEqual(name, "stackgan-v2")
        XCTAssertEqual(restoredValues["arch.gf"] as? Int, 8)
        let b = try ModelRegistry.shared.make(name, values: restoredValues) as! StackGANv2Model
        try Checkpoint.restore(file, into: b)
        for (net, module) in a.networks {
            let other = b.networks.first { $0.0 == net }!.1
            XCTAssertEqual(module.stateDict().map(\.1), other.stateDict().map(\.1), net)
        }
        XCTAssertEqual(a.averageG, b.averageG)
        for (oa, ob) in zip(a.optimizers, b.optimizers) {
            XCTAssertEqual(oa.1.states.map { $0?.expAvgSq }, ob.1.states.map { $0?.expAvgSq }, oa.0)
            XCTAssertEqual(oa.1.states.map { $0?.step }, ob.1.states.map { $0?.step }, oa.0)
        }
        // The next step is identical from the original and from the restored model.
        var batch = try fixtureBatch()
        batch["z"] = try Tensor.randn([2, 20], generator: &GlobalRandom.generator)
        let la = try a.trainStep(batch), lb = try b.trainStep(batch)
        XCTAssertEqual(la.map(\.1), lb.map(\.1))
    }

    func testConvertedWeightsReproduceTheReference() throws {
        // What scripts/convert_official.py writes: netG.*, netG_ema.* (the same weights), netsD.k.*.
        var file = SafeTensorsFile()
        let g = try SafeTensorsFile.read(path: fixturePath("parity/shared_v2_cond.G.safetensors"))
        for n in g.names where !n.hasSuffix("num_batches_tracked") {
            file.set("netG." + n, g[n]!)
            if !n.contains("running_") { file.set("netG_ema." + n, g[n]!) }
        }
        for k in 0..<3 {
            let d = try SafeTensorsFile.read(path: fixturePath("parity/shared_v2_cond.D\(k).safetensors"))
            for n in d.names { file.set("netsD.\(k)." + n, d[n]!) }
        }
        let converted = try Checkpoint.make(try ModelRegistry.shared.make("stackgan-v2", values: values), modelName: "stackgan-v2", config: values)
        file.metadata = converted.metadata
        let (name, v) = try Checkpoint.config(of: file)
        let model = try ModelRegistry.shared.make(name, values: v) as! StackGANv2Model
        try Checkpoint.restore(file, into: model)
        let io = try SafeTensorsFile.read(path: fixturePath("parity/shared_v2_cond.io.safetensors"))
        model.netG.eval()
        let out = try withNoGrad {
            try model.withAverageWeights {
                try model.netG(z: Variable(try io.tensor("in.z")), text: Variable(try io.tensor("in.text")), eps: Variable(try io.tensor("in.eps")))
            }
        }
        for (s, img) in zip([64, 128, 256], out.images) {
            assertClose(img.value, try io.tensor("eval.G.img\(s)"), tol: 1e-4, "eval.G.img\(s)")
        }
    }

    func testReleasingTrainingStateKeepsSamplingAndRefusesTraining() throws {
        GlobalRandom.seed(3)
        let m = try ModelRegistry.shared.make("stackgan-v2", values: values) as! StackGANv2Model
        let cond = try Tensor.randn([2, 32])
        let before = try m.sample(SampleRequest(n: 2, seed: 5, condition: cond))
        let dBytes = m.netsD.reduce(0) { $0 + $1.parameterCount }
        XCTAssertGreaterThan(dBytes, 0)
        try m.releaseTrainingState()
        XCTAssertEqual(m.netsD.reduce(0) { $0 + $1.parameterCount }, 0, "discriminator weights freed")
        XCTAssertEqual(m.releasedNetworks, ["netsD.0", "netsD.1", "netsD.2"])
        let after = try m.sample(SampleRequest(n: 2, seed: 5, condition: cond))
        for ((name, a), (_, b)) in zip(before, after) { XCTAssertEqual(a, b, name) }
        XCTAssertThrowsError(try m.trainStep([:])) { XCTAssertTrue("\($0)".contains("sampling-only (its 'netsD.0' weights were released); load it again to train"), "\($0)") }
        XCTAssertThrowsError(try Checkpoint.make(m, modelName: "stackgan-v2", config: values)) {
            XCTAssertTrue("\($0)".contains("load it again to save"), "\($0)")
        }
    }

    func testSamplesDoNotDependOnCount() throws {
        GlobalRandom.seed(2)
        let m = try ModelRegistry.shared.make("stackgan-v2", values: values)
        let cond = try Tensor.randn([4, 32])
        let four = try m.sample(SampleRequest(n: 4, seed: 7, condition: cond))
        let two = try m.sample(SampleRequest(n: 2, seed: 7, condition: try cond.reshaped([4, 32]).rows(0..<2)))
        // The same noise per image; the GEMMs may round differently for another batch width
        // (BLAS edge kernels), so equal to float32 rounding rather than bit for bit.
        for ((name, a), (_, b)) in zip(four, two) {
            assertClose(try a.rows(0..<2), b, tol: 1e-5, name)
        }
        XCTAssertThrowsError(try m.sample(SampleRequest(n: 2, seed: 1))) { XCTAssertTrue("\($0)".contains("sampling needs text embeddings [2, 32]")) }
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-ckpt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

private extension Tensor {
    /// Rows `r` of the first axis.
    func rows(_ r: Range<Int>) throws -> Tensor {
        let inner = count / shape[0]
        return try Tensor(shape: [r.count] + shape.dropFirst(), data: Array(scalars[(r.lowerBound * inner)..<(r.upperBound * inner)]))
    }
}
