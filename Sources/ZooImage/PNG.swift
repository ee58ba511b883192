// PNG decode and encode through libpng's simplified png_image API (libpng owns its setjmp there).
import ZooCore
internal import CPNG

/// PNG files through libpng's simplified API.
///
/// Decoding keeps the file's layout as an 8-bit `Image`: gray → 1 channel, RGB → 3, anything with
/// alpha (RGBA, gray+alpha, a `tRNS` chunk) → 4 (gray replicated to RGB), palette → 3 or 4 (looked
/// up). Bit depths 1, 2 and 4 are expanded; 16-bit samples become their **high byte** (`v >> 8`,
/// libpng's `png_set_strip_16` and PIL's behaviour). Call `rgb()` on the result to drop alpha
/// without compositing (PIL's `convert("RGB")`).
///
/// Limits of the simplified API (documented rather than hidden): a `gAMA` chunk far from sRGB
/// (not the usual 1/2.2) is gamma-corrected to sRGB where PIL ignores it; and 16-bit images with
/// alpha come back premultiplied from libpng, so their colours are un-premultiplied here: exact for
/// opaque pixels, within one level for translucent ones, and black where alpha is 0.
public enum PNG {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // png.h's PNG_FORMAT_FLAG_* bits.
    private static let flagAlpha: UInt32 = 0x01
    private static let flagColor: UInt32 = 0x02
    private static let flagLinear: UInt32 = 0x04

    /// Largest decoded buffer accepted (bytes), so a hostile header cannot exhaust memory.
    static let maxDecodedBytes = 1 << 31

    // MARK: - Reading

    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String) throws -> Image {
        try decode(try FileIO.readAll(path: path), path: path)
    }

    /// Decodes PNG bytes; `path` names the data in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        guard bytes.starts(with: signature) else {
            throw ZooError.format(path: path, message: "not a PNG file (bad signature)")
        }
        return try bytes.withUnsafeBytes { buffer -> Image in
            var image = newImage()
            // libpng reads from `buffer` until png_image_finish_read: keep both inside this closure.
            guard png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count) != 0 else {
                throw failure(&image, path: path, what: "invalid PNG")
            }
            defer { png_image_free(&image) }
            return try finishRead(&image, path: path)
        }
    }

    private static func finishRead(_ image: inout png_image, path: String) throws -> Image {
        let file = image.format
        let hasAlpha = file & flagAlpha != 0
        let isColor = file & flagColor != 0
        let is16 = file & flagLinear != 0
        let channels = hasAlpha ? 4 : (isColor ? 3 : 1)
        let width = Int(image.width), height = Int(image.height)
        let count = width * height * channels
        guard count * (is16 ? 2 : 1) <= maxDecodedBytes else {
            throw ZooError.format(path: path, message: "PNG image \(width)x\(height) is too large to decode")
        }
        // Ask for the file's own layout (gray stays gray, alpha stays alpha) so libpng never
        // composites against a background; a palette is expanded, gray+alpha becomes RGBA.
        image.format = (channels == 1 ? 0 : flagColor) | (hasAlpha ? flagAlpha : 0)
        if !is16 {
            // 8-bit output: libpng's sRGB path, no gamma change for ordinary files.
            var pixels = [UInt8](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw failure(&image, path: path, what: "corrupt PNG") }
            return Image(unchecked: width, height: height, channels: channels, pixels: pixels)
        }
        // 16-bit: 8-bit output would convert linear data to the sRGB curve, so read the 16-bit
        // values themselves (linear in, linear out: no gamma change) and keep the high byte.
        image.format |= flagLinear
        var wide = [UInt16](repeating: 0, count: count)
        let ok = wide.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw failure(&image, path: path, what: "corrupt PNG") }
        var pixels = [UInt8](repeating: 0, count: count)
        if hasAlpha {
            for p in stride(from: 0, to: count, by: 4) {
                let a = UInt32(wide[p + 3])
                for c in 0..<3 {
                    // libpng premultiplied: v' = round(v·a/65535); undo it where alpha allows.
                    let v = a == 0 ? 0 : min(65535, (UInt32(wide[p + c]) * 65535 + a / 2) / a)
                    pixels[p + c] = UInt8(v >> 8)
                }
                pixels[p + 3] = UInt8(a >> 8)
            }
        } else {
            for i in 0..<count { pixels[i] = UInt8(wide[i] >> 8) }
        }
        return Image(unchecked: width, height: height, channels: channels, pixels: pixels)
    }

    // MARK: - Writing

    /// Encodes an 8-bit gray, RGB or RGBA image as PNG bytes.
    public static func encode(_ image: Image) throws -> [UInt8] {
        try Image.checkGeometry(width: image.width, height: image.height, channels: image.channels, op: "PNG.encode")
        guard image.pixels.count == image.width * image.height * image.channels else {
            throw ZooError.shape(op: "PNG.encode", message: "\(image.pixels.count) bytes do not fill \(image.width)x\(image.height)x\(image.channels)")
        }
        guard image.width > 0, image.height > 0, image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
            throw ZooError.invalidArgument(op: "PNG.encode", message: "cannot write a \(image.width)x\(image.height) PNG")
        }
        let format: UInt32 = image.channels == 1 ? 0 : image.channels == 3 ? flagColor : flagColor | flagAlpha
        func describe(_ png: inout png_image) -> String {
            "PNG.encode: libpng: \(message(&png))"
        }
        return try image.pixels.withUnsafeBytes { pixels -> [UInt8] in
            // First call with no buffer: libpng reports an upper bound of the encoded size.
            var png = newImage(width: image.width, height: image.height, format: format)
            var size = 0
            guard png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, 0, nil) != 0 else {
                defer { png_image_free(&png) }
                throw ZooError.invalidArgument(op: "PNG.encode", message: describe(&png))
            }
            var out = [UInt8](repeating: 0, count: size)
            png = newImage(width: image.width, height: image.height, format: format)
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&png, $0.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
            guard ok != 0 else {
                defer { png_image_free(&png) }
                throw ZooError.invalidArgument(op: "PNG.encode", message: describe(&png))
            }
            out.removeSubrange(size...)
            return out
        }
    }

    /// Writes an 8-bit gray, RGB or RGBA image to `path` as PNG, atomically (temporary file in the
    /// same folder, then rename).
    public static func write(_ image: Image, path: String) throws {
        let bytes: [UInt8]
        do { bytes = try encode(image) } catch let error as ZooError {
            throw ZooError.io(path: path, message: error.description)
        }
        try FileIO.writeAtomically(bytes, to: path)
    }

    // MARK: - libpng helpers

    private static func newImage(width: Int = 0, height: Int = 0, format: UInt32 = 0) -> png_image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        return image
    }

    /// libpng's NUL-terminated message (`png_image.message`, 64 chars).
    private static func message(_ image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }

    private static func failure(_ image: inout png_image, path: String, what: String) -> ZooError {
        .format(path: path, message: "\(what): libpng: \(message(&image))")
    }
}
