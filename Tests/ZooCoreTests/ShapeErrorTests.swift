// Every op rejects mismatched shapes with a thrown error naming the op and the shapes (never a crash).
import XCTest
import ZooTestSupport
@testable import ZooCore

final class ShapeErrorTests: XCTestCase {
    func v(_ shape: [Int]) throws -> Variable { Variable(try Tensor(zeros: shape), requiresGrad: true) }

    func expect(_ fragments: [String], _ body: () throws -> Any, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let text = "\(error)"
            for f in fragments { XCTAssertTrue(text.contains(f), "'\(text)' lacks '\(f)'", line: line) }
        }
    }

    func testBinaryAndLinearAlgebra() {
        expect(["add", "[2, 3]", "[4, 3]"]) { try self.v([2, 3]) + self.v([4, 3]) }
        expect(["mul", "[2, 3, 4]", "[5]"]) { try self.v([2, 3, 4]) * self.v([5]) }
        expect(["matmul", "[2, 3]", "[4, 5]"]) { try self.v([2, 3]).matmul(self.v([4, 5])) }
        expect(["bmm", "[2, 3, 4]", "[3, 4, 5]"]) { try self.v([2, 3, 4]).bmm(self.v([3, 4, 5])) }
        expect(["linear", "[2, 7]", "[5, 6]"]) { try self.v([2, 7]).linear(weight: self.v([5, 6]), bias: nil) }
        expect(["linear", "bias [4]"]) { try self.v([2, 6]).linear(weight: self.v([5, 6]), bias: self.v([4])) }
    }

    func testConvAndSpatial() {
        expect(["conv2d", "[1, 3, 8, 8]", "[4, 2, 3, 3]"]) { try self.v([1, 3, 8, 8]).conv2d(weight: self.v([4, 2, 3, 3]), bias: nil) }
        expect(["conv2d", "[3, 8, 8]"]) { try self.v([3, 8, 8]).conv2d(weight: self.v([4, 3, 3, 3]), bias: nil) }
        expect(["conv2d", "smaller than the kernel"]) { try self.v([1, 3, 2, 2]).conv2d(weight: self.v([4, 3, 4, 4]), bias: nil) }
        expect(["conv2d", "stride"]) { try self.v([1, 3, 8, 8]).conv2d(weight: self.v([4, 3, 3, 3]), bias: nil, stride: 0) }
        expect(["upsample", "[2, 3]"]) { try self.v([2, 3]).upsampleNearest() }
        expect(["replicate", "[2, 3, 4]"]) { try self.v([2, 3, 4]).replicate(height: 4, width: 4) }
        expect(["glu", "[2, 5]"]) { try self.v([2, 5]).glu() }
        expect(["batch_norm", "[4, 3]", "3 channels"]) {
            try self.v([4, 3]).batchNorm(weight: self.v([5]), bias: nil, runningMean: nil, runningVar: nil, training: true)
        }
        expect(["BatchNorm2d", "4-D", "[4, 3]"]) { try BatchNorm2d(3)(self.v([4, 3])) }
        expect(["batch_norm", "more than 1 value"]) { try BatchNorm1d(3)(self.v([1, 3])) }
    }

    func testLayoutAndReductions() {
        expect(["concat", "[2, 3]", "[3, 3]", "outside axis 1"]) { try Variable.concat([self.v([2, 3]), self.v([3, 3])], axis: 1) }
        expect(["concat", "rank"]) { try Variable.concat([self.v([2, 3]), self.v([2, 3, 1])], axis: 0) }
        expect(["slice", "out of bounds"]) { try self.v([2, 3]).slice(axis: 1, start: 2, length: 2) }
        expect(["split", "do not add up"]) { try self.v([2, 6]).split(sizes: [2, 2], axis: 1) }
        expect(["reshape", "[2, 3]", "[4, 2]"]) { try self.v([2, 3]).reshaped([4, 2]) }
        expect(["sum", "axis 3", "rank 2"]) { try self.v([2, 3]).sum(axes: [3]) }
        expect(["transpose", "[3]"]) { try self.v([3]).transposed() }
        expect(["bce", "[4]", "[3]"]) { try Loss.bce(self.v([4]), target: Tensor(zeros: [3])) }
        expect(["mse", "[2, 3]", "[3, 2]"]) { try Loss.mse(self.v([2, 3]), self.v([3, 2])) }
        expect(["backward", "non-scalar"]) { try (self.v([2, 3]) * 2).backward() }
        expect(["backward", "[3, 2]"]) { try (self.v([2, 3]) * 2).backward(Tensor(zeros: [3, 2])) }
    }
}
