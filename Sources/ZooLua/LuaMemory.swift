// The memory budget of a Lua state: the trusted limit, the counters, and charging bytes held outside Lua.
import Foundation
internal import CZooShims

/// Limits on the memory Lua code may use (see README, "Zoo entries (configs) and the sandbox").
///
/// Lua's own allocations are counted by the state's allocator. Trusted code (scripts run with
/// `stackzoo run`, recipes, plugins) may hold `trustedLimit()` bytes; sandboxed code (zoo entries,
/// block slots, checkpoint metadata) gets `sandboxBytes` above what was in use when it started.
/// Bytes the host allocates for sandboxed code outside Lua (tensors) can be charged to the same
/// budget with `LuaState.chargeExternal`.
public enum LuaMemory {
    /// A sandbox's budget above the bytes in use when it starts (prelude.lua's SANDBOX.bytes).
    public static let sandboxBytes = 256 << 20
    /// The smallest trusted limit (a sandbox must fit inside it).
    static let minimumLimit = 512 << 20

    /// `STACKZOO_LUA_MEMORY_MB` if set; else three quarters of the memory available now (the
    /// smaller of MemAvailable and the cgroup's headroom).
    public static func trustedLimit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let text = environment["STACKZOO_LUA_MEMORY_MB"], let mb = Int(text), mb > 0 { return mb << 20 }
        return availableBytes() / 4 * 3
    }

    static func availableBytes() -> Int {
        var available = meminfo("MemAvailable") ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if let max = readInt("/sys/fs/cgroup/memory.max"), let current = readInt("/sys/fs/cgroup/memory.current") {
            available = min(available, max - current)
        }
        return Swift.max(available, minimumLimit)
    }

    /// A /proc/meminfo field in bytes.
    static func meminfo(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    static func readInt(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))  // "max" gives nil
    }
}

extension LuaState {
    /// The state's memory counters.
    public struct MemoryUse {
        /// Bytes Lua holds now.
        public var luaBytes: Int
        /// Bytes charged with `chargeExternal` and not released.
        public var externalBytes: Int
        /// The limit in force: the innermost running sandbox's, or the trusted limit.
        public var limit: Int
        public var trustedLimit: Int
        /// Whether sandboxed code is running (a Swift binding called from it sees true).
        public var inSandbox: Bool
    }

    public var memoryUse: MemoryUse {
        var info = zoo_lua_memory_info()
        zoo_lua_memory(L, &info)
        return MemoryUse(luaBytes: Int(info.lua_bytes), externalBytes: Int(info.external_bytes), limit: Int(info.limit),
                         trustedLimit: Int(info.trusted_limit), inSandbox: info.sandbox_depth > 0)
    }

    /// Charges `bytes` allocated outside Lua (e.g. a tensor made by sandboxed code) to the budget
    /// in force. Returns false, charging nothing, when that would pass the limit: the caller
    /// should then fail ("out of memory") instead of allocating. Pair with `releaseExternal`.
    public func chargeExternal(_ bytes: Int) -> Bool {
        zoo_lua_charge_external(L, Int64(bytes)) == 0
    }

    /// Gives back bytes charged with `chargeExternal`.
    public func releaseExternal(_ bytes: Int) {
        _ = zoo_lua_charge_external(L, -Int64(bytes))
    }
}
