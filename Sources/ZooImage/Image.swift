// Image: an 8-bit image in memory (row-major HWC), channel conversions and format sniffing on load.
import ZooCore

/// An 8-bit image in memory: `height` rows of `width` pixels of `channels` bytes (row-major HWC).
///
/// `channels` is 1 (gray), 3 (RGB) or 4 (RGBA, alpha not premultiplied). The initialisers check
/// that `pixels.count == width * height * channels`; code that assigns the fields directly must
/// keep that true (the encoders check it again, the pixel loops rely on it).
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 (gray), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// `height * width * channels` bytes, row-major HWC.
    public var pixels: [UInt8]

    /// An image from its pixels; throws when the sizes are invalid or `pixels` does not fill them.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        try Image.checkGeometry(width: width, height: height, channels: channels, op: "Image")
        guard pixels.count == width * height * channels else {
            throw ZooError.shape(op: "Image", message: "\(pixels.count) bytes do not fill \(width)x\(height)x\(channels) (\(width * height * channels) bytes)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every byte set to `value`.
    public init(width: Int, height: Int, channels: Int, value: UInt8 = 0) throws {
        try Image.checkGeometry(width: width, height: height, channels: channels, op: "Image")
        self.init(unchecked: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// For code that has already validated the sizes.
    init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    static func checkGeometry(width: Int, height: Int, channels: Int, op: String) throws {
        guard [1, 3, 4].contains(channels) else {
            throw ZooError.invalidArgument(op: op, message: "channels must be 1, 3 or 4, got \(channels)")
        }
        guard width >= 0, height >= 0 else {
            throw ZooError.invalidArgument(op: op, message: "negative size \(width)x\(height)")
        }
        let (n, overflow) = width.multipliedReportingOverflow(by: height * channels)
        guard !overflow, n <= Int(Int32.max) * 4 else {
            throw ZooError.invalidArgument(op: op, message: "image \(width)x\(height)x\(channels) is too large")
        }
    }

    /// The byte of channel `c` of pixel (`x`, `y`).
    public subscript(x x: Int, y y: Int, c c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    // MARK: - Channel conversions

    /// The same image with `channels` channels, the way PIL's `convert` does it without a palette:
    /// gray → RGB(A) replicates the gray value, RGB → RGBA adds an opaque alpha, RGBA → RGB
    /// **drops** alpha (no compositing), RGB(A) → gray uses ITU-R 601-2 luma
    /// `(r·19595 + g·38470 + b·7471 + 0x8000) >> 16` (PIL's `L` conversion).
    public func converted(toChannels target: Int) throws -> Image {
        guard [1, 3, 4].contains(target) else {
            throw ZooError.invalidArgument(op: "Image.converted", message: "channels must be 1, 3 or 4, got \(target)")
        }
        return convertedUnchecked(toChannels: target)
    }

    func convertedUnchecked(toChannels target: Int) -> Image {
        if target == channels { return self }
        let n = width * height
        var out = [UInt8](repeating: 255, count: n * target)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let s = i * channels, d = i * target
                    if channels == 1 {
                        for c in 0..<min(target, 3) { dst[d + c] = src[s] }
                    } else if target == 1 {
                        let r = UInt32(src[s]), g = UInt32(src[s + 1]), b = UInt32(src[s + 2])
                        dst[d] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                    } else {
                        for c in 0..<3 { dst[d + c] = src[s + c] }
                        // RGB → RGBA keeps the 255 already in dst[d + 3].
                    }
                }
            }
        }
        return Image(unchecked: width, height: height, channels: target, pixels: out)
    }

    /// This image as 3-channel RGB (see `converted(toChannels:)`).
    public func rgb() -> Image { convertedUnchecked(toChannels: 3) }

    // MARK: - Files

    /// Reads a PNG or JPEG file, chosen by its first bytes (not its extension). PNG keeps the
    /// file's channels (1, 3 or 4); JPEG gives RGB. Throws naming the file for any other format.
    public static func load(path: String) throws -> Image {
        let bytes = try FileIO.readAll(path: path)
        return try decode(bytes, path: path)
    }

    /// Decodes PNG or JPEG bytes (chosen by magic number); `path` only names the data in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        if bytes.starts(with: PNG.signature) { return try PNG.decode(bytes, path: path) }
        if bytes.starts(with: JPEG.signature) { return try JPEG.decode(bytes, path: path) }
        let head = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        throw ZooError.format(path: path, message: "not a PNG or JPEG image (first bytes: \(head.isEmpty ? "none, file is empty" : head))")
    }

    /// Writes the image as PNG (atomically; see `PNG.write`).
    public func save(path: String) throws { try PNG.write(self, path: path) }
}
