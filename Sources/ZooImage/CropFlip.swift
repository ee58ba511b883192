// Crop and horizontal flip, on `Image` and on image tensors (the last two axes are H and W).
import ZooCore

extension Image {
    /// The `width`×`height` rectangle whose top-left pixel is (`x`, `y`); throws unless the
    /// rectangle lies inside the image and is non-empty.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) throws -> Image {
        guard cropWidth > 0, cropHeight > 0, x >= 0, y >= 0,
              x <= width - cropWidth, y <= height - cropHeight else {
            throw ZooError.invalidArgument(
                op: "crop",
                message: "rectangle x=\(x) y=\(y) \(cropWidth)x\(cropHeight) is not inside the \(width)x\(height) image")
        }
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * channels)
        let rowBytes = cropWidth * channels
        for row in 0..<cropHeight {
            let from = ((y + row) * width + x) * channels
            out.replaceSubrange(row * rowBytes..<(row + 1) * rowBytes, with: pixels[from..<from + rowBytes])
        }
        return Image(unchecked: cropWidth, height: cropHeight, channels: channels, pixels: out)
    }

    /// The mirror image (left and right swapped), as PIL's `transpose(FLIP_LEFT_RIGHT)`.
    public func flippedHorizontally() -> Image {
        var out = pixels
        let c = channels
        for row in 0..<height {
            let base = row * width * c
            for x in 0..<width {
                let from = base + (width - 1 - x) * c, to = base + x * c
                for k in 0..<c { out[to + k] = pixels[from + k] }
            }
        }
        return Image(unchecked: width, height: height, channels: channels, pixels: out)
    }
}

/// Crops the last two axes (H, W) of `tensor` (`[..., H, W]`, e.g. `[3, H, W]` or `[B, 3, H, W]`)
/// to rows `top..<top+height` and columns `left..<left+width`; throws unless the window fits.
public func cropImageTensor(_ tensor: Tensor, top: Int, left: Int, height: Int, width: Int) throws -> Tensor {
    guard tensor.rank >= 2 else {
        throw ZooError.shape(op: "crop", message: "expected [..., H, W], got \(shapeString(tensor.shape))")
    }
    let h = tensor.shape[tensor.rank - 2], w = tensor.shape[tensor.rank - 1]
    guard height > 0, width > 0, top >= 0, left >= 0, top <= h - height, left <= w - width else {
        throw ZooError.invalidArgument(
            op: "crop",
            message: "window top=\(top) left=\(left) \(height)x\(width) (HxW) is not inside \(shapeString(tensor.shape))")
    }
    let planes = tensor.count / max(1, h * w)
    var outShape = tensor.shape
    outShape[tensor.rank - 2] = height
    outShape[tensor.rank - 1] = width
    var out = try Tensor(zeros: outShape)
    try tensor.withUnsafeBufferPointer { src in
        try out.withUnsafeMutableBufferPointer { dst in
            for p in 0..<planes {
                for row in 0..<height {
                    let s = p * h * w + (top + row) * w + left, d = (p * height + row) * width
                    for x in 0..<width { dst[d + x] = src[s + x] }
                }
            }
        }
    }
    return out
}

/// Mirrors the last axis (W) of `tensor` (`[..., H, W]`), as `torch.flip(t, dims=[-1])`.
public func flipImageTensorHorizontally(_ tensor: Tensor) throws -> Tensor {
    guard tensor.rank >= 2 else {
        throw ZooError.shape(op: "flip", message: "expected [..., H, W], got \(shapeString(tensor.shape))")
    }
    let w = tensor.shape[tensor.rank - 1]
    guard w > 0 else { return tensor }
    var out = tensor
    try tensor.withUnsafeBufferPointer { src in
        try out.withUnsafeMutableBufferPointer { dst in
            for row in 0..<(tensor.count / w) {
                let base = row * w
                for x in 0..<w { dst[base + x] = src[base + w - 1 - x] }
            }
        }
    }
    return out
}
