// StackGAN-v2: parity with the PyTorch fixtures, official parameter counts, config errors, slots.
import Foundation
import XCTest
import ZooCore
import ZooLua
import ZooTestSupport
@testable import StackGANv2

final class StackGANv2Tests: XCTestCase {
    override func setUp() {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
    }

    func parity(_ name: String) throws {
        let report = try ParityRunners.run(prefix: fixturePath("parity/\(name)"))
        XCTAssertGreaterThan(report.rows.count, 50, name)
        // Most tensors must meet the fixed tolerance outright; the sensitivity bound is for a few.
        let calibrated = report.rows.filter { $0.relative > $0.tolerance }.count
        XCTAssertLessThanOrEqual(calibrated, report.rows.count / 20, "\(name): \(calibrated) tensors only pass by sensitivity")
        for row in report.rows where !row.passed {
            XCTFail("\(name) \(row.name): error \(row.maxAbs) (relative \(row.relative)) > tolerance \(row.tolerance) and > 4× the float32 sensitivity \(row.sensitivity)")
        }
    }

    func testParityConditional() throws { try parity("shared_v2_cond") }
    func testParityUnconditional() throws { try parity("shared_v2_uncond") }
    func testParityDemo() throws { try parity("shared_v2_demo") }

    /// SPEC §3.3: trainable parameters of the birds (conditional) and unconditional configs.
    func testOfficialParameterCounts() throws {
        for (conditional, g, d) in [(true, 21_239_696, [5_723_906, 18_834_178, 71_269_122]),
                                    (false, 16_472_208, [2_765_569, 15_875_841, 68_310_785])] {
            var cfg = StackGANv2Config()
            cfg.conditional = conditional
            cfg.initialize = false
            XCTAssertEqual(try GNet(cfg).parameterCount, g, "G conditional=\(conditional)")
            for (size, expected) in zip([64, 128, 256], d) {
                XCTAssertEqual(try V2Discriminator(size: size, cfg).parameterCount, expected, "D\(size) conditional=\(conditional)")
            }
        }
    }

    func testBadConfigs() throws {
        var cfg = StackGANv2Config()
        cfg.branchNum = 5
        XCTAssertThrowsError(try cfg.validate()) { XCTAssertTrue("\($0)".contains("arch.branches must be 1, 2 or 3"), "\($0)") }
        cfg.branchNum = 2
        cfg.gfDim = 6
        XCTAssertThrowsError(try cfg.validate()) { XCTAssertTrue("\($0)".contains("arch.gf must be a positive multiple of 4"), "\($0)") }
    }
}

/// StackGAN-v2 from Lua: zoo entries resolve, block slots swap, a step trains, sampling works.
final class StackGANv2LuaTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func lua() throws -> LuaState {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        return try LuaState(projectRoot: StackGANv2LuaTests.root)
    }

    func testEveryEntryResolves() throws {
        let lua = try lua()
        for entry in ["birds", "bedroom", "church", "dog", "cat", "emoji", "emoji-uncond", "emoji-swap"] {
            XCTAssertNoThrow(try lua.call("config", "stackgan-v2/\(entry)"), entry)
        }
        let (cfg) = try lua.call("config", "stackgan-v2/dog")[0] as! [String: Any]
        XCTAssertEqual((cfg["loss"] as! [String: Any])["colour"] as? Double, 50)
        XCTAssertEqual((cfg["arch"] as! [String: Any])["conditional"] as? Bool, false)
    }

    func testBlockSwapTrainsAndSamples() throws {
        let lua = try lua()
        let r = try lua.run("""
            local zoo = require "zoo"
            zoo.seed(1)
            local m = zoo.model("stackgan-v2/emoji-swap", {"train.batch=2"})
            local up = m.networks.netG.h_net1.upsample1
            assert(up[4]:type() == "LeakyReLU", "the slot's block is in place")
            local batch = { text = zoo.randn(2, 384) }
            for _, s in ipairs {64, 128} do
              batch["real." .. s] = zoo.rand(2, 3, s, s) * 2 - 1
              batch["wrong." .. s] = zoo.rand(2, 3, s, s) * 2 - 1
            end
            local first = m:train_step(batch)
            local second, names = m:train_step(batch)
            assert(names[1] == "errD.0" and names[3] == "errG")
            for _, n in ipairs(names) do assert(second[n] == second[n], n .. " is NaN") end
            local imgs, order = m:sample { n = 2, seed = 3, condition = zoo.randn(2, 384) }
            assert(order[2] == "img128" and imgs.img128:size(3) == 128)
            return first.errD_0 == nil and first["errD.0"] ~= second["errD.0"]
            """)
        XCTAssertEqual(r.first as? Bool, true)
    }

    func testBadConfigsFromLua() throws {
        let lua = try lua()
        assertError(lua, "require('zoo').model('stackgan-v2/emoji', {'arch.branches=5'})", "arch.branches must be 1, 2 or 3")
        assertError(lua, "require('zoo').config('stackgan-v2/emoji', {'arch.gff=3'})", "unknown key 'arch.gff' for model 'stackgan-v2' (did you mean 'arch.gf'?)")
        assertError(lua, "require('zoo').config('stackgan-v2/emoji', {'arch.conditional=yes'})", "expected true or false")
        assertError(lua, """
            local zoo = require('zoo')
            local cfg = zoo.config('stackgan-v2/emoji')
            cfg.arch.up_block = function(cin, cout) return 42 end
            zoo.model(cfg)
            """, "arch.up_block: must return a module, got number")
    }

    func assertError(_ lua: LuaState, _ code: String, _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try lua.run(code), line: line) { e in
            XCTAssertTrue("\(e)".contains(fragment), "'\(e)' lacks '\(fragment)'", line: line)
        }
    }
}
