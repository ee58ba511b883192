// A module written in Lua: its forward is a Lua function; its Lua-side fields live in a Lua table.
import ZooCore
internal import CLua

/// A `Module` defined by `zoo.nn.define`. Parameters and children are registered like any module's
/// (so state dicts, optimisers and printing work); other fields and the class (with `forward`)
/// are kept in a Lua table referenced from the registry.
final class LuaModule: Module {
    let name: String
    private weak var state: LuaState?
    /// Registry reference of the fields table (its `__class` holds the methods).
    let fieldsRef: Int32

    init(name: String, state: LuaState) {
        self.name = name
        self.state = state
        lua_createtable(state.L, 0, 4)
        fieldsRef = luaL_ref(state.L, zl_registryindex())
        super.init()
    }

    deinit {
        if let state, !state.isClosing { luaL_unref(state.L, zl_registryindex(), fieldsRef) }
    }

    override var typeName: String { name }

    /// Forward when a Swift container (e.g. Sequential) calls this module: runs the class's
    /// `forward(self, x)` under a protected call; Lua errors come back as ScriptError.
    override func forward(_ x: Variable) throws -> Variable {
        guard let state, !state.isClosing else { throw ZooError.unsupported("\(name): its Lua state is gone") }
        let L = state.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, zl_registryindex(), lua_Integer(fieldsRef))
        state.push("__class")
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TTABLE else { throw ZooError.unsupported("\(name): no class table") }
        state.push("forward")
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TFUNCTION else { throw ZooError.unsupported("\(name) defines no forward function") }
        Userdata.push(L, self, kind: .module)
        Userdata.push(L, x, kind: .tensor)
        try state.pcall(nargs: 2, nresults: 1)
        guard let y = Userdata.object(L, -1, kind: .tensor) as? Variable else {
            throw ZooError.invalidArgument(op: name, message: "forward must return a tensor, got \(String(cString: zl_typename(L, -1)))")
        }
        return y
    }
}
