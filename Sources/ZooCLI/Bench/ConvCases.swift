// The StackGAN conv layers whose GEMMs make up most of the training time (Tests/Fixtures/ops/gemm_shapes.txt).

/// One convolution of a real StackGAN network, at the batch size it runs with.
struct ConvCase {
    var name: String
    var batch, inChannels, outChannels, outSize, kernel, stride, padding: Int
    var inSize: Int { (outSize - 1) * stride + kernel - 2 * padding }
    /// Forward GEMM: M = out channels, N = batch·H'·W', K = in channels·k².
    var m: Int { outChannels }
    var n: Int { batch * outSize * outSize }
    var k: Int { inChannels * kernel * kernel }
    var flopsForward: Double { 2 * Double(m) * Double(n) * Double(k) }

    static func c3(_ name: String, _ c: Int, _ o: Int, _ size: Int, b: Int) -> ConvCase {
        ConvCase(name: name, batch: b, inChannels: c, outChannels: o, outSize: size, kernel: 3, stride: 1, padding: 1)
    }

    static func down(_ name: String, _ c: Int, _ o: Int, _ size: Int, b: Int) -> ConvCase {
        ConvCase(name: name, batch: b, inChannels: c, outChannels: o, outSize: size, kernel: 4, stride: 2, padding: 1)
    }

    /// Names and sizes as in gemm_shapes.txt (its bwd_* rows are the backward of h2.up).
    static let stackgan: [ConvCase] = [
        c3("v2G.h1.up1_conv1024x1024@8x8_b8", 1024, 1024, 8, b: 8),
        c3("v2G.h1.up2_conv512x512@16x16_b8", 512, 512, 16, b: 8),
        c3("v2G.h1.up3_conv256x256@32x32_b8", 256, 256, 32, b: 8),
        c3("v2G.h1.up4_conv128x128@64x64_b1", 128, 128, 64, b: 1),
        c3("v2G.h2.join_conv192->128@64x64_b1", 192, 128, 64, b: 1),
        c3("v2G.h2.res_conv64->128@64x64_b1", 64, 128, 64, b: 1),
        c3("v2G.h2.res_conv64->64@64x64_b1", 64, 64, 64, b: 1),
        c3("v2G.h2.up_conv64->64@128x128_b1", 64, 64, 128, b: 1),
        c3("v2G.h3.join_conv160->64@128x128_b1", 160, 64, 128, b: 1),
        c3("v2G.h3.res_conv32->64@128x128_b1", 32, 64, 128, b: 1),
        c3("v2G.h3.up_conv32->32@256x256_b1", 32, 32, 256, b: 1),
        c3("v2G.img3_conv16->3@256x256_b1", 16, 3, 256, b: 1),
        down("v2D256.conv64->128k4s2@64x64_b1", 64, 128, 64, b: 1),
        down("v2D256.conv256->512k4s2@16x16_b8", 256, 512, 16, b: 8),
        down("v2D256.conv512->1024k4s2@8x8_b24", 512, 1024, 8, b: 24),
        down("v2D256.conv1024->2048k4s2@4x4_b24", 1024, 2048, 4, b: 24),
        c3("v2D256.conv3x3_2048->1024@4x4_b24", 2048, 1024, 4, b: 24),
        c3("v1S1G.up1_conv1024->512@8x8_b64", 1024, 512, 8, b: 64),
    ]
}
