// NPY reading: numpy-written fixtures (Tests/Fixtures/npy/make_npy.py) for each version and dtype, and every rejected defect.
import Foundation
import XCTest
@testable import ZooCore
import ZooTestSupport

final class NPYTests: XCTestCase {
    private func npy(_ name: String) -> String { fixturePath("npy/\(name).npy") }

    /// Asserts that reading fails with a format error naming the file and containing every fragment.
    private func assertRejected(_ name: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        let path = npy(name)
        XCTAssertThrowsError(try NPY.read(path: path), file: file, line: line) { error in
            guard case ZooError.format(let p, _) = error else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(p, path, file: file, line: line)
            let text = "\(error)"
            XCTAssertTrue(text.contains("\(name).npy"), text, file: file, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "message lacks \"\(f)\": \(text)", file: file, line: line) }
        }
    }

    private func assertDecodeRejected(_ bytes: [UInt8], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NPY.decode(bytes, path: "mem.npy"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("mem.npy: "), text, file: file, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "message lacks \"\(f)\": \(text)", file: file, line: line) }
        }
    }

    /// A version 1.0 file with the given header dict text and data.
    private func v1(_ header: String, _ data: [UInt8] = []) -> [UInt8] {
        let h = Array((header + "\n").utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + data
    }

    func testFloat32InEveryFormatVersion() throws {
        let expected = (0..<24).map { Float($0) * 0.5 - 3 }
        for name in ["f32_2x3x4", "f32_2x3x4_v2", "f32_2x3x4_v3"] {
            let a = try NPY.read(path: npy(name))
            XCTAssertEqual(a.dtype, .f32, name)
            XCTAssertEqual(a.shape, [2, 3, 4], name)
            XCTAssertEqual(try a.floats().scalars, expected, name)
        }
    }

    func testFloat16() throws {
        let a = try NPY.read(path: npy("f16_5"))
        XCTAssertEqual(a.dtype, .f16)
        XCTAssertEqual(a.shape, [5])
        let v = try a.floats().scalars
        XCTAssertEqual(Array(v[0..<4]), [1, -2.5, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
        XCTAssertEqual(v[4].bitPattern, (-0.0 as Float).bitPattern)
    }

    func testUInt8AndBool() throws {
        let a = try NPY.read(path: npy("u8_2x2"))
        XCTAssertEqual(a.dtype, .u8)
        XCTAssertEqual(a.shape, [2, 2])
        XCTAssertEqual(a.data, [0, 255, 7, 128])
        let b = try NPY.read(path: npy("bool_4"))
        XCTAssertEqual(b.dtype, .u8)
        XCTAssertEqual(b.data, [1, 0, 0, 1])
    }

    func testScalarAndEmpty() throws {
        let s = try NPY.read(path: npy("scalar_0d"))
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(try s.floats().scalars, [3.5])
        let e = try NPY.read(path: npy("empty_0x3"))
        XCTAssertEqual(e.shape, [0, 3])
        XCTAssertEqual(e.data, [])
    }

    func testConvertedDtypes() throws {
        let f8 = try NPY.read(path: npy("f8_3"))
        XCTAssertEqual(f8.dtype, .f32)
        XCTAssertEqual(try f8.floats().scalars, [Float(0.1), -.infinity, Float.leastNonzeroMagnitude])
        let i8 = try NPY.read(path: npy("i8_3"))
        XCTAssertEqual(i8.dtype, .i64)
        XCTAssertEqual(try i8.int64s(), [1, -(1 << 62), 1 << 40])
        let i4 = try NPY.read(path: npy("i4_3"))
        XCTAssertEqual(i4.dtype, .i32)
        XCTAssertEqual(try i4.int64s(), [7, Int64(Int32.min), Int64(Int32.max)])
        let be = try NPY.read(path: npy("f4_be_3"))
        XCTAssertEqual(be.dtype, .f32)
        XCTAssertEqual(try be.floats().scalars, [1.5, -2, 1e-30])
    }

    func testRejectedFixtures() {
        assertRejected("fortran_2x3", ["Fortran-order", "not supported", "[2, 3]"])
        assertRejected("truncated_f32_2x3x4", ["truncated data", "<f4 [2, 3, 4] needs 96 bytes, the file has 86"])
        assertRejected("complex_2", ["unsupported dtype '<c8'"])
    }

    func testRejectedHeaders() throws {
        assertDecodeRejected(Array("PK\u{3}\u{4}junk".utf8), ["bad magic", "PK\\x03\\x04"])
        assertDecodeRejected([0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0], ["unsupported format version 4.0"])
        assertDecodeRejected([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0, 0x7B], ["header length 200 is larger than the file"])
        assertDecodeRejected(v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1, }"),
                             ["exactly the keys", "'extra'"])
        assertDecodeRejected(v1("{'descr': '<f4', 'shape': (2,), }"), ["exactly the keys"])
        assertDecodeRejected(v1("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }"), ["'shape' is not a tuple"])
        assertDecodeRejected(v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), ["non-negative"])
        assertDecodeRejected(v1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), ["structured"])
        assertDecodeRejected(v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), ["not a Python literal", "end of header"])
        assertDecodeRejected(v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 128, 63, 9]),
                             ["1 unexpected bytes after the 4-byte data"])
        // Fortran order is accepted where it is the same layout as C order.
        let column = try NPY.decode(v1("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1L), }", [0, 0, 128, 63]), path: "mem.npy")
        XCTAssertEqual(try column.floats().scalars, [1])
        XCTAssertEqual(column.shape, [1, 1])
    }

    func testMissingFile() {
        XCTAssertThrowsError(try NPY.read(path: "/nonexistent/x.npy")) { error in
            guard case ZooError.io(let p, let m) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, "/nonexistent/x.npy")
            XCTAssertTrue(m.contains("No such file or directory"), m)
        }
    }
}
