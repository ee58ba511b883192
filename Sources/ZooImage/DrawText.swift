// Text drawn into images with the built-in misc-fixed 6×13 bitmap font: the labels of sample grids.
import ZooCore

/// Single-line text in the built-in 6×13 character-cell font (`FixedFont`, generated from the X11
/// misc-fixed font by scripts/make_font.py). Every character takes one cell: printable ASCII and
/// Latin-1 have glyphs, whitespace (tabs, newlines) draws as a space, and any other character
/// (one user-perceived `Character`, however many scalars) draws as "�".
public enum BitmapText {
    /// A glyph cell at scale 1, in pixels.
    public static let cellWidth = FixedFont.width, cellHeight = FixedFont.height
    /// Ends text clipped by `fitted(_:columns:)`.
    public static let ellipsis: Character = "…"

    /// How many cells wide `text` is (one per `Character`).
    public static func columns(of text: String) -> Int { text.count }

    /// `text` as it is drawn in at most `columns` cells: unchanged when it fits, else its first
    /// `columns - 1` characters, trailing spaces dropped, then "…"; empty when `columns` ≤ 0.
    public static func fitted(_ text: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        guard Self.columns(of: text) > columns else { return text }
        var kept = text.prefix(columns - 1)
        while kept.last?.isWhitespace == true { kept.removeLast() }
        return String(kept) + String(ellipsis)
    }

    // MARK: - Glyphs

    /// The glyph rows of every code point of `FixedFont.ranges`, `cellHeight` bytes per glyph, the
    /// leftmost pixel in bit 7 (decoded once from the generated hex).
    static let bitmaps: [UInt8] = FixedFont.glyphs.flatMap { glyph -> [UInt8] in
        glyph.withUTF8Buffer { hex in
            func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "A") + 10 }
            return stride(from: 0, to: hex.count, by: 2).map { nibble(hex[$0]) << 4 | nibble(hex[$0 + 1]) }
        }
    }

    /// The glyph number of code point `code`, nil when the font lacks it.
    static func glyph(code: UInt32) -> Int? {
        var base = 0
        for (low, high) in FixedFont.ranges {
            if code >= low && code <= high { return base + Int(code - low) }
            base += Int(high - low) + 1
        }
        return nil
    }

    static let replacement = glyph(code: 0xFFFD)!, space = glyph(code: 0x20)!

    /// The glyph that draws `character`.
    static func glyph(_ character: Character) -> Int {
        if character.isWhitespace { return space }
        let scalars = character.unicodeScalars
        guard scalars.count == 1, let g = glyph(code: scalars.first!.value) else { return replacement }
        return g
    }
}

extension Image {
    /// Draws `text` in the built-in 6×13 font (see `BitmapText`) with the top-left corner of its
    /// first cell at (`x`, `y`); only the glyphs' pixels are set, the background shows through.
    /// Pixels outside the image are skipped, so text may start or run off any edge.
    ///
    /// - Parameters:
    ///   - color: one byte per channel of the image (3 for RGB).
    ///   - scale: each font pixel becomes `scale`×`scale` pixels (cells of 6·scale × 13·scale).
    ///   - maxWidth: when given, the text is clipped to the cells that fit in this many pixels,
    ///     ending in "…" when it was longer (`BitmapText.fitted`).
    /// - Returns: the width in pixels of what was drawn (its cells, blank ones included).
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, color: [UInt8], scale: Int = 1,
                                  maxWidth: Int? = nil) throws -> Int {
        guard color.count == channels else {
            throw ZooError.invalidArgument(op: "drawText", message: "color has \(color.count) bytes for an image of \(channels) channels")
        }
        guard scale >= 1, scale <= 64 else {
            throw ZooError.invalidArgument(op: "drawText", message: "scale must be 1...64, got \(scale)")
        }
        let cellW = BitmapText.cellWidth * scale
        let shown = maxWidth.map { BitmapText.fitted(text, columns: $0 / cellW) } ?? text
        let (w, h, c) = (width, height, channels)
        let bitmaps = BitmapText.bitmaps
        var left = x
        pixels.withUnsafeMutableBufferPointer { out in
            for character in shown {
                defer { left += cellW }
                guard left < w, left + cellW > 0 else { continue }
                let rows = BitmapText.glyph(character) * BitmapText.cellHeight
                for row in 0..<BitmapText.cellHeight {
                    let bits = bitmaps[rows + row]
                    guard bits != 0 else { continue }
                    for column in 0..<BitmapText.cellWidth where bits & (0x80 >> column) != 0 {
                        for dy in 0..<scale {
                            let py = y + row * scale + dy
                            guard py >= 0, py < h else { continue }
                            for dx in 0..<scale {
                                let px = left + column * scale + dx
                                guard px >= 0, px < w else { continue }
                                for k in 0..<c { out[(py * w + px) * c + k] = color[k] }
                            }
                        }
                    }
                }
            }
        }
        return shown.count * cellW
    }
}
