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
