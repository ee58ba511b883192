// The added tokens ([CLS], [SEP], [MASK], ...) that Hugging Face finds whole in the raw text before normalizing it.
import Foundation

/// tokenizer.json's `added_tokens` as `tokenizers/src/tokenizer/added_vocabulary.rs` uses those with
/// `normalized: false` (and no lstrip, rstrip or single_word): the raw text is cut at their leftmost-longest,
/// case-sensitive occurrences, each becomes its id, and the stretches between are tokenized apart.
struct SpecialTokens: Sendable {
    /// Longest first, so the first that matches at a position is the longest.
    private let tokens: [(scalars: [Unicode.Scalar], id: Int32)]

    init(_ tokens: [(content: String, id: Int32)]) {
        self.tokens = tokens.filter { !$0.content.isEmpty }
            .map { (Array($0.content.unicodeScalars), $0.id) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// Calls `text` for each stretch between special tokens (never empty) and `token` for each special
    /// token, in order.
    func split(_ scalars: [Unicode.Scalar], text: (ArraySlice<Unicode.Scalar>) -> Void, token: (Int32) -> Void) {
        var pending = 0
        var i = 0
        while i < scalars.count {
            guard let match = tokens.first(where: { scalars[i...].starts(with: $0.scalars) }) else {
                i += 1
                continue
            }
            if pending < i { text(scalars[pending..<i]) }
            token(match.id)
            i += match.scalars.count
            pending = i
        }
        if pending < scalars.count { text(scalars[pending...]) }
    }
}
