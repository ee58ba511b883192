// StackGAN-v1: parity with the PyTorch fixtures, official parameter counts, both flavours training,
// Stage-II on a loaded Stage-I, checkpoints, config errors, zoo entries.
import Foundation
import XCTest
import ZooCore
import ZooLua
import ZooTestSupport
@testable import StackGANv1

private func registerV1() {
    Threads.set(1)
    if !ModelRegistry.shared.contains(StackGANv1Plugin.name) { StackGANv1Plugin.register(into: .shared) }
}

final class StackGANv1Tests: XCTestCase {
    override func setUp() { registerV1() }

    /// Every tensor within the README tolerance or the float32-sensitivity bound. Eval-mode
    /// forwards and the first step's losses must meet the fixed tolerance outright; `allowed`
    /// bounds how many tensors may pass by the sensitivity bound (see testParityStage2).
    /// `illConditioned` rows (see testParityStage2) need only be within 5% (relative).
    func parity(_ name: String, allowedBySensitivity allowed: Int,
                illConditioned: (String) -> Bool = { _ in false }) throws -> ParityReport {
        let report = try ParityRunners.run(prefix: fixturePath("parity/\(name)"))
        XCTAssertGreaterThan(report.rows.count, 90, name)
        for row in report.rows where !row.passed && !(illConditioned(row.name) && row.relative <= 0.05) {
            XCTFail("\(name) \(row.name): error \(row.maxAbs) (relative \(row.relative)) > tolerance \(row.tolerance) and > 4× the float32 sensitivity \(row.sensitivity)")
        }
        let calibrated = report.rows.filter { $0.relative > $0.tolerance }
        XCTAssertLessThanOrEqual(calibrated.count, allowed, "\(name): \(calibrated.map(\.name))")
        for row in calibrated where row.name.hasPrefix("eval.") || (row.name.hasPrefix("step0.") && !row.name.hasPrefix("step0.grad.")) {
            XCTFail("\(name) \(row.name) must meet the tolerance outright (relative error \(row.relative) > \(row.tolerance))")
        }
        return report
    }

    /// PT-v1 Stage-I: every tensor meets the README tolerance outright.
    func testParityStage1() throws {
        let report = try parity("shared_v1_stage1", allowedBySensitivity: 0)
        XCTAssertTrue(report.rows.contains { $0.name == "step0.grad.G.fc.0.weight" })
        XCTAssertTrue(report.rows.contains { $0.name == "step1.d_wrong" })
    }

    /// PT-v1 Stage-II. Forwards and step-0 losses meet the tolerance outright; some first-step
    /// gradients and step-1 losses pass by the float32-sensitivity bound. Why: the train-mode
    /// 256-px fake (batch 2, ~14 batch norms) differs from PyTorch's by ~1e-5 (convolution summation
    /// order), and this tiny discriminator's early-layer gradients are ill-conditioned in the fake
    /// (uniform ±1e-5 noise on the reference fake moves them by 0.6–5 %, while fed the reference
    /// fake itself they match to 5e-6); Adam's first step (≈ lr·sign g) turns that into ~1 %
    /// differences of every G gradient taken through the updated D. How far those early-layer D
    /// gradients land from PyTorch's depends on the CPU's GEMM kernel, not only on the rounding
    /// noise the sensitivity runs inject: with OpenBLAS's Zen kernels they differ by 0.07–0.4%
    /// (up to 41× the injected-noise estimate), so they are held to the 5% their conditioning allows.
    func testParityStage2() throws {
        let report = try parity("shared_v1_stage2", allowedBySensitivity: 60) { $0.hasPrefix("step0.grad.D0.encode_img.") }
        XCTAssertTrue(report.rows.contains { $0.name == "train.G.buffers.STAGE1_G.fc.1.running_mean" })
        XCTAssertTrue(report.rows.contains { $0.name == "eval.D0.real.uncond_prob" })
        XCTAssertFalse(report.rows.contains { $0.name.hasPrefix("step0.grad.G.STAGE1_G") }, "the frozen Stage-I has no gradients")
        for row in report.rows where row.relative > row.tolerance {
            XCTAssertTrue(row.name.hasPrefix("step0.grad.") || row.name.hasPrefix("step1."), row.name)
        }
    }

    /// SPEC §2.5: trainable parameters (Stage-II G without its embedded Stage-I).
    func testOfficialParameterCounts() throws {
        func counts(_ flavour: StackGANv1Flavour, gf: Int, df: Int, r: Int) throws -> [Int] {
            var c1 = StackGANv1Config(stage: 1, flavour: flavour)
            (c1.gfDim, c1.dfDim, c1.rNum, c1.initialize) = (gf, df, r, false)
            var c2 = c1
            c2.stage = 2
            let g2 = try Stage2G(c2)   // its embedded Stage-I is the Stage-I generator
            return [g2.stage1.parameterCount, try V1Discriminator(c1).parameterCount,
                    g2.trainableParameters().reduce(0) { $0 + $1.value.count }, try V1Discriminator(c2).parameterCount]
        }
        XCTAssertEqual(try counts(.tensorflow, gf: 128, df: 64, r: 4), [14_264_192, 4_029_824, 26_290_080, 48_603_520], "TF-v1 birds/flowers")
        XCTAssertEqual(try counts(.pytorch, gf: 192, df: 96, r: 2), [20_020_832, 12_407_425, 37_130_480, 159_889_538], "PT-v1 COCO")
    }

    /// A small config of either flavour and stage.
    func small(_ stage: Int, _ flavour: StackGANv1Flavour) throws -> StackGANv1Config {
        var c = StackGANv1Config(stage: stage, flavour: flavour)
        (c.gfDim, c.dfDim, c.zDim, c.conditionDim, c.textDim, c.rNum) = (8, 4, 10, 8, 24, 1)
        return c
    }

    func randomBatch(_ cfg: StackGANv1Config, batch b: Int = 3, wrong: Bool = false) throws -> [String: Tensor] {
        let s = cfg.imageSize
        var out = ["real.\(s)": try Tensor.uniform([b, 3, s, s], low: -1, high: 1), "text": try Tensor.randn([b, cfg.textDim])]
        if wrong { out["wrong.\(s)"] = try Tensor.uniform([b, 3, s, s], low: -1, high: 1) }
        return out
    }

    /// The TensorFlow flavour: its own structure (bottlenecks, text FC in the heads, 1×1 joint
    /// convs, unbiased logit convs, no unconditional head), and training steps of both stages
    /// (with the dataset's wrong images, and with in-batch wrong pairs).
    func testTensorflowFlavour() throws {
        GlobalRandom.seed(3)
        var gen = RandomGenerator(seed: 1)
        let m1 = try StackGANv1Model(small(1, .tensorflow), generator: &gen)
        let g1 = Dictionary(uniqueKeysWithValues: m1.netG.namedParameters().map { ($0.0, $0.1.shape) })
        XCTAssertEqual(g1["fc.0.bias"], [8 * 8 * 16])                               // TF FC has a bias
        XCTAssertEqual(g1["residual1.block.0.weight"], [16, 64, 1, 1])              // 1×1 → 2·gf
        XCTAssertEqual(g1["residual2.block.6.weight"], [32, 8, 3, 3])               // back to 4·gf
        XCTAssertEqual(g1["img.1.weight"], [3, 8, 3, 3])
        XCTAssertNil(g1["upsample4.1.weight"])
        XCTAssertTrue(m1.netG.child("ca_net")!.child("relu") is LeakyReLU)
        let d1 = Dictionary(uniqueKeysWithValues: m1.netD.namedParameters().map { ($0.0, $0.1.shape) })
        XCTAssertEqual(d1["get_cond_logits.text_fc.0.weight"], [8, 24])             // own text FC on the raw embedding
        XCTAssertEqual(d1["get_cond_logits.outlogits.0.weight"], [32, 40, 1, 1])    // 1×1 joint conv
        XCTAssertEqual(d1["encode_img.9.block.0.weight"], [8, 32, 1, 1])            // bottleneck on the 4×4 code
        XCTAssertNil(d1["get_cond_logits.outlogits.3.bias"])                        // TF logit conv: no bias
        XCTAssertNil(m1.netD.uncondHead)
        // Parameter count at this size, from the layer list of SPEC §2.1.a.
        let (gf, z, c, t) = (8, 10, 8, 24)
        let expected = (t * 2 * c + 2 * c) + ((c + z) * 128 * gf + 128 * gf) + 2 * 128 * gf
            + (8 * gf * 2 * gf + 4 * gf + 2 * gf * 2 * gf * 9 + 4 * gf + 2 * gf * 8 * gf * 9 + 16 * gf)
            + (8 * gf * 4 * gf * 9 + 8 * gf)
            + (4 * gf * gf + 2 * gf + gf * gf * 9 + 2 * gf + gf * 4 * gf * 9 + 8 * gf)
            + (4 * gf * 2 * gf * 9 + 4 * gf) + (2 * gf * gf * 9 + 2 * gf) + gf * 3 * 9
        XCTAssertEqual(m1.netG.parameterCount, expected)

        for (stage, wrong) in [(1, true), (1, false), (2, true), (2, false)] {
            var gen = RandomGenerator(seed: 2)
            let m = try StackGANv1Model(small(stage, .tensorflow), generator: &gen)
            let before = m.netG.namedParameters().map { ($0.0, $0.1.value) }
            let batch = try randomBatch(m.config, wrong: wrong)
            let losses = try m.trainStep(batch)
            XCTAssertEqual(losses.map(\.0), ["errD", "errG", "d_real", "d_wrong", "d_fake", "g_adv", "g_kl"])
            for (n, v) in losses { XCTAssertTrue(v.isFinite, "stage \(stage) \(n) = \(v)") }
            let l = Dictionary(uniqueKeysWithValues: losses)
            XCTAssertEqual(l["errD"]!, l["d_real"]! + 0.5 * (l["d_fake"]! + l["d_wrong"]!), accuracy: 1e-5)
            XCTAssertEqual(l["errG"]!, l["g_adv"]! + 2 * l["g_kl"]!, accuracy: 1e-5)
            for ((name, old), (_, p)) in zip(before, m.netG.namedParameters()) {
                if name.hasPrefix("STAGE1_G.") { XCTAssertEqual(old, p.value, "\(name) is frozen") }
            }
            XCTAssertNotEqual(before.first { $0.0 == "ca_net.fc.weight" }!.1, m.netG.namedParameters().first { $0.0 == "ca_net.fc.weight" }!.1.value)
            _ = try m.trainStep(batch)
        }
    }

    /// The KL term of both flavours is the CA's KL(N(μ, σ²) ‖ N(0, 1)) averaged over batch and dims.
    func testCAFlavours() throws {
        let text = Variable(try Tensor.randn([2, 6])), eps = Variable(try Tensor.randn([2, 3]))
        for flavour in StackGANv1Flavour.allCases {
            let ca = try CANet(textDim: 6, cDim: 3, flavour: flavour)
            let (c, mu, logvar) = try ca(text, eps: eps)
            let h = try ca.child("fc")!(text).value.scalars
            for b in 0..<2 {
                for d in 0..<3 {
                    let a = h[b * 6 + d], s = h[b * 6 + 3 + d]
                    let m = flavour == .pytorch ? max(a, 0) : (a > 0 ? a : 0.2 * a)
                    let second = flavour == .pytorch ? max(s, 0) : (s > 0 ? s : 0.2 * s)
                    let sigma = flavour == .pytorch ? exp(second / 2) : exp(second)   // TF: log σ
                    XCTAssertEqual(mu.value[b, d], m, accuracy: 1e-6)
                    XCTAssertEqual(c.value[b, d], m + sigma * eps.value[b, d], accuracy: 1e-5)
                    XCTAssertEqual(exp(logvar.value[b, d] / 2), sigma, accuracy: 1e-5)
                }
            }
        }
        var gen = RandomGenerator(seed: 9)
        let t = try Tensor.truncatedNormal([10_000], generator: &gen)
        XCTAssertLessThanOrEqual(t.maxAbs, 2)
    }

    func testLearningRateSchedule() throws {
        var c = StackGANv1Config()
        c.lrDecayEpochs = 50
        XCTAssertEqual([0, 49, 50, 99, 100, 599].map { c.learningRate(2e-4, epoch: $0) }, [2e-4, 2e-4, 1e-4, 1e-4, 5e-5, 2e-4 / 2048])
        c.lrDecayEpochs = 0
        XCTAssertEqual(c.learningRate(2e-4, epoch: 1000), 2e-4)
        c = try small(1, .pytorch)
        c.lrDecayEpochs = 20
        var gen = RandomGenerator(seed: 1)
        let m = try StackGANv1Model(c, generator: &gen)
        m.setEpoch(45)
        XCTAssertEqual(m.optG.lr, 5e-5)
        XCTAssertEqual(m.optD.lr, 5e-5)
    }

    func testBadConfigs() throws {
        func assertThrows(_ values: [String: Any], _ fragment: String, line: UInt = #line) throws {
            XCTAssertThrowsError(try ModelRegistry.shared.make("stackgan-v1", values: values), line: line) {
                XCTAssertTrue("\($0)".contains(fragment), "'\($0)' lacks '\(fragment)'", line: line)
            }
        }
        let tiny: [String: Any] = ["arch.gf": 8, "arch.df": 4, "arch.z": 10, "arch.condition": 8, "arch.text": 24]
        try assertThrows(tiny.merging(["arch.flavour": "tf"]) { $1 }, "arch.flavour must be \"pytorch\" or \"tensorflow\", got \"tf\"")
        try assertThrows(tiny.merging(["arch.stage": 3]) { $1 }, "arch.stage must be 1 (Stage-I, 64×64) or 2 (Stage-II, 256×256), got 3")
        try assertThrows(tiny.merging(["arch.stage": 2, "arch.stage1_bn": "frozen"]) { $1 }, "arch.stage1_bn must be \"train\" or \"eval\"")
        try assertThrows(tiny.merging(["arch.stage1_checkpoint": "s1.safetensors"]) { $1 }, "arch.stage1_checkpoint is for Stage-II models")
        try assertThrows(tiny.merging(["arch.stage": 2, "arch.gf": 6]) { $1 }, "arch.gf must be a positive multiple of 4")
        // Training needs wrong pairs.
        var gen = RandomGenerator(seed: 1)
        let m = try StackGANv1Model(small(1, .pytorch), generator: &gen)
        XCTAssertThrowsError(try m.trainStep(randomBatch(m.config, batch: 1))) { XCTAssertTrue("\($0)".contains("at least 2 images"), "\($0)") }
        XCTAssertThrowsError(try m.trainStep(["text": Tensor.randn([2, 24])])) { XCTAssertTrue("\($0)".contains("the batch has no 'real.64'"), "\($0)") }
        XCTAssertThrowsError(try m.sample(SampleRequest(n: 2))) { XCTAssertTrue("\($0)".contains("sampling needs text embeddings [2, 24]"), "\($0)") }
    }
}

/// Stage-II on a trained Stage-I: loading from a StackZoo checkpoint and from the official layout,
/// the frozen Stage-I, its BN modes, checkpoints of Stage-II, sampling both stages.
final class StackGANv1StageTwoTests: XCTestCase {
    override func setUp() { registerV1() }

    let tiny: [String: Any] = ["arch.gf": 8, "arch.df": 4, "arch.z": 10, "arch.condition": 8, "arch.text": 24, "arch.residual": 1]

    func values(_ extra: [String: Any]) -> [String: Any] { tiny.merging(extra) { $1 } }

    func batch(_ s: Int, _ b: Int = 2) throws -> [String: Tensor] {
        ["real.\(s)": try Tensor.uniform([b, 3, s, s], low: -1, high: 1), "text": try Tensor.randn([b, 24])]
    }

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-v1-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func state(_ m: Module) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try m.stateDict().map { ($0.0, try $0.1.floats().scalars) })
    }

    func testStage2LoadsAStage1Checkpoint() throws {
        GlobalRandom.seed(5)
        let dir = try temporaryDirectory()
        let s1Values = values(["arch.stage": 1])
        let s1 = try ModelRegistry.shared.make("stackgan-v1", values: s1Values) as! StackGANv1Model
        _ = try s1.trainStep(batch(64))
        let s1Path = dir + "/stage1.safetensors"
        try Checkpoint.make(s1, modelName: "stackgan-v1", config: s1Values).write(path: s1Path)

        let s2Values = values(["arch.stage": 2, "arch.stage1_checkpoint": s1Path])
        let s2 = try ModelRegistry.shared.make("stackgan-v1", values: s2Values) as! StackGANv1Model
        XCTAssertEqual(s2.stage1Source, s1Path)
        XCTAssertEqual(try state(s2.stage2!.stage1), try state(s1.netG), "the Stage-I weights and BN statistics")
        // The Stage-I is excluded from the G optimiser and unchanged by training; with the official
        // BN mode its running statistics drift, with "eval" they do not.
        let frozen = Set(s2.stage2!.stage1.parameters().map { ObjectIdentifier($0) })
        XCTAssertTrue(s2.optG.parameters.allSatisfy { !frozen.contains(ObjectIdentifier($0)) })
        XCTAssertEqual(s2.optG.parameters.count, s2.netG.parameters().count - frozen.count)
        let losses = try s2.trainStep(batch(256))
        XCTAssertEqual(losses.map(\.0), ["errD", "errG", "d_real", "d_wrong", "d_fake", "d_uncond_real", "d_uncond_fake", "g_adv", "g_kl"])
        let after = try state(s2.stage2!.stage1), loaded = try state(s1.netG)
        for (k, v) in after where !k.contains("running_") && !k.hasSuffix("num_batches_tracked") { XCTAssertEqual(v, loaded[k], k) }
        XCTAssertNotEqual(after["fc.1.running_mean"], loaded["fc.1.running_mean"], "official: the frozen Stage-I's BN statistics drift")
        let evalBN = try ModelRegistry.shared.make("stackgan-v1", values: s2Values.merging(["arch.stage1_bn": "eval"]) { $1 }) as! StackGANv1Model
        _ = try evalBN.trainStep(batch(256))
        XCTAssertEqual(try state(evalBN.stage2!.stage1), loaded, "stage1_bn = eval: no drift")

        // Sampling a Stage-II model gives both stages; the 64-px image is its Stage-I's.
        let text = try Tensor.randn([3, 24])
        let images = try s2.sample(SampleRequest(n: 3, seed: 4, condition: text))
        XCTAssertEqual(images.map(\.0), ["img64", "img256"])
        XCTAssertEqual(images[0].1.shape, [3, 3, 64, 64])
        XCTAssertEqual(images[1].1.shape, [3, 3, 256, 256])
        let two = try s2.sample(SampleRequest(n: 2, seed: 4, condition: try Tensor(shape: [2, 24], data: Array(text.scalars[0..<48]))))
        XCTAssertEqual(Array(images[1].1.scalars[0..<(2 * 3 * 256 * 256)]), two[1].1.scalars, "image k does not depend on n")

        // A Stage-II checkpoint restores without the Stage-I file, and the next step is identical.
        let s2Path = dir + "/stage2.safetensors"
        try Checkpoint.make(s2, modelName: "stackgan-v1", config: s2Values).write(path: s2Path)
        let savedStage1 = try state(s2.stage2!.stage1)
        try FileManager.default.removeItem(atPath: s1Path)
        let file = try SafeTensorsFile.read(path: s2Path)
        let (name, restoredValues) = try Checkpoint.config(of: file)
        let restored = try ModelRegistry.shared.make(name, values: restoredValues) as! StackGANv1Model
        XCTAssertThrowsError(try restored.trainStep(batch(256))) { XCTAssertTrue("\($0)".contains("arch.stage1_checkpoint: no such file"), "\($0)") }
        try Checkpoint.restore(file, into: restored)
        XCTAssertEqual(try state(restored.netG), try state(s2.netG))
        var next = try batch(256)
        next["z"] = try Tensor.randn([2, 10]); next["eps"] = try Tensor.randn([2, 8]); next["eps_stage1"] = try Tensor.randn([2, 8])
        XCTAssertEqual(try restored.trainStep(next).map(\.1), try s2.trainStep(next).map(\.1))

        // A Stage-II checkpoint can also seed another Stage-II (its netG.STAGE1_G.*).
        let again = try ModelRegistry.shared.make("stackgan-v1", values: values(["arch.stage": 2, "arch.stage1_checkpoint": s2Path])) as! StackGANv1Model
        XCTAssertEqual(try state(again.stage2!.stage1), savedStage1)
    }

    func testStage1MismatchesAreClearErrors() throws {
        let dir = try temporaryDirectory()
        let s1Values = values(["arch.stage": 1, "arch.flavour": "tensorflow"])
        let s1 = try ModelRegistry.shared.make("stackgan-v1", values: s1Values)
        let path = dir + "/tf.safetensors"
        try Checkpoint.make(s1, modelName: "stackgan-v1", config: s1Values).write(path: path)
        XCTAssertThrowsError(try ModelRegistry.shared.make("stackgan-v1", values: values(["arch.stage": 2, "arch.stage1_checkpoint": path]))) {
            XCTAssertTrue("\($0)".contains("a tensorflow-flavour checkpoint, but this Stage-II model is pytorch-flavour"), "\($0)")
        }
        XCTAssertThrowsError(try ModelRegistry.shared.make("stackgan-v1", values: values(["arch.stage": 2, "arch.flavour": "tensorflow", "arch.gf": 16, "arch.stage1_checkpoint": path]))) {
            XCTAssertTrue("\($0)".contains("the Stage-I checkpoint has arch.gf = 8, this Stage-II model 16"), "\($0)")
        }
    }

    /// The official layout: a STAGE1_G state dict (the fixture), also under `module.` or as the
    /// `STAGE1_G.*` part of a STAGE2_G state dict, gives the Stage-I the fixture Stage-II embeds.
    func testStage2LoadsTheOfficialLayout() throws {
        let dir = try temporaryDirectory()
        let fixtureValues: [String: Any] = ["arch.stage": 2, "arch.gf": 16, "arch.df": 4, "arch.z": 20, "arch.condition": 16, "arch.text": 64, "arch.residual": 2]
        let g2 = try SafeTensorsFile.read(path: fixturePath("parity/shared_v1_stage2.G.safetensors"))
        let expected = Dictionary(uniqueKeysWithValues: try g2.names.filter { $0.hasPrefix("STAGE1_G.") }.map { (String($0.dropFirst(9)), try g2[$0]!.floats().scalars) })
        let s1 = try SafeTensorsFile.read(path: fixturePath("parity/shared_v1_stage1.G.safetensors"))
        var wrapped = SafeTensorsFile()
        for n in s1.names { wrapped.set("module." + n, s1[n]!) }
        try wrapped.write(path: dir + "/module.safetensors")
        for path in [fixturePath("parity/shared_v1_stage1.G.safetensors"), dir + "/module.safetensors", fixturePath("parity/shared_v1_stage2.G.safetensors")] {
            let m = try ModelRegistry.shared.make("stackgan-v1", values: fixtureValues.merging(["arch.stage1_checkpoint": path]) { $1 }) as! StackGANv1Model
            XCTAssertEqual(try state(m.stage2!.stage1), expected, path)
        }
    }
}

/// StackGAN-v1 from Lua: every zoo entry resolves, the emoji demo pair trains and samples.
final class StackGANv1LuaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func lua() throws -> LuaState {
        try registerV1()
        return try LuaState(projectRoot: StackGANv1LuaTests.root)
    }

    func testEveryEntryResolves() throws {
        let lua = try lua()
        let expected: [String: (Int, String, Int, Int)] = [   // stage, flavour, gf, residual
            "birds-stage1": (1, "tensorflow", 128, 4), "birds-stage2": (2, "tensorflow", 128, 4),
            "flowers-stage1": (1, "tensorflow", 128, 4), "flowers-stage2": (2, "tensorflow", 128, 4),
            "coco-stage1": (1, "pytorch", 192, 4), "coco-stage2": (2, "pytorch", 192, 2),
            "emoji-stage1": (1, "pytorch", 32, 4), "emoji-stage2": (2, "pytorch", 32, 2),
        ]
        for (entry, (stage, flavour, gf, residual)) in expected {
            let cfg = try lua.call("config", "stackgan-v1/\(entry)")[0] as! [String: Any]
            let arch = cfg["arch"] as! [String: Any]
            XCTAssertEqual(arch["stage"] as? Int, stage, entry)
            XCTAssertEqual(arch["flavour"] as? String, flavour, entry)
            XCTAssertEqual(arch["gf"] as? Int, gf, entry)
            XCTAssertEqual(arch["residual"] as? Int, residual, entry)
            XCTAssertEqual((cfg["loss"] as! [String: Any])["kl"] as? Double, 2, entry)
            XCTAssertFalse((cfg["description"] as? String ?? "").isEmpty, entry)
        }
        let birds = try lua.call("config", "stackgan-v1/birds-stage2")[0] as! [String: Any]
        XCTAssertEqual((birds["train"] as! [String: Any])["lr_decay_epochs"] as? Int, 100)
        XCTAssertEqual((birds["data"] as! [String: Any])["average_captions"] as? Int, 4)
        XCTAssertEqual(((try lua.call("config", "stackgan-v1/coco-stage2")[0] as! [String: Any])["train"] as! [String: Any])["batch"] as? Int, 40)
    }

    func testEmojiPairTrainsAndSamples() throws {
        let lua = try lua()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-v1-lua-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try lua.run("""
            local zoo = require "zoo"
            zoo.seed(1)
            local small = {"arch.gf=8", "arch.df=4", "arch.residual=1"}
            local s1 = zoo.model("stackgan-v1/emoji-stage1", small)
            local text = zoo.randn(2, 384)
            local l1, names = s1:train_step { ["real.64"] = zoo.rand(2, 3, 64, 64) * 2 - 1, text = text }
            assert(names[1] == "errD" and names[2] == "errG" and l1.errD == l1.errD)
            s1:save_checkpoint("\(dir)/s1.safetensors")
            local over = {"arch.stage1_checkpoint=\(dir)/s1.safetensors"}
            for _, o in ipairs(small) do over[#over + 1] = o end
            local s2 = zoo.model("stackgan-v1/emoji-stage2", over)
            local l2 = s2:train_step { ["real.256"] = zoo.rand(2, 3, 256, 256) * 2 - 1, text = text }
            assert(l2.d_uncond_real ~= nil)
            local imgs, order = s2:sample { n = 2, seed = 3, condition = text }
            assert(order[1] == "img64" and order[2] == "img256")
            -- A Stage-II checkpoint reloads on its own and samples both stages the same way.
            s2:save_checkpoint("\(dir)/s2.safetensors", { epoch = 1 })
            local back, meta = zoo.load_checkpoint("\(dir)/s2.safetensors")
            assert(meta.epoch == "1" and meta["stackzoo.model"] == "stackgan-v1")
            local again = back:sample { n = 2, seed = 3, condition = text }
            assert((again.img256 - imgs.img256):pow(2):sum():item() == 0 and (again.img64 - imgs.img64):pow(2):sum():item() == 0)
            return imgs.img256:size(3), imgs.img64:size(4)
            """)
        XCTAssertEqual(r.first as? Int, 256)
        XCTAssertEqual(r.dropFirst().first as? Int, 64)
    }

    func testBadConfigsFromLua() throws {
        let lua = try lua()
        for (code, fragment) in [
            ("require('zoo').model('stackgan-v1/emoji-stage1', {'arch.flavour=keras'})", "arch.flavour must be \"pytorch\" or \"tensorflow\", got \"keras\""),
            ("require('zoo').model('stackgan-v1/emoji-stage1', {'arch.stage=3'})", "arch.stage must be 1 (Stage-I, 64×64) or 2 (Stage-II, 256×256), got 3"),
            ("require('zoo').config('stackgan-v1/emoji-stage1', {'arch.flavor=pytorch'})", "unknown key 'arch.flavor' for model 'stackgan-v1' (did you mean 'arch.flavour'?)"),
        ] {
            XCTAssertThrowsError(try lua.run(code)) { e in XCTAssertTrue("\(e)".contains(fragment), "'\(e)' lacks '\(fragment)'") }
        }
    }
}
