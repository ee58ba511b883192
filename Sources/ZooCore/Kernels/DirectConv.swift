// conv2d by the direct AVX2 kernel (CZooKernels) for the geometries where it beats im2col + GEMM.
import Foundation
internal import CZooKernels

/// Direct convolution reads a zero-padded copy of the input in place of an im2col matrix and keeps
/// a block of 6 output channels × 16 columns in registers. With few input channels the GEMM of
/// im2col + sgemm is thin, and its packing and im2col traffic weigh as much as its FLOPs; the direct
/// kernel has neither. Stride-1 input gradients, run as convolutions of gy with the flipped kernel,
/// take it too when gy has few channels.
enum DirectConv {
    /// The CPU runs AVX2/FMA and STACKZOO_DIRECT_CONV is not "0" (which forces im2col + GEMM).
    static let available: Bool = zoo_cpu_has_avx2_fma() != 0
        && ProcessInfo.processInfo.environment["STACKZOO_DIRECT_CONV"] != "0"
    /// Tests turn the direct path off to reach the GEMM path on the same shapes.
    nonisolated(unsafe) static var enabled = true

    /// Input channels up to which the direct kernel is used (measured: 87–108 GFLOP/s on the demo's
    /// 16–32-channel convs against 62–77 for im2col + GEMM; with more channels the GEMM wins).
    static let maxChannels = 32

    /// Whether conv `g` runs direct: whole 8-column output blocks, a kernel at most 8 wide, stride
    /// 1 or 2, not 1×1, and few input channels (the GEMM's reduction C·kH·kW short).
    static func suits(_ g: ConvGeometry) -> Bool {
        available && enabled && g.outW % 8 == 0 && g.kernelW <= 8 && g.stride <= 2 && !g.isPointwise
            && g.channels <= maxChannels
    }

    /// y [B, O, H', W'] = conv(x, w) (+ bias), whole items per thread.
    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry) -> Tensor {
        let out = Tensor(uninitialized: [g.batch, g.outChannels, g.outH, g.outW])
        let mr = Int(ZOO_DIRECT_CONV_MR)
        let blocks = (g.outChannels + mr - 1) / mr
        let scratch = zoo_direct_conv_scratch(Int32(g.channels), Int32(g.height), Int32(g.width), Int32(g.kernelH),
                                              Int32(g.kernelW), Int32(g.stride), Int32(g.padding))
        let inPlane = g.channels * g.height * g.width, outPlane = g.outChannels * g.outPlane
        withExtendedLifetime((x, w, bias, out)) {
            Scratch.withBuffer(blocks * g.colRows * mr) { packed in
                zoo_direct_conv_pack(w.ptr, Int32(g.outChannels), Int32(g.channels), Int32(g.kernelH), Int32(g.kernelW), packed)
                let shares = parallelShares(work: g.batch * outPlane * g.colRows, maxShares: g.batch)
                parallelRegion(shares) { s in
                    Scratch.withBuffer(scratch) { buffer in
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
}
