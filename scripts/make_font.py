#!/usr/bin/env python3
"""Generates Sources/ZooImage/FixedFont.swift, the bitmap font grid labels are drawn with.

Usage:  python3 scripts/make_font.py [FONT.pcf.gz] > Sources/ZooImage/FixedFont.swift

FONT defaults to /usr/share/fonts/X11/misc/6x13.pcf.gz, the X11 misc-fixed 6x13 font
(ISO10646-1) of Debian's xfonts-base (`apt-get install -y xfonts-base`); misc-fixed is public
domain ("Public domain font.  Share and enjoy.", font-misc-misc/COPYING). Only this script reads
the font: the build and the engine need the generated Swift file alone.

Takes printable ASCII (0x20-0x7E), Latin-1 (0xA0-0xFF), U+2026 (the ellipsis) and U+FFFD (drawn
for characters the font lacks). Each glyph is the font's 6x13 cell, one byte per row with the
leftmost pixel in bit 7, written as 26 hex digits. Reads PCF directly (plain or gzipped), needing
the Python standard library only. Exits non-zero naming the problem when the font is not a
6-pixel-wide character-cell font or lacks one of the characters.
"""
import gzip
import os
import struct
import subprocess
import sys
import unicodedata

DEFAULT_FONT = "/usr/share/fonts/X11/misc/6x13.pcf.gz"
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2026, 0x2026), (0xFFFD, 0xFFFD)]

PCF_PROPERTIES, PCF_ACCELERATORS, PCF_METRICS, PCF_BITMAPS, PCF_BDF_ENCODINGS = 1, 2, 4, 8, 32
PCF_COMPRESSED_METRICS = 0x100


class FontError(Exception):
    pass


def read_pcf(data):
    """Returns (properties, font ascent, font descent, glyph(code) -> (rows, width, ascent)) of a
    PCF font's bytes; a glyph's rows are integers with the leftmost pixel in bit 0."""
    if data[:4] != b"\x01fcp":
        raise FontError("not a PCF font")
    (count,) = struct.unpack_from("<i", data, 4)
    tables = {}
    for k in range(count):
        kind, fmt, size, offset = struct.unpack_from("<iiii", data, 8 + 16 * k)
        tables[kind] = offset
    for kind in (PCF_PROPERTIES, PCF_METRICS, PCF_BITMAPS, PCF_BDF_ENCODINGS):
        if kind not in tables:
            raise FontError("PCF table %d missing" % kind)

    def table(kind):
        offset = tables[kind]
        (fmt,) = struct.unpack_from("<i", data, offset)
        return fmt, (">" if fmt & 4 else "<"), offset + 4

    # Properties: names and values (strings where flagged).
    fmt, e, at = table(PCF_PROPERTIES)
    (n,) = struct.unpack_from(e + "i", data, at)
    raw = [struct.unpack_from(e + "ibi", data, at + 4 + 9 * k) for k in range(n)]
    at += 4 + 9 * n + ((4 - (n & 3)) & 3)
    (string_size,) = struct.unpack_from(e + "i", data, at)
    strings = data[at + 4:at + 4 + string_size]

    def cstr(o):
        return strings[o:strings.index(b"\0", o)].decode("latin-1")

    props = {cstr(name): (cstr(value) if is_string else value) for name, is_string, value in raw}

    # Accelerators: seven flag bytes and a pad byte, then the font's ascent and descent.
    fmt, e, at = table(PCF_ACCELERATORS)
    font_ascent, font_descent = struct.unpack_from(e + "ii", data, at + 8)

    # Metrics: left bearing, right bearing, width, ascent, descent per glyph.
    fmt, e, at = table(PCF_METRICS)
    if fmt & PCF_COMPRESSED_METRICS:
        (n,) = struct.unpack_from(e + "h", data, at)
        metrics = [tuple(b - 0x80 for b in data[at + 2 + 5 * k:at + 7 + 5 * k]) for k in range(n)]
    else:
        (n,) = struct.unpack_from(e + "i", data, at)
        metrics = [struct.unpack_from(e + "hhhhh", data, at + 4 + 12 * k) for k in range(n)]

    # Bitmaps: rows padded to 1 << (fmt & 3) bytes, bits in the order fmt & 8 says.
    fmt, e, at = table(PCF_BITMAPS)
    (n,) = struct.unpack_from(e + "i", data, at)
    offsets = struct.unpack_from(e + "%di" % n, data, at + 4)
    bits = data[at + 4 + 4 * n + 16:]
    row_pad, msb_bit = 1 << (fmt & 3), bool(fmt & 8)
    if (fmt >> 4) & 3 and bool(fmt & 4) != bool(fmt & 8):
        raise FontError("PCF bitmaps with a scan unit whose byte and bit orders differ are not supported")

    # Encodings: code -> glyph index.
    fmt, e, at = table(PCF_BDF_ENCODINGS)
    min2, max2, min1, max1, _default = struct.unpack_from(e + "hhhhh", data, at)
    span = max2 - min2 + 1
    indices = struct.unpack_from(e + "%dH" % (span * (max1 - min1 + 1)), data, at + 10)

    def glyph(code):
        b1, b2 = code >> 8, code & 0xFF
        if not (min1 <= b1 <= max1 and min2 <= b2 <= max2):
            return None
        index = indices[(b1 - min1) * span + (b2 - min2)]
        if index == 0xFFFF:
            return None
        lsb, rsb, width, ascent, descent = metrics[index]
        stride = ((rsb - lsb + 7) // 8 + row_pad - 1) // row_pad * row_pad
        rows = []
        for y in range(ascent + descent):
            row = 0
            for x in range(rsb - lsb):
                byte = bits[offsets[index] + y * stride + x // 8]
                on = (byte >> (7 - x % 8)) & 1 if msb_bit else (byte >> (x % 8)) & 1
                row |= on << (x + lsb)
            rows.append(row)
        return rows, width, ascent

    return props, font_ascent, font_descent, glyph


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FONT
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        sys.exit("%s: %s (install it with: apt-get install -y xfonts-base)" % (path, err.strerror))
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        props, ascent, descent, glyph = read_pcf(data)
        width = 6
        if props.get("SPACING") != "C" or props.get("AVERAGE_WIDTH") != 10 * width:
            raise FontError("not a 6-pixel character-cell font (SPACING %r, AVERAGE_WIDTH %r)"
                            % (props.get("SPACING"), props.get("AVERAGE_WIDTH")))
        height = ascent + descent
        lines = []
        for low, high in RANGES:
            for code in range(low, high + 1):
                g = glyph(code)
                if g is None:
                    raise FontError("no glyph for U+%04X" % code)
                rows, advance, top = g
                if advance != width:
                    raise FontError("U+%04X advances %d pixels, not %d" % (code, advance, width))
                cell = [0] * height
                for y, row in enumerate(rows):
                    cy = ascent - top + y
                    if not 0 <= cy < height or row >> width:
                        raise FontError("U+%04X has ink outside its %dx%d cell" % (code, width, height))
                    # Bit 7 is the leftmost pixel.
                    cell[cy] = sum(((row >> x) & 1) << (7 - x) for x in range(width))
                shown = chr(code) if code != 0x20 and chr(code).isprintable() else unicodedata.name(chr(code)).lower()
                lines.append('        "%s", // U+%04X %s' % ("".join("%02X" % r for r in cell), code, shown))
    except (FontError, struct.error, ValueError) as err:
        sys.exit("%s: %s" % (path, err))

    try:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "xfonts-base"],
                                 capture_output=True, text=True).stdout.strip()
    except OSError:
        version = ""
    source = os.path.basename(path) + (" (Debian xfonts-base %s)" % version if version else "")
    ranges = ", ".join("(0x%X, 0x%X)" % r for r in RANGES)
    print("""// FixedFont.swift: the glyphs of the X11 misc-fixed %(w)dx%(h)d font. GENERATED by scripts/make_font.py: do not edit.
//
// Source: %(source)s, %(name)s.
// Licence: public domain (%(copyright)s; font-misc-misc/COPYING).
// Regenerate: python3 scripts/make_font.py > Sources/ZooImage/FixedFont.swift

/// A %(w)d×%(h)d character-cell font: printable ASCII, Latin-1, "…" (U+2026) and "�" (U+FFFD).
enum FixedFont {
    /// Cell size in pixels; every glyph advances `width`.
    static let width = %(w)d, height = %(h)d
    /// The code points that have glyphs, as inclusive ranges in the order of `glyphs`.
    static let ranges: [(UInt32, UInt32)] = [%(ranges)s]
    /// One glyph per code point of `ranges`: %(h)d rows of 2 hex digits, the leftmost pixel in bit 7.
    static let glyphs: [StaticString] = [
%(lines)s
    ]
}""" % {"w": width, "h": height, "source": source, "name": props.get("FONT", "?"),
        "copyright": '"%s"' % props.get("COPYRIGHT", "").strip(), "ranges": ranges, "lines": "\n".join(lines)})


if __name__ == "__main__":
    main()
