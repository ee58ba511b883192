// Antialiased bilinear resize: hand-computed cases of PIL's algorithm and invariants.
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooImage

final class ResizeTests: XCTestCase {
    func testHandComputedDownscaleAndUpscale() throws {
        // 4 → 2 wide: support 2, weights (3/7, 3/7, 1/7) and (1/7, 3/7, 3/7) in 22-bit fixed point.
        let row = try Image(width: 4, height: 1, channels: 1, pixels: [0, 100, 200, 255])
        XCTAssertEqual(resize(row, width: 2, height: 1).pixels, [71, 209])
        // 2 → 4 wide: plain bilinear with edge clamping (weights 1; 3/4, 1/4; 1/4, 3/4; 1).
        let two = try Image(width: 2, height: 1, channels: 1, pixels: [0, 200])
        XCTAssertEqual(resize(two, width: 4, height: 1).pixels, [0, 50, 150, 200])
        // Same in the vertical direction (the vertical pass alone).
        let column = try Image(width: 1, height: 4, channels: 1, pixels: [0, 100, 200, 255])
        XCTAssertEqual(resize(column, width: 1, height: 2).pixels, [71, 209])
    }

    func testConstantImagesStayConstantAndChannelsAreIndependent() throws {
        for (w, h) in [(7, 5), (64, 64), (3, 100), (200, 1)] {
            let image = try Image(width: 10, height: 9, channels: 4, value: 173)
            let out = resize(image, width: w, height: h)
            XCTAssertEqual([out.width, out.height, out.channels], [w, h, 4])
            XCTAssertTrue(out.pixels.allSatisfy { $0 == 173 }, "\(w)x\(h)")
        }
        // Channel 1 only carries a pattern: the other channels stay zero.
        var image = try Image(width: 6, height: 6, channels: 3)
        for y in 0..<6 { for x in 0..<6 { image[x: x, y: y, c: 1] = UInt8((x * 40 + y * 7) % 256) } }
        let out = resize(image, width: 4, height: 3)
        for i in stride(from: 0, to: out.pixels.count, by: 3) {
            XCTAssertEqual(out.pixels[i], 0)
            XCTAssertEqual(out.pixels[i + 2], 0)
        }
    }

    func testSameSizeIsACopy() throws {
        let image = try Image(width: 3, height: 2, channels: 3, pixels: Array(0..<18))
        XCTAssertEqual(resize(image, width: 3, height: 2), image)
    }
}
