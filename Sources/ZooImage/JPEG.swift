// JPEG decoding (libjpeg via the CZooShims decoder, which keeps libjpeg's setjmp inside C).
import ZooCore
internal import CZooShims
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// JPEG files, decode only, always to 8-bit RGB (grayscale JPEGs replicated, CMYK rejected), with
/// libjpeg's defaults as PIL uses them: ISLOW integer IDCT and fancy (triangle) chroma upsampling.
/// A truncated or corrupt stream is an error (libjpeg itself would pad it with grey and warn).
public enum JPEG {
    /// SOI marker followed by the first byte of the next marker.
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Reads and decodes the JPEG file at `path`.
    public static func read(path: String) throws -> Image {
        try decode(try FileIO.readAll(path: path), path: path)
    }

    /// Decodes JPEG bytes; `path` names the data in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        guard bytes.starts(with: signature) else {
            throw ZooError.format(path: path, message: "not a JPEG file (no SOI marker)")
        }
        var message = [CChar](repeating: 0, count: 256)
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0, height: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                zoo_jpeg_decode_rgb(data.baseAddress, data.count, &pixels, &width, &height,
                                    text.baseAddress, text.count)
            }
        }
        defer { zoo_jpeg_free(pixels) }
        guard status == 0, let pixels else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ZooError.format(path: path, message: "corrupt or unsupported JPEG: libjpeg: \(reason)")
        }
        let count = Int(width) * Int(height) * 3
        return Image(unchecked: Int(width), height: Int(height), channels: 3,
                     pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }
}
