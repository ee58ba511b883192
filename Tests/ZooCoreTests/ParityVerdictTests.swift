// The parity verdict: the sensitivity bound may excuse rounding, never an error past its cap.
import XCTest
@testable import ZooCore

final class ParityVerdictTests: XCTestCase {
    func testSensitivityIsCapped() {
        func row(_ relative: Float, tolerance: Float, sensitivity: Float) -> ParityRow {
            ParityRow(name: "t", maxAbs: relative, relative: relative, tolerance: tolerance, sensitivity: sensitivity)
        }
        XCTAssertTrue(row(5e-5, tolerance: 1e-4, sensitivity: 0).passed)
        XCTAssertTrue(row(4e-3, tolerance: 1e-4, sensitivity: 1).passed, "within 4× sensitivity and under 50× the tolerance")
        XCTAssertFalse(row(6e-3, tolerance: 1e-4, sensitivity: 1).passed, "over 50× the tolerance")
        XCTAssertFalse(row(0.9, tolerance: 5e-3, sensitivity: 1).passed, "90% of the scale is never parity")
        XCTAssertTrue(row(0.04, tolerance: 5e-3, sensitivity: 1).passed)
        XCTAssertFalse(row(0.06, tolerance: 5e-3, sensitivity: 1).passed, "over 5% of the scale")
        XCTAssertFalse(row(4e-3, tolerance: 1e-4, sensitivity: 1e-4).passed, "beyond 4× the measured sensitivity")
    }
}
