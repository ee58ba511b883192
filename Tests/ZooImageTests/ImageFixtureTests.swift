// Decoders and resize against the Pillow-made fixtures in Tests/Fixtures/ops (expected pixels in .safetensors).
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooImage

final class ImageFixtureTests: XCTestCase {
    private func expected(_ file: String, _ name: String) throws -> Tensor {
        try SafeTensorsFile.read(path: fixturePath("ops/\(file).safetensors")).tensor(name)
    }

    private func expectedImage(_ file: String, _ name: String) throws -> Image {
        try Image(rawTensor: try expected(file, name))
    }

    /// Largest per-byte difference and mean absolute difference; fails on a size mismatch.
    private func difference(_ got: Image, _ want: Image, file: StaticString = #filePath, line: UInt = #line) -> (max: Int, mean: Double) {
        XCTAssertEqual([got.width, got.height, got.channels], [want.width, want.height, want.channels], file: file, line: line)
        guard got.pixels.count == want.pixels.count, !got.pixels.isEmpty else { return (Int.max, .infinity) }
        let d = zip(got.pixels, want.pixels).map { abs(Int($0) - Int($1)) }
        return (d.max()!, Double(d.reduce(0, +)) / Double(d.count))
    }

    // MARK: - PNG (lossless: exact)

    func testPNGFixturesMatchExactly() throws {
        for name in ["png_rgb", "png_rgba", "png_gray", "png_palette", "png_gray16"] {
            let image = try PNG.read(path: fixturePath("ops/\(name).png"))
            XCTAssertEqual(image.rgb(), try expectedImage(name, "rgb"), name)
            XCTAssertEqual(try Image.load(path: fixturePath("ops/\(name).png")), image, name)
        }
    }

    func testPNGRawLayouts() throws {
        XCTAssertEqual(try PNG.read(path: fixturePath("ops/png_rgb.png")), try expectedImage("png_rgb", "raw"))
        // RGBA keeps its alpha; rgb() drops it without compositing (checked above).
        XCTAssertEqual(try PNG.read(path: fixturePath("ops/png_rgba.png")), try expectedImage("png_rgba", "raw"))
        XCTAssertEqual(try PNG.read(path: fixturePath("ops/png_gray.png")), try expectedImage("png_gray", "raw"))
        // The 4-bit palette image: every pixel is the palette entry of its index.
        let palette = try expected("png_palette", "palette").scalars.map { UInt8($0) }
        let indices = try expected("png_palette", "raw").scalars.map { Int($0) }
        let decoded = try PNG.read(path: fixturePath("ops/png_palette.png"))
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.pixels, indices.flatMap { palette[3 * $0..<3 * $0 + 3] })
    }

    func testPNGSixteenBitIsTheHighByte() throws {
        let values = try expected("png_gray16", "gray16").scalars.map { Int($0) }
        XCTAssertEqual(Array(values.prefix(4)), [0, 255, 256, 65535])
        let image = try PNG.read(path: fixturePath("ops/png_gray16.png"))
        XCTAssertEqual(image.channels, 1)
        XCTAssertEqual(image.pixels, values.map { UInt8($0 >> 8) })
        XCTAssertNotEqual(image.rgb(), try expectedImage("png_gray16", "rgb_scale16"), "must strip, not scale")
    }

    func testPNGFixturesSurviveAWriteReadCycle() throws {
        let path = NSTemporaryDirectory() + "zooimage-fixture-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for name in ["png_rgb", "png_rgba", "png_gray"] {
            let image = try PNG.read(path: fixturePath("ops/\(name).png"))
            try PNG.write(image, path: path)
            XCTAssertEqual(try PNG.read(path: path), image, name)
        }
    }

    // MARK: - JPEG (±2 levels, mean < 0.5)

    func testJPEGFixtureWithinTolerance() throws {
        let image = try JPEG.read(path: fixturePath("ops/jpeg_rgb_q90.jpg"))
        let (maxDiff, meanDiff) = difference(image, try expectedImage("jpeg_rgb_q90", "rgb"))
        print("jpeg_rgb_q90: max |diff| = \(maxDiff) levels, mean |diff| = \(meanDiff)")
        XCTAssertLessThanOrEqual(maxDiff, 2)
        XCTAssertLessThan(meanDiff, 0.5)
    }

    // MARK: - Resize (exact port of PIL's fixed-point resampler)

    func testResizeMatchesPILExactly() throws {
        let cases = [("src128", "out64_from128", 64, 64), ("src256", "out128_from256", 128, 128),
                     ("src100x75", "out64_from100x75", 64, 64)]
        for (source, output, width, height) in cases {
            let src = try expectedImage("image_resize_bilinear", source)
            let want = try expectedImage("image_resize_bilinear", output)
            let got = resize(src, width: width, height: height)
            let (maxDiff, _) = difference(got, want)
            print("resize \(source) -> \(output): max |diff| = \(maxDiff)")
            XCTAssertEqual(got, want, "\(source) -> \(output)")
        }
        XCTAssertEqual(try expectedImage("image_resize_bilinear", "src100x75").width, 100)
    }
}
