// conv2d kernels against a naive direct convolution: every tiling path, geometry, bias, and 1 vs 2 threads.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class ConvolutionTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Threads.count }
    override func tearDown() { Threads.set(savedThreads) }

    /// One convolution to check: input [b, c, h, w], weight [o, c, kh, kw].
    struct Case: CustomStringConvertible {
        var b, c, o, h, w, kh, kw, stride, pad: Int
        var bias: Bool
        var geometry: ConvGeometry {
            ConvGeometry(batch: b, channels: c, height: h, width: w, outChannels: o, kernelH: kh, kernelW: kw,
                         stride: stride, padding: pad)
        }
        /// Random x, w, bias (when the case has one) and upstream gradient gy of this geometry.
        func randomInputs(seed: UInt64) throws -> (x: Tensor, w: Tensor, bias: Tensor?, gy: Tensor) {
            var gen = RandomGenerator(seed: seed)
            let x = try Tensor.randn([b, c, h, w], generator: &gen)
            let wt = try Tensor.randn([o, c, kh, kw], generator: &gen)
            let bias = self.bias ? try Tensor.randn([o], generator: &gen) : nil
            return (x, wt, bias, try Tensor.randn([b, o, geometry.outH, geometry.outW], generator: &gen))
        }
        var description: String { "x[\(b),\(c),\(h),\(w)] w[\(o),\(c),\(kh),\(kw)] s\(stride) p\(pad)\(bias ? " bias" : "")" }
    }

    static let cases: [Case] = [
        Case(b: 1, c: 3, o: 4, h: 7, w: 9, kh: 3, kw: 3, stride: 1, pad: 1, bias: true),    // batch 1, non-square
        Case(b: 3, c: 2, o: 5, h: 6, w: 5, kh: 3, kw: 3, stride: 1, pad: 1, bias: false),   // batch 3
        Case(b: 2, c: 3, o: 4, h: 9, w: 8, kh: 4, kw: 4, stride: 2, pad: 1, bias: true),    // D down-sampling
        Case(b: 2, c: 4, o: 3, h: 8, w: 12, kh: 4, kw: 4, stride: 4, pad: 0, bias: true),   // D logit conv
        Case(b: 3, c: 4, o: 1, h: 4, w: 4, kh: 4, kw: 4, stride: 4, pad: 0, bias: true),    // kernel covers the input (im2col = transpose)
        Case(b: 2, c: 2, o: 3, h: 3, w: 5, kh: 3, kw: 5, stride: 1, pad: 0, bias: false),   // the same, non-square
        Case(b: 1, c: 5, o: 3, h: 6, w: 7, kh: 1, kw: 1, stride: 1, pad: 0, bias: true),    // 1×1, batch 1
        Case(b: 3, c: 5, o: 2, h: 5, w: 4, kh: 1, kw: 1, stride: 1, pad: 0, bias: false),   // 1×1, batch 3
        Case(b: 2, c: 3, o: 2, h: 5, w: 6, kh: 1, kw: 1, stride: 2, pad: 0, bias: false),   // 1×1 strided: im2col path
        Case(b: 2, c: 2, o: 3, h: 5, w: 5, kh: 3, kw: 3, stride: 2, pad: 2, bias: true),    // padding > kernel/2
        Case(b: 2, c: 3, o: 4, h: 6, w: 7, kh: 3, kw: 3, stride: 1, pad: 0, bias: false),   // stride 1, no padding: dx pads by 2
        Case(b: 2, c: 2, o: 3, h: 5, w: 4, kh: 3, kw: 3, stride: 1, pad: 2, bias: true),    // stride 1, padding 2: dx unpadded
        Case(b: 2, c: 3, o: 3, h: 7, w: 5, kh: 3, kw: 3, stride: 2, pad: 0, bias: true),    // odd sizes, no padding
        Case(b: 2, c: 2, o: 3, h: 6, w: 5, kh: 3, kw: 2, stride: 1, pad: 1, bias: false),   // non-square kernel
        Case(b: 1, c: 1, o: 2, h: 1, w: 2, kh: 3, kw: 7, stride: 1, pad: 3, bias: true),    // kernel wider than the image
        Case(b: 2, c: 8, o: 32, h: 24, w: 24, kh: 3, kw: 3, stride: 1, pad: 1, bias: true), // big enough to thread
    ]

    /// Tilings that drive each path on small shapes: whole-batch or default tiles, one row per
    /// tile, bands of a few rows, groups of two items.
    static func tilings(_ g: ConvGeometry) throws -> [(String, ConvTiling)] {
        [("default", .default),
         ("one row per tile", ConvTiling(targetBytes: 0, minColumns: 1)),
         ("3-row bands", ConvTiling(targetBytes: 0, minColumns: 3 * g.outW)),
         ("2-item groups", ConvTiling(targetBytes: 0, minColumns: 2 * g.outPlane))]
    }

    // MARK: - Reference

    /// Direct convolution in Double: out = conv(x, w) + bias, and dx, dw, db for upstream gradient gy.
    static func reference(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ gy: Tensor, _ g: ConvGeometry)
        -> (out: [Double], dx: [Double], dw: [Double], db: [Double]) {
        let (oh, ow) = (g.outH, g.outW)
        var out = [Double](repeating: 0, count: g.batch * g.outChannels * oh * ow)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: g.outChannels)
        let xs = x.scalars.map(Double.init), ws = w.scalars.map(Double.init), gys = gy.scalars.map(Double.init)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let oi = ((b * g.outChannels + o) * oh + y) * ow + xo
                        let gv = gys[oi]
                        var acc = bias.map { Double($0[flat: o]) } ?? 0
                        db[o] += gv
                        for c in 0..<g.channels {
                            for i in 0..<g.kernelH {
                                let iy = y * g.stride - g.padding + i
                                if iy < 0 || iy >= g.height { continue }
                                for j in 0..<g.kernelW {
                                    let ix = xo * g.stride - g.padding + j
                                    if ix < 0 || ix >= g.width { continue }
                                    let xi = ((b * g.channels + c) * g.height + iy) * g.width + ix
                                    let wi = ((o * g.channels + c) * g.kernelH + i) * g.kernelW + j
                                    acc += ws[wi] * xs[xi]
                                    dx[xi] += gv * ws[wi]
                                    dw[wi] += gv * xs[xi]
                                }
                            }
                        }
                        out[oi] = acc
                    }
                }
            }
        }
        return (out, dx, dw, db)
    }

    /// max|got − ref| ≤ tol · max(1, max|ref|).
    func assertClose(_ got: Tensor?, _ ref: [Double], _ what: String, tol: Double = 1e-5,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let got else { return XCTFail("\(what): missing", file: file, line: line) }
        XCTAssertEqual(got.count, ref.count, what, file: file, line: line)
        let scale = max(1, ref.map(abs).max() ?? 0)
        var worst = 0.0
        for i in 0..<min(got.count, ref.count) { worst = max(worst, abs(Double(got[flat: i]) - ref[i])) }
        XCTAssertLessThanOrEqual(worst, tol * scale, "\(what): max error \(worst)", file: file, line: line)
    }

    /// Forward and backward through the kernels with one tiling and thread count.
    static func run(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ gy: Tensor, _ g: ConvGeometry, _ tiling: ConvTiling,
                    threads: Int) throws -> [Tensor?] {
        Threads.set(threads)
        let out = try Tensor.conv2dKernel(x, w, bias, g, tiling: tiling)
        let (dx, dw, db) = try Tensor.conv2dBackward(x, w, hasBias: bias != nil, g, gy, needInput: true, needWeight: true,
                                                 tiling: tiling)
        return [out, dx, dw, db]
    }

    // MARK: - Tests

    func testEveryTilingMatchesDirectConvolution() throws {
        // The im2col + GEMM paths (the direct kernel has its own test below).
        DirectConv.enabled = false
        defer { DirectConv.enabled = true }
        for (n, cs) in Self.cases.enumerated() {
            let g = cs.geometry
            let (x, w, bias, gy) = try cs.randomInputs(seed: UInt64(100 + n))
            let ref = Self.reference(x, w, bias, gy, g)
            for (name, tiling) in try Self.tilings(g) {
                let one = try Self.run(x, w, bias, gy, g, tiling, threads: 1)
                let two = try Self.run(x, w, bias, gy, g, tiling, threads: 2)
                let label = "\(cs), \(name)"
                assertClose(one[0], ref.out, "\(label): out")
                assertClose(one[1], ref.dx, "\(label): dx")
                assertClose(one[2], ref.dw, "\(label): dw")
                if cs.bias { assertClose(one[3], ref.db, "\(label): db") } else { XCTAssertNil(one[3], label) }
                // Two threads split GEMMs and tiles differently (BLAS edge kernels, per-thread dW
                // partial sums): equal to float32 rounding.
                for k in 0..<4 {
                    guard let a = one[k], let b = two[k] else { XCTAssertTrue(one[k] == nil && two[k] == nil, label); continue }
                    ZooTestSupport.assertClose(b, a, tol: 1e-5, "\(label): output \(k), 2 threads vs 1")
                }
            }
        }
    }

    /// Geometries the direct AVX2 kernel takes: every channel-block remainder (O = 1…13), 16- and
    /// 8-column blocks (W' = 8, 16, 24, 40), stride 1 and 2, bias or not, a 1-row output, and (the
    /// last) a conv whose stride-1 input gradient, the conv of gy's 32 channels, runs direct too.
    static let directCases: [Case] = [
        Case(b: 3, c: 5, o: 13, h: 16, w: 24, kh: 3, kw: 3, stride: 1, pad: 1, bias: true),
        Case(b: 2, c: 3, o: 7, h: 6, w: 8, kh: 3, kw: 3, stride: 1, pad: 1, bias: false),
        Case(b: 2, c: 4, o: 5, h: 16, w: 16, kh: 4, kw: 4, stride: 2, pad: 1, bias: true),
        Case(b: 2, c: 3, o: 4, h: 12, w: 80, kh: 4, kw: 4, stride: 2, pad: 1, bias: false),
        Case(b: 1, c: 2, o: 1, h: 1, w: 16, kh: 3, kw: 3, stride: 1, pad: 1, bias: true),
        Case(b: 2, c: 6, o: 3, h: 5, w: 18, kh: 3, kw: 3, stride: 1, pad: 0, bias: false),
        Case(b: 2, c: 2, o: 2, h: 9, w: 18, kh: 3, kw: 3, stride: 2, pad: 0, bias: true),
        Case(b: 4, c: 16, o: 32, h: 16, w: 16, kh: 3, kw: 3, stride: 1, pad: 1, bias: false),
        Case(b: 2, c: 40, o: 3, h: 6, w: 16, kh: 3, kw: 3, stride: 1, pad: 1, bias: true),  // many channels into RGB
    ]

    /// Checks that every case takes the path `takes` says, then its out, dx, dw and db at 1 and 2
    /// threads against the reference; returns each case's outputs per thread count.
    func checkAgainstReference(_ cases: [Case], seed: Int, takes: (ConvGeometry) -> Bool, _ path: String) throws -> [[[Tensor?]]] {
        try cases.enumerated().map { n, cs in
            let g = cs.geometry
            XCTAssertTrue(takes(g), "\(cs) takes \(path)")
            let (x, w, bias, gy) = try cs.randomInputs(seed: UInt64(seed + n))
            let ref = Self.reference(x, w, bias, gy, g)
            return try [1, 2].map { threads in
                let got = try Self.run(x, w, bias, gy, g, .default, threads: threads)
                let label = "\(cs), \(threads) thread(s)"
                assertClose(got[0], ref.out, "\(label): out")
                assertClose(got[1], ref.dx, "\(label): dx")
                assertClose(got[2], ref.dw, "\(label): dw")
                if cs.bias { assertClose(got[3], ref.db, "\(label): db") } else { XCTAssertNil(got[3], label) }
                return got
            }
        }
    }

    func testDirectKernelMatchesReference() throws {
        try XCTSkipUnless(DirectConv.available, "no AVX2/FMA on this CPU")
        _ = try checkAgainstReference(Self.directCases, seed: 300, takes: DirectConv.suits, "the direct forward")
        let last = Self.directCases.last!.geometry
        XCTAssertTrue(DirectConv.suits(last.transposedForStride1!), "the last case's dx runs direct")
    }

    /// Geometries whose weight gradient the direct kernel takes: output-channel blocks of 3, 2 and 1
    /// (O = 1…8), kernel-column blocks of 4 and fewer (kW = 1…5), kH ≠ kW, stride 1 and 2, padding
    /// 0–2, channel splits by input (C even) and by output channel (C = 3), and a 256-column output
    /// whose rows run in several L1 bands.
    static let weightGradientCases: [Case] = [
        Case(b: 3, c: 5, o: 8, h: 7, w: 16, kh: 3, kw: 3, stride: 1, pad: 1, bias: false),
        Case(b: 2, c: 3, o: 7, h: 9, w: 32, kh: 4, kw: 4, stride: 2, pad: 1, bias: true),
        Case(b: 2, c: 4, o: 2, h: 5, w: 12, kh: 2, kw: 5, stride: 1, pad: 0, bias: false),
        Case(b: 1, c: 6, o: 1, h: 4, w: 6, kh: 3, kw: 3, stride: 1, pad: 2, bias: true),
        Case(b: 2, c: 2, o: 4, h: 10, w: 17, kh: 3, kw: 2, stride: 2, pad: 0, bias: false),
        Case(b: 2, c: 3, o: 5, h: 6, w: 8, kh: 1, kw: 3, stride: 1, pad: 1, bias: false),
        Case(b: 2, c: 16, o: 16, h: 12, w: 256, kh: 3, kw: 3, stride: 1, pad: 1, bias: false),
    ]

    func testDirectWeightGradientMatchesReference() throws {
        try XCTSkipUnless(DirectConv.available, "no AVX2/FMA on this CPU")
        let results = try checkAgainstReference(Self.weightGradientCases, seed: 500, takes: DirectConv.suitsWeightGradient,
                                            "the direct dW")
        for (cs, byThreads) in zip(Self.weightGradientCases, results) {
            // Each weight's sum has one order whichever thread runs its channels.
            XCTAssertEqual(byThreads[0][2]?.scalars, byThreads[1][2]?.scalars, "\(cs): dw, 1 vs 2 threads")
        }
        // And the shapes it leaves to the GEMM: D's 4×4 stride-2 convs of 16 channels, and 1×1.
        XCTAssertFalse(DirectConv.suitsWeightGradient(ConvGeometry(batch: 16, channels: 16, height: 64, width: 64, outChannels: 32,
                                                                   kernelH: 4, kernelW: 4, stride: 2, padding: 1)))
        XCTAssertFalse(DirectConv.suitsWeightGradient(ConvGeometry(batch: 2, channels: 3, height: 8, width: 8, outChannels: 3,
                                                                   kernelH: 1, kernelW: 1, stride: 1, padding: 0)))
    }

    func testTilingsReachEveryPath() throws {
        // The tilings above must produce each tile kind on the small cases, or the test proves less than it says.
        var kinds = Set<String>()
        for cs in Self.cases {
            let g = cs.geometry
            for (_, tiling) in try Self.tilings(g) {
                for t in g.tiles(tiling) {
                    if g.isPointwise && t.isSingleItem { kinds.insert("pointwise") }
                    else if t.isSingleItem && t.rows.count < g.outH { kinds.insert("band") }
                    else if t.isSingleItem { kinds.insert("item") }
                    else if t.items.count < g.batch { kinds.insert("group") }
                    else { kinds.insert("whole batch") }
                }
            }
        }
        XCTAssertEqual(kinds, ["pointwise", "band", "item", "group", "whole batch"])
    }

    func testTilesCoverEveryOutputOnce() {
        // StackGAN shapes (see ConvCases) under the default tiling, plus a wide 1×1.
        let shapes: [(b: Int, c: Int, o: Int, size: Int, k: Int, s: Int, p: Int)] = [
            (8, 1024, 1024, 8, 3, 1, 1), (8, 256, 256, 32, 3, 1, 1), (1, 64, 64, 128, 3, 1, 1),
            (1, 32, 32, 256, 3, 1, 1), (1, 16, 3, 256, 3, 1, 1), (24, 1024, 2048, 8, 4, 2, 1),
            (64, 1024, 512, 8, 3, 1, 1), (2, 64, 32, 64, 1, 1, 0),
        ]
        for sh in shapes {
            let g = ConvGeometry(batch: sh.b, channels: sh.c, height: sh.size, width: sh.size, outChannels: sh.o,
                                 kernelH: sh.k, kernelW: sh.k, stride: sh.s, padding: sh.p)
            var next = (item: 0, row: 0)
            for t in g.tiles() {
                XCTAssertEqual(t.items.lowerBound, next.item)
                XCTAssertEqual(t.rows.lowerBound, next.row)
                XCTAssertFalse(t.rows.isEmpty)
                XCTAssertTrue(t.isSingleItem || t.rows == 0..<g.outH, "multi-item tiles hold whole planes")
                next = t.rows.upperBound == g.outH ? (t.items.upperBound, 0) : (t.items.lowerBound, t.rows.upperBound)
            }
            XCTAssertEqual(next.item, g.batch, "\(sh)")
        }
    }

    func testOwnedInputRowsPartitionEachPlane() throws {
        // col2im zeroes each band's owned rows right before adding into them, bands last first: the
        // owned rows must partition 0..<H, and no band after (larger y) may touch a row it owns.
        for cs in Self.cases {
            let g = cs.geometry
            for (name, tiling) in try Self.tilings(g) {
                let tiles = g.tiles(tiling)
                for b in 0..<g.batch {
                    let bands = tiles.filter { $0.items.contains(b) }
                    var next = 0
                    for (t, tile) in bands.enumerated() {
                        let owned = g.ownedInputRows(tile)
                        XCTAssertEqual(owned.lowerBound, next, "\(cs), \(name)")
                        next = owned.upperBound
                        for later in bands[(t + 1)...] {
                            let first = later.rows.lowerBound * g.stride - g.padding  // lowest input row it touches
                            let last = (later.rows.upperBound - 1) * g.stride - g.padding + g.kernelH - 1
                            XCTAssertTrue(owned.isEmpty || owned.upperBound <= first || owned.lowerBound > last,
                                          "\(cs), \(name): a later band touches rows \(owned)")
                        }
                    }
                    XCTAssertEqual(next, g.height, "\(cs), \(name)")
                }
            }
        }
    }

    func testDefaultTilingCutsALargePlaneIntoBands() throws {
        // 64×64 output with K = 288: the default plan uses row bands of one item; check them numerically
        // through the public API (and the bias gradient through the autograd op).
        let g = ConvGeometry(batch: 1, channels: 32, height: 64, width: 64, outChannels: 3, kernelH: 3, kernelW: 3,
                             stride: 1, padding: 1)
        XCTAssertGreaterThan(g.tiles().count, 1)
        var gen = RandomGenerator(seed: 7)
        let x = Variable(try Tensor.randn([1, 32, 64, 64], generator: &gen), requiresGrad: true)
        let w = Variable(try Tensor.randn([3, 32, 3, 3], generator: &gen), requiresGrad: true)
        let bias = Variable(try Tensor.randn([3], generator: &gen), requiresGrad: true)
        let gy = try Tensor.randn([1, 3, 64, 64], generator: &gen)
        let y = try x.conv2d(weight: w, bias: bias, stride: 1, padding: 1)
        try y.backward(gy)
        let ref = Self.reference(x.value, w.value, bias.value, gy, g)
        assertClose(y.value, ref.out, "out")
        assertClose(x.grad, ref.dx, "dx")
        assertClose(w.grad, ref.dw, "dw", tol: 1e-4)  // a 4096-term reduction
        assertClose(bias.grad, ref.db, "db", tol: 1e-4)
    }

    func testPyTorchFixtures() throws {
        // F.conv2d outputs and gradients from Tests/Fixtures/ops (tolerance 1e-5, see its README).
        let geometry = ["conv2d_k3s1p1": (1, 1), "conv2d_k4s2p1": (2, 1), "conv2d_k4s4p0_bias": (4, 0),
                        "conv2d_k1s1p0": (1, 0), "conv2d_k3s1p1_rect": (1, 1)]
        for (name, (stride, pad)) in geometry.sorted(by: { $0.key < $1.key }) {
            let f = try SafeTensorsFile.read(path: fixturePath("ops/\(name).safetensors"))
            let x = Variable(try f.tensor("x"), requiresGrad: true), w = Variable(try f.tensor("weight"), requiresGrad: true)
            let bias = f.tensors["bias"] != nil ? Variable(try f.tensor("bias"), requiresGrad: true) : nil
            let y = try x.conv2d(weight: w, bias: bias, stride: stride, padding: pad)
            let gy = try f.tensor("grad_out")
            try y.backward(gy)
            func check(_ got: Tensor?, _ key: String) throws {
                let ref = try f.tensor(key).scalars.map(Double.init)
                assertClose(got, ref, "\(name) \(key)")
            }
            try check(y.value, "out")
            try check(x.grad, "grad.x")
            try check(w.grad, "grad.weight")
            if let bias { try check(bias.grad, "grad.bias") }
        }
    }

    func testReplicatedChannelsMatchTheMaterialisedConcat() throws {
        // conv2d over concat([replicate(code), rest]) or concat([rest, replicate(code)]) takes the
        // replicated path; the same conv on a plain copy of the concatenated input is the reference
        // (outputs and every gradient).
        for threads in [1, 2] {
            Threads.set(threads)
            for c in Self.cases {
              for codeFirst in [true, false] {
                let cc = 3, cr = c.c
                var gen = RandomGenerator(seed: 11)
                let code = Variable(try Tensor.randn([c.b, cc], generator: &gen), requiresGrad: true)
                let rest = Variable(try Tensor.randn([c.b, cr, c.h, c.w], generator: &gen), requiresGrad: true)
                let w = Variable(try Tensor.randn([c.o, cc + cr, c.kh, c.kw], generator: &gen), requiresGrad: true)
                let bias = c.bias ? Variable(try Tensor.randn([c.o], generator: &gen), requiresGrad: true) : nil
                let tiled = try code.replicate(height: c.h, width: c.w)
                let joint = try Variable.concat(codeFirst ? [tiled, rest] : [rest, tiled], axis: 1)
                let y = try joint.conv2d(weight: w, bias: bias, stride: c.stride, padding: c.pad)
                XCTAssertEqual(y.op, .conv2dReplicated, "\(c)")
                let gy = try Tensor.randn(y.shape, generator: &gen)
                try y.backward(gy)

                let plain = Variable(joint.value, requiresGrad: true)
                let w2 = Variable(w.value, requiresGrad: true), b2 = bias.map { Variable($0.value, requiresGrad: true) }
                let y2 = try plain.conv2d(weight: w2, bias: b2, stride: c.stride, padding: c.pad)
                XCTAssertEqual(y2.op, .conv2d)
                try y2.backward(gy)
                let dx = plain.grad!
                let (codeAt, restAt) = codeFirst ? (0, cc) : (cr, 0)
                let dcode = try dx.sliceKernel(axis: 1, start: codeAt, length: cc).sum(toShape: [c.b, cc, 1, 1]).reshaped([c.b, cc])
                let what = "\(c), code \(codeFirst ? "first" : "last"), \(threads) thread(s)"
                ZooTestSupport.assertClose(y.value, y2.value, tol: 1e-5, "out \(what)")
                ZooTestSupport.assertClose(code.grad!, dcode, tol: 1e-5, "dcode \(what)")
                ZooTestSupport.assertClose(rest.grad!, try dx.sliceKernel(axis: 1, start: restAt, length: cr), tol: 1e-5, "drest \(what)")
                ZooTestSupport.assertClose(w.grad!, w2.grad!, tol: 1e-5, "dw \(what)")
                if let bias, let b2 { ZooTestSupport.assertClose(bias.grad!, b2.grad!, tol: 1e-5, "db \(what)") }
              }
            }
        }
    }

    func testReplacingAValueDropsItsProvenance() throws {
        // A concat whose value is replaced is convolved as a plain tensor.
        let code = Variable(try Tensor(zeros: [1, 2])), rest = Variable(try Tensor(zeros: [1, 1, 3, 3]))
        let joint = try Variable.concat([code.replicate(height: 3, width: 3), rest], axis: 1)
        let w = Variable(try Tensor(shape: [1, 3, 3, 3], repeating: 1), requiresGrad: true)
        XCTAssertEqual(try joint.conv2d(weight: w, bias: nil, padding: 1).op, .conv2dReplicated)
        joint.value = try Tensor(shape: [1, 3, 3, 3], repeating: 1)
        let y = try joint.conv2d(weight: w, bias: nil, padding: 1)
        XCTAssertEqual(y.op, .conv2d)
        XCTAssertEqual(y.value.scalars[4], 27)  // the centre sees all 27 ones
    }
}
