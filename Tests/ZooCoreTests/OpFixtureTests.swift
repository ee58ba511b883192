// Forward and backward of every op and layer against the PyTorch fixtures in Tests/Fixtures/ops.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class OpFixtureTests: XCTestCase {
    override func setUp() { Threads.set(1) }

    /// Runs `f`, backpropagates the fixture's `grad_out`, and compares `out` and each `grad.<name>`.
    func check(_ name: String, inputs: [String], tol: Float, _ f: ([Variable]) throws -> Variable) throws {
        let fx = try opFixture(name)
        let vars = try inputs.map { try fx.leaf($0) }
        let out = try f(vars)
        assertClose(out.value, try fx.tensor("out"), tol: tol, "\(name) out")
        try out.backward(try fx.tensor("grad_out"))
        for (n, v) in zip(inputs, vars) where fx["grad.\(n)"] != nil {
            assertClose(try v.grad ?? Tensor(zeros: v.shape), try fx.tensor("grad.\(n)"), tol: tol, "\(name) grad.\(n)")
        }
    }

    func testConvolutions() throws {
        for name in ["conv2d_k3s1p1", "conv2d_k4s2p1", "conv2d_k4s4p0_bias", "conv2d_k1s1p0", "conv2d_k3s1p1_rect"] {
            let p = try opFixture(name).params()
            let stride = p["stride"] as! Int, padding = p["padding"] as! Int, bias = p["bias"] as! Bool
            try check(name, inputs: bias ? ["x", "weight", "bias"] : ["x", "weight"], tol: 1e-5) { v in
                try v[0].conv2d(weight: v[1], bias: bias ? v[2] : nil, stride: stride, padding: padding)
            }
        }
    }

    func testConvolutionsWithTwoThreads() throws {
        Threads.set(2)
        defer { Threads.set(1) }
        try check("conv2d_k4s2p1", inputs: ["x", "weight"], tol: 1e-5) { v in
            try v[0].conv2d(weight: v[1], bias: nil, stride: 2, padding: 1)
        }
    }

    func testLinear() throws {
        try check("linear_bias", inputs: ["x", "weight", "bias"], tol: 1e-5) { try $0[0].linear(weight: $0[1], bias: $0[2]) }
        try check("linear_nobias", inputs: ["x", "weight"], tol: 1e-5) { try $0[0].linear(weight: $0[1], bias: nil) }
    }

    func testActivationsAndLayout() throws {
        try check("relu", inputs: ["x"], tol: 1e-7) { try $0[0].relu() }
        try check("leaky_relu", inputs: ["x"], tol: 1e-7) { try $0[0].leakyRelu(0.2) }
        try check("sigmoid", inputs: ["x"], tol: 1e-6) { try $0[0].sigmoid() }
        try check("tanh", inputs: ["x"], tol: 1e-6) { try $0[0].tanh() }
        try check("glu_2d", inputs: ["x"], tol: 1e-6) { try $0[0].glu() }
        try check("glu_4d", inputs: ["x"], tol: 1e-6) { try $0[0].glu() }
        try check("upsample_nearest2x", inputs: ["x"], tol: 1e-5) { try $0[0].upsampleNearest(scale: 2) }
        try check("concat_channels", inputs: ["a", "b"], tol: 1e-7) { try Variable.concat($0, axis: 1) }
        try check("spatial_replicate", inputs: ["x"], tol: 1e-5) { try $0[0].replicate(height: 4, width: 6) }
    }

    func testTransformerOps() throws {
        for name in ["layer_norm_eps1e-12", "layer_norm_eps1e-5"] {
            let eps = Float(try opFixture(name).params()["eps"] as! Double)
            try check(name, inputs: ["x", "weight", "bias"], tol: 1e-5) { try $0[0].layerNorm(gamma: $0[1], beta: $0[2], eps: eps) }
        }
        try check("gelu", inputs: ["x"], tol: 1e-6) { try $0[0].gelu() }
        try check("softmax", inputs: ["x"], tol: 1e-6) { try $0[0].softmax() }
        let mask = try opFixture("softmax_masked").tensor("key_mask")
        try check("softmax_masked", inputs: ["x"], tol: 1e-6) { try $0[0].softmax(keyMask: mask) }
        let indices = Variable(try opFixture("embedding").tensor("indices"))
        try check("embedding", inputs: ["table"], tol: 1e-6) { try Variable.embedding(table: $0[0], indices: indices) }
        for name in ["permute_heads", "permute_general"] {
            let axes = try opFixture(name).params()["axes"] as! [Int]
            try check(name, inputs: ["x"], tol: 0) { try $0[0].permute(axes) }
        }
    }

    func testMultiHeadAttention() throws {
        // BERT self-attention through the Variable ops: heads split by permute, masked softmax, merged back.
        let fx = try opFixture("attention")
        let p = try fx.params()
        let b = p["batch"] as! Int, l = p["length"] as! Int, hidden = p["hidden"] as! Int, h = p["heads"] as! Int
        let d = hidden / h
        let mask = try fx.tensor("key_mask")
        try check("attention", inputs: ["x", "wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo"], tol: 1e-5) { v in
            func heads(_ w: Variable, _ bias: Variable) throws -> Variable {   // [B, L, H·d] → [B·H, L, d]
                try v[0].linear(weight: w, bias: bias).reshaped([b, l, h, d]).permute([0, 2, 1, 3]).reshaped([b * h, l, d])
            }
            let q = try heads(v[1], v[2]), k = try heads(v[3], v[4]), vals = try heads(v[5], v[6])
            let scores = try (q.bmm(k.transposed()) * (1 / Float(d).squareRoot())).reshaped([b, h, l, l])
            let probs = try scores.softmax(keyMask: mask).reshaped([b * h, l, l])
            let ctx = try probs.bmm(vals).reshaped([b, h, l, d]).permute([0, 2, 1, 3]).reshaped([b, l, hidden])
            return try ctx.linear(weight: v[7], bias: v[8])
        }
    }

    func testLosses() throws {
        let bce = try opFixture("bce_probs")
        let target = try bce.tensor("target")
        try check("bce_probs", inputs: ["prob"], tol: 1e-6) { try Loss.bce($0[0], target: target) }
        let logits = try opFixture("bce_with_logits").tensor("target")
        try check("bce_with_logits", inputs: ["logit"], tol: 1e-6) { try Loss.bceWithLogits($0[0], target: logits) }
        try check("mse", inputs: ["a", "b"], tol: 1e-6) { try Loss.mse($0[0], $0[1]) }
        try check("kl_ca", inputs: ["mu", "logvar"], tol: 1e-6) { try Loss.kl(mu: $0[0], logvar: $0[1]) }
    }

    func testBCEClamp() throws {
        let fx = try opFixture("bce_probs_clamp")
        let p = try fx.leaf("prob")
        let out = try Loss.bce(p, target: try fx.tensor("target"))
        assertClose(out.value, try fx.tensor("out"), tol: 1e-6, "clamp out")
        try out.backward(try fx.tensor("grad_out"))
        let ref = try fx.tensor("grad.prob")
        for i in 0..<ref.count {
            let r = ref[flat: i], g = p.grad![flat: i]
            XCTAssertLessThanOrEqual(abs(g - r), 1e-6 * max(1, abs(r)), "grad.prob[\(i)]: \(g) vs \(r)")
        }
    }

    func testBatchNormTrain() throws {
        for (name, layer) in [("batchnorm2d_train", try BatchNorm2d(4) as BatchNorm), ("batchnorm1d_train", try BatchNorm1d(6))] {
            let fx = try opFixture(name)
            layer.weight!.value = try fx.tensor("weight")
            layer.bias!.value = try fx.tensor("bias")
            let x = try fx.leaf("x")
            let out = try layer(x)
            assertClose(out.value, try fx.tensor("out"), tol: 1e-5, "\(name) out")
            assertClose(layer.runningMean.value, try fx.tensor("running_mean.1"), tol: 1e-5, "\(name) running_mean after 1")
            assertClose(layer.runningVar.value, try fx.tensor("running_var.1"), tol: 1e-5, "\(name) running_var after 1")
            try out.backward(try fx.tensor("grad_out"))
            assertClose(x.grad!, try fx.tensor("grad.x"), tol: 1e-5, "\(name) grad.x")
            assertClose(layer.weight!.grad!, try fx.tensor("grad.weight"), tol: 1e-5, "\(name) grad.weight")
            assertClose(layer.bias!.grad!, try fx.tensor("grad.bias"), tol: 1e-5, "\(name) grad.bias")
            let out2 = try layer(Variable(try fx.tensor("x2")))
            assertClose(out2.value, try fx.tensor("out2"), tol: 1e-5, "\(name) out2")
            assertClose(layer.runningMean.value, try fx.tensor("running_mean.2"), tol: 1e-5, "\(name) running_mean after 2")
            assertClose(layer.runningVar.value, try fx.tensor("running_var.2"), tol: 1e-5, "\(name) running_var after 2")
            XCTAssertEqual(layer.numBatchesTracked.value.item, Float(try fx["num_batches_tracked.2"]!.int64s()[0]))
        }
    }

    func testBatchNormEval() throws {
        for (name, layer) in [("batchnorm2d_eval", try BatchNorm2d(4) as BatchNorm), ("batchnorm1d_eval", try BatchNorm1d(6))] {
            let fx = try opFixture(name)
            layer.weight!.value = try fx.tensor("weight")
            layer.bias!.value = try fx.tensor("bias")
            layer.runningMean.value = try fx.tensor("running_mean")
            layer.runningVar.value = try fx.tensor("running_var")
            layer.eval()
            let x = try fx.leaf("x")
            let out = try layer(x)
            assertClose(out.value, try fx.tensor("out"), tol: 1e-5, "\(name) out")
            try out.backward(try fx.tensor("grad_out"))
            assertClose(x.grad!, try fx.tensor("grad.x"), tol: 1e-5, "\(name) grad.x")
            assertClose(layer.weight!.grad!, try fx.tensor("grad.weight"), tol: 1e-5, "\(name) grad.weight")
            assertClose(layer.bias!.grad!, try fx.tensor("grad.bias"), tol: 1e-5, "\(name) grad.bias")
            assertClose(layer.runningMean.value, try fx.tensor("running_mean"), tol: 0, "\(name) buffers unchanged")
            XCTAssertEqual(layer.numBatchesTracked.value.item, 0)
        }
    }

    func testColourConsistency() throws {
        let fx = try opFixture("colour_consistency")
        let hi = try fx.leaf("img_hi"), lo = try fx.leaf("img_lo")
        let (meanHi, covHi) = try Loss.colourStatistics(hi)
        let (meanLo, covLo) = try Loss.colourStatistics(lo)
        let lossMean = try Loss.mse(meanHi, meanLo), lossCov = try Loss.mse(covHi, covLo)
        let outputs = [("mean_hi", meanHi), ("mean_lo", meanLo), ("cov_hi", covHi), ("cov_lo", covLo),
                       ("loss_mean", lossMean), ("loss_cov", lossCov)]
        var total: Variable?
        for (n, v) in outputs {
            assertClose(v.value, try fx.tensor(n), tol: 1e-5, n)
            let term = try (v * Variable(try fx.tensor("grad_out.\(n)"))).sum()
            total = try total.map { try $0 + term } ?? term
        }
        try total!.backward()
        assertClose(hi.grad!, try fx.tensor("grad.img_hi"), tol: 1e-5, "grad.img_hi")
        assertClose(lo.grad!, try fx.tensor("grad.img_lo"), tol: 1e-5, "grad.img_lo")

        // As training uses it: the lower branch detached, losses only.
        let hi2 = try fx.leaf("img_hi")
        let (mh, ch) = try Loss.colourStatistics(hi2)
        let (ml, cl) = try Loss.colourStatistics(Variable(try fx.tensor("img_lo")))
        let lm = try Loss.mse(mh, ml.detach()) * Variable(try fx.tensor("grad_out.loss_mean"))
        let lc = try Loss.mse(ch, cl.detach()) * Variable(try fx.tensor("grad_out.loss_cov"))
        try (lm + lc).sum().backward()
        let ref = try fx.tensor("grad.img_hi.losses_only")
        assertClose(hi2.grad!, ref, tol: 1e-5, "grad.img_hi.losses_only")
        XCTAssertLessThan(hi2.grad!.maxAbsDifference(ref), 1e-3 * ref.maxAbs, "losses-only gradient relative to its scale")
    }

    func testAdamThreeSteps() throws {
        let fx = try opFixture("adam")
        let p0 = Variable(try fx.tensor("p0.init"), requiresGrad: true), p1 = Variable(try fx.tensor("p1.init"), requiresGrad: true)
        let opt = Adam([p0, p1], lr: 2e-4, betas: (0.5, 0.999), eps: 1e-8)
        for step in 1...3 {
            p0.grad = try fx.tensor("grad.p0.step\(step)")
            p1.grad = try fx.tensor("grad.p1.step\(step)")
            try opt.step()
            for (i, (name, p)) in [("p0", p0), ("p1", p1)].enumerated() {
                let st = opt.states[i]!
                XCTAssertEqual(st.step, step)
                assertClose(st.expAvg, try fx.tensor("exp_avg.\(name).step\(step)"), tol: 1e-6, "exp_avg.\(name).step\(step)")
                assertClose(st.expAvgSq, try fx.tensor("exp_avg_sq.\(name).step\(step)"), tol: 1e-6, "exp_avg_sq.\(name).step\(step)")
                let ref = try fx.tensor("\(name).step\(step)")
                assertClose(p.value, ref, tol: 1e-6, "\(name).step\(step)")
                // The update itself (tiny next to p) to 1e-4 of its own size.
                let initial = try fx.tensor("\(name).init")
                let delta = try p.value - initial, refDelta = try ref - initial
                XCTAssertLessThanOrEqual(delta.maxAbsDifference(refDelta), 1e-4 * refDelta.maxAbs, "\(name) update step \(step)")
            }
        }
    }
}
