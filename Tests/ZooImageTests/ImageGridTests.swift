// Image grids: make_grid layout, padding, the single-image case, saving.
import XCTest
import ZooCore
@testable import ZooImage

final class ImageGridTests: XCTestCase {
    /// Batch of `b` images of size h×w; image k is uniformly level 10·(k+1) in every channel.
    private func batch(_ b: Int, h: Int, w: Int) throws -> Tensor {
        let images = try (0..<b).map { try Image(width: w, height: h, channels: 3, value: UInt8(10 * ($0 + 1))) }
        return try imageBatchTensor(images)
    }

    func testLayoutLikeMakeGrid() throws {
        let grid = try imageGrid(try batch(5, h: 2, w: 3), nrow: 2, padding: 1, padValue: 255)
        // 2 columns, ceil(5/2) = 3 rows: (3+1)·2+1 = 9 wide, (2+1)·3+1 = 10 high.
        XCTAssertEqual([grid.width, grid.height, grid.channels], [9, 10, 3])
        func level(_ x: Int, _ y: Int) -> UInt8 { grid[x: x, y: y, c: 0] }
        XCTAssertEqual(level(0, 0), 255)
        XCTAssertEqual(level(1, 1), 10)   // image 0 at (1, 1)
        XCTAssertEqual(level(3, 2), 10)
        XCTAssertEqual(level(4, 1), 255)  // padding between columns
        XCTAssertEqual(level(5, 1), 20)   // image 1 at (5, 1)
        XCTAssertEqual(level(1, 3), 255)  // padding between rows
        XCTAssertEqual(level(1, 4), 30)   // image 2 at (1, 4)
        XCTAssertEqual(level(1, 7), 50)   // image 4 at (1, 7)
        XCTAssertEqual(level(5, 7), 255)  // empty cell stays padding
        XCTAssertEqual(level(8, 9), 255)
    }

    func testFewerImagesThanNrowAndSingleImage() throws {
        let grid = try imageGrid(try batch(3, h: 4, w: 4))  // nrow 8, padding 2
        XCTAssertEqual([grid.width, grid.height], [(4 + 2) * 3 + 2, 4 + 2 + 2])
        let one = try imageGrid(try batch(1, h: 4, w: 5))
        XCTAssertEqual([one.width, one.height], [5, 4], "torchvision returns a lone image unpadded")
        let chw = try imageGrid(try batch(1, h: 4, w: 5).reshaped([3, 4, 5]))
        XCTAssertEqual(chw, one)
        XCTAssertThrowsError(try imageGrid(try batch(2, h: 2, w: 2), nrow: 0))
        XCTAssertThrowsError(try imageGrid(Tensor(zeros: [2, 1, 2, 2])))
    }

    func testSaveGrid() throws {
        let path = NSTemporaryDirectory() + "zooimage-grid-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let b = try batch(4, h: 3, w: 3)
        try saveGrid(b, path: path, nrow: 2, padding: 2)
        XCTAssertEqual(try PNG.read(path: path), try imageGrid(b, nrow: 2, padding: 2))
    }
}
