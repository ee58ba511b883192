// BertTokenizer with the real all-MiniLM-L6-v2 tokenizer.json: the ids of sentence-transformers, id for id.
import Foundation
import MiniLM
import XCTest
import ZooTestSupport

final class BertTokenizerFixtureTests: XCTestCase {
    /// The cached tokenizer.json, or a skip naming the command that fetches it.
    func realTokenizer() throws -> BertTokenizer {
        let url = MiniLMFiles.folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is missing: run \(MiniLMFiles.fetchCommand) (or set STACKZOO_CACHE) to check the tokenizer against sentence-transformers")
        }
        return try BertTokenizer(tokenizerJSON: url)
    }

    /// Lines of a JSON-lines file as objects.
    /// How the ids differ, for a failure message: the count and the first few texts.
    func report(_ mismatches: [(text: String, got: [Int32], want: [Int32])], of total: Int) -> String {
        "\(mismatches.count) of \(total) differ; first: " + mismatches.prefix(5).map {
            "\($0.text.debugDescription.prefix(120)) got \($0.got.prefix(24)) want \($0.want.prefix(24))"
        }.joined(separator: "; ")
    }

    func testRealVocabulary() throws {
        let t = try realTokenizer()
        XCTAssertEqual(t.vocabularySize, 30522)
        XCTAssertEqual(t.padID, 0)
        XCTAssertEqual(t.encode("A grinning face!", maxLength: 256), [101, 1037, 11478, 2227, 999, 102])
    }

    func testHardCaptionsMatchSentenceTransformers() throws {
        let t = try realTokenizer()
        let records = try jsonLines(fixturePath("text/hard_captions.jsonl"))
        XCTAssertGreaterThan(records.count, 400)
        var mismatches: [(text: String, got: [Int32], want: [Int32])] = []
        for r in records {
            let text = try XCTUnwrap(r["text"] as? String), want = try XCTUnwrap(r["ids"] as? [Int]).map(Int32.init)
            let got = t.encode(text, maxLength: 256)
            if got != want { mismatches.append((text, got, want)) }
        }
        XCTAssert(mismatches.isEmpty, report(mismatches, of: records.count))
    }

    func testEveryEmojiCaptionMatchesSentenceTransformers() throws {
        let t = try realTokenizer()
        let records = try jsonLines(fixturePath("../../zoo/datasets/emoji/meta.jsonl"))
        let hashes = try String(contentsOfFile: fixturePath("text/emoji_caption_ids.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ") }
        XCTAssertEqual(records.count, hashes.count, "emoji_caption_ids.txt is not of this meta.jsonl: rerun make_tokenizer_fixtures.py")
        let captions = try records.map { try XCTUnwrap($0["captions"] as? [String]) }

        let start = Date()
        let ids = captions.map { $0.map { t.encode($0, maxLength: 256) } }
        let seconds = Date().timeIntervalSince(start)
        print("BertTokenizer: \(captions.joined().count) emoji captions in \(String(format: "%.3f", seconds)) s")

        var mismatches: [(text: String, got: [Int32], want: [Int32])] = []
        for (k, (record, line)) in zip(records, hashes).enumerated() where line.count == 2 {
            XCTAssertEqual(record["id"] as? String, String(line[0]))
            if String(format: "%016llx", Self.idsHash(ids[k])) != line[1] {
                mismatches.append((captions[k].joined(separator: " | "), Array(ids[k].joined(separator: [-1])), []))
            }
        }
        XCTAssert(mismatches.isEmpty, report(mismatches, of: records.count))
    }

    /// FNV-1a 64 over each caption's ids as little-endian Int32, each followed by -1 (as make_tokenizer_fixtures.py).
    static func idsHash(_ captions: [[Int32]]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for ids in captions {
            for x in ids + [-1] {
                for shift in stride(from: 0, to: 32, by: 8) { h = (h ^ UInt64(UInt32(bitPattern: x) >> UInt32(shift) & 0xFF)) &* 0x100_0000_01b3 }
            }
        }
        return h
    }
}
