// Zoo entries: sandboxed evaluation, inheritance, overrides, schema checks, and escape attempts.
import Foundation
import XCTest
@testable import ZooLua

final class ConfigTests: XCTestCase {
    /// A project folder with zoo entries for the dcgan plugin.
    func project() throws -> (LuaState, String) {
        let root = try temporaryFolder(self)
        try write("""
            return {
              model = "dcgan",
              description = "base",
              arch = { ngf = 8, ndf = 8,
                nz = 16 },
              train = { batch = 4 },
            }
            """, to: root + "/zoo/toy/base.lua")
        try write("""
            return {
              extends = "toy/base",
              arch = { ndf = 16 },
              train = { lr = 1e-3 },
            }
            """, to: root + "/zoo/toy/child.lua")
        return (try makeLua(root: root), root)
    }

    func config(_ lua: LuaState, _ entry: String, _ overrides: [String] = []) throws -> ([String: Any], [String: Any]) {
        let r = try lua.call("config", entry, overrides)
        return (r[0] as! [String: Any], r[1] as! [String: Any])
    }

    func testInheritanceOverridesAndOrigins() throws {
        let (lua, _) = try project()
        let (cfg, origins) = try config(lua, "toy/child", ["train.batch=2", "arch.nz=32"])
        let arch = cfg["arch"] as! [String: Any], train = cfg["train"] as! [String: Any]
        XCTAssertEqual(arch["ngf"] as? Int, 8)            // inherited
        XCTAssertEqual(arch["ndf"] as? Int, 16)           // overridden by the child
        XCTAssertEqual(arch["nz"] as? Int, 32)            // --set
        XCTAssertEqual(arch["image_size"] as? Int, 64)    // default
        XCTAssertEqual(train["batch"] as? Int, 2)
        XCTAssertEqual(train["lr"] as? Double, 1e-3)
        XCTAssertEqual(cfg["description"] as? String, "base")
        XCTAssertEqual(origins["arch.ngf"] as? String, "zoo/toy/base.lua:4")
        XCTAssertEqual(origins["arch.nz"] as? String, "--set")
        XCTAssertEqual(origins["arch.ndf"] as? String, "zoo/toy/child.lua:3")
        XCTAssertEqual(origins["arch.image_size"] as? String, "default")
        XCTAssertEqual(origins["train.lr"] as? String, "zoo/toy/child.lua:4")
    }

    func testSchemaErrors() throws {
        let (lua, root) = try project()
        try write("return { model = 'dcgan',\n  arch = {\n    ngff = 8 } }\n", to: root + "/zoo/toy/typo.lua")
        assertScriptError(lua, "require('zoo').config('toy/typo')",
                          ["zoo/toy/typo.lua:3: unknown key 'arch.ngff' for model 'dcgan' (did you mean 'arch.ngf'?)"])
        try write("return { model = 'dcgan', train = { batch = 'big' } }\n", to: root + "/zoo/toy/type.lua")
        assertScriptError(lua, "require('zoo').config('toy/type')", ["'train.batch' must be integer, got string (\"big\")"])
        try write("return { model = 'dcgna' }\n", to: root + "/zoo/toy/model.lua")
        assertScriptError(lua, "require('zoo').config('toy/model')", ["unknown model 'dcgna' (did you mean 'dcgan'?)"])
        assertScriptError(lua, "require('zoo').config('toy/bsae')", ["unknown zoo entry 'toy/bsae' (did you mean 'toy/base'?)"])
        assertScriptError(lua, "require('zoo').config('toy/base', {'train.bacth=3'})", ["--set train.bacth: unknown key 'train.bacth'", "did you mean 'train.batch'?"])
        assertScriptError(lua, "require('zoo').config('toy/base', {'train.batch=2.5'})", ["--set train.batch=2.5: expected an integer"])
        assertScriptError(lua, "require('zoo').config('toy/base', {'train.batch'})", ["expected key=value"])
        try write("return { extends = 'toy/cycle2', model = 'dcgan' }\n", to: root + "/zoo/toy/cycle1.lua")
        try write("return { extends = 'toy/cycle1' }\n", to: root + "/zoo/toy/cycle2.lua")
        assertScriptError(lua, "require('zoo').config('toy/cycle1')", ["'extends' makes a cycle"])
        try write("return 42\n", to: root + "/zoo/toy/number.lua")
        assertScriptError(lua, "require('zoo').config('toy/number')", ["zoo/toy/number.lua: a zoo entry must return a table, got number"])
        try write("return { model = 'dcgan', arch = { ngf = }\n", to: root + "/zoo/toy/syntax.lua")
        assertScriptError(lua, "require('zoo').config('toy/syntax')", ["zoo/toy/syntax.lua:1:"])
    }

    func testSandboxEscapesFail() throws {
        let (lua, root) = try project()
        let attempts: [(String, String)] = [
            ("io", "io.open('/etc/passwd')"),
            ("os", "os.execute('true')"),
            ("require-os", "require('os')"),
            ("require-io", "local io = require('io')"),
            ("require-path", "require('../../../etc/passwd')"),
            ("dofile", "dofile('/etc/passwd')"),
            ("loadfile", "loadfile('/etc/passwd')"),
            ("load", "load('return 1')"),
            ("debug", "debug.getregistry()"),
            ("package", "package.loadlib('libc.so.6', 'system')"),
            ("dump", "string.dump(function() end)"),
            ("collectgarbage", "collectgarbage()"),
            ("zoo-save", "zoo.save('/tmp/x.safetensors', {})"),
            ("zoo-image", "zoo.image.save(zoo.zeros(3, 2, 2), '/tmp/x.png')"),
            ("zoo-load", "zoo.load('/etc/passwd')"),
            ("zoo-threads", "zoo.threads(64)"),
            ("string-meta", "getmetatable('').__index.format = nil"),
            ("tensor-meta", "getmetatable(zoo.zeros(1)).__index = nil"),
            ("rawget-G", "rawget(_G, 'io').open('/etc/passwd')"),
            ("loop", "while true do end"),
        ]
        for (name, code) in attempts {
            try write("\(code)\nreturn { model = 'dcgan' }\n", to: root + "/zoo/escape/\(name).lua")
            do {
                try lua.call("config", "escape/\(name)")
                XCTFail("sandbox escape '\(name)' was not stopped")
            } catch let e as ScriptError {
                XCTAssertTrue(e.message.contains("zoo/escape/\(name).lua:1:"), "\(name): \(e.message)")
            }
        }
        // The trusted side is unharmed: string methods and tensor methods still work.
        XCTAssertEqual(try lua.run("return ('%d'):format(3) .. tostring(require('zoo').ones(2):sum():item())").first as? String, "32.0")
    }

    func testSandboxAllowsPureCode() throws {
        let (lua, root) = try project()
        try write("local M = {}\nfunction M.width() return 8 end\nreturn M\n", to: root + "/zoo/toy/helpers.lua")
        try write("""
            local h = require 'toy/helpers'
            local n = 0
            for i = 1, 10 do n = n + math.floor(i / 2) end
            return { model = 'dcgan', arch = { ngf = h.width(), ndf = #string.rep('x', 4), nz = n,
              up_block = function(cin, cout) return zoo.nn.Sequential(zoo.nn.Upsample{scale = 2},
                zoo.nn.Conv2d(cin, cout, {kernel = 3, padding = 1})) end } }
            """, to: root + "/zoo/toy/pure.lua")
        let (cfg, _) = try config(lua, "toy/pure")
        let arch = cfg["arch"] as! [String: Any]
        XCTAssertEqual(arch["ngf"] as? Int, 8)
        XCTAssertEqual(arch["nz"] as? Int, 25)
        // The block-slot function runs later, still sandboxed, and builds modules.
        try lua.run("""
            local zoo = require 'zoo'
            local m = zoo.model('toy/pure', {'arch.image_size=16'})
            assert(m.networks.netG(zoo.randn(2, 25)):size(3) == 16)
            """)
    }
}
