// Image ↔ tensor conversions: the [-1, 1] mapping, the rounding rule back, raw byte tensors.
import XCTest
import ZooCore
@testable import ZooImage

final class ImageTensorTests: XCTestCase {
    func testEveryLevelRoundTripsAndMatchesTorchvision() {
        for u in 0...255 {
            let x = normalizedValue(level: UInt8(u))
            XCTAssertEqual(pixelLevel(normalized: x), UInt8(u))
            // torchvision: ToTensor() then Normalize(0.5, 0.5), in float32.
            XCTAssertEqual(x, (Float(u) / 255 - 0.5) / 0.5, "level \(u)")
        }
        XCTAssertEqual(normalizedValue(level: 0), -1)
        XCTAssertEqual(normalizedValue(level: 255), 1)
    }

    func testRoundingRule() {
        XCTAssertEqual(pixelLevel(normalized: 0), 128)  // 127.5 rounds half up
        XCTAssertEqual(pixelLevel(normalized: -1), 0)
        XCTAssertEqual(pixelLevel(normalized: 1), 255)
        XCTAssertEqual(pixelLevel(normalized: -3), 0)
        XCTAssertEqual(pixelLevel(normalized: 7), 255)
        XCTAssertEqual(pixelLevel(normalized: .nan), 0)
        XCTAssertEqual(pixelLevel(normalized: .infinity), 255)
        XCTAssertEqual(pixelLevel(normalized: -.infinity), 0)
        XCTAssertEqual(pixelLevel(normalized: 2 / 127.5 - 1), 2)
        XCTAssertEqual(pixelLevel(normalized: 2.4 / 127.5 - 1), 2)
        XCTAssertEqual(pixelLevel(normalized: 2.6 / 127.5 - 1), 3)
    }

    func testImageToTensorLayoutAndBack() throws {
        // 2 wide, 1 high: red pixel, then (0, 128, 255).
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 128, 255])
        let t = try image.normalizedTensor()
        XCTAssertEqual(t.shape, [3, 1, 2])
        XCTAssertEqual(t.scalars, [1, -1, -1, normalizedValue(level: 128), -1, 1])
        XCTAssertEqual(try Image(normalizedTensor: t), image)
        XCTAssertEqual(try Image(normalizedTensor: t.reshaped([1, 3, 1, 2])), image)
        XCTAssertThrowsError(try Image(normalizedTensor: Tensor(zeros: [2, 3, 1, 2])))
        XCTAssertThrowsError(try Image(normalizedTensor: Tensor(zeros: [4, 1, 2])))
        // Gray is replicated, alpha dropped.
        let gray = try Image(width: 1, height: 1, channels: 1, pixels: [51])
        XCTAssertEqual(try gray.normalizedTensor().scalars, Array(repeating: normalizedValue(level: 51), count: 3))
        let rgba = try Image(width: 1, height: 1, channels: 4, pixels: [1, 2, 3, 0])
        XCTAssertEqual(try Image(normalizedTensor: rgba.normalizedTensor()).pixels, [1, 2, 3])
    }

    func testBatches() throws {
        let a = try Image(width: 2, height: 2, channels: 3, pixels: Array(0..<12))
        let b = try Image(width: 2, height: 2, channels: 3, pixels: Array(100..<112))
        let batch = try imageBatchTensor([a, b])
        XCTAssertEqual(batch.shape, [2, 3, 2, 2])
        XCTAssertEqual(try imagesFromBatch(batch), [a, b])
        XCTAssertThrowsError(try imageBatchTensor([a, try Image(width: 3, height: 2, channels: 3)]))
        XCTAssertThrowsError(try imageBatchTensor([]))
        XCTAssertThrowsError(try imagesFromBatch(Tensor(zeros: [2, 1, 2, 2])))
    }

    func testRawTensors() throws {
        let image = try Image(width: 3, height: 2, channels: 3, pixels: Array(0..<18).map { $0 * 14 })
        let raw = try image.rawTensor()
        XCTAssertEqual(raw.shape, [2, 3, 3])
        XCTAssertEqual(raw.scalars, image.pixels.map(Float.init))
        XCTAssertEqual(try Image(rawTensor: raw), image)
        let gray = try Image(rawTensor: try Tensor(shape: [1, 2], data: [0, 255]))
        XCTAssertEqual([gray.width, gray.height, gray.channels], [2, 1, 1])
        XCTAssertThrowsError(try Image(rawTensor: try Tensor(shape: [1, 1, 3], data: [0, 256, 0])))
        XCTAssertThrowsError(try Image(rawTensor: try Tensor(shape: [1, 1, 3], data: [0, 1.5, 0])))
        XCTAssertThrowsError(try Image(rawTensor: try Tensor(shape: [1, 1, 3], data: [0, .nan, 0])))
        XCTAssertThrowsError(try Image(rawTensor: Tensor(zeros: [1, 1, 2])))
    }

    func testChannelConversions() throws {
        let rgb = try Image(width: 1, height: 1, channels: 3, pixels: [255, 128, 0])
        XCTAssertEqual(try rgb.converted(toChannels: 4).pixels, [255, 128, 0, 255])
        // PIL "L": (255·19595 + 128·38470 + 0·7471 + 0x8000) >> 16 = 151
        XCTAssertEqual(try rgb.converted(toChannels: 1).pixels, [151])
        XCTAssertThrowsError(try rgb.converted(toChannels: 2))
        XCTAssertThrowsError(try Image(width: 2, height: 2, channels: 2))
        XCTAssertThrowsError(try Image(width: 2, height: 2, channels: 3, pixels: [1, 2]))
    }
}
