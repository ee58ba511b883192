// The one gate every engine allocation passes: an overflow-safe size, then the scope's budget, the
// engine-wide cap and the memory the system has left, all checked before a byte is allocated.
import Foundation
import Synchronization

/// Tensor storage, scratch buffers and kernel temporaries all come from `MemoryGate.allocate`,
/// which refuses what it cannot satisfy with `ZooError.outOfMemory` (naming the op, the bytes and
/// the limit) instead of letting malloc fail (a crash) or the kernel's OOM killer end the process.
///
/// A request is refused, before anything is allocated, when
///  1. its size overflows (elements × element size beyond `Int`);
///  2. it would take the budget of the calling thread's scope past its limit (`MemoryBudget`);
///  3. it would take the engine's live bytes past `cap` (`STACKZOO_MEMORY_CAP`);
///  4. it needs fresh memory (the buffer cache has no free buffer for it) beyond what the system
///     has left: MemAvailable of /proc/meminfo, plus the cache's free buffers (purged first when
///     needed), less a headroom of 1/20 of the RAM kept for the rest of the process and the system.
///     MemAvailable is read for every fresh request of `systemCheckEvery` (64 MiB) or more and
///     after every 64 MiB of smaller ones;
///  5. or the system allocator fails all the same.
/// Before refusing, the gate frees what it can once — the buffer cache, then `reclaimer` (the Lua
/// bridge runs a full garbage collection: Lua does not see how large the tensors it holds are) —
/// and tries again. Swift arrays whose size comes from data (file buffers) are checked with
/// `check` before they are made, under the same rules.
public enum MemoryGate {
    /// The most bytes the engine may hold live at once (tensors and scratch), nil for no cap.
    /// Starts from STACKZOO_MEMORY_CAP ("8G", "512M", "1.5G" or a byte count; decimal units, as
    /// refusals print them).
    nonisolated(unsafe) public static var cap: Int? = ProcessInfo.processInfo.environment["STACKZOO_MEMORY_CAP"]
        .flatMap(parseByteCount)

    /// Frees memory the engine cannot see is dead and returns true, or returns false when it
    /// cannot run on the calling thread. Called before a refusal, never inside a parallel region.
    nonisolated(unsafe) public static var reclaimer: (() -> Bool)?

    /// Fresh bytes between two reads of MemAvailable, and the request size that always reads it.
    static let systemCheckEvery = 64 << 20

    /// Tests: a MemAvailable (and RAM size) to use instead of /proc/meminfo's.
    nonisolated(unsafe) static var systemMemoryOverride: (available: Int, total: Int)?

    private static let live = Atomic<Int>(0)
    private static let freshSinceCheck = Atomic<Int>(0)

    /// Bytes the gate has handed out and that are not freed yet.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// What a fresh allocation may take now: MemAvailable plus the buffer cache's free buffers,
    /// less the headroom (1/20 of the RAM).
    public static func systemAvailableBytes() -> Int {
        let (available, total) = systemMemory()
        return max(0, available + BufferCache.bytesCached - total / 20)
    }

    // MARK: - Allocation

    /// `count` elements of `stride` bytes, 64-byte aligned and uninitialised, for `op` (named in a
    /// refusal; callers that know better rename it with `attributingMemory`).
    static func allocate(count: Int, stride: Int, op: @autoclosure () -> String) throws -> GateBuffer {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: stride)
        guard count >= 0, !overflow else {
            throw ZooError.outOfMemory(op: op(), requested: Double(count) * Double(stride), limit: "more than any machine can address")
        }
        _ = allocatorConfigured
        do {
            return try allocateOnce(bytes, op: op)
        } catch {
            guard reclaim() else { throw error }
            return try allocateOnce(bytes, op: op)
        }
    }

    /// Takes back a buffer from `allocate`.
    static func release(_ buffer: GateBuffer) {
        if !BufferCache.keep(buffer.pointer, BufferCache.roundedSize(buffer.bytes)) { free(buffer.pointer) }
        live.subtract(buffer.bytes, ordering: .relaxed)
        buffer.budget?.uncharge(buffer.bytes)
    }

    /// Throws `ZooError.outOfMemory` for `op` unless `bytes` more could be allocated now under every
    /// limit above (allocates nothing; for up-front checks of sizes computed from a config or a
    /// file). As for allocations, MemAvailable is read only for `systemCheckEvery` bytes or more.
    public static func check(bytes: Double, for op: @autoclosure () -> String) throws {
        func refusal() -> String? {
            guard bytes < Double(Int.max) else { return "more than any machine can address" }
            let n = Int(max(bytes, 0))
            return MemoryBudget.current?.refusal(adding: n) ?? capRefusal(inUse: liveBytes, adding: n)
                ?? (n < systemCheckEvery ? nil : systemRefusal(n, available: systemAvailableBytes()))
        }
        guard var limit = refusal() else { return }
        if reclaim() {
            guard let again = refusal() else { return }
            limit = again
        }
        throw ZooError.outOfMemory(op: op(), requested: bytes, limit: limit)
    }

    // MARK: - The rules

    private static func allocateOnce(_ bytes: Int, op: () -> String) throws -> GateBuffer {
        let budget = MemoryBudget.current
        if let limit = budget?.charge(bytes) { throw ZooError.outOfMemory(op: op(), requested: Double(bytes), limit: limit) }
        let inUse = live.wrappingAdd(bytes, ordering: .relaxed).newValue - bytes
        if let limit = capRefusal(inUse: inUse, adding: bytes) {
            live.subtract(bytes, ordering: .relaxed)
            budget?.uncharge(bytes)
            throw ZooError.outOfMemory(op: op(), requested: Double(bytes), limit: limit)
        }
        do {
            return GateBuffer(pointer: try BufferCache.reuse(bytes) ?? freshMemory(bytes, op: op), bytes: bytes, budget: budget)
        } catch {
            live.subtract(bytes, ordering: .relaxed)
            budget?.uncharge(bytes)
            throw error
        }
    }

    /// The cap's refusal of `bytes` more when `inUse` are live, else nil.
    private static func capRefusal(inUse: Int, adding bytes: Int) -> String? {
        guard let cap, inUse + bytes > cap else { return nil }
        return "engine memory cap \(formatBytes(Double(cap))), \(formatBytes(Double(inUse))) in use"
    }

    /// The system's refusal of `bytes` fresh bytes when `available` can be had, else nil.
    private static func systemRefusal(_ bytes: Int, available: Int) -> String? {
        bytes <= available ? nil : "available \(formatBytes(Double(available)))"
    }

    /// New memory from the system (the buffer cache had none to reuse), after the system check when due.
    private static func freshMemory(_ bytes: Int, op: () -> String) throws -> UnsafeMutableRawPointer {
        let size = BufferCache.roundedSize(bytes)
        let fresh = freshSinceCheck.wrappingAdd(size, ordering: .relaxed).newValue
        if size >= systemCheckEvery || fresh >= systemCheckEvery {
            freshSinceCheck.store(0, ordering: .relaxed)
            var available = systemAvailableBytes()
            if size <= available && size > available - BufferCache.bytesCached {
                // It fits only in memory the cache holds: give that back first.
                releaseFreedMemory()
                available = systemAvailableBytes()
            }
            if let limit = systemRefusal(size, available: available) {
                BufferCache.cancelMiss(bytes)
                throw ZooError.outOfMemory(op: op(), requested: Double(bytes), limit: limit)
            }
        }
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, size) == 0, let p else {
            BufferCache.cancelMiss(bytes)
            throw ZooError.outOfMemory(op: op(), requested: Double(bytes), limit: "the system allocator refused it")
        }
        BufferCache.adopt(p, bytes)
        return p
    }

    /// Frees what can be freed before a refusal: the buffer cache's free buffers and glibc's free
    /// heap, then whatever `reclaimer` frees. Returns true when something ran (a retry may succeed).
    private static func reclaim() -> Bool {
        let cached = BufferCache.bytesCached > 0
        if cached { releaseFreedMemory() }
        let external = !insideParallelWork && (reclaimer?() ?? false)
        return cached || external
    }

    // MARK: - The system's memory

    /// (MemAvailable, MemTotal) in bytes: from /proc/meminfo, else the RAM size less what is live.
    private static func systemMemory() -> (available: Int, total: Int) {
        if let o = systemMemoryOverride { return o }
        let ram = Int(min(ProcessInfo.processInfo.physicalMemory, UInt64(Int.max)))
        #if os(Linux)
        if let info = readMeminfo() { return info }
        #endif
        return (max(0, ram - liveBytes), ram)
    }

    #if os(Linux)
    /// MemAvailable and MemTotal of /proc/meminfo (read into a stack buffer: nothing is allocated).
    private static func readMeminfo() -> (available: Int, total: Int)? {
        let fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buf -> (Int, Int)? in
            let n = read(fd, buf.baseAddress!, buf.count)
            guard n > 0 else { return nil }
            func kilobytes(after key: StaticString) -> Int? {
                let k = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
                var i = 0
                while i + k.count <= n {
                    if (0..<k.count).allSatisfy({ buf[i + $0] == k[$0] }) {
                        var j = i + k.count, v = 0
                        while j < n, buf[j] == UInt8(ascii: " ") { j += 1 }
                        while j < n, buf[j] >= 48, buf[j] <= 57 { v = v * 10 + Int(buf[j] - 48); j += 1 }
                        return v * 1024
                    }
                    while i < n, buf[i] != UInt8(ascii: "\n") { i += 1 }
                    i += 1
                }
                return nil
            }
            guard let total = kilobytes(after: "MemTotal:"), let available = kilobytes(after: "MemAvailable:") else { return nil }
            return (available, total)
        }
    }
    #endif

    /// "8G", "512M", "64K", "1.5G" (decimal units: 8G is 8·10⁹ bytes) or a plain byte count; nil when malformed.
    public static func parseByteCount(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
        var digits = Substring(t)
        var scale = 1.0
        if let u = t.last.flatMap({ units[$0] }) { scale = u; digits = t.dropLast() }
        else if t.hasSuffix("B"), let u = t.dropLast().last.flatMap({ units[$0] }) { scale = u; digits = t.dropLast(2) }
        guard let v = Double(digits), v >= 0, v * scale < Double(Int.max) else { return nil }
        return Int(v * scale)
    }
}

/// A buffer the gate handed out, with what `MemoryGate.release` needs to take it back.
struct GateBuffer {
    let pointer: UnsafeMutableRawPointer
    /// The bytes requested (and charged).
    let bytes: Int
    /// The budget the bytes are charged to, if any.
    let budget: MemoryBudget?
}

/// A limit on the bytes a scope's allocations may hold, for sandboxed code (Lua configs): every
/// allocation the gate makes on the calling thread while `charging` runs is charged to the budget
/// until that memory is freed, whenever and on whatever thread that happens; a request that would
/// take the charge past `limit` is refused with `ZooError.outOfMemory` ("sandbox budget 1.0 GB,
/// 0.9 GB in use"). Nested scopes charge the innermost budget only.
///
///     let budget = MemoryBudget(limit: 256 << 20)
///     let cfg = try budget.charging { try runSandboxedConfig() }   // its tensors count while they live
///     budget.charged                                                // bytes still held
///     try MemoryBudget.withLimit(64 << 20) { ... }                  // a fresh budget for one scope
public final class MemoryBudget: Sendable {
    public let limit: Int
    /// How refusals call it ("sandbox budget").
    public let name: String
    private let held = Atomic<Int>(0)

    public init(limit: Int, name: String = "sandbox budget") {
        self.limit = max(0, limit)
        self.name = name
    }

    /// Bytes charged now (allocated under this budget and not yet freed).
    public var charged: Int { held.load(ordering: .relaxed) }

    /// Runs `body` with this budget charged for the gate's allocations on this thread.
    public func charging<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(budgetKey)
        pthread_setspecific(budgetKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(budgetKey, previous) }
        return try withExtendedLifetime(self) { try body() }
    }

    /// Runs `body` under a fresh budget of `bytes`.
    public static func withLimit<R>(_ bytes: Int, name: String = "sandbox budget", _ body: () throws -> R) rethrows -> R {
        try MemoryBudget(limit: bytes, name: name).charging(body)
    }

    /// The budget the calling thread's allocations are charged to now, if any.
    public static var current: MemoryBudget? {
        pthread_getspecific(budgetKey).map { Unmanaged<MemoryBudget>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The refusal of `bytes` more, or nil when they fit.
    func refusal(adding bytes: Int) -> String? {
        charged + bytes <= limit ? nil : refusal(inUse: charged)
    }

    /// Charges `bytes`; returns the refusal (and charges nothing) when they do not fit.
    func charge(_ bytes: Int) -> String? {
        let after = held.wrappingAdd(bytes, ordering: .relaxed).newValue
        guard after > limit else { return nil }
        held.subtract(bytes, ordering: .relaxed)
        return refusal(inUse: after - bytes)
    }

    private func refusal(inUse: Int) -> String {
        "\(name) \(formatBytes(Double(limit))), \(formatBytes(Double(inUse))) in use"
    }

    func uncharge(_ bytes: Int) { held.subtract(bytes, ordering: .relaxed) }
}

/// The thread's current budget (an unretained MemoryBudget; `charging` keeps it alive).
private let budgetKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Runs `body`; an out-of-memory refusal from inside it is reported as `op`'s (the outermost
/// caller that names itself wins: an op's own name, not that of the helper that allocated).
@inline(__always)
public func attributingMemory<R>(to op: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
    do {
        return try body()
    } catch ZooError.outOfMemory(_, let requested, let limit) {
        throw ZooError.outOfMemory(op: op(), requested: requested, limit: limit)
    }
}
