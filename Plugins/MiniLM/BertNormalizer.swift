// Hugging Face's BertNormalizer: cleaning, spaces around CJK ideographs, accent stripping and lowercasing, in its order.
import Foundation

/// The `normalizer` of a BERT tokenizer.json (`"type": "BertNormalizer"`), applied scalar by scalar as
/// `tokenizers/src/normalizers/bert.rs` does: clean_text, then handle_chinese_chars, then strip_accents
/// (NFD, then dropping Mn), then lowercase.
struct BertNormalizer: Sendable, Equatable {
    /// Drop NUL, U+FFFD and control characters (category C* but \t \n \r); map whitespace to ' '.
    var cleanText = true
    /// Put a space on each side of a CJK ideograph, so each becomes a word.
    var handleChineseChars = true
    /// NFD, then drop the nonspacing marks. tokenizer.json's `null` means "as lowercase".
    var stripAccents = true
    /// Rust's `char::to_lowercase` of every scalar.
    var lowercase = true

    /// The normalized scalars of a stretch of raw text.
    func normalize(_ text: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count + 8)
        for s in text {
            if cleanText {
                if BertCharacterClasses.isDroppedByCleaning(s) { continue }
                if BertCharacterClasses.isCleanedToSpace(s) {
                    out.append(" ")
                    continue
                }
            }
            if handleChineseChars && BertCharacterClasses.isChinese(s) {
                out.append(contentsOf: [" ", s, " "])
            } else {
                out.append(s)
            }
        }
        guard stripAccents || lowercase else { return out }
        let decomposed = stripAccents ? BertCharacterClasses.decomposed(out) : out
        if !lowercase {
            return decomposed.filter { !BertCharacterClasses.isNonspacingMark($0) }
        }
        // Dropping marks and lowercasing are both scalar by scalar, so one pass does the two in order.
        out.removeAll(keepingCapacity: true)
        for s in decomposed where !(stripAccents && BertCharacterClasses.isNonspacingMark(s)) {
            BertCharacterClasses.appendLowercase(s, to: &out)
        }
        return out
    }
}
