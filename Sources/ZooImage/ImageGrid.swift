// Image grids of a batch, laid out like torchvision.utils.make_grid, and saving them as PNG.
import ZooCore

/// Tiles a batch into one RGB image the way `torchvision.utils.make_grid` does:
/// `min(nrow, B)` images per row, `ceil(B / nrow)` rows, `padding` pixels of `padValue` around every
/// tile (so `padding` between tiles and at the edges), grid size
/// `(H + padding)·rows + padding` × `(W + padding)·columns + padding`; unused cells stay `padValue`.
/// As in torchvision, a batch of one image is returned as that image without padding.
///
/// Values are converted with `pixelLevel(normalized:)`: `round((x+1)·127.5)` clamped to 0...255.
/// `padValue` is a byte level of the output (torchvision's `pad_value` is in tensor units).
public func imageGrid(_ batch: Tensor /* [B, 3, H, W] in [-1, 1] */, nrow: Int = 8, padding: Int = 2,
                      padValue: UInt8 = 0) throws -> Image {
    let batch4 = batch.rank == 3 ? try batch.reshaped([1] + batch.shape) : batch
    guard nrow >= 1, padding >= 0 else {
        throw ZooError.invalidArgument(op: "imageGrid", message: "nrow must be >= 1 and padding >= 0, got nrow=\(nrow) padding=\(padding)")
    }
    guard batch4.rank == 4, batch4.shape[0] >= 1 else {
        throw ZooError.shape(op: "imageGrid", message: "expected [B, 3, H, W] with B >= 1, got \(shapeString(batch.shape))")
    }
    let images = try imagesFromBatch(batch4)
    if images.count == 1 { return images[0] }
    let h = batch4.shape[2], w = batch4.shape[3]
    let columns = min(nrow, images.count)
    let rows = (images.count + columns - 1) / columns
    let cellH = h + padding, cellW = w + padding
    var grid = try Image(width: cellW * columns + padding, height: cellH * rows + padding, channels: 3, value: padValue)
    let rowBytes = w * 3
    for (k, image) in images.enumerated() {
        let top = (k / columns) * cellH + padding, left = (k % columns) * cellW + padding
        for y in 0..<h {
            let d = ((top + y) * grid.width + left) * 3
            grid.pixels.replaceSubrange(d..<d + rowBytes, with: image.pixels[y * rowBytes..<(y + 1) * rowBytes])
        }
    }
    return grid
}

/// Writes `imageGrid(batch, nrow:, padding:)` to `path` as PNG (atomically).
public func saveGrid(_ batch: Tensor /* [B, 3, H, W] in [-1, 1] */, path: String, nrow: Int = 8, padding: Int = 2,
                     padValue: UInt8 = 0) throws {
    try PNG.write(try imageGrid(batch, nrow: nrow, padding: padding, padValue: padValue), path: path)
}
