// Crop and horizontal flip on images and image tensors.
import XCTest
import ZooCore
@testable import ZooImage

final class CropFlipTests: XCTestCase {
    /// 4 wide, 3 high, 2 channels' worth in RGB: pixel (x, y) = (10y + x, 100 + x, 200 + y).
    private func sample() throws -> Image {
        var pixels: [UInt8] = []
        for y in 0..<3 { for x in 0..<4 { pixels += [UInt8(10 * y + x), UInt8(100 + x), UInt8(200 + y)] } }
        return try Image(width: 4, height: 3, channels: 3, pixels: pixels)
    }

    func testCrop() throws {
        let crop = try sample().cropped(x: 1, y: 1, width: 2, height: 2)
        XCTAssertEqual([crop.width, crop.height, crop.channels], [2, 2, 3])
        XCTAssertEqual(crop.pixels, [11, 101, 201, 12, 102, 201, 21, 101, 202, 22, 102, 202])
        XCTAssertEqual(try sample().cropped(x: 0, y: 0, width: 4, height: 3), try sample())
        for (x, y, w, h) in [(-1, 0, 2, 2), (0, -1, 2, 2), (3, 0, 2, 1), (0, 2, 1, 2), (0, 0, 0, 1), (0, 0, 5, 1)] {
            XCTAssertThrowsError(try sample().cropped(x: x, y: y, width: w, height: h), "\(x) \(y) \(w) \(h)")
        }
    }

    func testFlip() throws {
        let flipped = try sample().flippedHorizontally()
        XCTAssertEqual(Array(flipped.pixels[0..<6]), [3, 103, 200, 2, 102, 200])
        XCTAssertEqual(flipped.flippedHorizontally(), try sample())
    }

    func testTensorCropAndFlip() throws {
        let t = try Tensor(shape: [2, 1, 3, 4], data: (0..<24).map(Float.init))
        let c = try cropImageTensor(t, top: 1, left: 2, height: 2, width: 2)
        XCTAssertEqual(c.shape, [2, 1, 2, 2])
        XCTAssertEqual(c.scalars, [6, 7, 10, 11, 18, 19, 22, 23])
        XCTAssertThrowsError(try cropImageTensor(t, top: 2, left: 0, height: 2, width: 1))
        XCTAssertThrowsError(try cropImageTensor(try Tensor(shape: [3], data: [1, 2, 3]), top: 0, left: 0, height: 1, width: 1))
        let f = try flipImageTensorHorizontally(t)
        XCTAssertEqual(Array(f.scalars[0..<4]), [3, 2, 1, 0])
        XCTAssertEqual(try flipImageTensorHorizontally(f), t)
        XCTAssertEqual(t.scalars[0], 0, "input untouched")
    }

    func testTensorAndImageAgree() throws {
        let image = try sample()
        let viaTensor = try Image(normalizedTensor: try flipImageTensorHorizontally(image.normalizedTensor()))
        XCTAssertEqual(viaTensor, image.flippedHorizontally())
        let cropT = try cropImageTensor(image.normalizedTensor(), top: 1, left: 1, height: 2, width: 3)
        XCTAssertEqual(try Image(normalizedTensor: cropT), try image.cropped(x: 1, y: 1, width: 3, height: 2))
    }
}
