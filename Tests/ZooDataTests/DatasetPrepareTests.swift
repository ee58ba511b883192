// `data prepare` and `embed` on a fake encoder: the prepared folder opens as a captioned dataset with the encoder's rows; bad inputs name their line.
import Foundation
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooData

/// A deterministic stand-in encoder: row = (length, first scalar, last scalar, 1) of the caption.
final class FakeEncoder: TextEncoder {
    let name = "fake"
    let width = 4
    var calls = 0
    func encode(_ texts: [String]) throws -> Tensor {
        calls += 1
        let rows = texts.flatMap { t -> [Float] in
            let s = Array(t.unicodeScalars)
            return [Float(s.count), Float(s.first?.value ?? 0), Float(s.last?.value ?? 0), 1]
        }
        return try Tensor(shape: [texts.count, 4], data: rows)
    }
}

final class DatasetPrepareTests: XCTestCase {
    /// DIR/images with the fixture's first `n` emoji PNGs (as a.png, b.png, …) and `captions` as DIR/captions.txt.
    func folder(images n: Int, captions: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-prepare-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        let src = dataFixture("emoji/png/64")
        let pngs = try FileManager.default.contentsOfDirectory(atPath: src).sorted()
        for (i, f) in pngs.prefix(n).enumerated() {
            try FileManager.default.copyItem(atPath: src + "/" + f, toPath: dir + "/images/\(Character(UnicodeScalar(97 + i)!)).png")
        }
        try captions.write(toFile: dir + "/captions.txt", atomically: true, encoding: .utf8)
        return dir
    }

    func testPreparedFolderTrainsAsACaptionedDataset() throws {
        let dir = try folder(images: 4, captions: "a.png\ta red apple\tfruit\nb.png\ta blue heart\tsymbol\nb.png\tblue heart\tsymbol\nc.png\tgreen leaf\tplant\nd.png\tsun\tsky\n")
        var job = DatasetPrepare(root: dir)
        job.testFraction = 0.25
        let r = try job.run(encoder: FakeEncoder(), tag: "fake")
        XCTAssertEqual(r.images, 4)
        XCTAssertEqual(r.captionsPerImage, 2)
        XCTAssertEqual(r.train, 3)
        XCTAssertEqual(r.test, 1)
        XCTAssertEqual(r.classes, ["fruit", "plant", "sky", "symbol"])
        // The embeddings: [4, 2, 4], row (image, caption); a single caption is repeated.
        let emb = try NPY.read(path: dir + "/emb_fake.npy").floats()
        XCTAssertEqual(emb.shape, [4, 2, 4])
        XCTAssertEqual(Array(emb.scalars[0..<8]), [11, 97, 101, 1, 11, 97, 101, 1], "a.png: 'a red apple' twice")
        XCTAssertEqual(Array(emb.scalars[8..<16]), [12, 97, 116, 1, 10, 98, 116, 1], "b.png: its two captions in order")
        // It opens as a dataset: both splits, the classes, the text encoder named by the file's tag.
        let train = try config(.captioned, dir, ["split": "train"])
        XCTAssertEqual(train.textEncoder, "fake")
        let ds = try open(train, sizes: [32], batch: 1)
        XCTAssertEqual(ds.count, 3)
        XCTAssertEqual(try open(try config(.captioned, dir, ["split": "test"]), sizes: [32], batch: 1).count, 1)
        let meta = try String(contentsOfFile: dir + "/meta.jsonl", encoding: .utf8)
        XCTAssert(meta.contains("\"class\":\"fruit\""), meta)
        // Preparing again needs --force; with it, the same result.
        assertThrows(["meta.jsonl", "already exists", "--force"]) { _ = try job.run(encoder: FakeEncoder(), tag: "fake") }
        job.force = true
        XCTAssertEqual(try job.run(encoder: FakeEncoder(), tag: "fake").test, 1)
    }

    func testBadCaptionFilesNameTheLineAndWriteNothing() throws {
        let cases: [(String, [String])] = [
            ("a.png\tan apple\nzz.png\ta ghost\n", ["captions.txt:2", "'zz.png' is not an image"]),
            ("a.png an apple\nb.png\tx\n", ["captions.txt:1", "FILE<TAB>CAPTION"]),
            ("a.png\tan apple\n", ["1 image(s) have no caption: b.png"]),
            ("a.png\tan apple\n\nb.png\tx\n", ["captions.txt:2", "blank caption"]),
            ("a.png\t  \nb.png\tx\n", ["captions.txt:1", "empty caption"]),
            ("a.png\tan apple\tfruit\nb.png\tx\n", ["some lines give a class and others do not"]),
        ]
        for (text, fragments) in cases {
            let dir = try folder(images: 2, captions: text)
            assertThrows(fragments) { _ = try DatasetPrepare(root: dir).run(encoder: FakeEncoder(), tag: "fake") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/meta.jsonl"), "nothing written for \(text.debugDescription)")
        }
    }

    func testEmbedReadsLinesAndDatasets() throws {
        let dir = try folder(images: 2, captions: "a.png\tone\nb.png\ttwo\n")
        let lines = dir + "/lines.txt"
        try "first\r\nsecond\n".write(toFile: lines, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CaptionEmbedding.readLines(path: lines), ["first", "second"])
        let enc = FakeEncoder()
        let e = try CaptionEmbedding.embed(Array(repeating: "x", count: 5), with: enc, chunk: 2)
        XCTAssertEqual(e.shape, [5, 4])
        XCTAssertEqual(enc.calls, 3, "chunks of 2")
        _ = try DatasetPrepare(root: dir).run(encoder: enc, tag: "fake")
        // A record with another caption count is refused, naming its line.
        try "{\"id\":\"a\",\"captions\":[\"x\",\"y\"]}\n{\"id\":\"b\",\"captions\":[\"z\"]}\n".write(toFile: dir + "/meta.jsonl", atomically: true, encoding: .utf8)
        assertThrows(["meta.jsonl:2", "1 captions where the first record has 2"]) {
            try CaptionEmbedding.embedDataset(root: dir, encoder: enc, tag: "other")
        }
    }
}
