// The captioned kind on the emoji fixture: folders by size, splits, classes, captions and embeddings.
import Foundation
import XCTest
import ZooCore
@testable import ZooData

final class CaptionedTests: XCTestCase {
    func emoji(_ extra: [String: Any] = [:]) throws -> DataConfig { try config(.captioned, dataFixture("emoji"), extra) }

    func testOpensTheTrainSplitWithTheRightFolder() throws {
        let ds = try open(try emoji(), sizes: [32, 64], batch: 2)
        XCTAssertEqual(ds.count, 6)                  // splits.json: 6 train, 2 test
        XCTAssertEqual(ds.batchesPerEpoch, 3)
        XCTAssertEqual(ds.splitSizes.map(\.name), ["train", "test"])
        XCTAssertEqual(ds.splitSizes.map(\.count), [6, 2])
        XCTAssertTrue(ds.samples[0].path.hasSuffix("png/64/00000_1F600.png"))  // load 76: the largest folder
        XCTAssertEqual(ds.embeddings?.shapeText, "[8, 5, 16]")
        XCTAssertEqual(ds.embeddings?.storedType, "F16")
        XCTAssertTrue(ds.hasWrongImages && ds.hasText)
        // 16-px crops load at 19 px: png/32 is the smallest folder above.
        let small = try open(try emoji(["split": "test"]), sizes: [16], batch: 2)
        XCTAssertTrue(small.samples[0].path.contains("/png/32/"))
        XCTAssertEqual(small.count, 2)
        XCTAssertEqual(try open(try emoji(["split": "all"]), batch: 2).count, 8)
        // An explicit folder wins.
        XCTAssertTrue(try open(try emoji(["images": "png/32"]), batch: 2).samples[0].path.contains("/png/32/"))
    }

    func testBatchContents() throws {
        let ds = try open(try emoji(), sizes: [32, 64], batch: 3)
        let meta = try String(contentsOfFile: dataFixture("emoji/meta.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let emb = try NPY.read(path: dataFixture("emoji/emb_test.npy")).floats()   // [8, 5, 16]
        let b = try ds.next()
        XCTAssertEqual(Set(b.tensors.keys), ["real.32", "real.64", "wrong.32", "wrong.64", "text"])
        XCTAssertEqual(b.real(64)?.shape, [3, 3, 64, 64])
        XCTAssertEqual(b.wrong(32)?.shape, [3, 3, 32, 32])
        XCTAssertEqual(b.text?.shape, [3, 16])
        let values = b.real(64)!.scalars
        XCTAssertTrue(values.allSatisfy { $0 >= -1 && $0 <= 1 })
        XCTAssertTrue(values.contains { $0 < 0.9 }, "images are not blank")
        let text = b.text!.scalars, e = emb.scalars
        for slot in 0..<3 {
            let row = meta.firstIndex { ($0["id"] as! String) == b.ids[slot] }!
            XCTAssertEqual(ds.samples[b.indices[slot]].row, row)
            let k = b.captionIndices[slot]
            XCTAssertEqual(k.count, 1)
            XCTAssertEqual(b.captions[slot], (meta[row]["captions"] as! [String])[k[0]])
            XCTAssertEqual(Array(text[slot * 16..<(slot + 1) * 16]), Array(e[(row * 5 + k[0]) * 16..<(row * 5 + k[0] + 1) * 16]))
            // Classes are the meta.jsonl groups; the wrong image was redrawn once on a collision.
            XCTAssertEqual(b.classIds[slot], ds.samples[b.indices[slot]].classId)
            XCTAssertTrue((0..<ds.count).contains(b.wrongIndices[slot]))
        }
        XCTAssertEqual(ds.classCount, 4)   // the groups of all 8 records (Smileys & Emotion, People & Body, ...)
    }

    func testAveragedCaptions() throws {
        let ds = try open(try emoji(["average_captions": 4]), sizes: [32], batch: 2)
        let emb = try NPY.read(path: dataFixture("emoji/emb_test.npy")).floats().scalars
        let b = try ds.batch(epoch: 0, index: 0)
        for slot in 0..<2 {
            let k = b.captionIndices[slot], row = ds.samples[b.indices[slot]].row
            XCTAssertEqual(Set(k).count, 4)
            XCTAssertEqual(b.captions[slot].components(separatedBy: " | ").count, 4)
            for j in 0..<16 {
                let mean = k.map { emb[(row * 5 + $0) * 16 + j] }.reduce(0, +) / 4
                XCTAssertEqual(b.text!.scalars[slot * 16 + j], mean, accuracy: 1e-6)
            }
        }
        assertThrows(["average_captions = 6", "5 captions per image"]) { _ = try open(try self.emoji(["average_captions": 6]), batch: 2) }
    }

    func testWithoutEmbeddingsTheSetIsUnconditional() throws {
        let root = try fixtureCopy("emoji", self)
        try FileManager.default.removeItem(atPath: root + "/emb_test.npy")
        let ds = try open(try config(.captioned, root), sizes: [32], batch: 2)
        XCTAssertFalse(ds.hasText || ds.hasWrongImages)
        XCTAssertEqual(Set(try ds.next().tensors.keys), ["real.32"])
    }

    func testTextOffMeansNoWrongImages() throws {
        var o = LoaderOptions(imageSizes: [32], batchSize: 2, seed: 1, threads: 0)
        o.text = false
        let ds = try Dataset(config: try emoji(), options: o)
        XCTAssertFalse(ds.hasText || ds.hasWrongImages)
        XCTAssertEqual(Set(try ds.next().tensors.keys), ["real.32"])
        o.text = nil
        o.wrong = false
        XCTAssertEqual(Set(try Dataset(config: try emoji(), options: o).next().tensors.keys), ["real.32", "text"])
    }

    func testClassKey() throws {
        let ds = try open(try emoji(["class_key": "name"]), sizes: [32], batch: 2)
        XCTAssertEqual(Set(ds.samples.map(\.classId)).count, 6)
    }
}
