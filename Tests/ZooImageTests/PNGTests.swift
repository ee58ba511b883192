// PNG decoding of every layout, round trips, and corrupt-file errors that name the file.
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooImage

final class PNGTests: XCTestCase {
    private var tempDir: String!

    override func setUpWithError() throws {
        tempDir = NSTemporaryDirectory() + "zooimage-png-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: tempDir)
    }

    private func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) throws -> Image {
        var state = seed
        let pixels = (0..<width * height * channels).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    // MARK: - Round trips

    func testRoundTripGrayRGBRGBA() throws {
        for channels in [1, 3, 4] {
            let image = try randomImage(width: 13, height: 7, channels: channels, seed: UInt64(channels))
            let path = tempDir + "/rt\(channels).png"
            try PNG.write(image, path: path)
            XCTAssertEqual(try PNG.read(path: path), image, "channels \(channels)")
            XCTAssertEqual(try Image.load(path: path), image)
            XCTAssertEqual(try PNG.decode(try PNG.encode(image), path: "memory"), image)
        }
    }

    func testWriteLeavesNoTemporaryFiles() throws {
        let path = tempDir + "/one.png"
        try PNG.write(try randomImage(width: 3, height: 2, channels: 3, seed: 9), path: path)
        try PNG.write(try randomImage(width: 4, height: 2, channels: 3, seed: 10), path: path)  // overwrite
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tempDir), ["one.png"])
        XCTAssertEqual(try PNG.read(path: path).width, 4)
    }

    func testWriteErrorsNameTheFile() throws {
        let path = tempDir + "/no/such/dir/x.png"
        XCTAssertThrowsError(try PNG.write(try randomImage(width: 2, height: 2, channels: 1, seed: 1), path: path)) {
            XCTAssertTrue("\($0)".contains(path), "\($0)")
        }
        let empty = Image(unchecked: 0, height: 0, channels: 3, pixels: [])
        XCTAssertThrowsError(try PNG.encode(empty))
        var broken = try randomImage(width: 2, height: 2, channels: 3, seed: 1)
        broken.pixels.removeLast()
        XCTAssertThrowsError(try PNG.encode(broken))
    }

    // MARK: - Layouts built byte by byte

    func testSixteenBitGrayAndRGBKeepTheHighByte() throws {
        let values = [0, 255, 256, 65535, 0x7F80, 0x8000, 0x80FF, 0x0101]
        let gray = PNGBuilder.make(width: 4, height: 2, bitDepth: 16, colorType: 0,
                                   rows: [PNGBuilder.be16(Array(values[0..<4])), PNGBuilder.be16(Array(values[4...]))])
        let g = try PNG.decode(gray, path: "gray16")
        XCTAssertEqual(g.channels, 1)
        XCTAssertEqual(g.pixels, values.map { UInt8($0 >> 8) })

        let rgbValues = [0, 255, 256, 65535, 0x1234, 0xFEDC]
        let rgb = PNGBuilder.make(width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [PNGBuilder.be16(rgbValues)])
        let c = try PNG.decode(rgb, path: "rgb16")
        XCTAssertEqual(c.channels, 3)
        XCTAssertEqual(c.pixels, rgbValues.map { UInt8($0 >> 8) })
    }

    func testSixteenBitRGBAOpaqueExactTranslucentWithinOneLevel() throws {
        // pixel 0 opaque, pixel 1 half transparent, pixel 2 fully transparent
        let samples = [0x1234, 0x80FF, 0xFFFF, 0xFFFF,
                       0x4000, 0x8000, 0xC0FF, 0x8000,
                       0x5555, 0x6666, 0x7777, 0x0000]
        let png = PNGBuilder.make(width: 3, height: 1, bitDepth: 16, colorType: 6, rows: [PNGBuilder.be16(samples)])
        let image = try PNG.decode(png, path: "rgba16")
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(Array(image.pixels[0..<4]), [0x12, 0x80, 0xFF, 0xFF])
        for c in 0..<3 {
            XCTAssertLessThanOrEqual(abs(Int(image.pixels[4 + c]) - (samples[4 + c] >> 8)), 1)
        }
        XCTAssertEqual(image.pixels[7], 0x80)
        XCTAssertEqual(image.pixels[11], 0)
    }

    func testLowBitDepthsGrayAlphaAndTransparency() throws {
        // 1-bit gray: 10110000 → 255 0 255 255
        let bits = try PNG.decode(PNGBuilder.make(width: 4, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1011_0000]]), path: "g1")
        XCTAssertEqual(bits.pixels, [255, 0, 255, 255])
        // 2-bit palette: indices 3 0 1 2
        let palette: [UInt8] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
        let p2 = try PNG.decode(PNGBuilder.make(width: 4, height: 1, bitDepth: 2, colorType: 3, rows: [[0b1100_0110]],
                                                palette: palette), path: "p2")
        XCTAssertEqual(p2.channels, 3)
        XCTAssertEqual(p2.pixels, [100, 110, 120, 10, 20, 30, 40, 50, 60, 70, 80, 90])
        // Palette with tRNS: alpha per entry; colours are kept, not composited.
        let pt = try PNG.decode(PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]],
                                                palette: [200, 100, 50, 1, 2, 3], transparency: [0, 128]), path: "pt")
        XCTAssertEqual(pt.pixels, [200, 100, 50, 0, 1, 2, 3, 128])
        XCTAssertEqual(pt.rgb().pixels, [200, 100, 50, 1, 2, 3])
        // 8-bit gray + alpha → RGBA with gray replicated.
        let ga = try PNG.decode(PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[77, 0, 200, 255]]), path: "ga")
        XCTAssertEqual(ga.pixels, [77, 77, 77, 0, 200, 200, 200, 255])
    }

    // MARK: - Corrupt input

    private func assertRejected(_ path: String, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Image.load(path: path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path), "message does not name the file: \(text)", file: file, line: line)
            for word in words {
                XCTAssertTrue(text.lowercased().contains(word.lowercased()), "'\(word)' missing from: \(text)", file: file, line: line)
            }
        }
    }

    func testCorruptFixturesAreRejectedNamingTheFile() {
        assertRejected(fixturePath("ops/corrupt_png_truncated.png"), mentioning: ["libpng"])
        assertRejected(fixturePath("ops/corrupt_png_bad_crc.png"), mentioning: ["libpng", "CRC"])
        XCTAssertThrowsError(try PNG.read(path: fixturePath("ops/corrupt_png_bad_crc.png")))
    }

    func testGarbageEmptyMissingAndWrongFormat() throws {
        let missing = tempDir + "/missing.png"
        assertRejected(missing, mentioning: ["No such file"])
        let empty = tempDir + "/empty.png"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        assertRejected(empty, mentioning: ["not a PNG or JPEG"])
        XCTAssertThrowsError(try PNG.read(path: empty)) { XCTAssertTrue("\($0)".contains(empty)) }
        let text = fixturePath("ops/README.md")
        assertRejected(text, mentioning: ["not a PNG or JPEG"])
        // Signature followed by garbage, and an IHDR claiming a huge image with no data.
        XCTAssertThrowsError(try PNG.decode(PNG.signature + [UInt8](repeating: 0xAB, count: 64), path: "garbage.png")) {
            XCTAssertTrue("\($0)".contains("garbage.png"))
        }
        let huge = PNGBuilder.make(width: 1_000_000, height: 1_000_000, bitDepth: 16, colorType: 6, rows: [])
        XCTAssertThrowsError(try PNG.decode(huge, path: "huge.png")) { XCTAssertTrue("\($0)".contains("huge.png")) }
        // Every prefix that cuts into the header or image data fails cleanly (no crash, no hang).
        // (Only a missing IEND, the last 12 bytes, is tolerated: the pixels are all there.)
        let valid = try PNG.encode(try randomImage(width: 9, height: 5, channels: 3, seed: 3))
        for n in 0..<(valid.count - 12) {
            XCTAssertThrowsError(try PNG.decode(Array(valid[0..<n]), path: "prefix"), "prefix \(n)")
        }
    }
}
