// NPY writing: what NPY.encode writes reads back exactly, with a header numpy accepts (64-byte aligned, version 1.0).
import XCTest
@testable import ZooCore

final class NPYWriterTests: XCTestCase {
    func testRoundTripsF32AndF16WithAlignedHeaders() throws {
        let t = try Tensor(shape: [2, 3, 4], data: (0..<24).map { Float($0) * 0.37 - 2 })
        for dtype in [DType.f32, .f16] {
            let st = try SafeTensor(t, as: dtype)
            let bytes = try NPY.encode(st)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0, "the data starts 64-byte aligned")
            XCTAssertEqual(bytes[10 + headerLength - 1], UInt8(ascii: "\n"))
            let back = try NPY.decode(bytes, path: "mem.npy")
            XCTAssertEqual(back, st, "\(dtype)")
        }
        let vector = try SafeTensor(try Tensor(shape: [5], data: [1, 2, 3, 4, 5]))
        let text = String(decoding: try NPY.encode(vector).prefix(80), as: UTF8.self)
        XCTAssert(text.contains("'shape': (5,)"), "a 1-d shape is a one-element tuple: \(text)")
    }

    func testWriteIsAtomicAndRefusesBFloat16() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-writer-\(getpid()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NPY.write(try SafeTensor(try Tensor(shape: [2], data: [1, 2])), to: path)
        XCTAssertEqual(try NPY.read(path: path).floats().scalars, [1, 2])
        XCTAssertThrowsError(try NPY.encode(try SafeTensor(try Tensor(shape: [2], data: [1, 2]), as: .bf16)))
    }
}
