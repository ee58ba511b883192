// The reference-counted buffer behind Tensor: one 64-byte-aligned allocation of Float32.

/// Owns `count` Float32 values. Tensors share one storage until a write forces a copy.
public final class TensorStorage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates uninitialised memory; callers fill every element.
    init(uninitializedCount count: Int) {
        _ = allocatorConfigured
        self.count = count
        let raw = BufferCache.allocate(max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    deinit { BufferCache.release(UnsafeMutableRawPointer(pointer), max(count, 1) * MemoryLayout<Float>.stride) }
}
