// Image grids of a batch, laid out like torchvision.utils.make_grid, with optional row labels, and saving them as PNG.
import ZooCore

/// The shape of a grid of `count` ≥ 1 images with `nrow` ≥ 1 per row: `min(nrow, count)` columns
/// and `ceil(count / columns)` rows.
public func gridShape(count: Int, nrow: Int) -> (rows: Int, columns: Int) {
    let columns = min(nrow, count)
    return ((count + columns - 1) / columns, columns)
}

/// Tiles a batch into one RGB image the way `torchvision.utils.make_grid` does:
/// `min(nrow, B)` images per row, `ceil(B / nrow)` rows, `padding` pixels of `padValue` around every
/// tile (so `padding` between tiles and at the edges), grid size
/// `(H + padding)·rows + padding` × `(W + padding)·columns + padding`; unused cells stay `padValue`.
/// As in torchvision, a batch of one image is returned as that image without padding.
///
/// Values are converted with `pixelLevel(normalized:)`: `round((x+1)·127.5)` clamped to 0...255.
/// `padValue` is a byte level of the output (torchvision's `pad_value` is in tensor units).
///
/// With `rowLabels` (one per row, see `gridShape`), a margin of `padValue` is added on the left
/// (`labelMarginWidth`) and each row's label is drawn there in the built-in 6×13 font
/// (`BitmapText`), white on a dark `padValue` (< 128) and black on a light one, vertically centred
/// on its row, at `labelScale(rowHeight:)`; a label longer than `maxLabelColumns` characters is
/// cut with "…". The tiles are the same bytes as without labels, moved right by the margin.
/// Without `rowLabels` the grid is exactly the unlabelled one.
public func imageGrid(_ batch: Tensor /* [B, 3, H, W] in [-1, 1] */, nrow: Int = 8, padding: Int = 2,
                      padValue: UInt8 = 0, rowLabels: [String]? = nil) throws -> Image {
    let batch4 = batch.rank == 3 ? try batch.reshaped([1] + batch.shape) : batch
    guard nrow >= 1, padding >= 0 else {
        throw ZooError.invalidArgument(op: "imageGrid", message: "nrow must be >= 1 and padding >= 0, got nrow=\(nrow) padding=\(padding)")
    }
    guard batch4.rank == 4, batch4.shape[0] >= 1 else {
        throw ZooError.shape(op: "imageGrid", message: "expected [B, 3, H, W] with B >= 1, got \(shapeString(batch.shape))")
    }
    let (rows, columns) = gridShape(count: batch4.shape[0], nrow: nrow)
    if let rowLabels, rowLabels.count != rows {
        throw ZooError.invalidArgument(op: "imageGrid", message: "\(rowLabels.count) row labels for a grid of \(rows) rows")
    }
    let images = try imagesFromBatch(batch4)
    let h = batch4.shape[2], w = batch4.shape[3]
    var grid: Image
    if images.count == 1 {
        grid = images[0]
    } else {
        let cellH = h + padding, cellW = w + padding
        grid = try Image(width: cellW * columns + padding, height: cellH * rows + padding, channels: 3, value: padValue)
        let rowBytes = w * 3
        for (k, image) in images.enumerated() {
            let top = (k / columns) * cellH + padding, left = (k % columns) * cellW + padding
            for y in 0..<h {
                let d = ((top + y) * grid.width + left) * 3
                grid.pixels.replaceSubrange(d..<d + rowBytes, with: image.pixels[y * rowBytes..<(y + 1) * rowBytes])
            }
        }
    }
    guard let rowLabels else { return grid }
    let firstTop = images.count == 1 ? 0 : padding
    return try labelled(grid, rowLabels, rowTops: (0..<rows).map { firstTop + $0 * (h + padding) }, rowHeight: h,
                        background: padValue)
}

/// Writes `imageGrid(batch, nrow:, padding:, padValue:, rowLabels:)` to `path` as PNG (atomically).
public func saveGrid(_ batch: Tensor /* [B, 3, H, W] in [-1, 1] */, path: String, nrow: Int = 8, padding: Int = 2,
                     padValue: UInt8 = 0, rowLabels: [String]? = nil) throws {
    try PNG.write(try imageGrid(batch, nrow: nrow, padding: padding, padValue: padValue, rowLabels: rowLabels), path: path)
}

// MARK: - Row labels

/// Row labels longer than this many characters are cut with "…".
public let maxLabelColumns = 40

/// The font scale of the labels of rows `rowHeight` pixels high: 1 (13-pixel text) up to 255-pixel
/// rows (64 and 128-pixel images), 2 for 256 to 383, and so on (`max(1, rowHeight / 128)`).
public func labelScale(rowHeight: Int) -> Int { max(1, rowHeight / 128) }

/// The width of the label margin: the longest label's cells (at most `maxLabelColumns`) with
/// 4·scale pixels on either side.
public func labelMarginWidth(_ labels: [String], rowHeight: Int) -> Int {
    let scale = labelScale(rowHeight: rowHeight)
    let longest = labels.map(BitmapText.columns(of:)).max() ?? 0
    return (min(longest, maxLabelColumns) * BitmapText.cellWidth + 8) * scale
}

/// `grid` moved right by a margin of `background` holding `labels[r]` centred on the row of
/// `rowHeight` pixels that starts at `rowTops[r]`.
private func labelled(_ grid: Image, _ labels: [String], rowTops: [Int], rowHeight: Int, background: UInt8) throws -> Image {
    let scale = labelScale(rowHeight: rowHeight), margin = labelMarginWidth(labels, rowHeight: rowHeight)
    var out = try Image(width: margin + grid.width, height: grid.height, channels: 3, value: background)
    let gridRow = grid.width * 3
    for y in 0..<grid.height {
        let d = (y * out.width + margin) * 3
        out.pixels.replaceSubrange(d..<d + gridRow, with: grid.pixels[y * gridRow..<(y + 1) * gridRow])
    }
    let ink: [UInt8] = Array(repeating: background < 128 ? 255 : 0, count: 3)
    let textHeight = BitmapText.cellHeight * scale
    for (label, top) in zip(labels, rowTops) {
        try out.drawText(label, x: 4 * scale, y: top + (rowHeight - textHeight) / 2, color: ink, scale: scale,
                         maxWidth: margin - 8 * scale)
    }
    return out
}
