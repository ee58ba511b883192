// Lua bindings for training runs: interrupt flag (SIGINT/SIGTERM), folders, atomic text writes,
// clocks, memory, checkpoints of any model (networks, optimisers, extra tensors, metadata).
import Foundation
import ZooCore
internal import CLua

/// Set by the SIGINT/SIGTERM handler (async-signal-safe: a plain store); read between steps.
nonisolated(unsafe) private var interruptSignals: Int32 = 0

private let onSignal: @convention(c) (Int32) -> Void = { sig in
    interruptSignals += 1
    // A second signal while the first is being handled ends the process the usual way.
    if interruptSignals > 1 { signal(sig, SIG_DFL); raise(sig) }
}

enum RunBindings {
    /// Reads {name = module} / {name = optimizer} tables into ordered (name, object) lists.
    static func namedObjects<T: AnyObject>(_ c: LuaCall, _ i: Int32, _ kind: UserdataKind, as type: T.Type) throws -> [(String, T)] {
        if c.isNoneOrNil(i) { return [] }
        try c.checkTable(i)
        var out: [(String, T)] = []
        lua_pushnil(c.L)
        while lua_next(c.L, i) != 0 {
            defer { zl_pop(c.L, 1) }
            guard lua_type(c.L, -2) == LUA_TSTRING, let o = Userdata.object(c.L, -1, kind: kind) as? T else {
                throw c.argError(i, "expected a table of name = \(kind.luaName)")
            }
            out.append((String(cString: zl_tostring(c.L, -2)), o))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func stringTable(_ c: LuaCall, _ i: Int32) throws -> [String: String] {
        if c.isNoneOrNil(i) { return [:] }
        try c.checkTable(i)
        var out: [String: String] = [:]
        lua_pushnil(c.L)
        while lua_next(c.L, i) != 0 {
            defer { zl_pop(c.L, 1) }
            guard lua_type(c.L, -2) == LUA_TSTRING else { continue }
            let key = String(cString: zl_tostring(c.L, -2))
            switch lua_type(c.L, -1) {
            case LUA_TSTRING: out[key] = String(cString: zl_tostring(c.L, -1))
            case LUA_TNUMBER, LUA_TBOOLEAN: out[key] = "\(c.state.toSwift(-1) ?? "")"
            default: throw c.argError(i, "metadata '\(key)' must be a string, number or boolean")
            }
        }
        return out
    }

    /// A model built in Swift (for its extra state), else nil.
    static func compiledModel(_ c: LuaCall, _ i: Int32) -> ZooModel? {
        (Userdata.object(c.L, i, kind: .model) as? ModelHandle)?.model
    }

    /// Adapts Lua-held networks and optimisers to the checkpoint writer.
    final class LuaHeldModel: ZooModel {
        let networks: [(String, Module)]
        let optimizers: [(String, Adam)]
        let inner: ZooModel?
        init(networks: [(String, Module)], optimizers: [(String, Adam)], inner: ZooModel?) {
            self.networks = networks
            self.optimizers = optimizers
            self.inner = inner
        }
        func trainStep(_ batch: [String: Tensor]) throws -> [(String, Float)] { [] }
        func sample(_ request: SampleRequest) throws -> [(String, Tensor)] { [] }
        func stateTensors() -> [(String, Tensor)] { inner?.stateTensors() ?? [] }
        func loadStateTensors(_ tensors: [String: Tensor]) throws { try inner?.loadStateTensors(tensors) }
    }

    static let library = LuaLibrary([
        ("install_interrupt_handler", { _ in
            signal(SIGINT, onSignal)
            signal(SIGTERM, onSignal)
            return 0
        }),
        ("interrupted", { c in c.push(interruptSignals > 0); return 1 }),
        ("is_tty", { c in c.push(isatty(STDOUT_FILENO) != 0); return 1 }),
        ("monotonic", { c in c.push(Double(DispatchTime.now().uptimeNanoseconds) * 1e-9); return 1 }),
        ("check_memory", { c in
            // check_memory(bytes, what): the memory gate's refusal of `bytes` for `what`, up front.
            let bytes = try c.number(1), what = try c.string(2)
            try MemoryGate.check(bytes: bytes, for: what)
            return 0
        }),
        ("peak_rss_mb", { c in
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            c.push(Double(usage.ru_maxrss) / 1024)   // ru_maxrss is in KiB on Linux
            return 1
        }),
        ("mkdir", { c in
            let path = try c.string(1)
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
            catch { throw ZooError.io(path: path, message: "cannot create the folder: \(error.localizedDescription)") }
            return 0
        }),
        ("file_exists", { c in c.push(FileManager.default.fileExists(atPath: try c.string(1))); return 1 }),
        ("remove_file", { c in try? FileManager.default.removeItem(atPath: try c.string(1)); return 0 }),
        ("rename", { c in
            let from = try c.string(1), to = try c.string(2)
            guard rename(from, to) == 0 else {
                throw ZooError.io(path: from, message: "cannot move it to \(to): \(String(cString: strerror(errno)))")
            }
            return 0
        }),
        ("remove_stale_temporaries", { c in
            // Files "NAME.tmp.PID" in the folder whose writer (PID) is gone: what an atomic write
            // killed mid-way (kill -9) leaves behind. Returns how many files and bytes were removed.
            let dir = try c.string(1)
            var count = 0, bytes = 0
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                guard let r = name.range(of: ".tmp.", options: .backwards),
                      let pid = Int32(name[r.upperBound...]), pid > 0 else { continue }
                let alive = pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)
                if alive { continue }   // its writer is still running
                let path = dir + "/" + name
                let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
                if (try? FileManager.default.removeItem(atPath: path)) != nil { count += 1; bytes += size }
            }
            c.push(count)
            c.push(bytes)
            return 2
        }),
        ("write_atomic", { c in
            try FileIO.writeAtomically(Array(try c.string(2).utf8), to: try c.string(1))
            return 0
        }),
        ("write_checkpoint", { c in
            // write_checkpoint(path, networks, optimizers, metadata, model_handle?)
            let path = try c.string(1)
            let held = LuaHeldModel(networks: try namedObjects(c, 2, .module, as: Module.self),
                                    optimizers: try namedObjects(c, 3, .optimizer, as: Adam.self),
                                    inner: compiledModel(c, 5))
            var metadata = try stringTable(c, 4)
            let name = metadata["stackzoo.model"] ?? "unknown"
            metadata.removeValue(forKey: "stackzoo.model")
            let values = (Userdata.object(c.L, 5, kind: .model) as? ModelHandle)?.values ?? [:]
            try Checkpoint.make(held, modelName: name, config: values, metadata: metadata, path: path).write(path: path)
            return 0
        }),
        ("read_checkpoint", { c in
            // read_checkpoint(path, networks, optimizers, model_handle?) -> metadata
            let file = try SafeTensorsFile.read(path: try c.string(1))
            let held = LuaHeldModel(networks: try namedObjects(c, 2, .module, as: Module.self),
                                    optimizers: try namedObjects(c, 3, .optimizer, as: Adam.self),
                                    inner: compiledModel(c, 4))
            try Checkpoint.restore(file, into: held)
            lua_createtable(c.L, 0, Int32(file.metadata.count))
            for (k, v) in file.metadata {
                c.push(v)
                lua_setfield(c.L, -2, k)
            }
            return 1
        }),
        ("checkpoint_metadata", { c in
            let file = try SafeTensorsFile.read(path: try c.string(1))
            lua_createtable(c.L, 0, Int32(file.metadata.count))
            for (k, v) in file.metadata {
                c.push(v)
                lua_setfield(c.L, -2, k)
            }
            return 1
        }),
    ])
}
