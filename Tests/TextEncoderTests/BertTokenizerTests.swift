// BertTokenizer on a tiny hand-made vocabulary: each normalizer, pre-tokenizer, WordPiece and template rule, and tokenizer.json refusals.
import MiniLM
import XCTest
import ZooCore

final class BertTokenizerTests: XCTestCase {
    static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "!", "?", ",", "[", "]",
                        "un", "##want", "##ed", "want", "runn", "##ing", "cafe", "café", "istanbul", "i", "strasse",
                        "中", "国", "a", "##a", "##b", "ab", "##ab", "Hello", "1", "##0", "##00", ".", "e"]

    func make(_ configure: (inout Settings) -> Void = { _ in }) throws -> BertTokenizer {
        var s = Settings()
        configure(&s)
        return try BertTokenizer(vocab: Self.vocab, lowercase: s.lowercase, stripAccents: s.stripAccents, cleanText: s.cleanText,
                                 handleChineseChars: s.handleChineseChars, maxInputCharsPerWord: s.maxInputCharsPerWord)
    }

    struct Settings {
        var lowercase = true, stripAccents: Bool? = nil, cleanText = true, handleChineseChars = true, maxInputCharsPerWord = 100
    }

    // MARK: - Normalizer

    func testLowercasesAndStripsAccentsWhenStripAccentsIsNull() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("HeLLo WORLD"), ["hello", "world"])
        XCTAssertEqual(t.tokens("Café CAFÉ cafe\u{301}"), ["cafe", "cafe", "cafe"])
        // İ is I + U+0307 after NFD; the mark goes before lowercasing, so no stray dot is left.
        XCTAssertEqual(t.tokens("İSTANBUL"), ["istanbul"])
        XCTAssertEqual(t.tokens("STRAẞE"), ["[UNK]"], "ẞ lowercases to ß, which is not in the vocabulary")
    }

    func testAccentsStayWithoutLowercasingUnlessAskedToStrip() throws {
        let cased = try make { $0.lowercase = false }
        XCTAssertEqual(cased.tokens("Hello café cafe"), ["Hello", "café", "cafe"])
        XCTAssertEqual(cased.tokens("hello HELLO"), ["hello", "[UNK]"])
        let stripped = try make { $0.lowercase = false; $0.stripAccents = true }
        XCTAssertEqual(stripped.tokens("café"), ["cafe"])
        let kept = try make { $0.stripAccents = false }
        XCTAssertEqual(kept.tokens("CAFÉ"), ["café"])
        // Without stripping, İ lowercases to i + U+0307, which is not in the vocabulary.
        XCTAssertEqual(kept.tokens("İ"), ["[UNK]"])
        XCTAssertEqual(try make().tokens("İ"), ["i"])
    }

    func testCleaningDropsControlsAndMapsWhitespace() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("hel\u{0}lo\u{FFFD} wor\u{200B}ld\u{7}"), ["hello", "world"])
        XCTAssertEqual(t.tokens("hello\tworld\nhello\r\nworld\u{3000}hello\u{A0}world"), ["hello", "world", "hello", "world", "hello", "world"])
        XCTAssertEqual(t.tokens("\u{1C}hello\u{85}"), ["hello"], "FS and NEL are controls: dropped")
        let raw = try make { $0.cleanText = false }
        XCTAssertEqual(raw.tokens("hel\u{0}lo"), ["[UNK]"])
        XCTAssertEqual(raw.tokens("hello\u{3000}world\u{2029}hello"), ["hello", "world", "hello"], "the pre-tokenizer still splits on whitespace")
        XCTAssertEqual(raw.tokens("hello\u{1C}world"), ["[UNK]"], "U+001C is not Rust whitespace")
    }

    func testChineseIdeographsAreWordsButKanaIsNot() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("中国hello"), ["中", "国", "hello"])
        XCTAssertEqual(t.tokens("hello中"), ["hello", "中"])
        XCTAssertEqual(t.tokens("こんにちは"), ["[UNK]"])
        XCTAssertEqual(try make { $0.handleChineseChars = false }.tokens("中国"), ["[UNK]"], "without the spaces 中国 is one word")
    }

    // MARK: - Pre-tokenizer

    func testEachPunctuationScalarIsAWord() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("hello,world!?"), ["hello", ",", "world", "!", "?"])
        XCTAssertEqual(t.tokens("!!!"), ["!", "!", "!"])
        XCTAssertEqual(t.tokens("«hello»"), ["[UNK]", "hello", "[UNK]"], "« » are Unicode punctuation (Pi, Pf)")
        XCTAssertEqual(t.tokens("1.00"), ["1", ".", "[UNK]"], "00 cannot start a word: ##00 continues one only")
        XCTAssertEqual(t.tokens("100"), ["1", "##00"])
        XCTAssertEqual(t.tokens("hello+world"), ["hello", "[UNK]", "world"], "ASCII symbols are punctuation too")
        XCTAssertEqual(t.tokens("hello€world"), ["[UNK]"], "€ (Sc) is not punctuation: one word")
    }

    // MARK: - WordPiece

    func testGreedyLongestMatchFirstWithContinuationPieces() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("unwanted running"), ["un", "##want", "##ed", "runn", "##ing"])
        XCTAssertEqual(t.tokens("aab"), ["a", "##ab"], "the longest piece at each point, not the best split")
        XCTAssertEqual(t.tokens("abab aaaa"), ["ab", "##ab", "a", "##a", "##a", "##a"])
    }

    func testAWordThatCannotBeSplitIsOneUnknown() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("unwantedx hello"), ["[UNK]", "hello"])
        XCTAssertEqual(t.tokens("hello 😀 world👍🏽"), ["hello", "[UNK]", "[UNK]"])
        XCTAssertEqual(t.tokens("👨\u{200D}👩 ❤\u{FE0F}"), ["[UNK]", "[UNK]"], "ZWJ is dropped, the variation selector stripped")
    }

    func testWordsLongerThanTheLimitAreUnknown() throws {
        let t = try make { $0.maxInputCharsPerWord = 4 }
        XCTAssertEqual(t.tokens("aaaa aaaaa"), ["a", "##a", "##a", "##a", "[UNK]"])
        // The limit counts the normalized word's scalars.
        XCTAssertEqual(t.tokens("áááá"), ["a", "##a", "##a", "##a"], "8 scalars in NFD, 4 once the marks are stripped")
        XCTAssertEqual(try make().tokens(String(repeating: "a", count: 100)).count, 100)
        XCTAssertEqual(try make().tokens(String(repeating: "a", count: 101)), ["[UNK]"])
    }

    // MARK: - Special tokens and the template

    func testSpecialTokensAreFoundWholeInTheRawText() throws {
        let t = try make()
        XCTAssertEqual(t.tokens("hello [MASK] world"), ["hello", "[MASK]", "world"])
        XCTAssertEqual(t.tokens("hello[SEP]world"), ["hello", "[SEP]", "world"])
        XCTAssertEqual(t.tokens("[mask]"), ["[", "[UNK]", "]"], "case-sensitive, before lowercasing")
        XCTAssertEqual(t.tokens("[[CLS]]"), ["[", "[CLS]", "]"])
    }

    func testEncodeWrapsAndTruncatesThePieces() throws {
        let t = try make()
        XCTAssertEqual(t.encode("hello world", maxLength: 256), [2, 5, 6, 3])
        XCTAssertEqual(t.encode("hello world unwanted", maxLength: 5), [2, 5, 6, 12, 3], "truncation may cut a word's pieces")
        XCTAssertEqual(t.encode("hello world", maxLength: 2), [2, 3])
        for blank in ["", " ", " \t\n ", "\u{200B}", "\u{0}\u{FFFD}", "\u{301}"] {
            XCTAssertEqual(t.encode(blank, maxLength: 256), [2, 3], "\(Array(blank.unicodeScalars))")
        }
        XCTAssertEqual(t.padID, 0)
        XCTAssertEqual(t.vocabularySize, Self.vocab.count)
    }

    // MARK: - Refusals

    func testVocabularyWithoutTheNeededTokensIsRefused() {
        XCTAssertThrowsError(try BertTokenizer(vocab: ["[PAD]", "[CLS]", "[SEP]", "a"])) { XCTAssert("\($0)".contains("[UNK]"), "\($0)") }
        XCTAssertThrowsError(try BertTokenizer(vocab: ["[PAD]", "[UNK]", "[CLS]", "a"])) { XCTAssert("\($0)".contains("[SEP]"), "\($0)") }
        XCTAssertThrowsError(try BertTokenizer(vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "a"])) { XCTAssert("\($0)".contains("twice"), "\($0)") }
    }
}
