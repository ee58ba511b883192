// Tensor construction, copy-on-write and reshape.
import XCTest
@testable import ZooCore

final class TensorTests: XCTestCase {
    func testCopyOnWrite() throws {
        var a = try Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let b = a
        XCTAssertTrue(a.sharesStorage(with: b))
        try a.set(0, 1, to: 9)
        XCTAssertFalse(a.sharesStorage(with: b))
        XCTAssertEqual(b.scalars, [1, 2, 3, 4])
        XCTAssertEqual(a.scalars, [1, 9, 3, 4])
    }

    func testShapeErrors() {
        XCTAssertThrowsError(try Tensor(shape: [2, 3], data: [1, 2])) { error in
            XCTAssertTrue("\(error)".contains("[2, 3]"))
        }
        XCTAssertThrowsError(try Tensor(zeros: [2, 3]).reshaped([4, 2]))
    }

    func testReshapeInfers() throws {
        let t = try Tensor(zeros: [2, 3, 4]).reshaped([-1, 4])
        XCTAssertEqual(t.shape, [6, 4])
    }
}
