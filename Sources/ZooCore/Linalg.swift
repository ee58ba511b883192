// GEMM and LAPACK wrappers: the only file that imports CBLAS's math entry points.
internal import CBLAS

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions.
/// `transA`: op(A) = Aᵀ where A is stored k×m; otherwise A is m×k. Same for B (n×k vs k×n).
/// Large products are split across the engine's threads along the longer side of C (each share
/// one single-threaded OpenBLAS call on its block of rows or columns); every element of C is the
/// same dot product whichever way it is split.
func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // Empty reduction: C = beta·C.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    // Blocks of 16 rows or columns (the Zen kernel's unroll) per share, at least 64 of them.
    let splitColumns = n >= m
    let blocks = ((splitColumns ? n : m) + 15) / 16
    let shares = parallelShares(work: m * n * k / 64, maxShares: blocks / 4)
    guard shares > 1 else {
        gemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    parallelRegion(shares) { s in
        let lo = min(blocks * s / shares * 16, splitColumns ? n : m)
        let hi = min(blocks * (s + 1) / shares * 16, splitColumns ? n : m)
        guard lo < hi else { return }
        if splitColumns {
            // Columns lo..<hi of C and of op(B).
            gemmCall(transA, transB, m, hi - lo, k, alpha, a, lda, b + (transB ? lo * ldb : lo), ldb, beta, c + lo, ldc)
        } else {
            // Rows lo..<hi of C and of op(A).
            gemmCall(transA, transB, hi - lo, n, k, alpha, a + (transA ? lo : lo * lda), lda, b, ldb, beta, c + lo * ldc, ldc)
        }
    }
}

/// One OpenBLAS call (single-threaded: see Threads).
@inline(__always)
private func gemmCall(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Public GEMM entry for benchmarks and plugins: C = alpha·op(A)·op(B) + beta·C on raw row-major buffers.
public enum BLAS {
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        ZooCore.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
    }
}

/// Orthonormal factor Q of a Householder QR of the column-major m×n matrix `a` (m ≥ n),
/// in place, with R's diagonal signs folded in so that Q is unique (Q·diag(sign(r_ii))),
/// as torch.nn.init.orthogonal_ does. Returns false when LAPACK reports a failure.
func orthonormalColumns(_ a: inout [Double], m: Int, n: Int) -> Bool {
    Threads.withBLASThreads { orthonormalColumnsSerial(&a, m: m, n: n) }
}

private func orthonormalColumnsSerial(_ a: inout [Double], m: Int, n: Int) -> Bool {
    var m32 = Int32(m), n32 = Int32(n), lda = Int32(m), info: Int32 = 0
    var tau = [Double](repeating: 0, count: n)
    var lwork: Int32 = -1
    var query = 0.0
    dgeqrf_(&m32, &n32, &a, &lda, &tau, &query, &lwork, &info)
    guard info == 0 else { return false }
    lwork = Int32(max(1, Int(query)))
    var work = [Double](repeating: 0, count: Int(lwork))
    dgeqrf_(&m32, &n32, &a, &lda, &tau, &work, &lwork, &info)
    guard info == 0 else { return false }
    let signs = (0..<n).map { a[$0 * m + $0] < 0 ? -1.0 : 1.0 }
    var k32 = n32
    lwork = -1
    dorgqr_(&m32, &n32, &k32, &a, &lda, &tau, &query, &lwork, &info)
    guard info == 0 else { return false }
    lwork = Int32(max(1, Int(query)))
    work = [Double](repeating: 0, count: Int(lwork))
    dorgqr_(&m32, &n32, &k32, &a, &lda, &tau, &work, &lwork, &info)
    guard info == 0 else { return false }
    for j in 0..<n where signs[j] < 0 { for i in 0..<m { a[j * m + i] = -a[j * m + i] } }
    return true
}

/// Eigenvalues (ascending) and, in place, the orthonormal eigenvectors (columns, column-major) of
/// the symmetric n×n matrix `a` (LAPACK dsyevd). Nil when LAPACK reports a failure.
func symmetricEigen(_ a: inout [Double], n: Int) -> [Double]? {
    Threads.withBLASThreads {
        var n32 = Int32(n), lda = Int32(max(n, 1)), info: Int32 = 0
        var w = [Double](repeating: 0, count: n)
        var lwork: Int32 = -1, liwork: Int32 = -1
        var query = 0.0
        var iquery: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L"))
        dsyevd_(&jobz, &uplo, &n32, &a, &lda, &w, &query, &lwork, &iquery, &liwork, &info)
        guard info == 0 else { return nil }
        lwork = Int32(max(1, Int(query)))
        liwork = max(1, iquery)
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &n32, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        return info == 0 ? w : nil
    }
}

/// C [m×n] = op(A)·op(B) in Double, row-major (`transA`: A stored k×m; `transB`: B stored n×k).
func dgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, _ a: [Double], _ b: [Double]) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    guard m > 0, n > 0, k > 0 else { return c }
    Threads.withBLASThreads {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n), 0, &c, Int32(n))
    }
    return c
}
