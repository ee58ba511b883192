// Tensor: a contiguous row-major (NCHW) Float32 array with copy-on-write storage.

/// A dense Float32 tensor, contiguous in row-major order (NCHW for images).
///
/// Value semantics: copies share storage until one of them is written (copy-on-write).
/// Rank 0 (shape `[]`) holds one scalar.
public struct Tensor {
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// Number of elements (product of the shape; 1 for rank 0).
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    // MARK: - Construction

    /// Uninitialised tensor for kernels that write every element. Throws for a negative size and
    /// when the memory gate refuses the allocation (every tensor is made here or by a copy).
    init(uninitialized shape: [Int]) throws {
        let n = try Tensor.checkedElementCount(shape, op: "tensor")
        self.shape = shape
        storage = try attributingMemory(to: "a tensor of shape \(shapeString(shape))") { try TensorStorage(uninitializedCount: n) }
    }

    public init(zeros shape: [Int]) throws { try self.init(shape: shape, repeating: 0) }

    public init(shape: [Int], repeating value: Float) throws {
        try self.init(uninitialized: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// A tensor from values in row-major order. Throws when `data.count` does not match the shape.
    public init(shape: [Int], data: [Float]) throws {
        let n = try Tensor.checkedElementCount(shape, op: "tensor")
        guard data.count == n else {
            throw ZooError.shape(op: "tensor", message: "\(data.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        try self.init(uninitialized: shape)
        data.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// A rank-0 tensor.
    public init(scalar: Float) throws {
        try self.init(shape: [], repeating: scalar)
    }

    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// The product of a shape already known to be allocatable (a tensor's own, or smaller).
    @inlinable
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The product of any shape: throws for a negative size (naming `op`), and an out-of-memory
    /// refusal of "a tensor of shape …" when the product overflows.
    public static func checkedElementCount(_ shape: [Int], op: @autoclosure () -> String) throws -> Int {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ZooError.invalidArgument(op: op(), message: "negative size in shape \(shapeString(shape))")
        }
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else {
                let bytes = shape.reduce(Double(MemoryLayout<Float>.stride)) { $0 * Double($1) }
                throw ZooError.outOfMemory(op: "a tensor of shape \(shapeString(shape))", requested: bytes,
                                           limit: "more than any machine can address")
            }
            n = p
        }
        return n
    }

    // MARK: - Element access

    /// Values in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float { storage.pointer[0] }

    /// Flat (row-major) element access.
    public subscript(flat index: Int) -> Float { storage.pointer[index] }

    /// Element at a multi-index (one index per axis).
    public subscript(_ index: Int...) -> Float { storage.pointer[flatIndex(index)] }

    /// Writes one element (copying first if the storage is shared, which may be refused).
    public mutating func set(flat index: Int, to value: Float) throws {
        try makeUnique()
        storage.pointer[index] = value
    }

    /// Writes the element at a multi-index.
    public mutating func set(_ index: Int..., to value: Float) throws {
        try set(flat: flatIndex(index), to: value)
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for shape \(shapeString(shape))")
        var flat = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shapeString(shape))")
            flat = flat * n + i
        }
        return flat
    }

    // MARK: - Raw memory

    /// Read-only pointer to the elements, valid inside `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }
    }

    /// Writable pointer to the elements (copies first if the storage is shared, which may be refused).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) throws -> R {
        try makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
        }
    }

    /// Storage pointer for kernels inside the engine (caller keeps `self` alive).
    var ptr: UnsafeMutablePointer<Float> { storage.pointer }

    /// Gives this tensor storage of its own (a copy, through the memory gate) if it shares one.
    @inlinable
    public mutating func makeUnique() throws {
        if !isKnownUniquelyReferenced(&storage) { storage = try storage.copy() }
    }

    /// True when both tensors share one storage (no copy has happened yet).
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    // MARK: - Shape

    /// Same elements, new shape (shares storage). One dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let resolved = try Tensor.resolveShape(newShape, count: count, op: "reshape", from: shape)
        return Tensor(shape: resolved, storage: storage)
    }

    static func resolveShape(_ newShape: [Int], count: Int, op: String, from: [Int]) throws -> [Int] {
        var shape = newShape
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw ZooError.invalidArgument(op: op, message: "invalid target shape \(shapeString(newShape))")
        }
        if let i = inferred.first {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw ZooError.shape(op: op, message: "cannot view \(shapeString(from)) as \(shapeString(newShape))")
            }
            shape[i] = count / known
        }
        guard elementCount(shape) == count else {
            throw ZooError.shape(op: op, message: "cannot view \(shapeString(from)) (\(count) elements) as \(shapeString(newShape))")
        }
        return shape
    }

    /// Overwrites every element with `value`.
    public mutating func fill(_ value: Float) throws {
        try makeUnique()
        storage.pointer.update(repeating: value, count: count)
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and every element.
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        if a.storage === b.storage { return true }
        for i in 0..<a.count where a.ptr[i] != b.ptr[i] { return false }
        return true
    }
}
