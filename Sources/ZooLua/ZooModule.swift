// Installs the `zoo` module in a state: the Swift function tables, the metatables, and the Lua prelude.
import Foundation
import ZooCore
internal import CLua
internal import CZooShims

enum ZooModule {
    /// Swift helpers the prelude needs that are not bindings of engine objects.
    static let helpers = LuaLibrary([
        ("where", { c in zoo_lua_where(c.L, 1); return 1 }),
        ("closest", { c in
            let word = try c.string(1)
            let candidates = try (c.state.toSwift(2) as? [Any?] ?? []).compactMap { $0 as? String }
            if let m = closestMatch(word, in: candidates) { c.push(m) } else { c.pushNil() }
            return 1
        }),
        ("list_files", { c in
            let folder = try c.string(1), ext = try c.string(2)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(ext) }.sorted()
            lua_createtable(c.L, Int32(names.count), 0)
            for (k, n) in names.enumerated() {
                c.push(folder + "/" + n)
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("count_flops", { c in
            try c.checkFunction(1)
            let (_, flops) = try FlopCounter.measure { () throws -> Void in
                lua_pushvalue(c.L, 1)
                try c.state.pcall(nargs: 0, nresults: 0)
            }
            c.push(flops)
            return 1
        }),
        ("list_entries", { c in
            let entries = ZooEntries.list(root: try c.string(1))
            lua_createtable(c.L, Int32(entries.count), 0)
            for (k, n) in entries.enumerated() {
                c.push(n)
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
    ])

    static func install(in state: LuaState) throws {
        let L = state.L
        Userdata.installMetatables(L)
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }

        let source = String(decoding: PackageResources.prelude_lua, as: UTF8.self)
        try state.load(source, name: "=zoo")
        lua_createtable(L, 0, 160)                                    // core
        let libraries = [TensorBindings.library, NNBindings.library, SupportBindings.library, ModelBindings.library, RunBindings.library, DataBindings.library, TextBindings.library, EvalBindings.library, helpers]
        let names = libraries.flatMap { $0.entries.map(\.name) }
        precondition(Set(names).count == names.count, "a core function name is bound twice")
        for lib in libraries { lib.install(L, table: -1) }
        zoo_lua_open_sandbox(L)                                       // the sandbox guard, bounded string functions
        lua_createtable(L, 0, 4)                                      // metatables by name
        for kind in UserdataKind.allCases {
            _ = zl_getmetatable(L, kind.rawValue)
            lua_setfield(L, -2, kind.rawValue)
        }
        state.push(state.projectRoot)
        try state.pcall(nargs: 3, nresults: 1)
        state.zooRef = luaL_ref(L, zl_registryindex())

        // `require` searches the project's scripts first (trusted programs).
        let root = state.projectRoot
        try state.run("""
            package.path = \(luaQuote("\(root)/scripts/?.lua;\(root)/scripts/lib/?.lua;\(root)/zoo/?.lua;")) .. package.path
            """, name: "=zoo")
    }

    /// A Lua string literal for `s`.
    static func luaQuote(_ s: String) -> String {
        var out = "\""
        for u in s.utf8 {
            switch u {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 32..<127: out += String(UnicodeScalar(u))
            default: out += "\\\(u)"
            }
        }
        return out + "\""
    }
}

/// Zoo entries: Lua files under a zoo folder, named by their path without ".lua" (plugins and
/// datasets are not entries).
public enum ZooEntries {
    public static func list(root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        for case let path as String in walker where path.hasSuffix(".lua") && !path.hasPrefix("datasets/") && !path.hasPrefix("plugins/") {
            out.append(String(path.dropLast(4)))
        }
        return out.sorted()
    }
}
