// Text in the built-in bitmap font: glyph pixels where drawn, scaling, clipping, the ellipsis, unknown characters.
import XCTest
import ZooCore
@testable import ZooImage

final class DrawTextTests: XCTestCase {
    /// 'A' of misc-fixed 6x13 (6x13.pcf.gz), one byte per row, leftmost pixel in bit 7.
    private let glyphA: [UInt8] = [0x00, 0x00, 0x20, 0x50, 0x88, 0x88, 0x88, 0xF8, 0x88, 0x88, 0x88, 0x00, 0x00]
    private let red: [UInt8] = [255, 0, 0]

    private func blank(_ w: Int, _ h: Int) throws -> Image { try Image(width: w, height: h, channels: 3, value: 0) }

    /// The pixels set to `red`, as (x, y).
    private func inked(_ image: Image) -> Set<[Int]> {
        var out = Set<[Int]>()
        for y in 0..<image.height {
            for x in 0..<image.width where image[x: x, y: y, c: 0] == 255 {
                XCTAssertEqual([image[x: x, y: y, c: 1], image[x: x, y: y, c: 2]], [0, 0])
                out.insert([x, y])
            }
        }
        return out
    }

    /// The pixels of `rows` drawn at (x, y), each font pixel `scale`×`scale`.
    private func expected(_ rows: [UInt8], x: Int, y: Int, scale: Int = 1) -> Set<[Int]> {
        var out = Set<[Int]>()
        for (r, bits) in rows.enumerated() {
            for c in 0..<6 where bits & (0x80 >> c) != 0 {
                for dy in 0..<scale { for dx in 0..<scale { out.insert([x + c * scale + dx, y + r * scale + dy]) } }
            }
        }
        return out
    }

    func testGlyphBitmapAppearsWhereDrawn() throws {
        var image = try blank(20, 20)
        XCTAssertEqual(try image.drawText("A", x: 3, y: 2, color: red), 6)
        XCTAssertEqual(inked(image), expected(glyphA, x: 3, y: 2), "only the glyph's pixels are set")
        var two = try blank(20, 16)
        XCTAssertEqual(try two.drawText(" A", x: 0, y: 0, color: red), 12)
        XCTAssertEqual(inked(two), expected(glyphA, x: 6, y: 0), "every character advances one 6-pixel cell")
    }

    func testScaleEnlargesEveryPixel() throws {
        var image = try blank(30, 30)
        XCTAssertEqual(try image.drawText("A", x: 1, y: 1, color: red, scale: 2), 12)
        XCTAssertEqual(inked(image), expected(glyphA, x: 1, y: 1, scale: 2))
        XCTAssertThrowsError(try image.drawText("A", x: 0, y: 0, color: red, scale: 0))
        XCTAssertThrowsError(try image.drawText("A", x: 0, y: 0, color: [255], scale: 1), "one colour byte per channel")
    }

    func testTextOffTheEdgesIsClipped() throws {
        var image = try blank(4, 10)
        try image.drawText("A", x: -2, y: -3, color: red)
        XCTAssertEqual(inked(image), expected(glyphA, x: -2, y: -3).filter { $0[0] >= 0 && $0[0] < 4 && $0[1] >= 0 && $0[1] < 10 })
        XCTAssertFalse(inked(image).isEmpty)
        try image.drawText("AAAA", x: 100, y: 100, color: [0, 255, 0])
        try image.drawText("AAAA", x: -100, y: 0, color: [0, 255, 0])
        XCTAssertEqual(image.pixels.filter { $0 == 255 }.count, inked(image).count, "nothing drawn off the image")
    }

    func testFittedTextEndsInAnEllipsis() {
        XCTAssertEqual(BitmapText.fitted("a red apple", columns: 11), "a red apple")
        XCTAssertEqual(BitmapText.fitted("a red apple", columns: 5), "a re…")
        XCTAssertEqual(BitmapText.fitted("a red apple", columns: 7), "a red…", "trailing spaces go before the ellipsis")
        XCTAssertEqual(BitmapText.fitted("a red apple", columns: 1), "…")
        XCTAssertEqual(BitmapText.fitted("a red apple", columns: 0), "")
        XCTAssertEqual(BitmapText.fitted("🍎🍎🍎", columns: 2), "🍎…", "one cell per character, not per byte")
    }

    func testMaxWidthClipsTheDrawing() throws {
        var clipped = try blank(80, 13)
        XCTAssertEqual(try clipped.drawText("AAAAAAAAAA", x: 0, y: 0, color: red, maxWidth: 35), 30, "5 whole cells fit in 35 pixels")
        var shown = try blank(80, 13)
        try shown.drawText("AAAA…", x: 0, y: 0, color: red)
        XCTAssertEqual(clipped, shown)
        // The ellipsis glyph: three dots on row 10 of the fifth cell.
        XCTAssertEqual(inked(clipped).filter { $0[0] >= 24 }, Set([[24, 10], [26, 10], [28, 10]]))
        var fits = try blank(80, 13)
        XCTAssertEqual(try fits.drawText("AAAAA", x: 0, y: 0, color: red, maxWidth: 30), 30)
        XCTAssertEqual(inked(fits), (0..<5).reduce(into: Set<[Int]>()) { $0.formUnion(expected(glyphA, x: 6 * $1, y: 0)) })
    }

    func testLatin1AndUnknownCharacters() throws {
        func drawn(_ text: String) throws -> Image {
            var image = try blank(12, 13)
            try image.drawText(text, x: 0, y: 0, color: red)
            return image
        }
        // é (U+00E9) has its own glyph: an e with an accent above the x-height.
        XCTAssertNotEqual(try drawn("é"), try drawn("e"))
        XCTAssertNotEqual(try drawn("é"), try drawn("?"))
        XCTAssertTrue(inked(try drawn("é")).contains { $0[1] < 5 }, "the accent is above the e")
        XCTAssertEqual(try drawn("e\u{301}"), try drawn("\u{FFFD}"), "a decomposed character is one unknown cell")
        XCTAssertEqual(try drawn("€"), try drawn("\u{FFFD}"), "U+20AC is not in the font")
        XCTAssertEqual(try drawn("🍎x"), try drawn("\u{FFFD}x"))
        XCTAssertFalse(inked(try drawn("\u{FFFD}")).isEmpty)
        XCTAssertEqual(try drawn("\tA"), try drawn(" A"), "whitespace draws as a space")
    }
}
