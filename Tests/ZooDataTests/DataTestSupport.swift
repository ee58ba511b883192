// Helpers for the ZooData tests: fixture datasets, temporary copies, opening with small options.
import Foundation
import XCTest
import ZooCore
import ZooTestSupport
@testable import ZooData

/// Absolute path of a fixture under Tests/Fixtures/data.
func dataFixture(_ relative: String) -> String { fixturePath("data/" + relative) }

/// A temporary copy of fixture folder `name` (removed when the test ends), for tests that damage it.
func fixtureCopy(_ name: String, _ testCase: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-data-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.copyItem(atPath: dataFixture(name), toPath: dir + "/" + name)
    return dir + "/" + name
}

func config(_ kind: DataConfig.Kind, _ root: String, _ extra: [String: Any] = [:]) throws -> DataConfig {
    var values: [String: Any] = ["kind": kind.rawValue, "root": root]
    for (k, v) in extra { values[k] = v }
    return try DataConfig(values)
}

func open(_ cfg: DataConfig, sizes: [Int] = [32, 64], batch: Int = 2, seed: UInt64 = 1, threads: Int = 0) throws -> Dataset {
    var o = LoaderOptions(imageSizes: sizes, batchSize: batch, seed: seed, threads: threads, prefetch: 3)
    o.prefetch = 3
    return try Dataset(config: cfg, options: o)
}

/// Asserts `body` throws an error whose description contains every fragment.
func assertThrows(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let text = "\(error)"
        for f in fragments { XCTAssertTrue(text.contains(f), "error '\(text)' lacks '\(f)'", file: file, line: line) }
    }
}

/// Byte image of an HWC uint8 .npy reference.
func npyBytes(_ path: String) throws -> (shape: [Int], bytes: [UInt8]) {
    let t = try NPY.read(path: path)
    return (t.shape, t.data)
}

extension Batch {
    /// Every tensor's values, for equality checks.
    var fingerprint: [String: [Float]] { tensors.mapValues(\.scalars) }
}
