// Counts the floating-point operations of the GEMM-backed ops (conv2d, linear, matmul, bmm) when enabled.

/// Forward FLOPs (2 per multiply-add) of conv2d, linear, matmul and bmm while `isCounting`;
/// used by `stackzoo describe` and `stackzoo bench` to report FLOPs per image.
public enum FlopCounter {
    nonisolated(unsafe) public static var isCounting = false
    nonisolated(unsafe) public private(set) static var count: Double = 0

    /// Counts the FLOPs of `body`.
    public static func measure<R>(_ body: () throws -> R) rethrows -> (R, Double) {
        let (wasCounting, before) = (isCounting, count)
        isCounting = true
        defer { isCounting = wasCounting }
        let r = try body()
        return (r, count - before)
    }

    @inline(__always)
    static func add(m: Int, n: Int, k: Int) {
        if isCounting { count += 2 * Double(m) * Double(n) * Double(k) }
    }
}
