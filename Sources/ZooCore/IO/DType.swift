// DType: the element types StackZoo reads and writes in safetensors/.npy files, and the F16/BF16 bit conversions.

/// An element type as safetensors names it. Data is always little-endian on disk.
public enum DType: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", u8 = "U8"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .i64: return 8
        case .u8: return 1
        }
    }

    /// True for F32, F16 and BF16.
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16: return true
        case .i64, .i32, .u8: return false
        }
    }

    /// Position in the Rust `safetensors::Dtype` enum (ordered by alignment). The Python package lays
    /// tensors out by descending rank, then by name; the writer does the same to produce identical bytes.
    var layoutRank: Int {
        switch self {
        case .u8: return 0
        case .f16: return 1
        case .bf16: return 2
        case .i32: return 3
        case .f32: return 4
        case .i64: return 5
        }
    }

    /// The names, for error messages: "F32, F16, BF16, I64, I32, U8".
    static var supportedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

// MARK: - Half-precision bit conversions

/// Float32 -> IEEE binary16 bits, round to nearest even (overflow gives ±inf, NaN stays NaN).
@inline(__always)
func float16Bits(_ value: Float) -> UInt16 {
    Float16(value).bitPattern
}

/// IEEE binary16 bits -> Float32 (exact).
@inline(__always)
func floatFromFloat16Bits(_ bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
}

/// Float32 -> bfloat16 bits: the upper 16 bits with round to nearest even. NaN stays a (quiet) NaN with
/// its sign; values that round past the largest finite bfloat16 become ±inf, as in PyTorch.
@inline(__always)
func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
}

/// bfloat16 bits -> Float32 (exact).
@inline(__always)
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Float -> Int64 truncating toward zero, saturating at the Int64 limits; NaN gives 0.
@inline(__always)
func saturatingInt64(_ value: Float) -> Int64 {
    if value.isNaN { return 0 }
    let twoTo63: Float = 9_223_372_036_854_775_808  // 2^63, the first Float above Int64.max
    if value >= twoTo63 { return .max }
    if value <= -twoTo63 { return .min }
    return Int64(value)
}
