// Decoded images kept in memory (after the deterministic bbox crop and scale) under a byte budget.
import Foundation
import ZooImage

/// Loaded images by sample index. Entries are added until the budget is spent and never evicted,
/// so a dataset that fits is decoded once; one that does not keeps its first-loaded images.
/// The cache changes speed only: a cached image equals a freshly loaded one.
final class ImageCache: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Image?]
    private(set) var usedBytes = 0
    let budgetBytes: Int

    init(count: Int, budgetBytes: Int) {
        slots = budgetBytes > 0 ? [Image?](repeating: nil, count: count) : []
        self.budgetBytes = budgetBytes
    }

    func get(_ i: Int) -> Image? {
        guard budgetBytes > 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return slots[i]
    }

    func put(_ i: Int, _ image: Image) {
        guard budgetBytes > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard slots[i] == nil, usedBytes + image.pixels.count <= budgetBytes else { return }
        slots[i] = image
        usedBytes += image.pixels.count
    }

    var cachedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
    }
}
