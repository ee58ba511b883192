// JPEG decoding: fixture size and layout, truncated and corrupt streams rejected naming the file.
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooImage

final class JPEGTests: XCTestCase {
    func testDecodesFixtureAsRGB() throws {
        let path = fixturePath("ops/jpeg_rgb_q90.jpg")
        let image = try JPEG.read(path: path)
        XCTAssertEqual([image.width, image.height, image.channels], [45, 30, 3])
        XCTAssertEqual(image.pixels.count, 45 * 30 * 3)
        XCTAssertEqual(try Image.load(path: path), image)
    }

    func testTruncatedFixtureIsRejectedNamingTheFile() {
        let path = fixturePath("ops/corrupt_jpeg_truncated.jpg")
        for load in [{ try JPEG.read(path: path) }, { try Image.load(path: path) }] {
            XCTAssertThrowsError(try load()) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path), text)
                XCTAssertTrue(text.contains("Premature end of JPEG file"), text)
            }
        }
    }

    func testEveryPrefixAndCorruptionFailsCleanly() throws {
        let bytes = try FileIO.readAll(path: fixturePath("ops/jpeg_rgb_q90.jpg"))
        // Cutting anywhere before the EOI marker loses image data (or the header).
        for n in stride(from: 0, to: bytes.count - 2, by: 11) {
            XCTAssertThrowsError(try JPEG.decode(Array(bytes[0..<n]), path: "cut.jpg"), "prefix \(n)") {
                XCTAssertTrue("\($0)".contains("cut.jpg"))
            }
        }
        // A destroyed Huffman table segment is a libjpeg error, not a crash.
        var broken = bytes
        if let dht = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 }) {
            for i in dht + 4..<min(dht + 40, bytes.count) { broken[i] = 0xFF }
            XCTAssertThrowsError(try JPEG.decode(broken, path: "bad.jpg"))
        } else {
            XCTFail("fixture has no DHT segment")
        }
        XCTAssertThrowsError(try JPEG.decode([], path: "empty.jpg")) { XCTAssertTrue("\($0)".contains("empty.jpg")) }
        XCTAssertThrowsError(try JPEG.decode(PNG.signature, path: "png.jpg")) { XCTAssertTrue("\($0)".contains("png.jpg")) }
    }
}
