// Swift objects as Lua full userdata: one retained reference each, named metatables, stable identity.
import ZooCore
internal import CLua

/// The kinds of Swift objects Lua holds, each with its own metatable.
enum UserdataKind: String, CaseIterable {
    case tensor = "zoo.Tensor", module = "zoo.Module", optimizer = "zoo.Optimizer", model = "zoo.Model"
    case dataset = "zoo.Dataset", textEncoder = "zoo.TextEncoder"

    /// The type name used in argument errors ("tensor expected, got nil").
    var luaName: String {
        switch self {
        case .tensor: return "tensor"
        case .module: return "module"
        case .optimizer: return "optimizer"
        case .model: return "model"
        case .dataset: return "dataset"
        case .textEncoder: return "text encoder"
        }
    }
}

enum Userdata {
    /// Registry key of the weak-valued table object address → userdata (stable identity, so
    /// fields set from Lua and `==` behave as users expect).
    nonisolated(unsafe) static let cacheKey = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// Pushes the userdata for `object` (the same userdata while Lua still holds it).
    static func push(_ L: OpaquePointer, _ object: AnyObject, kind: UserdataKind) {
        let address = Unmanaged.passUnretained(object).toOpaque()
        lua_rawgetp(L, zl_registryindex(), cacheKey)               // cache
        if lua_rawgetp(L, -1, address) == LUA_TUSERDATA {          // cache, ud
            lua_rotate(L, -2, 1)
            zl_pop(L, 1)
            return
        }
        zl_pop(L, 1)                                               // cache
        let block = lua_newuserdatauv(L, MemoryLayout<UnsafeMutableRawPointer?>.size, 1)!
        block.storeBytes(of: Unmanaged.passRetained(object).toOpaque(), as: UnsafeMutableRawPointer?.self)
        luaL_setmetatable(L, kind.rawValue)                        // cache, ud
        lua_pushvalue(L, -1)
        lua_rawsetp(L, -3, address)                                // cache[address] = ud
        lua_rotate(L, -2, 1)
        zl_pop(L, 1)                                               // ud
    }

    /// The object of the userdata at `i` if its metatable is `kind`'s.
    static func object(_ L: OpaquePointer, _ i: Int32, kind: UserdataKind) -> AnyObject? {
        guard let block = luaL_testudata(L, i, kind.rawValue) else { return nil }
        guard let raw = block.load(as: UnsafeMutableRawPointer?.self) else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The object of any zoo userdata at `i`.
    static func object(_ L: OpaquePointer, _ i: Int32) -> AnyObject? {
        for kind in UserdataKind.allCases { if let o = object(L, i, kind: kind) { return o } }
        return nil
    }

    /// Creates the metatables (with __gc releasing the reference, and __metatable locking them so
    /// sandboxed code can neither read nor replace them) and the identity cache.
    static func installMetatables(_ L: OpaquePointer) {
        lua_createtable(L, 0, 0)
        lua_createtable(L, 0, 1)
        _ = "v".withCString { lua_pushstring(L, $0) }
        lua_setfield(L, -2, "__mode")
        lua_setmetatable(L, -2)
        lua_rawsetp(L, zl_registryindex(), cacheKey)
        for kind in UserdataKind.allCases {
            luaL_newmetatable(L, kind.rawValue)
            LuaFunctions.pushFunction(L, gcID)
            lua_setfield(L, -2, "__gc")
            _ = "locked".withCString { lua_pushstring(L, $0) }
            lua_setfield(L, -2, "__metatable")
            zl_pop(L, 1)
        }
    }

    /// __gc: releases the Swift reference once (the slot is cleared).
    static let gcID = LuaFunctions.register("__gc") { call in
        if let block = lua_touserdata(call.L, 1), let raw = block.load(as: UnsafeMutableRawPointer?.self) {
            block.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
            Unmanaged<AnyObject>.fromOpaque(raw).release()
        }
        return 0
    }
}
