// The Lua VM wrapper: creates the state, loads and runs chunks under protected calls only.
import Foundation
import ZooCore
internal import CLua
internal import CZooShims

/// One Lua 5.4 interpreter with the `zoo` module installed.
///
/// Swift calls Lua only through `zoo_lua_pcall`; failures come back as thrown `ScriptError`s
/// with the message ("file:line: ...") and the traceback. Lua calls Swift only through the C
/// trampoline, so a Lua error (a longjmp) never crosses a Swift frame.
public final class LuaState {
    let L: OpaquePointer
    /// True while `lua_close` runs finalizers; objects must not touch the registry then.
    private(set) var isClosing = false
    /// Registry reference of the `zoo` module table.
    var zooRef: Int32 = LUA_NOREF
    /// The tensor-memory budget of the config being evaluated (nil: none; see set_tensor_budget).
    var tensorBudget: MemoryBudget?
    /// Folder that `require` and `zoo.entry` resolve against (scripts/, zoo/).
    public let projectRoot: String

    /// - Parameters:
    ///   - projectRoot: the folder holding scripts/ and zoo/ (for `require` and entry lookup).
    ///   - memoryLimit: bytes trusted Lua code may hold (default: `LuaMemory.trustedLimit()`);
    ///     past it an allocation fails with a Lua "out of memory" error.
    public init(projectRoot: String = FileManager.default.currentDirectoryPath, memoryLimit: Int? = nil) throws {
        let limit = max(memoryLimit ?? LuaMemory.trustedLimit(), LuaMemory.minimumLimit)
        guard let L = zoo_lua_newstate(limit) else { throw ScriptError(message: "cannot create a Lua state") }
        self.L = L
        self.projectRoot = projectRoot
        zl_getextraspace(L).storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), as: UnsafeMutableRawPointer.self)
        LuaFunctions.installDispatch()
        zoo_lua_openlibs(L)
        try ZooModule.install(in: self)
    }

    deinit {
        isClosing = true
        zoo_lua_close(L)
    }

    /// The LuaState owning `L` (stored in the state's extra space).
    static func owner(of L: OpaquePointer) -> LuaState {
        let raw = zl_getextraspace(L).load(as: UnsafeMutableRawPointer.self)
        return Unmanaged<LuaState>.fromOpaque(raw).takeUnretainedValue()
    }

    // MARK: - Running code

    /// Compiles `source` (text only) as chunk `name` ("@path" names a file in messages).
    func load(_ source: String, name: String) throws {
        let status = source.withCString { p in zoo_lua_load(L, p, strlen(p), name, "t") }
        guard status == LUA_OK else { throw popError() }
    }

    /// Calls the function below `nargs` arguments on the stack; leaves `nresults` results.
    func pcall(nargs: Int32, nresults: Int32) throws {
        let status = zoo_lua_pcall(L, nargs, nresults)
        guard status == LUA_OK else { throw popError() }
    }

    /// Pops the error value on the top of the stack as a ScriptError.
    func popError() -> ScriptError {
        defer { zl_pop(L, 1) }
        if lua_type(L, -1) == LUA_TSTRING, let p = zl_tostring(L, -1) {
            return ScriptError(handlerOutput: String(cString: p))
        }
        return ScriptError(message: "(error object is a \(String(cString: zl_typename(L, -1))) value)")
    }

    /// Runs a Lua file as a trusted program, with `arguments` as the global `arg` table
    /// (arg[0] = path) and as the chunk's `...`. Returns nothing; errors throw.
    public func runFile(_ path: String, arguments: [String] = []) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_createtable(L, Int32(arguments.count), 1)
        push(path)
        lua_rawseti(L, -2, 0)
        for (i, a) in arguments.enumerated() {
            push(a)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        lua_setglobal(L, "arg")
        try loadFile(path)
        for a in arguments { push(a) }
        try pcall(nargs: Int32(arguments.count), nresults: 0)
    }

    /// Compiles the Lua file at `path` (text only; a first `#!` line is kept as a comment).
    func loadFile(_ path: String) throws {
        let source: String
        do { source = String(decoding: try FileIO.readAll(path: path), as: UTF8.self) } catch { throw ScriptError(message: "\(error)") }
        try load(Self.stripShebang(source), name: "@" + path)
    }

    /// Runs a Lua file as a trusted program whose `...` is one table built from `options`
    /// (values: String, Int, Double, Bool, [String], or nil-free nested [String: Any]).
    public func runFile(_ path: String, options: [String: Any]) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try loadFile(path)
        pushTable(options)
        try pcall(nargs: 1, nresults: 0)
    }

    /// Pushes a Swift dictionary as a Lua table.
    func pushTable(_ dict: [String: Any]) {
        lua_createtable(L, 0, Int32(dict.count))
        for (k, v) in dict {
            pushValue(v)
            lua_setfield(L, -2, k)
        }
    }

    func pushValue(_ v: Any) {
        switch v {
        case let s as String: push(s)
        case let i as Int: push(i)
        case let d as Double: push(d)
        case let b as Bool: push(b)
        case let list as [String]:
            lua_createtable(L, Int32(list.count), 0)
            for (k, s) in list.enumerated() {
                push(s)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        case let d as [String: Any]: pushTable(d)
        default: pushNil()
        }
    }

    /// Runs a string of trusted Lua code and returns its results converted to Swift values.
    @discardableResult
    public func run(_ source: String, name: String = "=(string)") throws -> [Any?] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try load(source, name: name)
        try pcall(nargs: 0, nresults: LUA_MULTRET)
        return (top + 1..<lua_gettop(L) + 1).map { toSwift($0) }
    }

    /// Calls `zoo.<function>(arguments...)` and returns its results as Swift values.
    /// Arguments may be String, Int, Double, Bool or [String].
    @discardableResult
    public func call(_ function: String, _ arguments: Any...) throws -> [Any?] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, zl_registryindex(), lua_Integer(zooRef))
        push(function)
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TFUNCTION else { throw ScriptError(message: "zoo.\(function) is not a function") }
        for a in arguments { pushValue(a) }
        let base = lua_gettop(L) - Int32(arguments.count)
        try pcall(nargs: Int32(arguments.count), nresults: LUA_MULTRET)
        return (base..<lua_gettop(L) + 1).map { toSwift($0) }
    }

    static func stripShebang(_ s: String) -> String {
        guard s.hasPrefix("#") else { return s }
        // Keep the line count so positions stay right.
        return "--" + s
    }

    // MARK: - Stack helpers (none of these can raise)

    func push(_ s: String) { _ = s.withCString { lua_pushstring(L, $0) } }
    func push(_ d: Double) { lua_pushnumber(L, d) }
    func push(_ i: Int) { lua_pushinteger(L, lua_Integer(i)) }
    func push(_ b: Bool) { lua_pushboolean(L, b ? 1 : 0) }
    func pushNil() { lua_pushnil(L) }

    /// Reads a Lua value as Swift: nil, Bool, Int (integers), Double, String, [Any?] (sequences),
    /// [String: Any] (other tables, string keys), or the Swift object of a zoo userdata.
    func toSwift(_ idx: Int32, depth: Int = 0) -> Any? {
        let i = lua_absindex(L, idx)
        switch lua_type(L, i) {
        case LUA_TNIL, LUA_TNONE: return nil
        case LUA_TBOOLEAN: return lua_toboolean(L, i) != 0
        case LUA_TNUMBER:
            if zl_isinteger(L, i) != 0 { return Int(lua_tointegerx(L, i, nil)) }
            return lua_tonumberx(L, i, nil)
        case LUA_TSTRING: return String(cString: zl_tostring(L, i))
        case LUA_TTABLE:
            guard depth < 32 else { return nil }
            return tableToSwift(i, depth: depth)
        case LUA_TUSERDATA: return Userdata.object(L, i)
        default: return nil
        }
    }

    func tableToSwift(_ i: Int32, depth: Int) -> Any {
        let n = lua_rawlen(L, i)
        var dict: [String: Any] = [:]
        var array: [Any?] = []
        var onlySequence = true
        lua_pushnil(L)
        while lua_next(L, i) != 0 {
            if lua_type(L, -2) == LUA_TSTRING {
                onlySequence = false
                dict[String(cString: zl_tostring(L, -2))] = toSwift(-1, depth: depth + 1)
            } else if zl_isinteger(L, -2) == 0 {
                onlySequence = false
            }
            zl_pop(L, 1)
        }
        if onlySequence && n > 0 {
            for k in 1...Int(n) {
                lua_rawgeti(L, i, lua_Integer(k))
                array.append(toSwift(-1, depth: depth + 1))
                zl_pop(L, 1)
            }
            return array
        }
        return dict
    }
}
