// The images kind: class folders, the whitelist, nested folders, gray and RGBA files, no text.
import XCTest
import ZooCore
@testable import ZooData

final class ImageFolderTests: XCTestCase {
    func testFolderTree() throws {
        let ds = try open(try config(.images, dataFixture("images")), sizes: [32, 64], batch: 2)
        XCTAssertEqual(ds.samples.map(\.id), ["classA/a1.png", "classA/a2.png", "classB/gray.png", "classB/rgba.png", "classC/sub/c1.jpg"])
        XCTAssertEqual(ds.samples.map(\.classId), [0, 0, 1, 1, 2])
        XCTAssertEqual(ds.classCount, 3)
        XCTAssertFalse(ds.hasText || ds.hasWrongImages)
        XCTAssertEqual(ds.batchesPerEpoch, 2)   // 5 images, batches of 2: the last one is dropped
        var seen: [String] = []
        for _ in 0..<2 {
            let b = try ds.next()
            XCTAssertEqual(Set(b.tensors.keys), ["real.32", "real.64"])
            XCTAssertEqual(b.real(64)?.shape, [2, 3, 64, 64])
            XCTAssertEqual(b.captions, ["", ""])
            seen += b.ids
        }
        XCTAssertEqual(Set(seen).count, 4)
        // Gray is replicated to three equal channels.
        let gray = try ds.maker.loaded(2)
        XCTAssertEqual(gray.channels, 3)
        XCTAssertEqual(gray.pixels[0], gray.pixels[1])
    }

    func testWhitelist() throws {
        let ds = try open(try config(.images, dataFixture("images"), ["classes": ["classC", "classA"] as [Any?]]), sizes: [32], batch: 1)
        XCTAssertEqual(ds.samples.map(\.id), ["classA/a1.png", "classA/a2.png", "classC/sub/c1.jpg"])
        XCTAssertEqual(ds.samples.map(\.classId), [0, 0, 1])
        assertThrows(["classX", "class folder listed in data.classes not found"]) {
            _ = try open(try config(.images, dataFixture("images"), ["classes": ["classX"] as [Any?]]), batch: 1)
        }
        assertThrows(["clasA", "did you mean 'classA'?"]) {
            _ = try open(try config(.images, dataFixture("images"), ["classes": ["clasA"] as [Any?]]), batch: 1)
        }
    }
}
