// Tolerance assertions in the fixtures' convention: max|got − ref| ≤ tol · max(1, max|ref|).
import Foundation
import XCTest
import ZooCore

/// Asserts shapes match and `max|got − ref| ≤ tol·max(1, max|ref|)`; the message names `what`.
public func assertClose(_ got: Tensor, _ ref: Tensor, tol: Float, _ what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    guard got.shape == ref.shape else {
        XCTFail("\(what): shape \(shapeString(got.shape)) vs reference \(shapeString(ref.shape))", file: file, line: line)
        return
    }
    let err = got.maxAbsDifference(ref)
    let bound = tol * max(1, ref.maxAbs)
    XCTAssertTrue(err <= bound, "\(what): max error \(err) > \(bound)", file: file, line: line)
}

/// Reads a fixture under Tests/Fixtures/ops.
public func opFixture(_ name: String) throws -> SafeTensorsFile {
    try SafeTensorsFile.read(path: fixturePath("ops/\(name).safetensors"))
}

extension SafeTensorsFile {
    /// The fixture's `params` metadata (JSON) as a dictionary.
    public func params() throws -> [String: Any] {
        guard let text = metadata["params"], let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ZooError.format(path: path ?? "?", message: "no params metadata")
        }
        return obj
    }

    /// A leaf variable requiring gradients from a stored tensor.
    public func leaf(_ name: String) throws -> Variable { Variable(try tensor(name), requiresGrad: true) }
}
