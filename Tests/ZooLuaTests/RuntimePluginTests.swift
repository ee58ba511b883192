// The Lua DCGAN plugin trains and samples; a Lua-defined module's gradients match finite differences.
import Foundation
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooLua

final class RuntimePluginTests: XCTestCase {
    func testDCGANTrainsAndSamples() throws {
        let lua = try makeLua()
        for entry in ["dcgan/tiny", "dcgan/tiny-glu"] {
            let result = try lua.run("""
                local zoo = require 'zoo'
                zoo.seed(3)
                local model = zoo.model('\(entry)')
                -- A fixed batch of simple pictures: left half bright, right half dark, in [-1, 1].
                local images = zoo.zeros(4, 3, 16, 16)
                for b = 1, 4 do for c = 1, 3 do for y = 1, 16 do for x = 1, 8 do images:set(0.8, b, c, y, x) end end end end
                local first, last
                for step = 1, 4 do
                  local losses = model:train_step { ["real.16"] = images }
                  for name, v in pairs(losses) do
                    assert(v == v and v < math.huge, name .. ' is not finite at step ' .. step)
                  end
                  first = first or losses
                  last = losses
                end
                local samples = model:sample { n = 3, seed = 7 }.img16
                local again = model:sample { n = 3, seed = 7 }.img16
                assert(samples:size(1) == 3 and samples:size(2) == 3 and samples:size(3) == 16)
                assert((samples - again):pow(2):sum():item() == 0, 'same seed, same samples')
                for _, v in ipairs(samples:values()) do assert(v >= -1 and v <= 1) end
                return first.errD, last.errD, first.errG, last.errG
                """)
            let values = result.compactMap { $0 as? Double }
            XCTAssertEqual(values.count, 4, entry)
            XCTAssertNotEqual(values[0], values[1], "\(entry): errD did not change")
            XCTAssertNotEqual(values[2], values[3], "\(entry): errG did not change")
        }
    }

    func testLuaModuleGradientsMatchFiniteDifferences() throws {
        let lua = try makeLua()
        let modules = try lua.run("""
            local zoo = require 'zoo'
            local nn = zoo.nn
            zoo.seed(2)
            -- A residual block with a learned per-channel gate, written in Lua.
            local Gated = nn.define('Gated', {
              init = function(self, c)
                self.conv = nn.Conv2d(c, c, {kernel = 3, padding = 1})
                self.gate = nn.Parameter(zoo.randn(1, c, 1, 1))
              end,
              forward = function(self, x)
                local h = self.conv(x):tanh()
                return x + h * self.gate:sigmoid() - (x * x):mean({2}, true)
              end,
            })
            return Gated(2)
            """)
        let module = try XCTUnwrap(modules.first as? Module)
        XCTAssertEqual(module.namedParameters().map(\.0), ["gate", "conv.weight", "conv.bias"])
        let x = randomInput([2, 2, 3, 3], seed: 5)
        let report = try gradCheck([x] + module.parameters()) { v in try module(v[0]) }
        XCTAssertLessThan(report.maxError, 2e-2, "\(report)")
    }
}
