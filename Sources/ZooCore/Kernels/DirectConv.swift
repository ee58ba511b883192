// conv2d and its weight gradient by the direct AVX2 kernels (CZooKernels), for the geometries where
// they beat im2col + GEMM.
import Foundation
internal import CZooKernels

/// Direct convolution reads a zero-padded copy of the input in place of an im2col matrix and keeps
/// a block of 6 output channels × 16 columns in registers. With few input channels the GEMM of
/// im2col + sgemm is thin, and its packing and im2col traffic weigh as much as its FLOPs; the direct
/// kernel has neither. Stride-1 input gradients, run as convolutions of gy with the flipped kernel,
/// take it too when gy has few channels. Its weight-gradient twin correlates gy with the same
/// padded input copy, 3 output channels × 4 kernel columns at a time, instead of a dW GEMM whose
/// M is the (small) output channel count.
enum DirectConv {
    /// The CPU runs AVX2/FMA and STACKZOO_DIRECT_CONV is not "0" (which forces im2col + GEMM).
    static let available: Bool = zoo_cpu_has_avx2_fma() != 0
        && ProcessInfo.processInfo.environment["STACKZOO_DIRECT_CONV"] != "0"
    /// Tests turn the direct path off to reach the GEMM path on the same shapes.
    nonisolated(unsafe) static var enabled = true

    /// Input channels up to which the direct kernel is used (measured: 87–108 GFLOP/s on the demo's
    /// 16–32-channel convs against 62–77 for im2col + GEMM; with more channels the GEMM wins).
    static let maxChannels = 32

    /// Whether conv `g` runs direct: what the kernels can run (`fitsKernels`), and few input channels (the GEMM's reduction C·kH·kW short) or few output
    /// channels (a GEMM of M ≤ 8 rows streams its whole im2col matrix for a handful of FMAs per
    /// element: v1 Stage-I's 64-channel → RGB conv took 47 ms by GEMM, 16 ms direct).
    static func suits(_ g: ConvGeometry) -> Bool {
        fitsKernels(g) && (g.channels <= maxChannels || g.outChannels <= 8)
    }

    /// Whether conv `g`'s weight gradient runs direct (`weightGradient`): what the kernels can run
    /// (and a kernel at most 8 high), and a shape where the dW GEMM is thin: at most
    /// 8 output channels (its M; 5–8× faster direct), at most 4 input channels, or stride 1 with
    /// few input channels (1.3–1.7× on the 16–32-channel 3×3 convs). The 4×4 stride-2 convs of
    /// 16–32 channels stay on the GEMM, which was as fast or faster there.
    static func suitsWeightGradient(_ g: ConvGeometry) -> Bool {
        fitsKernels(g) && g.kernelH <= 8
            && (g.outChannels <= 8 || g.channels <= 4 || (g.stride == 1 && g.channels <= maxChannels))
    }

    /// What both kernels can run at all: the direct path on, whole 8-column output blocks, a kernel
    /// at most 8 wide, stride 1 or 2, not 1×1.
    private static func fitsKernels(_ g: ConvGeometry) -> Bool {
        available && enabled && g.outW % 8 == 0 && g.kernelW <= 8 && g.stride <= 2 && !g.isPointwise
    }

    /// y [B, O, H', W'] = conv(x, w) (+ bias), whole items per thread.
    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry) throws -> Tensor {
        let out = try Tensor(uninitialized: [g.batch, g.outChannels, g.outH, g.outW])
        let mr = Int(ZOO_DIRECT_CONV_MR)
        let blocks = (g.outChannels + mr - 1) / mr
        let scratch = zoo_direct_conv_scratch(Int32(g.channels), Int32(g.height), Int32(g.width), Int32(g.kernelH),
                                              Int32(g.kernelW), Int32(g.stride), Int32(g.padding))
        let inPlane = g.channels * g.height * g.width, outPlane = g.outChannels * g.outPlane
        let shares = parallelShares(work: g.batch * outPlane * g.colRows, maxShares: g.batch)
        try withExtendedLifetime((x, w, bias, out)) {
            try Scratch.withBuffer(blocks * g.colRows * mr) { packed in
                zoo_direct_conv_pack(w.ptr, Int32(g.outChannels), Int32(g.channels), Int32(g.kernelH), Int32(g.kernelW), packed)
                try Scratch.withShareBuffers(scratch, shares: shares) { shareBuffer in
                    parallelRegion(shares) { s in
                        let buffer = shareBuffer(s)
                        for b in g.batch * s / shares..<g.batch * (s + 1) / shares {
                            zoo_direct_conv_item(x.ptr + b * inPlane, Int32(g.channels), Int32(g.height), Int32(g.width),
                                                 packed, bias?.ptr, Int32(g.outChannels), Int32(g.kernelH), Int32(g.kernelW),
                                                 Int32(g.stride), Int32(g.padding), out.ptr + b * outPlane, Int32(g.outH),
                                                 Int32(g.outW), buffer)
                        }
                    }
                }
            }
        }
        return out
    }

    /// dW [O, C, kH, kW] = Σ over items and positions of gy [B, O, H', W'] ⋆ x [B, C, H, W], summed per
    /// weight in Double over items. The threads take input channels (or, with few of them, output
    /// channels); each weight's sum is the same whichever thread runs it.
    static func weightGradient(_ x: Tensor, _ gy: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let dw = try Tensor(uninitialized: [g.outChannels, g.channels, g.kernelH, g.kernelW])
        let shares = parallelShares(work: g.batch * g.outPlane * g.colRows * g.outChannels,
                                    maxShares: max(g.channels, g.outChannels))
        let byInput = g.channels % shares == 0 || g.channels >= 4 * shares
        let inPlane = g.channels * g.height * g.width, outPlane = g.outChannels * g.outPlane
        /// Share s's input channels c0..<c1 and output channels o0..<o1.
        func ranges(_ s: Int) -> (c0: Int, c1: Int, o0: Int, o1: Int) {
            byInput ? (g.channels * s / shares, g.channels * (s + 1) / shares, 0, g.outChannels)
                : (0, g.channels, g.outChannels * s / shares, g.outChannels * (s + 1) / shares)
        }
        // Each share's padded input copy: room for the largest share's channels.
        let scratch = (0..<shares).map { s in
            zoo_direct_conv_scratch(Int32(ranges(s).c1 - ranges(s).c0), Int32(g.height), Int32(g.width), Int32(g.kernelH),
                                    Int32(g.kernelW), Int32(g.stride), Int32(g.padding))
        }.max() ?? 0
        let lanes = 8
        try Scratch.withBuffer(of: Double.self, dw.count * lanes) { sums in
            sums.update(repeating: 0, count: dw.count * lanes)
            try Scratch.withShareBuffers(Int(scratch), shares: shares) { buffer in
                withExtendedLifetime((x, gy)) {
                    parallelRegion(shares) { s in
                        let (c0, c1, o0, o1) = ranges(s)
                        for b in 0..<g.batch {
                            zoo_direct_conv_dw_item(x.ptr + b * inPlane, Int32(g.channels), Int32(g.height), Int32(g.width),
                                                    gy.ptr + b * outPlane, Int32(g.outChannels), Int32(g.outH), Int32(g.outW),
                                                    Int32(g.kernelH), Int32(g.kernelW), Int32(g.stride), Int32(g.padding),
                                                    Int32(c0), Int32(c1), Int32(o0), Int32(o1), sums, buffer(s))
                        }
                    }
                }
            }
            for i in 0..<dw.count {
                var total = 0.0
                for l in 0..<lanes { total += sums[i * lanes + l] }
                dw.ptr[i] = Float(total)
            }
        }
        return dw
    }
}
