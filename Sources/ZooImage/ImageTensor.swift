// Conversions between Image and tensors: normalised [-1, 1] CHW tensors and raw 0...255 HWC tensors.
import ZooCore

/// The byte a normalised value `x` in [-1, 1] becomes: `round((x + 1) · 127.5)` computed in Float,
/// clamped to 0...255, halves rounded up (away from zero); NaN gives 0, ±∞ clamp.
@inline(__always)
public func pixelLevel(normalized x: Float) -> UInt8 {
    let v = (x + 1) * 127.5
    guard v == v else { return 0 }  // NaN
    if v <= 0 { return 0 }
    if v >= 255 { return 255 }
    return UInt8(v.rounded(.toNearestOrAwayFromZero))
}

/// The normalised value of byte `u`: `u / 127.5 − 1` in Float. Bit-identical to torchvision's
/// `ToTensor()` + `Normalize(0.5, 0.5)`: `(u/255 − 0.5)/0.5`, since scaling by 2 is exact in binary.
@inline(__always)
public func normalizedValue(level u: UInt8) -> Float { Float(u) / 127.5 - 1 }

extension Image {
    /// The image as a `[3, H, W]` tensor in [-1, 1] (`x = u/127.5 − 1`); gray is replicated and
    /// alpha dropped first (see `rgb()`).
    public func normalizedTensor() throws -> Tensor /* [3, H, W] */ {
        let rgb = self.rgb()
        let plane = width * height
        var t = try Tensor(zeros: [3, height, width])
        try t.withUnsafeMutableBufferPointer { dst in
            rgb.pixels.withUnsafeBufferPointer { src in
                for i in 0..<plane {
                    for c in 0..<3 { dst[c * plane + i] = normalizedValue(level: src[i * 3 + c]) }
                }
            }
        }
        return t
    }

    /// An RGB image from a normalised tensor `[3, H, W]` or `[1, 3, H, W]` in [-1, 1]; each value
    /// becomes `pixelLevel(normalized:)` (round((x+1)·127.5), clamped to 0...255, NaN → 0).
    public init(normalizedTensor tensor: Tensor /* [3, H, W] or [1, 3, H, W] */) throws {
        let s = tensor.shape
        guard (s.count == 3 && s[0] == 3) || (s.count == 4 && s[0] == 1 && s[1] == 3) else {
            throw ZooError.shape(op: "Image(normalizedTensor:)", message: "expected [3, H, W] or [1, 3, H, W], got \(shapeString(s))")
        }
        self = try imagesFromBatch(tensor.reshaped([1] + s.suffix(3)))[0]
    }

    /// The pixels as a `[H, W, C]` tensor of the byte values 0...255 (the layout fixtures use).
    public func rawTensor() throws -> Tensor /* [H, W, C] */ {
        var t = try Tensor(zeros: [height, width, channels])
        try t.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for i in 0..<min(dst.count, src.count) { dst[i] = Float(src[i]) }
            }
        }
        return t
    }

    /// An image from a `[H, W, C]` (C = 1, 3 or 4) or `[H, W]` (gray) tensor of byte values;
    /// throws when a value is not an integer in 0...255.
    public init(rawTensor tensor: Tensor /* [H, W, C] or [H, W] */) throws {
        let s = tensor.shape
        guard s.count == 2 || (s.count == 3 && [1, 3, 4].contains(s[2])) else {
            throw ZooError.shape(op: "Image(rawTensor:)", message: "expected [H, W, C] with C in {1, 3, 4} or [H, W], got \(shapeString(s))")
        }
        let channels = s.count == 3 ? s[2] : 1
        let values = tensor.scalars
        var pixels = [UInt8](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard v >= 0, v <= 255, v == v.rounded() else {
                throw ZooError.invalidArgument(op: "Image(rawTensor:)", message: "value \(v) at flat index \(i) is not an integer in 0...255")
            }
            pixels[i] = UInt8(v)
        }
        try self.init(width: s[1], height: s[0], channels: channels, pixels: pixels)
    }
}

/// A `[B, 3, H, W]` tensor in [-1, 1] from images of one size (each converted with `rgb()`).
public func imageBatchTensor(_ images: [Image]) throws -> Tensor /* [B, 3, H, W] */ {
    guard let first = images.first else {
        throw ZooError.invalidArgument(op: "imageBatchTensor", message: "no images")
    }
    let h = first.height, w = first.width, size = 3 * h * w
    var batch = try Tensor(zeros: [images.count, 3, h, w])
    try batch.withUnsafeMutableBufferPointer { dst in
        for (b, image) in images.enumerated() {
            guard image.width == w, image.height == h else {
                throw ZooError.shape(op: "imageBatchTensor", message: "image \(b) is \(image.width)x\(image.height), image 0 is \(w)x\(h)")
            }
            try image.normalizedTensor().withUnsafeBufferPointer { src in
                for i in 0..<size { dst[b * size + i] = src[i] }
            }
        }
    }
    return batch
}

/// RGB images from a `[B, 3, H, W]` tensor in [-1, 1] (see `pixelLevel(normalized:)`).
public func imagesFromBatch(_ batch: Tensor /* [B, 3, H, W] */) throws -> [Image] {
    let s = batch.shape
    guard s.count == 4, s[1] == 3 else {
        throw ZooError.shape(op: "imagesFromBatch", message: "expected [B, 3, H, W], got \(shapeString(s))")
    }
    let h = s[2], w = s[3], plane = h * w
    try Image.checkGeometry(width: w, height: h, channels: 3, op: "imagesFromBatch")
    return batch.withUnsafeBufferPointer { src in
        (0..<s[0]).map { b in
            var pixels = [UInt8](repeating: 0, count: plane * 3)
            let base = b * 3 * plane
            for i in 0..<plane {
                for c in 0..<3 { pixels[i * 3 + c] = pixelLevel(normalized: src[base + c * plane + i]) }
            }
            return Image(unchecked: w, height: h, channels: 3, pixels: pixels)
        }
    }
}
