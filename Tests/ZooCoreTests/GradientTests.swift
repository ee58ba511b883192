// Finite-difference gradient checks for every op (driven by Op.allCases) and every layer.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class GradientTests: XCTestCase {
    override func setUp() { Threads.set(1) }

    /// One check per op; `testEveryOpHasACheck` fails when an op is added without one.
    static let checks: [Op: () throws -> GradCheckReport] = [
        .add: { try gradCheck([randomInput([2, 3, 2, 2], seed: 1), randomInput([1, 3, 1, 1], seed: 2)]) { try $0[0] + $0[1] } },
        .sub: { try gradCheck([randomInput([2, 3], seed: 1), randomInput([3], seed: 2)]) { try $0[0] - $0[1] } },
        .mul: { try gradCheck([randomInput([2, 3, 2, 2], seed: 1), randomInput([2, 3, 1, 1], seed: 2)]) { try $0[0] * $0[1] } },
        .div: { try gradCheck([randomInput([2, 3], seed: 1), randomInput([2, 3], seed: 2, margin: 1)]) { try $0[0] / $0[1] } },
        .addScalar: { try gradCheck([randomInput([4], seed: 1)]) { try $0[0] + 3 } },
        .mulScalar: { try gradCheck([randomInput([4], seed: 1)]) { try $0[0] * -2.5 } },
        .powScalar: { try gradCheck([randomInput([5], seed: 1, margin: 0.5).abs()]) { try $0[0].pow(1.5) } },
        .exp: { try gradCheck([randomInput([5], seed: 1)]) { try $0[0].exp() } },
        .log: { try gradCheck([randomInput([5], seed: 1, margin: 0.5).abs()], eps: 1e-3) { try $0[0].log() } },
        .sqrt: { try gradCheck([randomInput([5], seed: 1, margin: 0.5).abs()], eps: 1e-3) { try $0[0].sqrt() } },
        .matmul: { try gradCheck([randomInput([3, 4], seed: 1), randomInput([4, 2], seed: 2)]) { try $0[0].matmul($0[1]) } },
        .bmm: { try gradCheck([randomInput([2, 3, 4], seed: 1), randomInput([2, 4, 2], seed: 2)]) { try $0[0].bmm($0[1]) } },
        .linear: {
            try gradCheck([randomInput([3, 5], seed: 1), randomInput([4, 5], seed: 2), randomInput([4], seed: 3)]) {
                try $0[0].linear(weight: $0[1], bias: $0[2])
            }
        },
        .conv2d: {
            // Stride 2, padding 1, kernel 4 with bias; other geometries are covered by testConvGeometries.
            try gradCheck([randomInput([2, 2, 6, 6], seed: 1), randomInput([3, 2, 4, 4], seed: 2), randomInput([3], seed: 3)]) {
                try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1)
            }
        },
        .conv2dReplicated: {
            // conv2d over [replicate(code); rest]: gradients reach code, rest, weight and bias.
            try gradCheck([randomInput([2, 3], seed: 1), randomInput([2, 2, 5, 4], seed: 2), randomInput([3, 5, 3, 3], seed: 3),
                           randomInput([3], seed: 4)]) {
                let x = try Variable.concat([$0[0].replicate(height: 5, width: 4), $0[1]], axis: 1)
                return try x.conv2d(weight: $0[2], bias: $0[3], stride: 1, padding: 1)
            }
        },
        .upsampleNearest: { try gradCheck([randomInput([1, 2, 2, 3], seed: 1)]) { try $0[0].upsampleNearest(scale: 2) } },
        .batchNorm: {
            try gradCheck([randomInput([3, 2, 2, 2], seed: 1), randomInput([2], seed: 2), randomInput([2], seed: 3)], eps: 1e-2) {
                try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true).0
            }
        },
        .relu: { try gradCheck([randomInput([2, 5], seed: 1, margin: 0.1)]) { try $0[0].relu() } },
        .leakyRelu: { try gradCheck([randomInput([2, 5], seed: 1, margin: 0.1)]) { try $0[0].leakyRelu(0.2) } },
        .sigmoid: { try gradCheck([randomInput([2, 5], seed: 1)]) { try $0[0].sigmoid() } },
        .tanh: { try gradCheck([randomInput([2, 5], seed: 1)]) { try $0[0].tanh() } },
        .glu: { try gradCheck([randomInput([2, 4, 2, 2], seed: 1)]) { try $0[0].glu() } },
        .sum: { try gradCheck([randomInput([2, 3, 4], seed: 1)]) { try $0[0].sum(axes: [0, 2]) } },
        .mean: { try gradCheck([randomInput([2, 3, 4], seed: 1)]) { try $0[0].mean(axes: [1], keepDims: true) } },
        .concat: {
            try gradCheck([randomInput([2, 1, 3], seed: 1), randomInput([2, 2, 3], seed: 2)]) { try Variable.concat($0, axis: 1) }
        },
        .slice: { try gradCheck([randomInput([2, 5, 3], seed: 1)]) { try $0[0].slice(axis: 1, start: 1, length: 3) } },
        .reshape: { try gradCheck([randomInput([2, 6], seed: 1)]) { try $0[0].reshaped([3, -1]) } },
        .replicate: { try gradCheck([randomInput([2, 3], seed: 1)]) { try $0[0].replicate(height: 2, width: 3) } },
        .transpose: { try gradCheck([randomInput([2, 3, 4], seed: 1)]) { try $0[0].transposed() } },
        .bceProbs: {
            let target = try Tensor(shape: [6], data: [1, 0, 1, 0, 0.3, 0.8])
            return try gradCheck([randomInput([6], seed: 1).sigmoidLeaf()], eps: 1e-3) { try Loss.bce($0[0], target: target) }
        },
        .bceLogits: {
            let target = try Tensor(shape: [6], data: [1, 0, 1, 0, 0.3, 0.8])
            return try gradCheck([randomInput([6], seed: 1, scale: 3)]) { try Loss.bceWithLogits($0[0], target: target) }
        },
        .layerNorm: {
            // Gradients to x and to the affine parameters γ and β.
            try gradCheck([randomInput([3, 5], seed: 1, scale: 2), randomInput([5], seed: 2), randomInput([5], seed: 3)], eps: 1e-2) {
                try $0[0].layerNorm(gamma: $0[1], beta: $0[2], eps: 1e-5)
            }
        },
        .gelu: { try gradCheck([randomInput([3, 5], seed: 1, scale: 2)]) { try $0[0].gelu() } },
        .softmax: {
            // Unmasked and masked (item 1 keeps only key 0; masked keys take no gradient) in one output.
            let mask = try Tensor(shape: [2, 4], data: [1, 1, 0, 1, 1, 0, 0, 0])
            return try gradCheck([randomInput([2, 3, 4], seed: 1)]) {
                try Variable.concat([$0[0].softmax(), $0[0].softmax(keyMask: mask)], axis: 0)
            }
        },
        .embedding: {
            // Repeated indices accumulate into the table's gradient; the indices take none.
            let indices = Variable(try Tensor(shape: [2, 3], data: [1, 4, 1, 0, 4, 4]))
            return try gradCheck([randomInput([5, 3], seed: 1)]) { try Variable.embedding(table: $0[0], indices: indices) }
        },
        .permute: { try gradCheck([randomInput([2, 3, 4], seed: 1)]) { try $0[0].permute([2, 0, -2]) } },
    ]

    func testEveryOpHasACheck() throws {
        let missing = Op.allCases.filter { GradientTests.checks[$0] == nil }
        XCTAssertEqual(missing, [], "ops without a gradient check")
    }

    func testEveryOpGradient() throws {
        for op in Op.allCases {
            guard let check = GradientTests.checks[op] else { continue }
            let report = try check()
            XCTAssertLessThan(report.maxError, 2e-2, "\(op): \(report)")
        }
    }

    func testHarnessCatchesAWrongGradient() throws {
        // d(stopgrad(x)·x)/dx analytically is x, numerically 2x: the check must see the difference.
        let report = try gradCheck([randomInput([4], seed: 1, margin: 0.5)]) { try $0[0].detach() * $0[0] }
        XCTAssertGreaterThan(report.maxError, 0.1)
    }

    func testConvGeometries() throws {
        // (kernel, stride, padding, H, W): the StackGAN convs (3×3 s1 p1, 4×4 s2 p1, 4×4 s4 p0, 1×1) on a non-square input.
        for (k, s, p, h, w) in [(3, 1, 1, 4, 5), (4, 2, 1, 6, 4), (4, 4, 0, 8, 8), (1, 1, 0, 3, 4)] {
            let report = try gradCheck([randomInput([2, 2, h, w], seed: 4), randomInput([3, 2, k, k], seed: 5)]) {
                try $0[0].conv2d(weight: $0[1], bias: nil, stride: s, padding: p)
            }
            XCTAssertLessThan(report.maxError, 2e-2, "conv k\(k) s\(s) p\(p): \(report)")
        }
    }

    func testReplicatedConvGeometries() throws {
        // The replicated-prefix conv on every StackGAN geometry, including outputs whose windows are
        // cut on both sides (4×4 s4 p0 has none; 4×4 s2 p1 on 3 rows cuts the first and last).
        for (k, s, p, h, w) in [(3, 1, 1, 4, 5), (4, 2, 1, 6, 3), (4, 4, 0, 8, 8), (1, 1, 0, 3, 4), (3, 1, 1, 1, 2)] {
            let report = try gradCheck([randomInput([2, 2], seed: 4), randomInput([2, 1, h, w], seed: 5), randomInput([3, 3, k, k], seed: 6)]) {
                let x = try Variable.concat([$0[0].replicate(height: h, width: w), $0[1]], axis: 1)
                return try x.conv2d(weight: $0[2], bias: nil, stride: s, padding: p)
            }
            XCTAssertLessThan(report.maxError, 2e-2, "replicated conv k\(k) s\(s) p\(p) \(h)×\(w): \(report)")
        }
        // The replicate after the features (StackGAN-v1's order).
        let report = try gradCheck([randomInput([2, 2], seed: 7), randomInput([2, 1, 5, 4], seed: 8), randomInput([3, 3, 3, 3], seed: 9)]) {
            try Variable.concat([$0[1], $0[0].replicate(height: 5, width: 4)], axis: 1).conv2d(weight: $0[2], bias: nil, padding: 1)
        }
        XCTAssertLessThan(report.maxError, 2e-2, "replicate last: \(report)")
    }

    func testFusedBatchNormActivationGradients() throws {
        // Batch norm fused with each activation: finite differences in train and eval mode.
        // (ReLU kinks: the random normalised values stay away from 0 at this size and seed.)
        let rm = try Tensor(shape: [4], data: [0.1, -0.2, 0.3, 0]), rv = try Tensor(shape: [4], data: [0.5, 1.5, 2, 1])
        for act: FusedActivation in [.relu, .leakyRelu(0.2), .glu] {
            for training in [true, false] {
                let report = try gradCheck([randomInput([3, 4, 2, 2], seed: 5), randomInput([4], seed: 6), randomInput([4], seed: 7)]) {
                    try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv,
                                        training: training, activation: act).0
                }
                XCTAssertLessThan(report.maxError, 2e-2, "\(act), training \(training): \(report)")
            }
        }
    }

    func testSequentialFusesBatchNormWithItsActivation() throws {
        // Sequential runs BN → act as one op: the same values and gradients, bit for bit, as the
        // separate ops, the running statistics updated once, the activation's output shape.
        for (act, module) in [(FusedActivation.relu, ReLU() as Module), (.leakyRelu(0.2), LeakyReLU(0.2)), (.glu, GLU())] {
            let x1 = randomInput([2, 4, 3, 3], seed: 11), x2 = randomInput([2, 4, 3, 3], seed: 11)
            x1.requiresGrad = true
            x2.requiresGrad = true
            let bn1 = try BatchNorm2d(4), bn2 = try BatchNorm2d(4)
            let fused = Sequential(bn1, module)
            let y1 = try fused(x1)
            let h = try bn2(x2)
            let y2: Variable
            switch act {
            case .relu: y2 = try h.relu()
            case .leakyRelu(let s): y2 = try h.leakyRelu(s)
            default: y2 = try h.glu()
            }
            XCTAssertEqual(y1.value, y2.value, "\(act): forward")
            XCTAssertNotEqual(y1.op, .relu)
            let gy = randomInput(y1.shape, seed: 12).value
            try y1.backward(gy)
            try y2.backward(gy)
            XCTAssertEqual(x1.grad, x2.grad, "\(act): dx")
            XCTAssertEqual(bn1.weight!.grad, bn2.weight!.grad, "\(act): dγ")
            XCTAssertEqual(bn1.runningVar.value, bn2.runningVar.value, "\(act): running var")
            XCTAssertEqual(bn1.numBatchesTracked.value.item, 1)
        }
    }

    func testBatchNormEvalAnd1dGradients() throws {
        let rm = try Tensor(shape: [3], data: [0.1, -0.2, 0.3]), rv = try Tensor(shape: [3], data: [0.5, 1.5, 2])
        let eval = try gradCheck([randomInput([4, 3], seed: 1), randomInput([3], seed: 2), randomInput([3], seed: 3)]) {
            try $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: false).0
        }
        XCTAssertLessThan(eval.maxError, 2e-2, "eval: \(eval)")
        let train1d = try gradCheck([randomInput([5, 3], seed: 1)]) {
            try $0[0].batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true).0
        }
        XCTAssertLessThan(train1d.maxError, 2e-2, "train 1d without affine: \(train1d)")
    }

    func testLayerGradients() throws {
        GlobalRandom.seed(3)
        let layers: [(String, Module, [Int])] = [
            ("Linear", try Linear(4, 3), [2, 4]),
            ("Conv2d", try Conv2d(2, 3, kernelSize: 3, padding: 1, bias: false), [2, 2, 4, 4]),
            ("BatchNorm1d", try BatchNorm1d(3), [4, 3]),
            ("BatchNorm2d", try BatchNorm2d(2), [2, 2, 3, 3]),
            ("ReLU", ReLU(), [2, 3]), ("LeakyReLU", LeakyReLU(0.2), [2, 3]), ("Sigmoid", Sigmoid(), [2, 3]),
            ("Tanh", Tanh(), [2, 3]), ("GLU", GLU(), [2, 4]), ("Upsample", Upsample(scaleFactor: 2), [1, 2, 2, 2]),
            ("GELU", GELU(), [2, 3]), ("LayerNorm", try LayerNorm(4, eps: 1e-12), [2, 3, 4]),
            ("Sequential", Sequential(try Linear(3, 4), try BatchNorm1d(4), GLU(), try Linear(2, 2)), [3, 3]),
        ]
        for (name, layer, shape) in layers {
            let x = randomInput(shape, seed: 7, margin: 0.1)
            let params = layer.parameters()
            let report = try gradCheck([x] + params) { vars in try layer(vars[0]) }
            XCTAssertLessThan(report.maxError, 2e-2, "\(name): \(report)")
        }
    }

    func testEmbeddingLayerGradient() throws {
        GlobalRandom.seed(3)
        let emb = try Embedding(6, 3)
        let indices = Variable(try Tensor(shape: [4], data: [5, 0, 5, 2]))
        let report = try gradCheck(emb.parameters()) { _ in try emb(indices) }
        XCTAssertLessThan(report.maxError, 2e-2, "Embedding: \(report)")
        XCTAssertNil(indices.grad)
    }

    func testCompositeLossGradients() throws {
        let mse = try gradCheck([randomInput([2, 3], seed: 1), randomInput([2, 3], seed: 2)]) { try Loss.mse($0[0], $0[1]) }
        XCTAssertLessThan(mse.maxError, 2e-2, "mse: \(mse)")
        let kl = try gradCheck([randomInput([2, 4], seed: 1), randomInput([2, 4], seed: 2)]) { try Loss.kl(mu: $0[0], logvar: $0[1]) }
        XCTAssertLessThan(kl.maxError, 2e-2, "kl: \(kl)")
        let colour = try gradCheck([randomInput([2, 3, 2, 2], seed: 1)]) { try Loss.colourStatistics($0[0]).covariance }
        XCTAssertLessThan(colour.maxError, 2e-2, "colour covariance: \(colour)")
    }

    func testGradientAccumulatesAndZeroes() throws {
        let x = Variable(try Tensor(shape: [2], data: [1, 2]), requiresGrad: true)
        try (x * 3).sum().backward()
        try (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
        // A variable used twice in one graph gets both contributions.
        try (x * x).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [2, 4])
    }

    func testBackwardFreesTheGraphUnlessRetained() throws {
        let x = Variable(try Tensor(shape: [2], data: [1, 2]), requiresGrad: true)
        // The intermediate h is freed with the graph once nothing else holds it.
        weak var weakH: Variable?
        var loss: Variable!
        do {
            let h = try x * 3
            weakH = h
            loss = try h.sum()
        }
        XCTAssertNotNil(weakH, "held by the graph before the backward")
        try loss.backward()
        XCTAssertNil(weakH, "freed by the backward")
        XCTAssertFalse(loss.isLeaf)
        XCTAssertThrowsError(try loss.backward()) { XCTAssertTrue("\($0)".contains("already used by a backward pass"), "\($0)") }
        // Retained, the graph takes a second pass and the gradients accumulate.
        x.zeroGrad()
        let kept = try (x * x).sum()
        try kept.backward(retainGraph: true)
        try kept.backward()
        XCTAssertEqual(x.grad?.scalars, [4, 8])
    }

    func testNoGradAndDetach() throws {
        let x = Variable(try Tensor(shape: [2], data: [1, 2]), requiresGrad: true)
        let y = try withNoGrad { try x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.sum().backward())
        let d = x.detach()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertTrue(d.value.sharesStorage(with: x.value))
    }
}

private extension Variable {
    /// |x| as a fresh leaf (test inputs for ops defined on positive numbers).
    func abs() throws -> Variable { Variable(try value.map { Swift.abs($0) }, requiresGrad: true) }
    /// sigmoid(x) as a fresh leaf: probabilities strictly inside (0, 1).
    func sigmoidLeaf() throws -> Variable { Variable(try value.map { 1 / (1 + expf(-$0)) }, requiresGrad: true) }
}
