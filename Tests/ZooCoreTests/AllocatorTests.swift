// The buffer cache: reuse within twice the request, whole-size accounting, the peak-live bound.
import XCTest
@testable import ZooCore

final class AllocatorTests: XCTestCase {
    override func setUp() { releaseFreedMemory() }
    override func tearDown() { releaseFreedMemory() }

    func testRequestsReuseACachedBufferUpToTwiceTheirSize() {
        let mib = 1 << 20
        let live0 = BufferCache.bytesLive
        let a = BufferCache.allocate(3 * mib)
        BufferCache.release(a, 3 * mib)
        XCTAssertEqual(BufferCache.bytesCached, 3 * mib)
        let b = BufferCache.allocate(2 * mib)  // 3 MiB ≤ 2 × 2 MiB: the cached buffer
        XCTAssertEqual(b, a)
        XCTAssertEqual(BufferCache.bytesLive - live0, 3 * mib, "a reused buffer counts with its whole size")
        XCTAssertEqual(BufferCache.bytesCached, 0)
        BufferCache.release(b, 2 * mib)
        let c = BufferCache.allocate(mib)  // 3 MiB > 2 × 1 MiB: a new buffer, and the old one is evicted
        XCTAssertNotEqual(c, a)
        XCTAssertLessThanOrEqual(BufferCache.bytesLive + BufferCache.bytesCached - live0, 3 * mib,
                                 "live + cached stay within the peak live bytes")
        BufferCache.release(c, mib)
        XCTAssertEqual(BufferCache.bytesLive, live0)
    }

    func testSmallBuffersBypassTheCache() {
        let p = BufferCache.allocate(1000)
        BufferCache.release(p, 1000)
        XCTAssertEqual(BufferCache.bytesCached, 0)
    }
}
