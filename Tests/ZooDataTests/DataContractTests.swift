// What a model needs from its dataset, checked before training: embeddings of its width,
// embeddings at all, finite values, a non-empty split, and no test image among the training ones.
import Foundation
import XCTest
import ZooCore
@testable import ZooData

final class DataContractTests: XCTestCase {
    func testTextModelsNeedEmbeddingsOfTheirWidth() throws {
        let root = dataFixture("emoji")
        var o = LoaderOptions(imageSizes: [64], batchSize: 2, threads: 0)
        o.textDimension = 384
        assertThrows(["emb_test.npy", "have 16 values per caption, but the model takes 384 (arch.text)"]) {
            _ = try Dataset(config: try config(.captioned, root), options: o)
        }
        let report = DataCheck.run(try config(.captioned, root), imageSize: 64, textDimension: 384)
        XCTAssertEqual(report.problems.map(\.reason), ["embeddings [8, 5, 16] have 16 values per caption, but the model takes 384 (arch.text)"])
        o.textDimension = 16
        XCTAssertEqual(try Dataset(config: try config(.captioned, root), options: o).count, 6)
        XCTAssertEqual(DataCheck.run(try config(.captioned, root), imageSize: 64, textDimension: 16).problems, [])
    }

    func testTextModelsNeedEmbeddings() throws {
        let root = try fixtureCopy("emoji", self)
        try FileManager.default.removeItem(atPath: root + "/emb_test.npy")
        var o = LoaderOptions(imageSizes: [64], batchSize: 2, threads: 0)
        o.textDimension = 16
        assertThrows(["the model is text-conditioned (embeddings of 16 values), but the dataset has no caption embeddings"]) {
            _ = try Dataset(config: try config(.captioned, root), options: o)
        }
        XCTAssertEqual(DataCheck.run(try config(.captioned, root), imageSize: 64, textDimension: 16).problems.count, 1)
        XCTAssertEqual(DataCheck.run(try config(.captioned, root), imageSize: 64).problems, [], "fine for an unconditional model")
    }

    func testNonFiniteEmbeddingsAreRefused() throws {
        let root = try fixtureCopy("emoji", self)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/emb_test.npy"))
        let start = bytes.firstIndex(of: 0x0A)! + 1
        let at = start + 2 * (1 * 5 * 16 + 2 * 16 + 3)   // float16 of image 1, caption 2, value 3
        bytes[at] = 0x00; bytes[at + 1] = 0x7E             // a float16 NaN
        try bytes.write(to: URL(fileURLWithPath: root + "/emb_test.npy"))
        assertThrows(["emb_test.npy", "non-finite value (nan) at image row 1, caption 2"]) { _ = try open(try config(.captioned, root)) }
        XCTAssertEqual(DataCheck.run(try config(.captioned, root), imageSize: 64).problems.count, 1)
    }

    func testEmptySplitAndOverlap() throws {
        let root = try fixtureCopy("emoji", self)
        try #"{"train": ["00000_1F600", "00001_1F603", "02521_1F9AD"], "test": ["02521_1F9AD", "03052_26D1-FE0F"], "val": []}"#
            .write(toFile: root + "/splits.json", atomically: true, encoding: .utf8)
        let report = DataCheck.run(try config(.captioned, root), imageSize: 64)
        XCTAssertEqual(report.problems.map(\.reason), ["1 id(s) are in both 'train' and 'test' (first: '02521_1F9AD')"])
        XCTAssertNoThrow(try open(try config(.captioned, root)), "training does not depend on the test split")
        let empty = DataCheck.run(try config(.captioned, root, ["split": "val"]), imageSize: 64)
        XCTAssertTrue(empty.problems.contains { $0.reason == "no images (split 'val')" }, "\(empty.problems)")
        assertThrows(["no images (split 'val')"]) { _ = try open(try config(.captioned, root, ["split": "val"])) }
    }
}
