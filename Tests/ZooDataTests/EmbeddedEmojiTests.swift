// The embedded demo set (zoo/datasets/emoji): splits, float16 embeddings, 128-px images, its size.
import Foundation
import XCTest
import ZooCore
@testable import ZooData

final class EmbeddedEmojiTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("zoo/datasets/emoji").path

    func testOpensForTrainingAndEvaluation() throws {
        let train = try open(try config(.captioned, root, ["cache_mb": 0]), sizes: [64, 128], batch: 16, threads: 2)
        XCTAssertEqual(train.count, 3358)
        XCTAssertEqual(train.batchesPerEpoch, 209)
        XCTAssertEqual(train.embeddings?.shapeText, "[3711, 5, 384]")
        XCTAssertEqual(train.embeddings?.storedType, "F16")
        XCTAssertEqual(train.classCount, 9)
        XCTAssertTrue(train.samples[0].path.hasSuffix("png/128/00000_1F600.png"))
        let b = try train.next()
        XCTAssertEqual(b.real(128)?.shape, [16, 3, 128, 128])
        XCTAssertEqual(b.wrong(64)?.shape, [16, 3, 64, 64])
        XCTAssertEqual(b.text?.shape, [16, 384])
        let test = DataCheck.run(try config(.captioned, root, ["split": "test"]), imageSize: 128, decode: false)
        XCTAssertTrue(test.problems.isEmpty, test.text)
        XCTAssertEqual(test.goodImages, 353)
    }

    func testFitsTheSizeBudget() throws {
        var total = 0
        let walker = FileManager.default.enumerator(atPath: root)!
        for case let rel as String in walker {
            let attrs = try FileManager.default.attributesOfItem(atPath: root + "/" + rel)
            if attrs[.type] as? FileAttributeType == .typeRegular { total += (attrs[.size] as? Int) ?? 0 }
        }
        XCTAssertLessThan(total, 60_000_000, "zoo/datasets/emoji holds \(total) bytes")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/png/64"), "64 px is made on the fly")
    }
}
