// Bad data: every case reported with the file and the reason; on_error fail and skip; data check.
import Foundation
import XCTest
import ZooCore
@testable import ZooData

final class BadDataTests: XCTestCase {
    let first = "00000_1F600", second = "00001_1F603"

    func damagedEmoji(_ damage: (String) throws -> Void) throws -> String {
        let root = try fixtureCopy("emoji", self)
        try damage(root)
        return root
    }

    func overwrite(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func png(_ root: String, _ id: String) -> String { "\(root)/png/64/\(id).png" }

    func testCorruptImage() throws {
        let root = try damagedEmoji { try self.overwrite(self.png($0, self.first), Array("this is not a picture".utf8)) }
        assertThrows(["\(first).png", "not a PNG or JPEG image", "on_error = \"skip\""]) { _ = try open(try config(.captioned, root), batch: 2) }
        let ds = try open(try config(.captioned, root, ["on_error": "skip"]), batch: 2)
        XCTAssertEqual(ds.count, 5)
        XCTAssertEqual(ds.skipped.count, 1)
        XCTAssertEqual(ds.skipped[0].file, png(root, first))
    }

    func testTruncatedAndEmptyImages() throws {
        let root = try damagedEmoji { r in
            let bytes = try FileIO.readAll(path: self.png(r, self.first))
            try self.overwrite(self.png(r, self.first), Array(bytes.prefix(bytes.count / 2)))
            try self.overwrite(self.png(r, self.second), [])
        }
        let report = DataCheck.run(try config(.captioned, root), imageSize: 64, batchSize: 2)
        XCTAssertEqual(report.problems.map(\.file), [png(root, first), png(root, second)])
        XCTAssertEqual(report.problems.map(\.reason), ["truncated PNG: no IEND chunk at the end", "empty file (0 bytes)"])
        XCTAssertEqual(report.goodImages, 4)
        XCTAssertTrue(report.text.contains("problems: 2"))
        XCTAssertTrue(report.text.contains("splits: train 6, test 2"))
    }

    func testDamageInsideTheDataIsFoundByDecoding() throws {
        // Valid header and trailer, corrupt compressed data: headers pass, a decode does not.
        let root = try damagedEmoji { r in
            var bytes = try FileIO.readAll(path: self.png(r, self.first))
            for i in 60..<(bytes.count - 20) { bytes[i] ^= 0x5A }
            try self.overwrite(self.png(r, self.first), bytes)
        }
        let headersOnly = DataCheck.run(try config(.captioned, root), imageSize: 64, decode: false)
        XCTAssertTrue(headersOnly.problems.isEmpty)
        let decoded = DataCheck.run(try config(.captioned, root), imageSize: 64, decode: true)
        XCTAssertEqual(decoded.problems.map(\.file), [png(root, first)])
        assertThrows(["\(first).png", "corrupt PNG"]) { _ = try open(try config(.captioned, root, ["validate": "decode"]), batch: 2) }

        // Found while loading: "fail" stops there, "skip" replaces it by the next image and counts it.
        let failing = try open(try config(.captioned, root, ["split": "all"]), sizes: [32], batch: 8)
        assertThrows(["\(first).png", "found while loading"]) { _ = try failing.next() }
        let skipping = try open(try config(.captioned, root, ["split": "all", "on_error": "skip"]), sizes: [32], batch: 8)
        let b = try skipping.next()
        XCTAssertFalse(b.ids.contains(first))
        XCTAssertEqual(skipping.runtimeProblems.map(\.file), [png(root, first)])
    }

    func testMissingImageFile() throws {
        let root = try damagedEmoji { try FileManager.default.removeItem(atPath: self.png($0, self.second)) }
        assertThrows(["\(second).png", "missing file (meta.jsonl line 2)"]) { _ = try open(try config(.captioned, root), batch: 2) }
        XCTAssertEqual(try open(try config(.captioned, root, ["on_error": "skip"]), batch: 2).count, 5)
        // In the images kind and stackgan kinds too.
        let cub = try fixtureCopy("cub", self)
        let key = "002.Laysan_Albatross/Laysan_Albatross_0003_102"
        try FileManager.default.removeItem(atPath: "\(cub)/CUB_200_2011/images/\(key).jpg")
        assertThrows(["\(key).jpg", "missing file"]) { _ = try open(try config(.stackgan, cub), batch: 2) }
    }

    func testEmbeddingsThatDoNotMatchTheImages() throws {
        let root = try damagedEmoji { r in
            // A float32 [7, 5, 16] array: one row short.
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (7, 5, 16), }"
            while (10 + header.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 7 * 5 * 16 * 4)
            try self.overwrite(r + "/emb_test.npy", bytes)
        }
        for onError in ["fail", "skip"] {
            assertThrows(["emb_test.npy", "embeddings [7, 5, 16] do not match meta.jsonl: 8 images"]) {
                _ = try open(try config(.captioned, root, ["on_error": onError]), batch: 2)
            }
        }
        let cub = try fixtureCopy("cub", self)
        try FileManager.default.copyItem(atPath: "\(cub)/test/char-CNN-RNN-embeddings.npy", toPath: "\(cub)/train/other-embeddings.npy")
        assertThrows(["other-embeddings.npy", "do not match filenames.txt: 4 images (2 rows)"]) {
            _ = try open(try config(.stackgan, cub, ["embeddings": "other"]), batch: 2)
        }
    }

    func testEmptyFolders() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-data-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/classA", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for onError in ["fail", "skip"] {
            assertThrows([dir, "empty folder: no images"]) { _ = try open(try config(.images, dir, ["on_error": onError]), batch: 1) }
        }
        let root = try damagedEmoji { r in
            try FileManager.default.removeItem(atPath: r + "/png/64")
            try FileManager.default.createDirectory(atPath: r + "/png/64", withIntermediateDirectories: true)
        }
        assertThrows(["png/64", "empty folder"]) { _ = try open(try config(.captioned, root), batch: 2) }
        assertThrows(["nowhere", "not found"]) { _ = try open(try config(.images, dir + "/nowhere"), batch: 1) }
    }

    func testIndexFileProblems() throws {
        let noMeta = try damagedEmoji { try FileManager.default.removeItem(atPath: $0 + "/meta.jsonl") }
        assertThrows(["meta.jsonl", "missing file"]) { _ = try open(try config(.captioned, noMeta), batch: 2) }
        let badLine = try damagedEmoji { r in
            var text = try String(contentsOfFile: r + "/meta.jsonl", encoding: .utf8)
            text = text.replacingOccurrences(of: "{\"id\": \"\(self.second)\"", with: "{broken")
            try text.write(toFile: r + "/meta.jsonl", atomically: true, encoding: .utf8)
        }
        assertThrows(["meta.jsonl:2", "not a JSON object"]) { _ = try open(try config(.captioned, badLine), batch: 2) }
        XCTAssertEqual(try open(try config(.captioned, badLine, ["on_error": "skip"]), batch: 2).count, 5)
        assertThrows(["splits.json", "no split 'val' (has: train, test)"]) {
            _ = try open(try config(.captioned, dataFixture("emoji"), ["split": "val"]), batch: 2)
        }
        assertThrows(["6 usable images, fewer than one batch of 7"]) { _ = try open(try config(.captioned, dataFixture("emoji")), batch: 7) }
    }

    func testBoundingBoxOutsideTheImage() throws {
        let cub = try fixtureCopy("cub", self)
        let path = cub + "/CUB_200_2011/bounding_boxes.txt"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] = "1 900.0 900.0 10.0 10.0"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        assertThrows(["Black_footed_Albatross_0001_100.jpg", "bounding box [900, 900, 10, 10] lies outside the 60x44 image"]) {
            _ = try open(try config(.stackgan, cub), batch: 2)
        }
    }

    func testHeaderReader() throws {
        XCTAssertEqual(try ImageHeader.read(path: dataFixture("images/classC/sub/c1.jpg")), ImageHeader(format: .jpeg, width: 52, height: 40))
        XCTAssertEqual(try ImageHeader.read(path: dataFixture("emoji/png/32/\(first).png")), ImageHeader(format: .png, width: 32, height: 32))
        assertThrows(["missing file"]) { _ = try ImageHeader.read(path: dataFixture("nothing.png")) }
        assertThrows(["is a folder"]) { _ = try ImageHeader.read(path: dataFixture("images")) }
        let dir = try fixtureCopy("images", self)
        let jpg = dir + "/classC/sub/c1.jpg"
        let bytes = try FileIO.readAll(path: jpg)
        try overwrite(jpg, Array(bytes.prefix(bytes.count - 40)))
        assertThrows(["truncated JPEG: no end-of-image marker"]) { _ = try ImageHeader.read(path: jpg) }
        var crc = try FileIO.readAll(path: dir + "/classA/a1.png")
        crc[20] ^= 1
        try overwrite(dir + "/classA/a1.png", crc)
        assertThrows(["IHDR CRC mismatch"]) { _ = try ImageHeader.read(path: dir + "/classA/a1.png") }
    }
}
