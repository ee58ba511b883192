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
        let c = BufferCache.allocate(mib)  // 3 MiB > 2 × 1 MiB: a buffer of its own size
        XCTAssertEqual(BufferCache.bytesLive - live0, mib)
        let peak = BufferCache.bytesPeakLive
        XCTAssertLessThanOrEqual(BufferCache.bytesLive + BufferCache.bytesCached, peak + BufferCache.slack(peak),
                                 "live + cached stay within the peak live bytes and the slack")
        BufferCache.release(c, mib)
        XCTAssertEqual(BufferCache.bytesLive, live0)
    }

    func testSmallBuffersBypassTheCache() {
        let p = BufferCache.allocate(1000)
        BufferCache.release(p, 1000)
        XCTAssertEqual(BufferCache.bytesCached, 0)
    }

    func testAMissEvictsTheOldestBuffersBeyondTheBound() {
        // Four cached 64 MiB buffers, then a 96 MiB request that none fits and that does not raise
        // the peak: the oldest cached buffers go until live + cached is back within the bound.
        let mib = 1 << 20
        let live0 = BufferCache.bytesLive
        let held = (0..<4).map { _ in BufferCache.allocate(64 * mib) }
        for p in held { BufferCache.release(p, 64 * mib) }
        let peak = BufferCache.bytesPeakLive
        let big = BufferCache.allocate(96 * mib)
        XCTAssertEqual(BufferCache.bytesPeakLive, peak)
        XCTAssertLessThanOrEqual(BufferCache.bytesLive + BufferCache.bytesCached, peak + BufferCache.slack(peak))
        if live0 < 64 * mib { XCTAssertLessThan(BufferCache.bytesCached, 256 * mib, "some cached buffer was evicted") }
        BufferCache.release(big, 96 * mib)
    }
}
