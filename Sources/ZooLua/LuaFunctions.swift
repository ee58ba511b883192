// Swift functions callable from Lua: a process-wide table of bodies behind one C trampoline.
import Foundation
import ZooCore
internal import CLua
internal import CZooShims

/// A Swift body Lua can call. It reads arguments from `LuaCall`, pushes results and returns
/// their count. Thrown errors become Lua errors (raised by the C trampoline, never here).
typealias LuaBody = (LuaCall) throws -> Int32

enum LuaFunctions {
    struct Entry {
        var name: String
        var body: LuaBody
    }

    nonisolated(unsafe) static var entries: [Entry] = []
    /// Calls per entry since start-up (tests check that every binding is exercised).
    nonisolated(unsafe) static var callCounts: [Int] = []
    nonisolated(unsafe) private static var installed = false

    /// Registers a body once per process; returns its id for `zoo_lua_push_function`.
    static func register(_ name: String, _ body: @escaping LuaBody) -> Int32 {
        entries.append(Entry(name: name, body: body))
        callCounts.append(0)
        return Int32(entries.count - 1)
    }

    static func pushFunction(_ L: OpaquePointer, _ id: Int32) { zoo_lua_push_function(L, id) }

    static func installDispatch() {
        guard !installed else { return }
        installed = true
        zoo_lua_set_dispatch(dispatch)
        // Lua does not know how large the tensors it holds are, so dead ones may pile up until
        // the memory gate refuses a request: collect them first (on the thread running Lua only).
        MemoryGate.reclaimer = {
            guard let L = pthread_getspecific(runningStateKey) else { return false }
            _ = zl_gc_collect(OpaquePointer(L))
            return true
        }
    }

    /// The lua_State whose Swift body runs on this thread (nil outside bodies).
    private static let runningStateKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs entry `id`. Returns the result count, -1 with a message to be positioned by the
    /// trampoline, or -2 with an error that already carries its position (a nested script error).
    private static let dispatch: @convention(c) (OpaquePointer?, Int32) -> Int32 = { L, id in
        guard let L else { return 0 }
        let entry = entries[Int(id)]
        callCounts[Int(id)] += 1
        let call = LuaCall(L: L, name: entry.name)
        let outer = pthread_getspecific(runningStateKey)
        pthread_setspecific(runningStateKey, UnsafeRawPointer(L))
        defer { pthread_setspecific(runningStateKey, outer) }
        do {
            // While a config is evaluated, the tensors its code makes are charged to its budget.
            if let budget = call.state.tensorBudget { return try budget.charging { try entry.body(call) } }
            return try entry.body(call)
        } catch let e as LuaArgumentError {
            call.state.push(e.description)
        } catch let e as ScriptError {
            call.state.push(e.message)
            return -2
        } catch let e as ZooError {
            // ZooError messages name their op already ("conv2d: input [..] does not match ...").
            call.state.push(e.description)
        } catch {
            call.state.push("\(entry.name): \(error)")
        }
        return -1
    }
}

/// The arguments and results of one call from Lua into Swift.
struct LuaCall {
    let L: OpaquePointer
    /// The function's name as Lua code sees it, for messages.
    let name: String

    var state: LuaState { LuaState.owner(of: L) }
    var count: Int32 { lua_gettop(L) }

    func type(_ i: Int32) -> Int32 { lua_type(L, i) }
    func typeName(_ i: Int32) -> String { String(cString: zl_typename(L, i)) }
    func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }

    /// "bad argument #i to 'name' (message)".
    func argError(_ i: Int32, _ message: String) -> LuaArgumentError {
        LuaArgumentError(description: "bad argument #\(i) to '\(name)' (\(message))")
    }

    func typeError(_ i: Int32, _ expected: String) -> LuaArgumentError {
        argError(i, "\(expected) expected, got \(isNoneOrNil(i) && i > count ? "no value" : typeName(i))")
    }

    // MARK: - Reading arguments

    func number(_ i: Int32) throws -> Double {
        var ok: Int32 = 0
        let v = lua_tonumberx(L, i, &ok)
        guard ok != 0, lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        return v
    }

    func float(_ i: Int32) throws -> Float { Float(try number(i)) }

    func optNumber(_ i: Int32, _ fallback: Double) throws -> Double { isNoneOrNil(i) ? fallback : try number(i) }

    /// An integer-valued number.
    func int(_ i: Int32) throws -> Int {
        let v = try number(i)
        guard v.rounded() == v, abs(v) < 1e15 else { throw argError(i, "number has no integer representation") }
        return Int(v)
    }

    /// A layer size: an integer ≥ 1.
    func size(_ i: Int32) throws -> Int {
        let v = try int(i)
        guard v >= 1 else { throw argError(i, "size must be a positive integer, got \(v)") }
        return v
    }

    func optInt(_ i: Int32, _ fallback: Int) throws -> Int { isNoneOrNil(i) ? fallback : try int(i) }

    func string(_ i: Int32) throws -> String {
        guard lua_type(L, i) == LUA_TSTRING, let p = zl_tostring(L, i) else { throw typeError(i, "string") }
        return String(cString: p)
    }

    func optString(_ i: Int32) throws -> String? { isNoneOrNil(i) ? nil : try string(i) }

    func bool(_ i: Int32) throws -> Bool {
        guard lua_type(L, i) == LUA_TBOOLEAN else { throw typeError(i, "boolean") }
        return lua_toboolean(L, i) != 0
    }

    func checkTable(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
    }

    func checkFunction(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw typeError(i, "function") }
    }

    /// The Swift object of a zoo userdata with metatable `kind` ("zoo.Tensor", ...).
    func object<T: AnyObject>(_ i: Int32, _ kind: UserdataKind, as type: T.Type) throws -> T {
        guard let o = Userdata.object(L, i, kind: kind) as? T else { throw typeError(i, kind.luaName) }
        return o
    }

    func tensor(_ i: Int32) throws -> Variable { try object(i, .tensor, as: Variable.self) }
    func module(_ i: Int32) throws -> Module { try object(i, .module, as: Module.self) }

    /// A tensor, or a number turned into a constant one-element tensor.
    func tensorOrNumber(_ i: Int32) throws -> Variable {
        if lua_type(L, i) == LUA_TNUMBER { return Variable(try Tensor(shape: [1], repeating: try float(i))) }
        guard let v = Userdata.object(L, i, kind: .tensor) as? Variable else { throw typeError(i, "tensor or number") }
        return v
    }

    /// A sequence of integers (a shape), given as a table or as the remaining arguments.
    func shape(from i: Int32) throws -> [Int] {
        if lua_type(L, i) == LUA_TTABLE {
            let n = Int(lua_rawlen(L, i))
            var out: [Int] = []
            for k in 1...max(n, 1) where n > 0 {
                lua_rawgeti(L, i, lua_Integer(k))
                defer { zl_pop(L, 1) }
                var ok: Int32 = 0
                let v = lua_tonumberx(L, -1, &ok)
                guard ok != 0, lua_type(L, -1) == LUA_TNUMBER, v.rounded() == v, v >= 0, v < 1e15 else {
                    throw argError(i, "shape entries must be non-negative integers (entry \(k) is \(String(cString: zl_typename(L, -1))))")
                }
                out.append(Int(v))
            }
            return out
        }
        var out: [Int] = []
        var k = i
        while k <= count && lua_type(L, k) == LUA_TNUMBER {
            let v = try int(k)
            guard v >= 0 else { throw argError(k, "sizes must be non-negative") }
            out.append(v)
            k += 1
        }
        if k <= count && !isNoneOrNil(k) && lua_type(L, k) != LUA_TTABLE { throw typeError(k, "number") }
        return out
    }

    /// Throws unless `bytes` more fit in the Lua memory limit in force. For bodies that push a
    /// table whose size the script chose (a Swift body's pushes are never refused: see
    /// zoo_lua_newstate), so the script gets an error instead of the state growing past its limit.
    func reserve(bytes: Int) throws {
        let use = state.memoryUse
        guard use.luaBytes + use.externalBytes + bytes > use.limit else { return }
        throw LuaArgumentError(description: "\(name): out of memory: the result needs \(bytes >> 20) MiB of Lua memory, "
            + "more than the \(use.limit >> 20) MiB limit in force allows")
    }

    /// An option table at `i` (nil/none gives an empty one) whose keys must be in `allowed`.
    func options(_ i: Int32, allowed: [String]) throws -> LuaOptions {
        if isNoneOrNil(i) { return LuaOptions(call: self, index: 0, allowed: allowed) }
        try checkTable(i)
        let opts = LuaOptions(call: self, index: lua_absindex(L, i), allowed: allowed)
        try opts.rejectUnknownKeys()
        return opts
    }

    // MARK: - Results

    func push(_ v: Variable) { Userdata.push(L, v, kind: .tensor) }
    func push(_ m: Module) { Userdata.push(L, m, kind: .module) }
    func push(_ d: Double) { lua_pushnumber(L, d) }
    func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    func push(_ s: String) { state.push(s) }
    func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    func pushNil() { lua_pushnil(L) }

    /// Pushes a sequence table of integers.
    func push(shape: [Int]) {
        lua_createtable(L, Int32(shape.count), 0)
        for (k, v) in shape.enumerated() {
            lua_pushinteger(L, lua_Integer(v))
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }
}

/// Typed reads from a Lua option table, rejecting unknown keys (with the closest valid one).
struct LuaOptions {
    let call: LuaCall
    /// Absolute stack index of the table, or 0 for "no table" (every read gives its default).
    let index: Int32
    let allowed: [String]

    var L: OpaquePointer { call.L }

    func rejectUnknownKeys() throws {
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            zl_pop(L, 1)
            guard lua_type(L, -1) == LUA_TSTRING else {
                zl_pop(L, 1)
                throw call.argError(index, "option keys must be strings")
            }
            let key = String(cString: zl_tostring(L, -1))
            if !allowed.contains(key) {
                zl_pop(L, 1)
                let hint = closestMatch(key, in: allowed).map { "; did you mean '\($0)'?" } ?? ""
                throw call.argError(index, "unknown option '\(key)'\(hint) (valid: \(allowed.joined(separator: ", ")))")
            }
        }
    }

    /// Pushes the field's value and runs `body` with it on the stack top, then pops it.
    private func with<R>(_ key: String, _ body: (Int32) throws -> R?) rethrows -> R? {
        guard index != 0 else { return nil }
        call.state.push(key)
        lua_rawget(L, index)
        defer { zl_pop(L, 1) }
        if lua_type(L, -1) == LUA_TNIL { return nil }
        return try body(lua_gettop(L))
    }

    private func bad(_ key: String, _ expected: String, _ i: Int32) -> LuaArgumentError {
        call.argError(index, "option '\(key)': \(expected) expected, got \(String(cString: zl_typename(L, i)))")
    }

    func number(_ key: String) throws -> Double? {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TNUMBER else { throw bad(key, "number", i) }
            return lua_tonumberx(L, i, nil)
        }
    }

    func number(_ key: String, default d: Double) throws -> Double { try number(key) ?? d }
    func float(_ key: String, default d: Float) throws -> Float { Float(try number(key) ?? Double(d)) }

    func int(_ key: String) throws -> Int? {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TNUMBER else { throw bad(key, "integer", i) }
            if zl_isinteger(L, i) != 0 { return Int(lua_tointegerx(L, i, nil)) }
            let v = lua_tonumberx(L, i, nil)
            guard v.rounded() == v, let n = Int(exactly: v) else { throw bad(key, "integer", i) }   // (2^63 and beyond too)
            return n
        }
    }

    func int(_ key: String, default d: Int) throws -> Int { try int(key) ?? d }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TBOOLEAN else { throw bad(key, "boolean", i) }
            return lua_toboolean(L, i) != 0
        } ?? d
    }

    func string(_ key: String) throws -> String? {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TSTRING else { throw bad(key, "string", i) }
            return String(cString: zl_tostring(L, i))
        }
    }

    /// A sequence of numbers (e.g. betas = {0.5, 0.999}).
    func numbers(_ key: String) throws -> [Double]? {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TTABLE else { throw bad(key, "table of numbers", i) }
            var out: [Double] = []
            let n = lua_rawlen(L, i)
            for k in 0..<Int(n) {
                lua_rawgeti(L, i, lua_Integer(k + 1))
                defer { zl_pop(L, 1) }
                guard lua_type(L, -1) == LUA_TNUMBER else { throw bad("\(key)[\(k + 1)]", "number", lua_gettop(L)) }
                out.append(lua_tonumberx(L, -1, nil))
            }
            return out
        }
    }

    /// A sequence of strings (e.g. row_labels = {"a red apple", "a blue heart"}).
    func strings(_ key: String) throws -> [String]? {
        try with(key) { i in
            guard lua_type(L, i) == LUA_TTABLE else { throw bad(key, "table of strings", i) }
            return try (0..<Int(lua_rawlen(L, i))).map { k in
                lua_rawgeti(L, i, lua_Integer(k + 1))
                defer { zl_pop(L, 1) }
                guard lua_type(L, -1) == LUA_TSTRING else { throw bad("\(key)[\(k + 1)]", "string", lua_gettop(L)) }
                return String(cString: zl_tostring(L, -1))
            }
        }
    }

    /// Pushes the raw field value (or nil) for callers that read it themselves; returns its type.
    func pushField(_ key: String) -> Int32 {
        guard index != 0 else { lua_pushnil(L); return LUA_TNIL }
        call.state.push(key)
        return lua_rawget(L, index)
    }
}
