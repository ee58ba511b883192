// Allocations Lua code asks for that cannot be had: an error naming the op (catchable with pcall),
// never a crash; dead tensors Lua still holds are collected before a refusal. Nothing large is allocated.
import XCTest
@testable import ZooCore
@testable import ZooLua

final class MemoryTests: XCTestCase {
    var savedCap: Int?
    override func setUp() { savedCap = MemoryGate.cap }
    override func tearDown() {
        MemoryGate.cap = savedCap
        MemoryGate.systemMemoryOverride = nil
    }

    /// The message of the error `expression` raises inside pcall (nil when it succeeds).
    func pcallError(_ lua: LuaState, _ expression: String) throws -> String? {
        let r = try lua.run("""
            local zoo = require 'zoo'
            local ok, err = pcall(function() return \(expression) end)
            if ok then return nil end
            return tostring(err)
            """)
        return r.first as? String
    }

    func testHugeResultsFailInsidePcall() throws {
        let lua = try makeLua()
        func check(_ expression: String, _ fragment: String, line: UInt = #line) throws {
            let message = try pcallError(lua, expression)
            XCTAssertTrue(message?.contains(fragment) == true, "\(expression): \(message ?? "no error")", line: line)
            XCTAssertTrue(message?.contains("out of memory: requested ") == true, message ?? "", line: line)
        }
        try check("zoo.randn(1000000, 1):matmul(zoo.randn(1, 1000000))", "4.0 TB for matmul [1000000, 1] x [1, 1000000] (")
        try check("zoo.randn(1000000, 1) + zoo.randn(1, 1000000)", "for add [1000000, 1] and [1, 1000000]")
        try check("zoo.nn.Linear(1, 100000):forward(zoo.randn(1000000, 1))", "for linear [1000000, 1] x weight [100000, 1]ᵀ")
        try check("zoo.nn.Conv2d(3, 4, {kernel = 3, padding = 100000}):forward(zoo.randn(1, 3, 8, 8))",
                  "for conv2d [1, 3, 8, 8] * weight [4, 3, 3, 3] (stride 1, padding 100000)")
        // The state is still usable afterwards.
        XCTAssertEqual(try lua.run("return require('zoo').ones(2):sum():item()").first as? Double, 2)
    }

    func testRepeatedLargeTensorsFailCleanly() throws {
        let lua = try makeLua()
        // 4.9 GB each on a machine pretending to have 1 GB free: refused before the first is made.
        MemoryGate.systemMemoryOverride = (1 << 30, 8 << 30)
        let big = try pcallError(lua, "(function() local t = {} for i = 1, 10 do t[i] = zoo.zeros(35000, 35000) end end)()")
        XCTAssertTrue(big?.contains("out of memory: requested 4.9 GB for a tensor of shape [35000, 35000] (available ") == true, big ?? "")
        MemoryGate.systemMemoryOverride = nil
        // Kept tensors of 8 MB under a 20 MB cap: the third is refused.
        MemoryGate.cap = MemoryGate.liveBytes + 20_000_000
        let kept = try pcallError(lua, "(function() local t = {} for i = 1, 10 do t[i] = zoo.zeros(2000, 1000); n = i end end)()")
        XCTAssertTrue(kept?.contains("engine memory cap") == true, kept ?? "")
        XCTAssertEqual(try lua.run("return n == 2").first as? Bool, true, "the third was refused")
        // Dead ones are collected when the gate would refuse: the loop runs to the end.
        try lua.run("collectgarbage()")
        XCTAssertNil(try pcallError(lua, "(function() for i = 1, 20 do local t = zoo.zeros(2000, 1000) end end)()"))
    }

    func testABudgetLimitsWhatScriptsHold() throws {
        let lua = try makeLua()
        let budget = MemoryBudget(limit: 10_000_000)
        let message = try budget.charging {
            try pcallError(lua, "(function() keep = {zoo.zeros(1000, 1000), zoo.zeros(1000, 1000)}; return zoo.zeros(1000, 1000) end)()")
        }
        XCTAssertTrue(message?.contains("for a tensor of shape [1000, 1000] (sandbox budget 10.0 MB, 8.0 MB in use)") == true, message ?? "")
        XCTAssertEqual(budget.charged, 8_000_000, "the tensors the script keeps stay charged")
        try lua.run("keep = nil; collectgarbage()")
        XCTAssertEqual(budget.charged, 0)
    }
}
