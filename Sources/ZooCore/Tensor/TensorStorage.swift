// The reference-counted buffer behind Tensor: one 64-byte-aligned allocation of Float32 from the memory gate.

/// Owns `count` Float32 values. Tensors share one storage until a write forces a copy.
public final class TensorStorage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// The budget the bytes are charged to (`MemoryBudget`), if any.
    let budget: MemoryBudget?

    /// Allocates uninitialised memory through `MemoryGate` (which may refuse); callers fill every element.
    init(uninitializedCount count: Int) throws {
        let buffer = try MemoryGate.allocate(count: count, stride: MemoryLayout<Float>.stride, op: "a tensor of \(count) values")
        self.count = count
        budget = buffer.budget
        pointer = buffer.pointer.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) throws {
        try self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline func copy() throws -> TensorStorage {
        let s = try TensorStorage(uninitializedCount: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    deinit {
        MemoryGate.release(GateBuffer(pointer: UnsafeMutableRawPointer(pointer),
                                      bytes: max(count, 1) * MemoryLayout<Float>.stride, budget: budget))
    }
}
