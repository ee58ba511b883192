// The memory gate: refusals before allocating (overflow, system memory, engine cap, sandbox budget),
// each naming the op, and the reclaimer's second chance. Nothing large is ever allocated here.
import XCTest
@testable import ZooCore

final class MemoryGateTests: XCTestCase {
    /// The process-wide settings as they were (the Lua bridge installs a reclaimer for its tests too).
    var saved: (cap: Int?, reclaimer: (() -> Bool)?) = (nil, nil)

    override func setUp() {
        releaseFreedMemory()
        saved = (MemoryGate.cap, MemoryGate.reclaimer)
        MemoryGate.reclaimer = nil
    }

    override func tearDown() {
        (MemoryGate.cap, MemoryGate.reclaimer) = saved
        MemoryGate.systemMemoryOverride = nil
    }

    /// The refusal `body` throws: (op, requested bytes, limit).
    func refusal(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> (String, Double, String)? {
        do {
            _ = try body()
            XCTFail("expected an out-of-memory refusal", file: file, line: line)
        } catch ZooError.outOfMemory(let op, let requested, let limit) {
            return (op, requested, limit)
        } catch {
            XCTFail("expected an out-of-memory refusal, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// A machine with `available` bytes free of `total` (headroom total/20 kept back).
    func pretend(available: Int, total: Int = 16 << 30) { MemoryGate.systemMemoryOverride = (available, total) }

    func testSizesThatOverflowAreRefusedNotTrapped() {
        let r = refusal { try Tensor(zeros: [1 << 40, 1 << 40]) }
        XCTAssertEqual(r?.0, "a tensor of shape [1099511627776, 1099511627776]")
        XCTAssertEqual(r?.2, "more than any machine can address")
        XCTAssertEqual(ZooError.outOfMemory(op: "x", requested: 4e30, limit: "y").description, "out of memory: requested over 1000 EB for x (y)")
    }

    func testRequestsBeyondTheSystemsMemoryAreRefusedBeforeAllocating() throws {
        pretend(available: 2_000_000_000)   // less 0.86 GB of headroom: 1.14 GB may be had
        let a = Variable(try Tensor(zeros: [100_000, 1])), b = Variable(try Tensor(zeros: [1, 100_000]))
        let live = MemoryGate.liveBytes, peak = BufferCache.bytesPeakLive
        let r = refusal { try a.matmul(b) }
        XCTAssertEqual(ZooError.outOfMemory(op: r!.0, requested: r!.1, limit: r!.2).description,
                       "out of memory: requested 40.0 GB for matmul [100000, 1] x [1, 100000] (available 1.1 GB)")
        XCTAssertEqual(MemoryGate.liveBytes, live, "nothing was allocated or left charged")
        XCTAssertEqual(BufferCache.bytesPeakLive, peak, "a refused request does not raise the buffer cache's bound")
        // 100 MB fits.
        XCTAssertNoThrow(try Tensor(zeros: [25_000_000]))
    }

    func testEveryOpNamesItselfInARefusal() throws {
        pretend(available: 2_000_000_000)
        let column = Variable(try Tensor(zeros: [1_000_000, 1])), row = Variable(try Tensor(zeros: [1, 1_000_000]))
        XCTAssertEqual(refusal { try column + row }?.0, "add [1000000, 1] and [1, 1000000]")
        XCTAssertEqual(refusal { try Tensor.randn([1_000_000, 1]) + Tensor.randn([1, 1_000_000]) }?.0,
                       "add [1000000, 1] and [1, 1000000]")
        let linear = try Linear(1, 100_000)
        XCTAssertEqual(refusal { try linear(column) }?.0, "linear [1000000, 1] x weight [100000, 1]ᵀ")
        let conv = try Conv2d(3, 4, kernelSize: 3, padding: 100_000)
        let image = Variable(try Tensor(zeros: [1, 3, 8, 8]))
        XCTAssertEqual(refusal { try conv(image) }?.0, "conv2d [1, 3, 8, 8] * weight [4, 3, 3, 3] (stride 1, padding 100000)")
        XCTAssertEqual(refusal { try Linear(100_000, 100_000) }?.0, "Linear(100000, 100000) weight [100000, 100000]")
        XCTAssertEqual(refusal { try column.replicate(height: 1000, width: 1000) }?.0, "replicate [1000000, 1] to 1000×1000")
        XCTAssertEqual(refusal { try image.upsampleNearest(scale: 100_000) }?.0, "upsample [1, 3, 8, 8]")
        XCTAssertEqual(refusal { try Tensor.randn([100_000, 100_000]) }?.0, "randn [100000, 100000]")
        // A Sequential puts the module path in front.
        let net = Sequential(try Linear(1, 100_000))
        XCTAssertEqual(refusal { try net(column) }?.0, "(0) Linear: linear [1000000, 1] x weight [100000, 1]ᵀ")
    }

    func testTheCapCountsLiveBytesAndFreedMemoryComesBack() throws {
        MemoryGate.cap = MemoryGate.liveBytes + 100_000_000
        var held: [Tensor] = []
        var refused: (String, Double, String)?
        for _ in 0..<10 {
            do { held.append(try Tensor(zeros: [7_500_000])) }   // 30 MB each
            catch ZooError.outOfMemory(let op, let r, let l) { refused = (op, r, l); break }
        }
        XCTAssertEqual(held.count, 3)
        XCTAssertEqual(refused?.0, "a tensor of shape [7500000]")
        XCTAssertTrue(refused?.2.hasPrefix("engine memory cap ") == true && refused?.2.hasSuffix(" in use") == true,
                      refused?.2 ?? "")
        held.removeLast()
        XCTAssertNoThrow(try Tensor(zeros: [7_500_000]), "freed bytes count no more")
        XCTAssertEqual(MemoryGate.parseByteCount("8G"), 8_000_000_000)
        XCTAssertEqual(MemoryGate.parseByteCount("512mb"), 512_000_000)
        XCTAssertEqual(MemoryGate.parseByteCount("1.5K"), 1500)
        XCTAssertNil(MemoryGate.parseByteCount("lots"))
    }

    func testABudgetChargesItsScopesTensorsWhileTheyLive() throws {
        let budget = MemoryBudget(limit: 10_000_000)
        var kept: [Tensor] = []
        let r = refusal {
            try budget.charging {
                kept.append(try Tensor(zeros: [1_000_000]))        // 4 MB
                kept.append(try Tensor(zeros: [1_000_000]))        // 8 MB
                return try Tensor(zeros: [1_000_000])              // 12 MB: refused
            }
        }
        XCTAssertEqual(r?.2, "sandbox budget 10.0 MB, 8.0 MB in use")
        XCTAssertEqual(budget.charged, 8_000_000, "the refused request charged nothing")
        XCTAssertNil(MemoryBudget.current, "the scope ended")
        let outside = try Tensor(zeros: [1_000_000])
        XCTAssertEqual(budget.charged, 8_000_000, "allocations outside the scope are not charged")
        // Freed on another thread, they are uncharged all the same; so is a copy's storage.
        final class Box: @unchecked Sendable { var tensors: [Tensor] = [] }
        let box = Box()
        (box.tensors, kept) = (kept, [])
        let done = expectation(description: "freed")
        DispatchQueue.global().async { box.tensors = []; done.fulfill() }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(budget.charged, 0)
        var shared = outside
        try budget.charging { try shared.set(flat: 0, to: 1) }    // copy-on-write inside the scope
        XCTAssertEqual(budget.charged, 4_000_000)
        shared = outside
        XCTAssertEqual(budget.charged, 0)
        // withLimit: a fresh budget per scope; nested scopes charge the innermost.
        XCTAssertThrowsError(try MemoryBudget.withLimit(1000) { try Tensor(zeros: [1000]) })
        try MemoryBudget.withLimit(1 << 20) {
            let outer = MemoryBudget.current
            try MemoryBudget.withLimit(1 << 10) { XCTAssertNotIdentical(MemoryBudget.current, outer) }
            XCTAssertIdentical(MemoryBudget.current, outer)
        }
    }

    func testTheReclaimerGetsOneChanceBeforeARefusal() throws {
        MemoryGate.cap = MemoryGate.liveBytes + 50_000_000
        var garbage: [Tensor]? = [try Tensor(zeros: [10_000_000])]   // 40 MB the engine cannot see is dead
        var calls = 0
        MemoryGate.reclaimer = { calls += 1; garbage = nil; return true }
        XCTAssertNoThrow(try Tensor(zeros: [5_000_000]), "fits once the garbage is gone")
        XCTAssertEqual(calls, 1)
        XCTAssertNil(garbage)
        XCTAssertNotNil(refusal { try Tensor(zeros: [20_000_000]) }, "still too large after reclaiming")
        XCTAssertEqual(calls, 2)
    }

    func testCheckAppliesTheSameRulesWithoutAllocating() throws {
        pretend(available: 1_000_000_000)
        XCTAssertNoThrow(try MemoryGate.check(bytes: 1e6, for: "a little"))
        let r = refusal { try MemoryGate.check(bytes: 3e9, for: "reading a big file") }
        XCTAssertEqual(r?.0, "reading a big file")
        XCTAssertEqual(r?.2.hasPrefix("available "), true)
        XCTAssertEqual(MemoryGate.systemAvailableBytes(), 1_000_000_000 - (16 << 30) / 20 + BufferCache.bytesCached)
    }

    func testRefusedAdamStepLeavesItsStateAsItWas() throws {
        let p = Variable(try Tensor(zeros: [1000]), requiresGrad: true)
        let opt = Adam([p], lr: 0.1)
        p.grad = try Tensor(shape: [1000], repeating: 1)
        try opt.step()
        let before = opt.states[0]!.expAvg   // shares the moment's storage: the next step must copy it
        try MemoryBudget.withLimit(0) { XCTAssertThrowsError(try opt.step()) }
        XCTAssertEqual(opt.states[0]?.step, 1)
        XCTAssertEqual(opt.states[0]?.expAvg, before)
    }
}
