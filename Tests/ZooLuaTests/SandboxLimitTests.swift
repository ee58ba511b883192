// The sandbox's limits: memory and instruction budgets wherever sandboxed code runs, configs that
// contain themselves, `extends` inside the project, and the CLI's one-line errors for all of them.
import Foundation
import XCTest
@testable import ZooLua

final class SandboxLimitTests: XCTestCase {
    /// A project folder (dcgan plugin loaded) with one entry per (name, source).
    func project(_ entries: [String: String]) throws -> (LuaState, String) {
        let root = try temporaryFolder(self)
        for (name, source) in entries { try write(source, to: root + "/zoo/toy/\(name).lua") }
        return (try makeLua(root: root), root)
    }

    /// The message of the error `zoo.config(entry)` raises (fails the test if it succeeds).
    func configError(_ lua: LuaState, _ entry: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try lua.call("config", entry)
            XCTFail("config('\(entry)') succeeded", file: file, line: line)
        } catch let e as ScriptError {
            return e.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }

    func assertStillUsable(_ lua: LuaState, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try lua.run("return ('%d'):format(2) .. require('zoo').ones(3):sum():item()").first as? String, "23.0",
                       file: file, line: line)
    }

    // MARK: - Memory

    func testMemoryBombInAnEntryIsAnErrorNamingItsLine() throws {
        let (lua, _) = try project(["bomb": "local s = 'x'\nfor i = 1, 40 do\n  s = s .. s\nend\nreturn { model = 'dcgan' }\n"])
        XCTAssertEqual(configError(lua, "toy/bomb"), "zoo/toy/bomb.lua:3: out of memory: the config used more than 256 MiB (sandbox limit)")
        // The sandbox's garbage is collectable and the limit is gone afterwards.
        try lua.run("collectgarbage(); local s = ('x'):rep(300 * 1024 * 1024); assert(#s > 0)")
        assertStillUsable(lua)
    }

    func testMemoryBombInCheckpointMetadata() throws {
        let lua = try makeLua()
        // What trainer.lua does with a checkpoint's `rng` metadata on resume.
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.set_rng_state(zoo.deserialize([[(function() local t = {} for i = 1, 1e9 do t[i] = {} end end)()]]))",
                          ["out of memory: the config used more than 256 MiB (sandbox limit)"])
        assertScriptError(lua, "require('zoo').deserialize('(\"x\"):rep(2^30)')", ["(deserialize):1: out of memory"])
        assertStillUsable(lua)
    }

    func testTrustedScriptOutOfMemoryIsALuaError() throws {
        let lua = try LuaState(projectRoot: repositoryRoot, memoryLimit: 600 << 20)
        assertScriptError(lua, "local s = 'x'\nfor i = 1, 40 do\n  s = s .. s\nend",
                          ["test:3: out of memory: Lua used more than 600 MiB (the limit for trusted scripts"])
        assertScriptError(lua, "local t = {}\nfor i = 1, 1e9 do t[i] = {i} end", ["test:2: out of memory"])
        // pcall catches it like any error in trusted code.
        XCTAssertEqual(try lua.run("collectgarbage(); return select(2, pcall(string.rep, 'x', 2^30))").first as? String, "not enough memory")
        assertStillUsable(lua)
    }

    func testSwiftResultsThatWouldPassTheLimitAreRefused() throws {
        let lua = try makeLua()
        // values() of 2^24 floats needs 256 MiB of table slots: refused before it is built.
        assertScriptError(lua, "require('zoo').deserialize('zoo.zeros(2^24):values()')", ["(deserialize):1: values: out of memory"])
        XCTAssertEqual(try lua.run("return #require('zoo').zeros(1000):values()").first as? Int, 1000)
    }

    func testExternalBytesAreChargedToTheBudgetInForce() throws {
        let lua = try LuaState(projectRoot: repositoryRoot, memoryLimit: 600 << 20)
        XCTAssertFalse(lua.memoryUse.inSandbox)
        XCTAssertEqual(lua.memoryUse.trustedLimit, 600 << 20)
        XCTAssertFalse(lua.chargeExternal(700 << 20))
        XCTAssertEqual(lua.memoryUse.externalBytes, 0)
        XCTAssertTrue(lua.chargeExternal(500 << 20))
        XCTAssertEqual(lua.memoryUse.externalBytes, 500 << 20)
        // Lua's own allocations now have only ~100 MiB left.
        assertScriptError(lua, "local s = ('x'):rep(200 * 1024 * 1024)", ["out of memory"])
        lua.releaseExternal(500 << 20)
        XCTAssertEqual(lua.memoryUse.externalBytes, 0)
        try lua.run("collectgarbage(); local s = ('x'):rep(200 * 1024 * 1024)")
    }

    func testConfigsThatContainThemselves() throws {
        let (lua, _) = try project([
            "cyclic": "local t = { model = 'dcgan', arch = {} }\nt.arch.me = t.arch\nreturn t\n",
            "root": "local t = { model = 'dcgan' }\nt.again = t\nreturn t\n",
            "seq": "local l = { 1, 2 }\nl[3] = l\nreturn { model = 'dcgan', arch = { up_block = l } }\n",
            "plain": "return { model = 'dcgan' }\n",
        ])
        XCTAssertEqual(configError(lua, "toy/cyclic"), "zoo/toy/cyclic.lua: the config contains itself: 'arch.me' is 'arch' again")
        XCTAssertEqual(configError(lua, "toy/root"), "zoo/toy/root.lua: the config contains itself: 'again' is the whole config again")
        XCTAssertTrue(configError(lua, "toy/seq").contains("'arch.up_block.3' is 'arch.up_block' again"))
        assertScriptError(lua, "require('zoo').config('toy/plain', {'arch.up_block=(function() local t = {} t.t = t return t end)()'})",
                          ["--set arch.up_block=", "the value contains itself: 't' is the whole value again"])
        // Serialising (config.lua of a run) and describing say so instead of recursing.
        assertScriptError(lua, "local t = {a = {}}\nt.a.b = t\nreturn require('zoo').config_source(t)",
                          ["cannot write a table that contains itself ('a.b') into a config"])
        // Tables shared (not cycles) are fine, and a shared chain does not blow up.
        try write("local s = { 1, 2 }\nreturn { model = 'dcgan', data = { a = s, b = { s, s } } }\n",
                  to: lua.projectRoot + "/zoo/toy/shared.lua")
        XCTAssertNoThrow(try lua.call("config", "toy/shared"))
        try write("local t = {}\nfor i = 1, 60 do t = { a = t, b = t } end\nreturn { model = 'dcgan', data = t }\n",
                  to: lua.projectRoot + "/zoo/toy/dag.lua")
        XCTAssertTrue(configError(lua, "toy/dag").contains("the config is too large (more than a million values)"))
    }

    // MARK: - Instructions

    func testHostilePatternsStopAtTheInstructionLimit() throws {
        let (lua, _) = try project([
            "backtrack": "local s = ('a'):rep(40)\nlocal m = s:match(('a*'):rep(40) .. 'b')\nreturn { model = 'dcgan' }\n",
            "find": "local s = ('a'):rep(30)\nlocal m = string.find(s, ('a-'):rep(30) .. 'b')\nreturn { model = 'dcgan' }\n",
            "gsub": "local s = ('x'):rep(100000)\nfor i = 1, 1e9 do\n  s:gsub('x', 'y')\nend\n",
            "gmatch": "local s = ('ab'):rep(50000)\nwhile true do\n  for w in s:gmatch('%a') do end\nend\n",
            "rep": "local e = ('').rep('', 1e12)\nreturn { model = 'dcgan', description = '[' .. e .. ']' }\n",
        ])
        let limit = "instruction limit exceeded: the config ran more than 50 million instructions (sandbox limit"
        XCTAssertEqual(configError(lua, "toy/backtrack"), "zoo/toy/backtrack.lua:2: " + limit + "; an endless loop?)")
        XCTAssertTrue(configError(lua, "toy/find").hasPrefix("zoo/toy/find.lua:2: " + limit))
        // (Both loops spend their budget inside the string function, on line 3, almost always.)
        XCTAssertTrue(configError(lua, "toy/gsub").hasPrefix("zoo/toy/gsub.lua:"), "gsub")
        XCTAssertTrue(configError(lua, "toy/gsub").contains(limit))
        XCTAssertTrue(configError(lua, "toy/gmatch").hasPrefix("zoo/toy/gmatch.lua:"), "gmatch")
        // rep of an empty string is "" at once (the library's loop would run 10^12 times).
        let start = Date()
        XCTAssertEqual(try lua.call("entry_description", "toy/rep").first as? String, "[]")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        assertStillUsable(lua)
    }

    func testBlockSlotsAndLuaModulesKeepTheLimitWhenTheyRunLater() throws {
        let (lua, _) = try project([
            "slot": """
                return { model = 'dcgan', arch = { image_size = 8, ngf = 2, ndf = 2, nz = 4,
                  up_block = function(cin, cout)
                    while true do end
                  end } }
                """,
            "slotmem": """
                return { model = 'dcgan', arch = { image_size = 8, ngf = 2, ndf = 2, nz = 4,
                  up_block = function(cin, cout)
                    local t = {}
                    for i = 1, 1e9 do t[i] = {} end
                  end } }
                """,
            "module": """
                return { model = 'dcgan', description = 'spin', arch = { image_size = 8, ngf = 2, ndf = 2, nz = 4,
                  up_block = function(cin, cout)
                    local nn = zoo.nn
                    local Spin = nn.define('Spin', { forward = function(self, x)
                      while true do end
                    end })
                    return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 1 }), Spin())
                  end } }
                """,
            "swap": """
                return { model = 'dcgan', arch = { image_size = 8, ngf = 2, ndf = 2, nz = 4,
                  up_block = function(cin, cout)
                    local nn = zoo.nn
                    local Pass = nn.define('Pass', { forward = function(self, x) return x end })
                    -- Neither changes the class the constructor uses, nor its __call.
                    Pass.class.forward = function(self, x) while true do end end
                    getmetatable(Pass).__call = function() while true do end end
                    local p = Pass()
                    assert(p.__class == nil and not pcall(function() p.__class = {} end))
                    return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 1 }), p)
                  end } }
                """,
        ])
        // Sandboxed code cannot swap the methods Swift calls later.
        XCTAssertEqual(try lua.run("local zoo = require 'zoo'\nreturn zoo.model('toy/swap').networks.netG(zoo.randn(2, 4)):size(3)").first as? Int, 8)
        // At build time (trusted code calls the slot).
        XCTAssertNoThrow(try lua.call("config", "toy/slot"))  // loading the entry runs no slot
        assertScriptError(lua, "require('zoo').model('toy/slot')",
                          ["zoo/toy/slot.lua:3: instruction limit exceeded: the config ran more than 50 million instructions"])
        assertScriptError(lua, "require('zoo').model('toy/slotmem')",
                          ["zoo/toy/slotmem.lua:4: out of memory: the config used more than 256 MiB (sandbox limit)"])
        // At forward time: Swift's Sequential calls the Lua module's forward.
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local m = zoo.model('toy/module')
            m.networks.netG(zoo.randn(2, 4))
            """, ["zoo/toy/module.lua:5: instruction limit exceeded"])
        assertStillUsable(lua)
    }

    func testMetamethodsAndErrorObjectsRunOnTheBudget() throws {
        let (lua, _) = try project([
            "gc": "setmetatable({}, { __gc = function() end })\nreturn { model = 'dcgan' }\n",
            "tostring": "error(setmetatable({}, { __tostring = function()\n  while true do end\nend }))\n",
            "pcall": "pcall(function()\n  while true do end\nend)\nreturn { model = 'dcgan' }\n",
            "xpcall": "xpcall(function() while true do end end, function(e)\n  return 'handled'\nend)\nreturn { model = 'dcgan' }\n",
            "later": "local mt = {}\nlocal t = setmetatable({}, mt)\nmt.__index = function() while true do end end\nreturn { model = 'dcgan', description = t.missing or 'ok' }\n",
        ])
        XCTAssertTrue(configError(lua, "toy/gc").hasPrefix("zoo/toy/gc.lua:1: setmetatable: '__gc' is not allowed in a config"))
        XCTAssertTrue(configError(lua, "toy/tostring").hasPrefix("zoo/toy/tostring.lua:2: instruction limit exceeded"))
        // The sandbox's own pcall/xpcall cannot swallow a spent budget.
        XCTAssertTrue(configError(lua, "toy/pcall").hasPrefix("zoo/toy/pcall.lua:2: instruction limit exceeded"))
        XCTAssertTrue(configError(lua, "toy/xpcall").hasPrefix("zoo/toy/xpcall.lua:1: instruction limit exceeded"))
        // A metatable changed after setmetatable changes nothing.
        XCTAssertEqual(try lua.call("entry_description", "toy/later").first as? String, "ok")
        // Metamethods of sandbox-made values, triggered by trusted code, run on a budget too.
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local t = zoo.deserialize('setmetatable({}, { __index = function(t, k) while true do end end })')
            return t.anything
            """, ["(deserialize):1: instruction limit exceeded"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local mt = '{ __eq = function() while true do end end, __tostring = function() while true do end end }'
            local a, b = zoo.deserialize('setmetatable({}, ' .. mt .. '), setmetatable({}, ' .. mt .. ')')
            return a == b
            """, ["(deserialize):1: instruction limit exceeded"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local t = zoo.deserialize('setmetatable({}, { __tostring = function() while true do end end })')
            error(t)
            """, ["(deserialize):1: instruction limit exceeded"])
        assertStillUsable(lua)
    }

    func testSandboxedStringMethodsAreTheSandboxCopies() throws {
        let (lua, _) = try project([
            "dump": "local d = ('').dump\nreturn { model = 'dcgan', description = tostring(d) }\n",
            "call": "local f = ('x').dump(function() end)\nreturn { model = 'dcgan' }\n",
        ])
        XCTAssertEqual(try lua.call("entry_description", "toy/dump").first as? String, "nil")
        XCTAssertTrue(configError(lua, "toy/call").hasPrefix("zoo/toy/call.lua:1: attempt to call a nil value (field 'dump')"))
        // Trusted code keeps the full string library, also after a sandbox failed.
        XCTAssertEqual(try lua.run("return type(('').dump) .. type(getmetatable('').__index.dump)").first as? String, "functionfunction")
    }

    func testListReadsEntriesOnASmallBudget() throws {
        let (lua, _) = try project([
            "slow": "local n = 0\nfor i = 1, 3e6 do n = n + 1 end\nreturn { model = 'dcgan', description = 'slow: ' .. n }\n",
            "big": "local s = ('x'):rep(64 * 1024 * 1024)\nreturn { model = 'dcgan', description = 'big' }\n",
        ])
        // 12 million instructions: fine for a config, too many for `stackzoo list`.
        let slow = try lua.call("entry_description", "toy/slow")
        XCTAssertNil(slow.first ?? nil)
        XCTAssertEqual(slow.count, 2)
        XCTAssertTrue((slow[1] as? String ?? "").hasPrefix("zoo/toy/slow.lua:2: instruction limit exceeded: the config ran more than 5 million"))
        let big = try lua.call("entry_description", "toy/big")
        XCTAssertEqual(big[1] as? String, "zoo/toy/big.lua:1: out of memory: the config used more than 32 MiB (sandbox limit)")
        XCTAssertNoThrow(try lua.call("config", "toy/slow"))
        XCTAssertNoThrow(try lua.call("config", "toy/big"))
    }

    // MARK: - extends

    func testExtendsStaysInsideTheProject() throws {
        let (lua, root) = try project([
            "base": "return { model = 'dcgan', description = 'base' }\n",
            "passwd": "return { model = 'dcgan',\n  extends = '/etc/passwd' }\n",
            "up": "return { extends = '../../../../etc/passwd' }\n",
            "zero": "return { extends = 'toy/base\\0/../x' }\n",
            "name": "return { extends = 'toy/base' }\n",
            "path": "return { extends = 'zoo/toy/base.lua' }\n",
        ])
        try write("return { extends = '\(root)/zoo/toy/base.lua' }\n", to: root + "/zoo/toy/absolute.lua")
        XCTAssertEqual(configError(lua, "toy/passwd"),
                       "zoo/toy/passwd.lua:2: 'extends' must name a zoo entry or a file inside the project; '/etc/passwd' is outside the project (\(root))")
        XCTAssertTrue(configError(lua, "toy/up").hasSuffix("'../../../../etc/passwd' goes up with '..'"))
        XCTAssertTrue(configError(lua, "toy/zero").hasSuffix("'toy/base\\0/../x' holds a zero byte"))
        for entry in ["toy/name", "toy/path", "toy/absolute"] {
            XCTAssertEqual(try lua.call("entry_description", entry).first as? String, "base", entry)
        }
    }

    // MARK: - The command line

    func testCommandLineGivesOneErrorAndExitsOne() throws {
        let root = try temporaryFolder(self)
        try write("local s = 'x'\nfor i = 1, 40 do\n  s = s .. s\nend\nreturn { model = 'dcgan' }\n", to: root + "/zoo/x/bomb.lua")
        try write("local t = { model = 'dcgan' }\nt.t = t\nreturn t\n", to: root + "/zoo/x/cyclic.lua")
        try write("local m = ('a'):rep(40):match(('a*'):rep(40) .. 'b')\nreturn { description = 'never' }\n", to: root + "/zoo/x/pattern.lua")
        try write("return { description = 'fine' }\n", to: root + "/zoo/x/fine.lua")
        try write("local s = 'x'\nfor i = 1, 40 do\n  s = s .. s\nend\n", to: root + "/trusted.lua")
        let env = ["STACKZOO_HOME": root, "STACKZOO_LUA_MEMORY_MB": "600"]

        let (s1, _, err1) = try runStackzoo(["describe", "x/bomb"], cwd: root, environment: env, timeout: 120)
        XCTAssertEqual(s1, 1)
        XCTAssertTrue(err1.hasPrefix("zoo/x/bomb.lua:3: out of memory: the config used more than 256 MiB (sandbox limit)\n"), err1)
        let (s2, _, err2) = try runStackzoo(["describe", "x/cyclic"], cwd: root, environment: env, timeout: 120)
        XCTAssertEqual(s2, 1)
        XCTAssertTrue(err2.hasPrefix("zoo/x/cyclic.lua: the config contains itself: 't' is the whole config again\n"), err2)
        let (s3, _, err3) = try runStackzoo(["run", root + "/trusted.lua"], cwd: root, environment: env, timeout: 120)
        XCTAssertEqual(s3, 1)
        XCTAssertTrue(err3.contains("/trusted.lua:3: out of memory: Lua used more than 600 MiB"), err3)  // (Lua shortens long paths)
        // list names what it cannot read, and goes on.
        let (s4, out4, err4) = try runStackzoo(["list"], cwd: root, environment: env, timeout: 120)
        XCTAssertEqual(s4, 0, err4)
        XCTAssertTrue(out4.contains("x/fine     fine"), out4)
        XCTAssertTrue(out4.contains("x/pattern  (cannot be read: zoo/x/pattern.lua:1: instruction limit exceeded"), out4)
        XCTAssertTrue(out4.contains("x/bomb     (cannot be read: zoo/x/bomb.lua:3: out of memory"), out4)
    }

    func testPluginsCanBeSwitchedOff() throws {
        let (s, out, _) = try runStackzoo(["list"])
        XCTAssertEqual(s, 0)
        XCTAssertTrue(out.contains("[zoo/plugins/dcgan.lua]"), out)
        let (s2, out2, _) = try runStackzoo(["list"], environment: ["STACKZOO_PLUGINS": "0"])
        XCTAssertEqual(s2, 0)
        XCTAssertFalse(out2.contains("zoo/plugins/dcgan.lua"), out2)
        let (s3, out3, _) = try runStackzoo(["--no-plugins", "list"])
        XCTAssertEqual(s3, 0)
        XCTAssertFalse(out3.contains("zoo/plugins/dcgan.lua"), out3)
        XCTAssertTrue(out3.contains("stackgan-v2"), out3)
    }
}
