// SafeTensor: one stored array (dtype, shape, raw little-endian bytes) and its conversions to and from Float32/Int64.

/// One array as stored in a safetensors file: its element type, shape and raw little-endian bytes.
///
/// `data.count` always equals `elementCount * dtype.byteSize` for values built through the initialisers;
/// `encode()` re-checks it because the fields are mutable.
public struct SafeTensor: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    public var data: [UInt8]

    /// Wraps raw little-endian bytes. Throws when the shape has a negative entry or the byte count is
    /// not `elementCount * dtype.byteSize`.
    public init(dtype: DType, shape: [Int], data: [UInt8]) throws {
        let expected = try SafeTensor.byteCount(dtype: dtype, shape: shape, op: "SafeTensor")
        guard data.count == expected else {
            throw ZooError.shape(op: "SafeTensor",
                                 message: "\(dtype.rawValue) \(shapeString(shape)) needs \(expected) bytes, got \(data.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// A Float32 tensor stored as F32 (exact).
    public init(_ tensor: Tensor) {
        dtype = .f32
        shape = tensor.shape
        data = tensor.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: src.count * 4) { out, initialized in
                #if _endian(little)
                if let base = src.baseAddress, src.count > 0 {
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: base, byteCount: src.count * 4)
                }
                #else
                let raw = UnsafeMutableRawBufferPointer(out)
                for i in 0..<src.count {
                    raw.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
                #endif
                initialized = src.count * 4
            }
        }
    }

    /// A Float32 tensor stored as F32, F16 or BF16 (both round to nearest even; NaN stays NaN,
    /// values beyond the format's range become ±inf). Integer dtypes throw: use `init(int64:shape:)`.
    public init(_ tensor: Tensor, as dtype: DType) throws {
        switch dtype {
        case .f32:
            self.init(tensor)
        case .f16, .bf16:
            let convert: (Float) -> UInt16 = dtype == .f16 ? float16Bits : bfloat16Bits
            let bytes: [UInt8] = tensor.withUnsafeBufferPointer { src in
                [UInt8](unsafeUninitializedCapacity: src.count * 2) { out, initialized in
                    let raw = UnsafeMutableRawBufferPointer(out)
                    for i in 0..<src.count {
                        raw.storeBytes(of: convert(src[i]).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                    }
                    initialized = src.count * 2
                }
            }
            self.init(validated: dtype, shape: tensor.shape, data: bytes)
        case .i64, .i32, .u8:
            throw ZooError.invalidArgument(
                op: "SafeTensor",
                message: "cannot store a Float32 tensor as \(dtype.rawValue); only F32, F16 and BF16 (use init(int64:shape:) for I64)")
        }
    }

    /// Int64 values stored as I64. Throws when `values.count` does not fill `shape`.
    public init(int64 values: [Int64], shape: [Int]) throws {
        let n = try SafeTensor.byteCount(dtype: .i64, shape: shape, op: "SafeTensor") / 8
        guard values.count == n else {
            throw ZooError.shape(op: "SafeTensor", message: "\(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        dtype = .i64
        self.shape = shape
        data = [UInt8](unsafeUninitializedCapacity: n * 8) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            for i in 0..<n { raw.storeBytes(of: values[i].littleEndian, toByteOffset: i * 8, as: Int64.self) }
            initialized = n * 8
        }
    }

    /// Number of elements (product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The values as a Float32 tensor: floats widened exactly (F16/BF16) or copied (F32), integers
    /// converted to the nearest Float (U8 gives 0...255).
    public func floats() throws -> Tensor {
        let n = checkedElementCount()
        var result = try Tensor(uninitialized: shape)
        try result.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBytes { raw in
                switch dtype {
                case .f32:
                    #if _endian(little)
                    if n > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: n * 4) }
                    #else
                    for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
                    #endif
                case .f16:
                    for i in 0..<n { out[i] = floatFromFloat16Bits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<n { out[i] = floatFromBFloat16Bits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
                case .i64:
                    for i in 0..<n { out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
                case .i32:
                    for i in 0..<n { out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
                case .u8:
                    for i in 0..<n { out[i] = Float(raw[i]) }
                }
            }
        }
        return result
    }

    /// The values as Int64: integers exactly, floats truncated toward zero (saturating at the Int64
    /// limits, NaN gives 0).
    public func int64s() throws -> [Int64] {
        let n = checkedElementCount()
        return try data.withUnsafeBytes { raw -> [Int64] in
            switch dtype {
            case .i64:
                return (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .i32:
                return (0..<n).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .u8:
                return (0..<n).map { Int64(raw[$0]) }
            case .f32, .f16, .bf16:
                return try floats().scalars.map(saturatingInt64)
            }
        }
    }

    // MARK: - Helpers

    /// For bytes already checked against dtype and shape.
    init(validated dtype: DType, shape: [Int], data: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// `elementCount * dtype.byteSize`, checked for negative entries and overflow.
    static func byteCount(dtype: DType, shape: [Int], op: String) throws -> Int {
        var n = dtype.byteSize
        for d in shape {
            guard d >= 0 else {
                throw ZooError.invalidArgument(op: op, message: "negative size in shape \(shapeString(shape))")
            }
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw ZooError.invalidArgument(op: op, message: "shape \(shapeString(shape)) is too large")
            }
            n = product
        }
        return n
    }

    /// Element count after checking that `data` still matches (the fields are public and mutable).
    private func checkedElementCount() -> Int {
        let n = elementCount
        precondition(n >= 0 && data.count == n * dtype.byteSize,
                     "SafeTensor: \(data.count) bytes do not hold \(dtype.rawValue) \(shapeString(shape))")
        return n
    }
}
