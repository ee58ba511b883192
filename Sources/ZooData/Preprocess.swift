// SPEC §5.7 preprocessing (PT-v2): CUB bbox crop, load size, random crop, flip, the multi-scale pyramid.
import ZooCore
import ZooImage

/// The image arithmetic of PT-v2's `get_imgs` and its torchvision transforms, step by step.
///
/// 1. `bboxCrop`: a square of side 2·⌊0.75·max(w, h)⌋ centred on the box, clipped at the border.
/// 2. `scaled`: `transforms.Scale(load)`, load = ⌊size·76/64⌋: the shorter side becomes `load`, the
///    other ⌊load·long/short⌋, PIL bilinear (anti-aliased); unchanged if the shorter side already is.
/// 3. `RandomCrop(size)`: offsets uniform in 0...W−size and 0...H−size.
/// 4. `RandomHorizontalFlip`: p = 0.5.
/// 5. The pyramid: every smaller branch is a PIL bilinear resize of that one crop.
/// Values become `u/127.5 − 1` (torchvision's ToTensor + Normalize(0.5, 0.5), bit for bit).
public enum Preprocess {
    /// ⌊size·76/64⌋: 76 for 64, 152 for 128, 304 for 256.
    public static func loadSize(forImageSize size: Int) -> Int { size * 76 / 64 }

    /// The crop of SPEC §5.7 as `[x1, x2) × [y1, y2)` for a bbox in a `width`×`height` image.
    public static func bboxCrop(_ b: BoundingBox, width: Int, height: Int) -> (x1: Int, y1: Int, x2: Int, y2: Int) {
        let r = Int(Double(max(b.width, b.height)) * 0.75)
        let cx = (2 * b.x + b.width) / 2, cy = (2 * b.y + b.height) / 2  // non-negative: floor = int()
        return (max(0, cx - r), max(0, cy - r), min(width, cx + r), min(height, cy + r))
    }

    /// torchvision `Scale(load)`'s output size for a `width`×`height` image.
    public static func scaledSize(width: Int, height: Int, shorter load: Int) -> (width: Int, height: Int) {
        if (width <= height && width == load) || (height <= width && height == load) { return (width, height) }
        if width < height { return (load, load * height / width) }
        return (load * width / height, load)
    }

    /// Steps 1–2: RGB, the bbox crop (if any) and the scale to `loadSize`. Deterministic, so this
    /// is what the cache keeps.
    public static func loaded(_ image: Image, bbox: BoundingBox?, loadSize: Int, file: String = "image") throws -> Image {
        var img = image.rgb()
        if let bbox {
            let c = bboxCrop(bbox, width: img.width, height: img.height)
            guard c.x2 > c.x1, c.y2 > c.y1 else {
                throw DataProblem(file: file, reason: "bounding box [\(bbox.x), \(bbox.y), \(bbox.width), \(bbox.height)] gives an empty crop of the \(img.width)x\(img.height) image")
            }
            img = try img.cropped(x: c.x1, y: c.y1, width: c.x2 - c.x1, height: c.y2 - c.y1)
        }
        let s = scaledSize(width: img.width, height: img.height, shorter: loadSize)
        return resize(img, width: s.width, height: s.height)
    }

    /// Steps 3–5 for given draws: the `size`×`size` crop at (`x`, `y`), flipped if asked, and the
    /// pyramid for `sizes` (ascending, the last equal to `size`), each smaller one from the crop.
    public static func pyramid(_ loaded: Image, cropX x: Int, cropY y: Int, flip: Bool, sizes: [Int]) throws -> [Image] {
        let size = sizes[sizes.count - 1]
        var crop = try loaded.cropped(x: x, y: y, width: size, height: size)
        if flip { crop = crop.flippedHorizontally() }
        return sizes.map { $0 == size ? crop : resize(crop, width: $0, height: $0) }
    }

    /// The draws of steps 3–4 for a `loaded` image: crop offsets and the flip (in that order:
    /// x, then y, then the flip). Without augmentation: the centre crop, no flip.
    static func draws(_ loaded: Image, size: Int, augment: Bool, _ rng: inout RandomGenerator) -> (x: Int, y: Int, flip: Bool) {
        let w = loaded.width - size, h = loaded.height - size
        guard augment else { return (w / 2, h / 2, false) }
        let x = rng.nextInt(below: w + 1), y = rng.nextInt(below: h + 1)
        return (x, y, rng.nextFloat() < 0.5)
    }
}

/// Writes `image` (RGB, `s`×`s`) as `[3, s, s]` values `u/127.5 − 1` at `out`.
func writeNormalized(_ image: Image, into out: UnsafeMutablePointer<Float>) {
    let plane = image.width * image.height
    image.pixels.withUnsafeBufferPointer { src in
        for i in 0..<plane {
            out[i] = normalizedValue(level: src[i * 3])
            out[plane + i] = normalizedValue(level: src[i * 3 + 1])
            out[2 * plane + i] = normalizedValue(level: src[i * 3 + 2])
        }
    }
}
