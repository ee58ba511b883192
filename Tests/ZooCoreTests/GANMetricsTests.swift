// FID, KID and IS against numpy/scipy on fixed features (Tests/Fixtures/metrics/make_metric_fixtures.py), and their invariances.
import Foundation
import XCTest
import ZooTestSupport
@testable import ZooCore

final class GANMetricsTests: XCTestCase {
    func features(_ name: String) throws -> Tensor { try NPY.read(path: fixturePath("metrics/\(name).npy")).floats() }

    func expected() throws -> [String: Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("metrics/expected.json")))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Double])
    }

    func testFIDMatchesScipy() throws {
        let e = try expected()
        let a = try FeatureStatistics(features: features("feat_a"))
        let b = try FeatureStatistics(features: features("feat_b"))
        let c = try FeatureStatistics(features: features("feat_c"))
        XCTAssertEqual(try GANMetrics.fid(a, b), e["fid_ab"]!, accuracy: 1e-6 * e["fid_ab"]!)
        XCTAssertEqual(try GANMetrics.fid(b, c), e["fid_bc"]!, accuracy: 1e-6 * e["fid_bc"]!)
        XCTAssertEqual(try GANMetrics.fid(a, a), 0, accuracy: 1e-9, "a set against itself")
        XCTAssertEqual(try GANMetrics.fid(b, c), try GANMetrics.fid(c, b), accuracy: 1e-9, "symmetric")
        XCTAssertThrowsError(try GANMetrics.fid(a, FeatureStatistics(features: Tensor(zeros: [3, 4])))) {
            XCTAssert("\($0)".contains("16 and 4"), "\($0)")
        }
    }

    func testKIDMatchesTorchFidelityOnWholeSetsAndIsSeeded() throws {
        let b = try features("feat_b"), c = try features("feat_c")
        let r = try GANMetrics.kid(b, c, subsets: 3, subsetSize: 1000)
        XCTAssertEqual(r.mean, try expected()["kid_bc"]!, accuracy: 1e-9 * max(1, abs(r.mean)))
        XCTAssertEqual(r.std, 0, accuracy: 1e-9, "subsets as large as the sets: every draw is the whole set")
        let s1 = try GANMetrics.kid(b, c, subsets: 5, subsetSize: 50, seed: 3)
        let s2 = try GANMetrics.kid(b, c, subsets: 5, subsetSize: 50, seed: 3)
        XCTAssertEqual(s1.mean, s2.mean)
        XCTAssertGreaterThan(s1.std, 0)
        // Subset estimates are unbiased for the whole-set value: their mean lands within 4 standard errors.
        let many = try GANMetrics.kid(b, c, subsets: 60, subsetSize: 100, seed: 1)
        XCTAssertLessThan(abs(many.mean - r.mean), 4 * many.std / Double(60).squareRoot())
    }

    func testInceptionScoreMatchesTheFormula() throws {
        let e = try expected()
        let r = try GANMetrics.inceptionScore(try features("probs"), splits: 10)
        XCTAssertEqual(r.mean, e["is_mean"]!, accuracy: 1e-9)
        XCTAssertEqual(r.std, e["is_std"]!, accuracy: 1e-9)
        // One-hot predictions spread evenly over C classes score C; identical rows score 1.
        let onehot = try Tensor(shape: [40, 4], data: (0..<40).flatMap { i in (0..<4).map { Float($0 == i % 4 ? 1 : 0) } })
        XCTAssertEqual(try GANMetrics.inceptionScore(onehot, splits: 2).mean, 4, accuracy: 1e-9)
        XCTAssertEqual(try GANMetrics.inceptionScore(try Tensor(shape: [10, 2], repeating: 0.5), splits: 1).mean, 1, accuracy: 1e-12)
        XCTAssertThrowsError(try GANMetrics.inceptionScore(try Tensor(zeros: [5, 2]), splits: 10))
    }
}
