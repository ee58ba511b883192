// Image grids: make_grid layout, padding, the single-image case, row labels, saving.
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

    /// Batch of `b` h×w images whose every byte differs from its neighbours'.
    private func textured(_ b: Int, h: Int, w: Int) throws -> Tensor {
        let images = try (0..<b).map { k in
            try Image(width: w, height: h, channels: 3, pixels: (0..<h * w * 3).map { UInt8((k * 37 + $0 * 7) % 256) })
        }
        return try imageBatchTensor(images)
    }

    /// FNV-1a of an image's size and bytes.
    private func fingerprint(_ image: Image) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in [UInt8(image.width), UInt8(image.height)] + image.pixels {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }

    func testUnlabelledGridBytesUnchanged() throws {
        // Fingerprints of the grids before row labels existed: without labels, not one byte moves.
        XCTAssertEqual(fingerprint(try imageGrid(try textured(5, h: 4, w: 5), nrow: 2, padding: 1, padValue: 255)), 1841387737785429112)
        XCTAssertEqual(fingerprint(try imageGrid(try textured(3, h: 6, w: 6))), 14207435783284134773)
        XCTAssertEqual(fingerprint(try imageGrid(try textured(1, h: 6, w: 7))), 15924633152714319633)
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

    /// The part of `image` from column `x` on, `width` wide.
    private func columns(_ image: Image, from x: Int, width: Int) throws -> Image {
        var pixels: [UInt8] = []
        for y in 0..<image.height {
            let start = (y * image.width + x) * 3
            pixels += image.pixels[start..<start + width * 3]
        }
        return try Image(width: width, height: image.height, channels: 3, pixels: pixels)
    }

    func testRowLabelsBesideTheirRows() throws {
        let b = try textured(6, h: 64, w: 64)
        let plain = try imageGrid(b, nrow: 3)
        let labels = ["a red apple", "a blue heart"]
        let grid = try imageGrid(b, nrow: 3, rowLabels: labels)
        // 12 characters at most: a margin of 12·6 + 8 pixels on the left, the tiles unchanged beside it.
        XCTAssertEqual(labelMarginWidth(labels, rowHeight: 64), 80)
        XCTAssertEqual([grid.width, grid.height], [plain.width + 80, plain.height])
        XCTAssertEqual(try columns(grid, from: 80, width: plain.width), plain)
        // The margin: padValue (black), each label in white, 4 pixels in, centred on its row
        // (rows start at y = 2 and 68; (64 - 13) / 2 = 25 pixels above the text).
        var margin = try Image(width: 80, height: plain.height, channels: 3, value: 0)
        try margin.drawText("a red apple", x: 4, y: 27, color: [255, 255, 255])
        try margin.drawText("a blue heart", x: 4, y: 93, color: [255, 255, 255])
        XCTAssertEqual(try columns(grid, from: 0, width: 80), margin)
        XCTAssertTrue(margin.pixels.contains(255))
        // On a light background the text is black.
        let light = try imageGrid(b, nrow: 3, padValue: 255, rowLabels: labels)
        XCTAssertEqual(try columns(light, from: 0, width: 80).pixels.map { 255 - $0 }, margin.pixels)
    }

    func testRowLabelScaleAndLengthCap() throws {
        XCTAssertEqual([64, 128, 255, 256, 383, 512].map { labelScale(rowHeight: $0) }, [1, 1, 1, 2, 2, 4])
        let long = String(repeating: "abcdefghij", count: 5)   // 50 characters: cut to 39 and "…"
        XCTAssertEqual(labelMarginWidth([long, "x"], rowHeight: 64), 40 * 6 + 8)
        let b = try textured(2, h: 256, w: 256)
        let grid = try imageGrid(b, nrow: 2, rowLabels: [long])
        let margin = (40 * 6 + 8) * 2
        XCTAssertEqual(labelMarginWidth([long], rowHeight: 256), margin)
        var expected = try Image(width: margin, height: grid.height, channels: 3, value: 0)
        try expected.drawText(String(long.prefix(39)) + "…", x: 8, y: 2 + (256 - 26) / 2, color: [255, 255, 255], scale: 2)
        XCTAssertEqual(try columns(grid, from: 0, width: margin), expected)
        XCTAssertEqual(try columns(grid, from: margin, width: grid.width - margin), try imageGrid(b, nrow: 2))
    }

    func testRowLabelsOfOneImageAndWrongCounts() throws {
        let one = try textured(1, h: 64, w: 64)
        let grid = try imageGrid(one, rowLabels: ["ok"])
        XCTAssertEqual([grid.width, grid.height], [64 + 2 * 6 + 8, 64], "a lone image stays unpadded, with its margin")
        XCTAssertEqual(try columns(grid, from: 20, width: 64), try imageGrid(one))
        XCTAssertThrowsError(try imageGrid(try textured(5, h: 4, w: 4), nrow: 2, rowLabels: ["a", "b"])) { error in
            XCTAssertEqual("\(error)", "imageGrid: 2 row labels for a grid of 3 rows")
        }
        XCTAssertThrowsError(try imageGrid(one, rowLabels: []))
    }

    func testSaveGrid() throws {
        let path = NSTemporaryDirectory() + "zooimage-grid-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let b = try batch(4, h: 3, w: 3)
        try saveGrid(b, path: path, nrow: 2, padding: 2)
        XCTAssertEqual(try PNG.read(path: path), try imageGrid(b, nrow: 2, padding: 2))
        try saveGrid(b, path: path, nrow: 2, padding: 2, rowLabels: ["one", "two"])
        XCTAssertEqual(try PNG.read(path: path), try imageGrid(b, nrow: 2, padding: 2, rowLabels: ["one", "two"]))
    }
}
