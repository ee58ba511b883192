// Anti-aliased bilinear resize: a faithful port of Pillow's fixed-point resampler (Resample.c).
import ZooCore

/// Resizes like PIL's `image.resize((width, height), Image.BILINEAR)` (Pillow ≥ 7), bit for bit.
///
/// The triangle filter's support widens with the reduction factor (anti-aliasing), so downscaling
/// averages every source pixel; upscaling is ordinary bilinear interpolation through the same code.
/// Separable: a horizontal pass (only over the source rows the vertical pass will read) into 8-bit
/// intermediates, then a vertical pass; each pass accumulates in 22-bit fixed point with
/// round-half-up and clips to 0...255. A pass whose size does not change is skipped.
///
/// Every channel is filtered independently (PIL premultiplies RGBA by alpha first; this does not).
public func resize(_ image: Image, width: Int, height: Int) -> Image {
    precondition(width > 0 && height > 0, "resize: target size \(width)x\(height) must be positive")
    precondition(image.width > 0 && image.height > 0, "resize: empty source image")
    if width == image.width && height == image.height { return image }

    let vertical = ResampleCoefficients(inSize: image.height, outSize: height)
    var source = image
    var rowOffset = 0
    if width != image.width {
        // Only the rows the vertical pass reads: from the first row of output row 0 to the last
        // row of the last output row.
        let first = vertical.bounds[0]
        let last = vertical.bounds[2 * (height - 1)] + vertical.bounds[2 * (height - 1) + 1]
        let horizontal = ResampleCoefficients(inSize: image.width, outSize: width)
        source = resampleHorizontal(image, rows: first..<last, coefficients: horizontal)
        rowOffset = first
    }
    if height != image.height {
        source = resampleVertical(source, rowOffset: rowOffset, coefficients: vertical)
    }
    return source
}

/// PIL's `PRECISION_BITS`: 32 − 8 − 2 (8 bits of result, 2 for overflow and sign).
private let precisionBits = 22

/// Per output index: the first source index and the number of taps, and the fixed-point weights
/// (`ksize` slots per output index), as `precompute_coeffs` + `normalize_coeffs_8bpc` make them.
struct ResampleCoefficients {
    /// Slots per output index (`ceil(support)·2 + 1`).
    let ksize: Int
    /// `[xmin, count]` per output index.
    let bounds: [Int]
    /// Fixed-point weights, `ksize` per output index, unused slots 0.
    let weights: [Int32]

    /// Coefficients of PIL's bilinear (triangle, support 1) filter for the box `0..<inSize`.
    init(inSize: Int, outSize: Int) {
        let in0: Float = 0, in1 = Float(inSize)  // PIL's box is float
        let supportOfFilter = 1.0
        var filterscale = Double(in1 - in0) / Double(outSize)
        let scale = filterscale
        if filterscale < 1.0 { filterscale = 1.0 }
        let support = supportOfFilter * filterscale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: outSize * 2)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            var ww = 0.0
            let ss = 1.0 / filterscale
            // C's (int) conversion truncates toward zero, as Int(_: Double) does.
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            for x in 0..<ksize { k[x] = 0 }
            for x in 0..<xmax {
                let w = bilinearFilter((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax where ww != 0.0 { k[x] /= ww }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = xmax
            let one = Double(1 << precisionBits)
            for x in 0..<ksize {
                // normalize_coeffs_8bpc: round half away from zero, then truncate.
                weights[xx * ksize + x] = k[x] < 0 ? Int32(-0.5 + k[x] * one) : Int32(0.5 + k[x] * one)
            }
        }
        self.ksize = ksize
        self.bounds = bounds
        self.weights = weights
    }
}

/// PIL's `bilinear_filter`: the triangle 1 − |x| on (−1, 1).
@inline(__always)
private func bilinearFilter(_ x: Double) -> Double {
    let x = x < 0 ? -x : x
    return x < 1.0 ? 1.0 - x : 0.0
}

/// PIL's `clip8`: drop the fraction bits (arithmetic shift) and clamp to 0...255.
@inline(__always)
private func clip8(_ sum: Int) -> UInt8 {
    let v = sum >> precisionBits
    return v < 0 ? 0 : v > 255 ? 255 : UInt8(v)
}

/// Horizontal pass over source rows `rows`: output is `rows.count` high, `coefficients` wide.
private func resampleHorizontal(_ image: Image, rows: Range<Int>, coefficients: ResampleCoefficients) -> Image {
    let channels = image.channels, inWidth = image.width
    let outWidth = coefficients.bounds.count / 2, ksize = coefficients.ksize
    var out = [UInt8](repeating: 0, count: rows.count * outWidth * channels)
    image.pixels.withUnsafeBufferPointer { src in
        coefficients.weights.withUnsafeBufferPointer { kk in
            out.withUnsafeMutableBufferPointer { dst in
                for (yy, y) in rows.enumerated() {
                    let srcRow = y * inWidth * channels, dstRow = yy * outWidth * channels
                    for xx in 0..<outWidth {
                        let xmin = coefficients.bounds[2 * xx], xmax = coefficients.bounds[2 * xx + 1]
                        let k = xx * ksize
                        for c in 0..<channels {
                            var ss = 1 << (precisionBits - 1)
                            for x in 0..<xmax {
                                ss += Int(src[srcRow + (x + xmin) * channels + c]) * Int(kk[k + x])
                            }
                            dst[dstRow + xx * channels + c] = clip8(ss)
                        }
                    }
                }
            }
        }
    }
    return Image(unchecked: outWidth, height: rows.count, channels: channels, pixels: out)
}

/// Vertical pass; source row of tap `y` for output row `yy` is `bounds[2·yy] − rowOffset + y`.
private func resampleVertical(_ image: Image, rowOffset: Int, coefficients: ResampleCoefficients) -> Image {
    let channels = image.channels, width = image.width
    let outHeight = coefficients.bounds.count / 2, ksize = coefficients.ksize
    let rowLength = width * channels
    var out = [UInt8](repeating: 0, count: outHeight * rowLength)
    image.pixels.withUnsafeBufferPointer { src in
        coefficients.weights.withUnsafeBufferPointer { kk in
            out.withUnsafeMutableBufferPointer { dst in
                for yy in 0..<outHeight {
                    let ymin = coefficients.bounds[2 * yy] - rowOffset, ymax = coefficients.bounds[2 * yy + 1]
                    let k = yy * ksize
                    for i in 0..<rowLength {
                        var ss = 1 << (precisionBits - 1)
                        for y in 0..<ymax {
                            ss += Int(src[(y + ymin) * rowLength + i]) * Int(kk[k + y])
                        }
                        dst[yy * rowLength + i] = clip8(ss)
                    }
                }
            }
        }
    }
    return Image(unchecked: width, height: outHeight, channels: channels, pixels: out)
}
