// The Unicode classes Hugging Face's BERT normalizer and pre-tokenizer use, at the Unicode versions of its Rust tables.
import Foundation

/// What the Rust `tokenizers` BertNormalizer and BertPreTokenizer ask about a scalar.
///
/// Their tables are not all today's: general categories come from the `unicode_categories` 0.1.1 crate
/// (Unicode 8.0) and NFD from `unicode-normalization-alignments` 0.1.12 (Unicode 9.0), while whitespace and
/// lowercase come from Rust's standard library (Unicode 16, as Swift's `Unicode.Scalar.Properties`).
/// `Tests/Fixtures/text/bert_unicode_classes.txt` records what the reference does with every scalar and
/// `BertCharacterClassTests` compares all of them.
enum BertCharacterClasses {
    // MARK: - Categories as of Unicode 8.0

    /// The general category in Unicode 8.0: today's for a scalar assigned by then, except the few whose
    /// category changed since; unassigned for one assigned later.
    static func category(_ s: Unicode.Scalar) -> Unicode.GeneralCategory {
        switch s.value {
        case 0x166D, 0x111C9: return .otherPunctuation  // CANADIAN SYLLABICS CHI SIGN (So since 12.0), SHARADA SANDHI MARK (Mn since 13.0)
        case 0x1734, 0x1171E: return .nonspacingMark    // HANUNOO SIGN PAMUDPOD, AHOM CONSONANT SIGN MEDIAL RA (Mc since 14.0)
        case 0x1885, 0x1886: return .otherLetter        // MONGOLIAN LETTER ALI GALI BALUDA, THREE BALUDA (Mn since 9.0)
        case 0xA9BD: return .spacingMark                // JAVANESE CONSONANT SIGN KERET (Mn since 12.0)
        default:
            let p = s.properties
            guard let age = p.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return .unassigned }
            return p.generalCategory
        }
    }

    /// Removed by `clean_text`: NUL, U+FFFD, and control, format and private-use scalars other than \t \n \r.
    static func isDroppedByCleaning(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v < 0x20 ? !(v == 0x09 || v == 0x0A || v == 0x0D) : v == 0x7F }
        if v == 0xFFFD { return true }
        switch category(s) {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// Mapped to ' ' by `clean_text` (asked only of scalars it keeps).
    static func isCleanedToSpace(_ s: Unicode.Scalar) -> Bool {
        s.value == 0x09 || s.value == 0x0A || s.value == 0x0D || isWhitespace(s)
    }

    /// Rust's `char::is_whitespace` (the White_Space property): where the pre-tokenizer splits.
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (0x09...0x0D).contains(v) }
        return s.properties.isWhitespace
    }

    /// ASCII punctuation or a Unicode 8.0 P* category: a word of its own.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 {
            return (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v)
        }
        switch category(s) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Removed by `strip_accents` after NFD: Mn in Unicode 8.0.
    static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x300 && category(s) == .nonspacingMark
    }

    /// The CJK ideograph blocks `handle_chinese_chars` puts spaces around (not kana, not hangul).
    static func isChinese(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    // MARK: - NFD as of Unicode 9.0

    /// Whether the scalar was assigned by Unicode 9.0, so the reference's NFD tables know it.
    private static func isInNFDTables(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return true }
        guard let age = s.properties.age else { return false }
        return age.major <= 9
    }

    /// NFD with Unicode 9.0's tables: Foundation's NFD on each run of scalars assigned by 9.0. A scalar
    /// assigned later has, for the reference, no decomposition and combining class 0, so it stays where it
    /// is and marks never reorder across it.
    static func decomposed(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains(where: { $0.value >= 0xC0 }) else { return scalars }  // nothing below U+00C0 decomposes
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count + 8)
        var run = String.UnicodeScalarView()
        func flush() {
            guard !run.isEmpty else { return }
            out.append(contentsOf: String(run).decomposedStringWithCanonicalMapping.unicodeScalars)
            run = String.UnicodeScalarView()
        }
        for s in scalars {
            if isInNFDTables(s) {
                run.append(s)
            } else {
                flush()
                out.append(s)
            }
        }
        flush()
        return out
    }

    // MARK: - Lowercase

    /// Appends Rust's `char::to_lowercase` of the scalar (the full mapping: 'İ' becomes "i\u{307}").
    static func appendLowercase(_ s: Unicode.Scalar, to out: inout [Unicode.Scalar]) {
        let v = s.value
        if v < 0x80 {
            out.append((0x41...0x5A).contains(v) ? Unicode.Scalar(UInt8(v + 0x20)) : s)
        } else if s.properties.changesWhenLowercased {
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        } else {
            out.append(s)
        }
    }
}
