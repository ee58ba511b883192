// The engine's all-MiniLM-L6-v2 against the reference: sentence-transformers' float32 embeddings of hard captions, and the emoji set's float16 table.
import Foundation
import MiniLM
import XCTest
import ZooCore
import ZooTestSupport

final class MiniLMParityTests: XCTestCase {
    nonisolated(unsafe) static var loaded: MiniLMEncoder?

    func encoder() throws -> MiniLMEncoder {
        guard MiniLMFiles.available else {
            throw XCTSkip("the all-MiniLM-L6-v2 text encoder is not in \(MiniLMFiles.folder.path): run \(MiniLMFiles.fetchCommand)")
        }
        if let e = MiniLMParityTests.loaded { return e }
        let e = try MiniLMEncoder()
        MiniLMParityTests.loaded = e
        return e
    }

    /// Rows of `a` and `b` [N, D]: the largest absolute difference and the smallest cosine.
    func compare(_ a: Tensor, _ b: Tensor) -> (maxAbs: Float, minCos: Float, worst: Int) {
        let d = a.shape[1]
        var maxAbs: Float = 0, minCos: Float = 1, worst = 0
        let x = a.scalars, y = b.scalars
        for i in 0..<a.shape[0] {
            var dot: Float = 0, nx: Float = 0, ny: Float = 0
            for j in 0..<d {
                let p = x[i * d + j], q = y[i * d + j]
                if abs(p - q) > maxAbs { maxAbs = abs(p - q); worst = i }
                dot += p * q; nx += p * p; ny += q * q
            }
            minCos = min(minCos, dot / (nx.squareRoot() * ny.squareRoot()))
        }
        return (maxAbs, minCos, worst)
    }

    /// 565 hard captions (punctuation, accents, emoji, digits, CJK and other scripts, control and
    /// zero-width characters, words over 100 characters, captions past 256 tokens, empty and
    /// whitespace-only): ≤ 2e-5 from sentence-transformers, cosine ≥ 0.99999.
    func testHardCaptionsMatchSentenceTransformers() throws {
        let enc = try encoder()
        let texts = try jsonLines(fixturePath("text/hard_captions.jsonl")).map { try XCTUnwrap($0["text"] as? String) }
        let reference = try NPY.read(path: fixturePath("text/hard_captions_minilm.npy")).floats()
        XCTAssertEqual(reference.shape, [texts.count, 384])
        let ours = try enc.encode(texts)
        let (maxAbs, minCos, worst) = compare(ours, reference)
        XCTAssertLessThanOrEqual(maxAbs, 2e-5, "worst caption: \(texts[worst].debugDescription)")
        XCTAssertGreaterThanOrEqual(minCos, 0.99999)
        XCTAssertTrue(texts.contains { enc.ids([$0])[0].count == 256 }, "the fixture reaches the truncation length")
    }

    /// The emoji set's emb_minilm.npy (float16 [3711, 5, 384]) is what this encoder makes of its
    /// captions, to the table's precision (float16 rounding): the first caption of every image in
    /// the tests (all 18,555 with STACKZOO_FULL_PARITY=1, or `stackzoo embed zoo/datasets/emoji`).
    func testEmojiCaptionsReproduceTheShippedEmbeddings() throws {
        let enc = try encoder()
        let records = try jsonLines(fixturePath("../../zoo/datasets/emoji/meta.jsonl")).map { try XCTUnwrap($0["captions"] as? [String]) }
        let table = try NPY.read(path: fixturePath("../../zoo/datasets/emoji/emb_minilm.npy")).floats()  // [N, 5, 384]
        let full = ProcessInfo.processInfo.environment["STACKZOO_FULL_PARITY"] == "1"
        let k = table.shape[1], d = table.shape[2]
        let picks: [(Int, Int)] = records.indices.flatMap { i in (full ? Array(0..<k) : [0]).map { (i, $0) } }
        let ours = try enc.encode(picks.map { records[$0.0][$0.1] })
        let stored = table.scalars
        // Rounding to float16 moves a value by at most half a float16 step at its magnitude; on top
        // of that only float32 rounding (different BLAS, other summation order) may remain.
        var excess: Float = 0, worstAbs: Float = 0
        for (row, (i, c)) in picks.enumerated() {
            for j in 0..<d {
                let s = stored[(i * k + c) * d + j], o = ours[row, j]
                let halfStep = Float(Float16(abs(s)).ulp) / 2
                excess = max(excess, abs(o - s) - halfStep)
                worstAbs = max(worstAbs, abs(o - s))
            }
        }
        XCTAssertLessThanOrEqual(excess, 2e-6, "\(picks.count) captions: up to \(excess) beyond float16 rounding (largest difference \(worstAbs))")
        XCTAssertLessThanOrEqual(worstAbs, 1.3e-4, "float16 rounding of values below 0.5 is at most 1.22e-4")
    }
}

