// Lua bindings of the text encoders: load one by name, embed captions, ask which one made a dataset's embeddings.
import ZooCore
import ZooData
internal import CLua

enum TextBindings {
    /// A list of strings at `i` (at least one).
    static func strings(_ c: LuaCall, _ i: Int32) throws -> [String] {
        try c.checkTable(i)
        let n = Int(lua_rawlen(c.L, i))
        guard n > 0 else { throw c.argError(i, "no captions given") }
        return try (1...n).map { k in
            lua_rawgeti(c.L, i, lua_Integer(k))
            defer { zl_pop(c.L, 1) }
            guard lua_type(c.L, -1) == LUA_TSTRING else { throw c.argError(i, "entry \(k) is not a string") }
            return String(cString: zl_tostring(c.L, -1))
        }
    }

    static let library = LuaLibrary([
        ("text.encoder", { c in
            // (name or tag or nil) -> encoder userdata, its name, its width
            let enc = try TextEncoderRegistry.shared.make(c.isNoneOrNil(1) ? nil : try c.string(1))
            Userdata.push(c.L, enc as AnyObject, kind: .textEncoder)
            c.push(enc.name)
            c.push(enc.width)
            return 3
        }),
        ("text.encode", { c in
            // (encoder, {captions}) -> [N, width]
            guard let enc = Userdata.object(c.L, 1, kind: .textEncoder) as? TextEncoder else {
                throw c.argError(1, "text encoder expected")
            }
            c.push(Variable(try enc.encode(try strings(c, 2))))
            return 1
        }),
        ("text.encoders", { c in
            // () -> {{name=, tag=, width=, summary=, installed=}, ...} in registration order
            let entries = TextEncoderRegistry.shared.entries
            lua_createtable(c.L, Int32(entries.count), 0)
            for (k, e) in entries.enumerated() {
                lua_createtable(c.L, 0, 5)
                c.push(e.name); lua_setfield(c.L, -2, "name")
                c.push(e.tag); lua_setfield(c.L, -2, "tag")
                c.push(e.width); lua_setfield(c.L, -2, "width")
                c.push(e.summary); lua_setfield(c.L, -2, "summary")
                c.push(e.installed()); lua_setfield(c.L, -2, "installed")
                lua_rawseti(c.L, -2, lua_Integer(k + 1))
            }
            return 1
        }),
        ("data.text_encoder", { c in
            // (data) -> the registered name of the encoder that made its embeddings (or the
            // dataset's own word for it when no registered encoder has that name or tag), or nil
            guard let said = try DataBindings.config(c, 1).textEncoder else { lua_pushnil(c.L); return 1 }
            c.push((try? TextEncoderRegistry.shared.entry(said).name) ?? said)
            return 1
        }),
    ])
}
