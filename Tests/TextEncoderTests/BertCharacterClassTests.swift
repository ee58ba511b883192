// Every Unicode scalar through BertTokenizer's character classes, against what the Rust tokenizers does with it.
@testable import MiniLM
import XCTest
import ZooTestSupport

final class BertCharacterClassTests: XCTestCase {
    /// Tests/Fixtures/text/bert_unicode_classes.txt: classes as scalar sets, maps as scalar → scalars.
    struct Reference {
        var classes: [String: Set<UInt32>] = [:]
        var maps: [String: [UInt32: [UInt32]]] = [:]

        init(_ path: String) throws {
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
                let f = line.split(separator: " ").map(String.init)
                if f.count > 2 && f[2] == "->" {
                    maps[f[0], default: [:]][try Self.hex(f[1])] = try f[3...].map(Self.hex)
                } else {
                    for r in f.dropFirst() {
                        let ends = try r.split(separator: "-").map { try Self.hex(String($0)) }
                        classes[f[0], default: []].formUnion(ends[0]...ends[ends.count - 1])
                    }
                }
            }
        }

        static func hex(_ s: String) throws -> UInt32 { try XCTUnwrap(UInt32(s, radix: 16), s) }
    }

    func testEveryScalarIsClassedAsTheRustTokenizerDoes() throws {
        let ref = try Reference(fixturePath("text/bert_unicode_classes.txt"))
        XCTAssertEqual(Set(ref.classes.keys), ["drop", "space", "split", "punct", "mark", "chinese", "hangul"])
        var wrong: [String: [UInt32]] = [:]
        func check(_ name: String, _ s: Unicode.Scalar, _ ok: Bool) { if !ok { wrong[name, default: []].append(s.value) } }

        for v in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            let dropped = BertCharacterClasses.isDroppedByCleaning(s)
            check("drop", s, dropped == ref.classes["drop"]!.contains(v))
            check("space", s, (!dropped && v != 0x20 && BertCharacterClasses.isCleanedToSpace(s)) == ref.classes["space"]!.contains(v))
            check("split", s, BertCharacterClasses.isWhitespace(s) == ref.classes["split"]!.contains(v))
            check("punct", s, BertCharacterClasses.isPunctuation(s) == ref.classes["punct"]!.contains(v))
            check("chinese", s, BertCharacterClasses.isChinese(s) == ref.classes["chinese"]!.contains(v))

            let nfd = BertCharacterClasses.decomposed([s]).map(\.value)
            let want = ref.classes["hangul"]!.contains(v) ? Self.hangul(v) : ref.maps["nfd"]![v] ?? [v]
            check("nfd", s, nfd == want)
            // strip_accents asks only about scalars NFD leaves alone.
            if want == [v] { check("mark", s, BertCharacterClasses.isNonspacingMark(s) == ref.classes["mark"]!.contains(v)) }

            var lower: [Unicode.Scalar] = []
            BertCharacterClasses.appendLowercase(s, to: &lower)
            check("lower", s, lower.map(\.value) == ref.maps["lower"]![v] ?? [v])
        }
        let described = wrong.sorted { $0.key < $1.key }.map { name, vs in
            "\(name): \(vs.count) (" + vs.prefix(8).map { String($0, radix: 16, uppercase: true) }.joined(separator: " ") + ")"
        }
        XCTAssert(wrong.isEmpty, "scalars classed unlike the reference: " + described.joined(separator: "; "))
    }

    /// Unicode's algorithmic decomposition of a hangul syllable into its jamo.
    static func hangul(_ v: UInt32) -> [UInt32] {
        let s = v - 0xAC00
        let t = s % 28
        return [0x1100 + s / 588, 0x1161 + (s % 588) / 28] + (t == 0 ? [] : [0x11A7 + t])
    }
}
