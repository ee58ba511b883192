// A named group of Swift functions registered once per process and installed into a Lua table.
import ZooCore
internal import CLua

struct LuaLibrary {
    let entries: [(name: String, id: Int32)]

    init(_ functions: [(String, LuaBody)]) {
        entries = functions.map { ($0.0, LuaFunctions.register($0.0, $0.1)) }
    }

    /// Sets every function as a field of the table at `index`.
    func install(_ L: OpaquePointer, table index: Int32) {
        let t = lua_absindex(L, index)
        for (name, id) in entries {
            LuaFunctions.pushFunction(L, id)
            lua_setfield(L, t, name)
        }
    }
}
