// Bad scripts never crash: wrong types, wrong shapes, nil everywhere, errors in callbacks and Lua modules.
import Foundation
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooLua

final class ErrorTests: XCTestCase {
    func testArgumentErrorsReadLikeLua() throws {
        let lua = try makeLua()
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Conv2d(3, 'x')",
                          ["script.lua:2: bad argument #2 to 'Conv2d' (number expected, got string)"], name: "@script.lua")
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Linear(3)", ["bad argument #2 to 'Linear' (number expected, got no value)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Conv2d(3, 4, {kernal = 3})",
                          ["bad argument #3 to 'Conv2d' (unknown option 'kernal'; did you mean 'kernel'?"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Conv2d(3, 4, {kernel = 'big'})",
                          ["option 'kernel': integer expected, got string"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.optim.Adam({1, 2})", ["bad argument #1 to 'Adam' (entry 1 is not a tensor)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(2, 3):get(3, 1)", ["bad argument #2 to 'get' (index 3 out of range 1..2)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nlocal t = zoo.zeros(2)\nt.foo = 1", ["test:3: cannot set field 'foo' of a tensor"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(2):frobnicate()", ["test:2: tensor has no field or method 'frobnicate'"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.tensor({1, {2}})", ["ragged nested table"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.tensor({1, 'a'})", ["tensor data must be numbers"])
        // Sizes that could not be allocated fail (before allocating) instead of killing the process.
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(1e6, 1e6)",
                          ["test:2: out of memory: requested 4.0 TB for a tensor of shape [1000000, 1000000] (available "])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(1e10, 1e10, 1e10)",
                          ["out of memory: requested over 1000 EB for a tensor of shape [10000000000, 10000000000, 10000000000] (more than any machine can address)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Linear(1e6, 1e6)",
                          ["out of memory: requested 4.0 TB for Linear(1000000, 1000000) weight [1000000, 1000000]"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Linear(-1, 3)", ["bad argument #1 to 'Linear' (size must be a positive integer, got -1)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.ones(2, 3):replicate(1e6, 1e6)",
                          ["out of memory: requested 24.0 TB for replicate [2, 3] to 1000000×1000000"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(-2)", ["non-negative"])
    }

    func testShapeErrorsNameOpAndShapes() throws {
        let lua = try makeLua()
        assertScriptError(lua, "local zoo = require 'zoo'\nlocal a = zoo.zeros(2, 3) + zoo.zeros(4, 3)",
                          ["test:2: add: shapes [2, 3] and [4, 3] cannot be broadcast"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Conv2d(3, 8)(zoo.zeros(1, 4, 8, 8))",
                          ["conv2d: input [1, 4, 8, 8] does not match weight [8, 3, 3, 3]"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.Sequential(zoo.nn.Linear(4, 3), zoo.nn.Linear(5, 2))(zoo.zeros(2, 4))",
                          ["(1) Linear: linear: input [2, 3] does not match weight [2, 5]"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(2, 3):reshape(4, 2)", ["cannot view [2, 3]"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.zeros(2, 3, {requires_grad = true}):backward()", ["non-scalar"])
    }

    func testNilEverywhere() throws {
        let lua = try makeLua()
        // Every zoo function and every tensor/module method called with nils must fail cleanly or cope.
        try lua.run("""
            local zoo = require 'zoo'
            local failures, calls = 0, 0
            local function try(f, ...)
              calls = calls + 1
              local ok = pcall(f, ...)
              if not ok then failures = failures + 1 end
            end
            local function sweep(tbl)
              for _, f in pairs(tbl) do
                if type(f) == 'function' then try(f); try(f, nil, nil, nil); try(f, {}, {}, {}); try(f, 'x', 1) end
              end
            end
            sweep(zoo); sweep(zoo.nn); sweep(zoo.optim); sweep(zoo.image); sweep(zoo.nn.ModuleMethods)
            local t, m = zoo.zeros(2, 2), zoo.nn.Linear(2, 2)
            for _, name in ipairs({'add', 'conv2d', 'matmul', 'slice', 'split', 'sum', 'reshape', 'backward', 'get', 'set', 'glu', 'upsample'}) do
              try(t[name], t); try(t[name], t, nil, nil); try(t[name], t, {}, 'x')
            end
            for _, name in ipairs({'forward', 'add', 'load_state_dict', 'apply', 'training'}) do
              try(m[name], m); try(m[name], m, nil); try(m[name], m, 'x', {})
            end
            assert(calls > 200 and failures > 100)
            """)
        // Still alive and usable afterwards.
        XCTAssertEqual(try lua.run("return require('zoo').ones(3):sum():item()").first as? Double, 3)
    }

    func testErrorsInsideCallbacks() throws {
        let lua = try makeLua()
        assertScriptError(lua, """
            local zoo = require 'zoo'
            zoo.nn.Sequential(zoo.nn.ReLU()):apply(function(m)
              error('boom in apply')
            end)
            """, ["test:3: boom in apply"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            zoo.no_grad(function() local x = nil; return x.field end)
            """, ["test:2: attempt to index a nil value"])
        XCTAssertEqual(try lua.run("return require('zoo').zeros(2, {requires_grad = true}) * 2").count, 1)
        // Grad mode is restored after an error inside no_grad.
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testErrorsInsideLuaModules() throws {
        let lua = try makeLua()
        // A Lua module's forward failing while a Swift Sequential runs it: the position is the module's line.
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local Bad = zoo.nn.define('Bad', { forward = function(self, x)
              return x + zoo.zeros(7)
            end })
            zoo.nn.Sequential(zoo.nn.ReLU(), Bad())(zoo.zeros(2, 3))
            """, ["test:3: add: shapes [2, 3] and [7] cannot be broadcast"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local NotTensor = zoo.nn.define('NotTensor', { forward = function(self, x) return 42 end })
            zoo.nn.Sequential(NotTensor())(zoo.zeros(2, 3))
            """, ["NotTensor: forward must return a tensor, got number"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.nn.define('NoForward', {})", ["needs a forward(self, x) function"])
        // Backward through a Lua module whose output is not a scalar, and backward of something detached.
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local Twice = zoo.nn.define('Twice', { forward = function(self, x) return x * 2 end })
            local y = Twice()(zoo.ones(2, {requires_grad = true}))
            y:backward()
            """, ["test:4: backward: a gradient is needed for a non-scalar result of shape [2]"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local Cut = zoo.nn.define('Cut', { forward = function(self, x) return x:detach() * 2 end })
            Cut()(zoo.ones(2, {requires_grad = true})):sum():backward()
            """, ["backward: this tensor does not require gradients"])
        assertScriptError(lua, """
            local zoo = require 'zoo'
            local Wrong = zoo.nn.define('Wrong', { forward = function(self, x) return x end })
            local y = Wrong()(zoo.ones(2, {requires_grad = true})):sum()
            y:backward(zoo.ones(3))
            """, ["backward: gradient of shape [3] for a result of shape []"])
    }

    func testScriptFilesAndTracebacks() throws {
        let lua = try makeLua()
        let dir = try temporaryFolder(self)
        try write("local zoo = require 'zoo'\n\nlocal function f()\n  return zoo.zeros(2) + zoo.zeros(3)\nend\nf()\n", to: dir + "/bad.lua")
        XCTAssertThrowsError(try lua.runFile(dir + "/bad.lua")) { e in
            let s = e as! ScriptError
            XCTAssertTrue(s.message.hasSuffix("bad.lua:4: add: shapes [2] and [3] cannot be broadcast together (dim -1: 2 vs 3)"), s.message)
            XCTAssertTrue(s.traceback.contains("stack traceback:") && s.traceback.contains("bad.lua:6"), s.traceback)
        }
        XCTAssertThrowsError(try lua.runFile(dir + "/missing.lua")) { XCTAssertTrue("\($0)".contains("missing.lua")) }
        try write("#!/usr/bin/env stackzoo run\nlocal a, b = ...\nassert(a == 'x' and b == 'y' and arg[1] == 'x' and arg[0]:find('ok.lua'))\n", to: dir + "/ok.lua")
        XCTAssertNoThrow(try lua.runFile(dir + "/ok.lua", arguments: ["x", "y"]))
        try write("local x = \n", to: dir + "/syntax.lua")
        XCTAssertThrowsError(try lua.runFile(dir + "/syntax.lua")) { XCTAssertTrue("\($0)".contains("syntax.lua:2:"), "\($0)") }
        try write("error({})\n", to: dir + "/table.lua")
        XCTAssertThrowsError(try lua.runFile(dir + "/table.lua")) { XCTAssertTrue("\($0)".contains("table.lua:1: error object (a table): {}"), "\($0)") }
    }
}
