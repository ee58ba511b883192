// The buffer cache: reuse within twice the request, whole-size accounting, the peak-live bound.
import XCTest
@testable import ZooCore

final class AllocatorTests: XCTestCase {
    override func setUp() { releaseFreedMemory() }
    override func tearDown() { releaseFreedMemory() }

    /// A gate buffer of `bytes` (the cache sees what the gate asks for).
    func allocate(_ bytes: Int) throws -> GateBuffer { try MemoryGate.allocate(count: bytes, stride: 1, op: "test") }

    func testRequestsReuseACachedBufferUpToTwiceTheirSize() throws {
        let mib = 1 << 20
        let live0 = BufferCache.bytesLive
        let a = try allocate(3 * mib)
        MemoryGate.release(a)
        XCTAssertEqual(BufferCache.bytesCached, 3 * mib)
        let b = try allocate(2 * mib)  // 3 MiB ≤ 2 × 2 MiB: the cached buffer
        XCTAssertEqual(b.pointer, a.pointer)
        XCTAssertEqual(BufferCache.bytesLive - live0, 3 * mib, "a reused buffer counts with its whole size")
        XCTAssertEqual(BufferCache.bytesCached, 0)
        MemoryGate.release(b)
        let c = try allocate(mib)  // 3 MiB > 2 × 1 MiB: a buffer of its own size
        XCTAssertEqual(BufferCache.bytesLive - live0, mib)
        let peak = BufferCache.bytesPeakLive
        XCTAssertLessThanOrEqual(BufferCache.bytesLive + BufferCache.bytesCached, peak + BufferCache.slack(peak),
                                 "live + cached stay within the peak live bytes and the slack")
        MemoryGate.release(c)
        XCTAssertEqual(BufferCache.bytesLive, live0)
    }

    func testSmallBuffersBypassTheCache() throws {
        let p = try allocate(1000)
        MemoryGate.release(p)
        XCTAssertEqual(BufferCache.bytesCached, 0)
    }

    func testAMissEvictsTheOldestBuffersBeyondTheBound() throws {
        // Four cached 64 MiB buffers, then a 96 MiB request that none fits and that does not raise
        // the peak: the oldest cached buffers go until live + cached is back within the bound.
        let mib = 1 << 20
        let live0 = BufferCache.bytesLive
        let held = try (0..<4).map { _ in try allocate(64 * mib) }
        for p in held { MemoryGate.release(p) }
        let peak = BufferCache.bytesPeakLive
        let big = try allocate(96 * mib)
        XCTAssertEqual(BufferCache.bytesPeakLive, peak)
        XCTAssertLessThanOrEqual(BufferCache.bytesLive + BufferCache.bytesCached, peak + BufferCache.slack(peak))
        if live0 < 64 * mib { XCTAssertLessThan(BufferCache.bytesCached, 256 * mib, "some cached buffer was evicted") }
        MemoryGate.release(big)
    }
}
