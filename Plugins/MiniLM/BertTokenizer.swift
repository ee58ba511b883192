// The BERT WordPiece tokenizer of all-MiniLM-L6-v2, exactly as Hugging Face tokenizers and sentence-transformers run it.
import Foundation
import ZooCore

/// Text to token ids as `SentenceTransformer("all-MiniLM-L6-v2").tokenize(texts)` gives them: the Rust
/// `tokenizers` pipeline of a BERT tokenizer.json — added tokens found whole in the raw text, BertNormalizer,
/// BertPreTokenizer (split on whitespace, each punctuation scalar a word), WordPiece — then the
/// `[CLS] … [SEP]` template, the pieces truncated to fit the length.
///
/// Checked id for id against sentence-transformers on `Tests/Fixtures/text/hard_captions.jsonl` and on every
/// caption of the emoji set (`BertTokenizerFixtureTests`).
public struct BertTokenizer: Sendable {
    let specialTokens: SpecialTokens
    let normalizer: BertNormalizer
    let vocabulary: WordPieceVocabulary
    /// The template's ids before and after the text's (`[CLS]` and `[SEP]`).
    let prefixIDs: [Int32]
    let suffixIDs: [Int32]
    /// The id padding uses (`[PAD]`); `encode` does not pad.
    public let padID: Int32
    /// The number of token ids (the rows of the model's embedding table).
    public var vocabularySize: Int { vocabulary.tokens.count }

    /// A tokenizer of a tokenizer.json's settings: `tokens` in id order, the template's ids around the
    /// text's; `what` names the source in errors.
    init(tokens: [String], unknownToken: String, continuingSubwordPrefix: String, maxInputCharsPerWord: Int,
         normalizer: BertNormalizer, specialTokens: [(content: String, id: Int32)],
         prefix: [Int32], suffix: [Int32], padID: Int32, what: String) throws {
        vocabulary = try WordPieceVocabulary(tokens: tokens, unknownToken: unknownToken, continuingSubwordPrefix: continuingSubwordPrefix,
                                             maxInputCharsPerWord: maxInputCharsPerWord, what: what)
        for t in specialTokens where vocabulary.id(of: t.content) != t.id {
            throw ZooError.invalidArgument(op: what, message: "the added token \"\(t.content)\" has id \(t.id), but the vocabulary's id for it is \(vocabulary.id(of: t.content).map(String.init) ?? "none")")
        }
        for i in prefix + suffix + [padID] where !(0..<Int32(tokens.count)).contains(i) {
            throw ZooError.invalidArgument(op: what, message: "the template or padding id \(i) is not in the vocabulary (0..<\(tokens.count))")
        }
        self.specialTokens = SpecialTokens(specialTokens)
        self.normalizer = normalizer
        prefixIDs = prefix
        suffixIDs = suffix
        self.padID = padID
    }

    /// A tokenizer of a vocabulary in id order (for tests): BERT's defaults otherwise, `[CLS] … [SEP]`, `[PAD]`,
    /// and those of [PAD] [UNK] [CLS] [SEP] [MASK] that are in `vocab` found whole in the text.
    /// - Parameter stripAccents: `nil` strips accents when lowercasing, as tokenizer.json's `null`.
    public init(vocab: [String], lowercase: Bool = true, stripAccents: Bool? = nil, cleanText: Bool = true,
                handleChineseChars: Bool = true, unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharsPerWord: Int = 100) throws {
        func id(_ token: String) throws -> Int32 {
            guard let i = vocab.firstIndex(of: token) else {
                throw ZooError.invalidArgument(op: "BertTokenizer", message: "the token \"\(token)\" is not in the vocabulary")
            }
            return Int32(i)
        }
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter(vocab.contains)
        try self.init(tokens: vocab, unknownToken: unknownToken, continuingSubwordPrefix: continuingSubwordPrefix,
                      maxInputCharsPerWord: maxInputCharsPerWord,
                      normalizer: BertNormalizer(cleanText: cleanText, handleChineseChars: handleChineseChars,
                                                 stripAccents: stripAccents ?? lowercase, lowercase: lowercase),
                      specialTokens: try special.map { ($0, try id($0)) }, prefix: [try id("[CLS]")], suffix: [try id("[SEP]")],
                      padID: try id("[PAD]"), what: "BertTokenizer")
    }

    // MARK: - Tokenizing

    /// WordPiece tokens of one text (no [CLS]/[SEP]).
    public func tokens(_ text: String) -> [String] {
        pieceIDs(text).map { vocabulary.tokens[Int($0)] }
    }

    /// [CLS] ids [SEP], the pieces truncated so the whole is at most `maxLength` ids (sentence-transformers
    /// uses 256), as `tokenize` gives `input_ids` before padding.
    ///
    /// sentence-transformers 5 (models/Transformer.py) calls `str.strip()` on each text first, 6.3 does not;
    /// with clean_text (as in all-MiniLM-L6-v2) that never changes the ids, as every scalar it strips is
    /// dropped or split on, so it is not done here (make_tokenizer_fixtures.py checks every such scalar).
    /// - Parameter maxLength: at least the template's length (2).
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        let fixed = prefixIDs.count + suffixIDs.count
        precondition(maxLength >= fixed, "BertTokenizer.encode: maxLength \(maxLength) is shorter than the template's \(fixed) ids")
        let pieces = pieceIDs(text)
        return prefixIDs + pieces.prefix(maxLength - fixed) + suffixIDs
    }

    /// The ids of the text's tokens: special tokens found in the raw text, the rest normalized,
    /// pre-tokenized and split into word pieces.
    func pieceIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        specialTokens.split(Array(text.unicodeScalars), text: { appendPieces(of: normalizer.normalize($0), to: &ids) },
                            token: { ids.append($0) })
        return ids
    }

    /// BertPreTokenizer, then WordPiece on each word: words end at whitespace (which is dropped) and every
    /// punctuation scalar is a word of its own.
    private func appendPieces(of normalized: [Unicode.Scalar], to ids: inout [Int32]) {
        var start = 0
        for (i, s) in normalized.enumerated() {
            let space = BertCharacterClasses.isWhitespace(s)
            guard space || BertCharacterClasses.isPunctuation(s) else { continue }
            if start < i { vocabulary.appendPieces(of: normalized[start..<i], to: &ids) }
            if !space { vocabulary.appendPieces(of: normalized[i...i], to: &ids) }
            start = i + 1
        }
        if start < normalized.count { vocabulary.appendPieces(of: normalized[start...], to: &ids) }
    }
}
