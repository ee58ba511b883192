// NPY writer: a SafeTensor as a NumPy .npy file (format 1.0, C order, little-endian), written atomically.

extension NPY {
    /// The `.npy` bytes of `tensor` (F32 → '<f4', F16 → '<f2', I64 → '<i8', I32 → '<i4', U8 → '|u1').
    public static func encode(_ tensor: SafeTensor) throws -> [UInt8] {
        let descr: String
        switch tensor.dtype {
        case .f32: descr = "<f4"
        case .f16: descr = "<f2"
        case .i64: descr = "<i8"
        case .i32: descr = "<i4"
        case .u8: descr = "|u1"
        case .bf16: throw ZooError.unsupported(".npy has no bfloat16 type: convert to F32 or F16 first")
        }
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        guard length <= Int(UInt16.max) else { throw ZooError.unsupported(".npy header of \(length) bytes (shape \(tensor.shape))") }
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes += tensor.data
        return bytes
    }

    /// Writes `tensor` to `path` (temporary file, fsync, rename: an existing file survives a failure).
    public static func write(_ tensor: SafeTensor, to path: String) throws {
        try FileIO.writeAtomically(try encode(tensor), to: path)
    }
}
