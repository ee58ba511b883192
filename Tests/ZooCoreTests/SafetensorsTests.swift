// Safetensors reading (Python-written fixtures, every malformed case), writing, round trips and atomic writes.
import Foundation
import XCTest
@testable import ZooCore
import ZooTestSupport

final class SafetensorsTests: XCTestCase {
    // MARK: - Helpers

    /// A fresh empty directory for the test, removed afterwards.
    private func makeTempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("stackzoo-st-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Safetensors bytes from a raw header string and a data buffer.
    private func rawFile(_ header: String, _ buffer: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        return out + h + buffer
    }

    /// Asserts that decoding fails with a format error whose message names `path` and contains every fragment.
    private func assertRejected(_ bytes: [UInt8], path: String = "/tmp/case.safetensors", _ fragments: [String],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile.decode(bytes, path: path), file: file, line: line) { error in
            guard case ZooError.format = error else {
                return XCTFail("expected ZooError.format, got \(error)", file: file, line: line)
            }
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": "), "message does not name the file: \(text)", file: file, line: line)
            for f in fragments {
                XCTAssertTrue(text.contains(f), "message lacks \"\(f)\": \(text)", file: file, line: line)
            }
        }
    }

    private func bytes(_ t: SafeTensor) -> [UInt8] { t.data }

    // MARK: - Python-written fixtures

    func testDtypesFixtureMatchesExpectedValues() throws {
        let path = fixturePath("ops/safetensors_dtypes.safetensors")
        let file = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(file.path, path)
        XCTAssertEqual(file.metadata, ["hello": "world"])
        XCTAssertEqual(file.names, ["i64", "f32", "i32", "bf16", "f16", "u8"])  // data-offset order

        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: fixturePath("ops/safetensors_dtypes.expected.json")))) as! [String: Any]
        XCTAssertEqual(json["metadata"] as? [String: String], file.metadata)
        let expected = json["tensors"] as! [String: [String: Any]]
        XCTAssertEqual(Set(expected.keys), Set(file.names))
        for (name, spec) in expected {
            let t = try XCTUnwrap(file[name], name)
            XCTAssertEqual(t.dtype.rawValue, spec["dtype"] as? String, name)
            XCTAssertEqual(t.shape, (spec["shape"] as! [NSNumber]).map(\.intValue), name)
            let values = spec["values"] as! [NSNumber]
            if t.dtype.isFloatingPoint {
                let got = try file.tensor(name)
                XCTAssertEqual(got.shape, t.shape)
                for (g, e) in zip(got.scalars, values.map { Float($0.doubleValue) }) {
                    XCTAssertEqual(g.bitPattern, e.bitPattern, "\(name): \(g) vs \(e)")  // exact, incl. the sign of -0
                }
            } else {
                XCTAssertEqual(try t.int64s(), values.map(\.int64Value), name)
                XCTAssertEqual(try t.floats().scalars, values.map { Float($0.int64Value) }, name)
            }
        }

        // The interesting values, spelled out.
        let f16 = try file.tensor("f16").scalars
        XCTAssertEqual(f16[2], 65504)
        XCTAssertEqual(f16[3], Float(sign: .plus, exponent: -14, significand: 1))  // smallest normal
        XCTAssertEqual(f16[4], Float(sign: .plus, exponent: -24, significand: 1))  // smallest subnormal
        XCTAssertEqual(f16[5], 0)
        XCTAssertEqual(f16[5].sign, .minus)
        XCTAssertEqual(try file.tensor("bf16").scalars[2], Float(sign: .plus, exponent: 100, significand: 1))
        XCTAssertEqual(try file["i64"]?.int64s(), [0, -1, 1 << 40, -(1 << 62)])
        XCTAssertEqual(try file["i32"]?.int64s(), [7, Int64(Int32.min), Int64(Int32.max)])
        XCTAssertEqual(try file["u8"]?.int64s(), [0, 32, 64, 96, 128, 160, 192, 224])
        XCTAssertEqual(try file.tensor("u8").scalars, [0, 32, 64, 96, 128, 160, 192, 224])
        XCTAssertEqual(try file.tensor("i64").scalars[3], -4.611686e18, accuracy: 1e12)
    }

    func testEdgeShapesFixture() throws {
        let file = try SafeTensorsFile.read(path: fixturePath("ops/safetensors_edge_shapes.safetensors"))
        XCTAssertEqual(file.names, ["empty", "scalar", "vec"])
        XCTAssertEqual(file.metadata, [:])
        let scalar = try file.tensor("scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.count, 1)
        XCTAssertEqual(file["scalar"]?.elementCount, 1)
        let empty = try file.tensor("empty")
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(file["empty"]?.data, [])
        XCTAssertEqual(try file.tensor("vec").shape, [2])
    }

    /// Our writer lays files out exactly as the Python package does.
    func testReencodingPythonFilesIsByteIdentical() throws {
        for name in ["safetensors_dtypes", "safetensors_edge_shapes", "relu", "batchnorm2d_train", "image_resize_bilinear"] {
            let path = fixturePath("ops/\(name).safetensors")
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let file = try SafeTensorsFile.decode(original, path: path)
            XCTAssertEqual(try file.encode(), original, name)
        }
    }

    func testMissingTensorNamesTheTensorAndFile() throws {
        let path = fixturePath("ops/safetensors_edge_shapes.safetensors")
        let file = try SafeTensorsFile.read(path: path)
        XCTAssertNil(file["nope"])
        XCTAssertThrowsError(try file.tensor("nope")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'nope'") && text.contains(path) && text.contains("'vec'"), text)
        }
        XCTAssertThrowsError(try SafeTensorsFile().tensor("w")) { XCTAssertTrue("\($0)".contains("'w'")) }
    }

    // MARK: - Malformed files

    func testBadFixturesAreRejectedWithTheDefect() {
        let cases: [(String, [String])] = [
            ("bad_truncated_data", ["tensor 'f32'", "data_offsets [32, 56]", "8 bytes past the end of the 48-byte data buffer"]),
            ("bad_header_len_too_large", ["header length 1952 is larger than the file", "only 480 bytes follow"]),
            ("bad_offsets_out_of_range", ["tensor 'u8'", "data_offsets [88, 160]", "64 bytes past the end of the 96-byte data buffer"]),
            ("bad_unknown_dtype", ["tensor 'f32'", "unknown or unsupported dtype 'Q7'", "F32, F16, BF16, I64, I32, U8"]),
            ("bad_shape_size_mismatch", ["tensor 'f32'", "shape [2, 4]", "32 bytes", "span 24 bytes"]),
            ("bad_header_not_json", ["header is not valid JSON", "at byte 1"]),
        ]
        for (name, fragments) in cases {
            let path = fixturePath("ops/\(name).safetensors")
            XCTAssertThrowsError(try SafeTensorsFile.read(path: path), name) { error in
                guard case ZooError.format(let p, _) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(p, path)
                let text = "\(error)"
                XCTAssertTrue(text.contains("\(name).safetensors"), text)
                XCTAssertFalse(text.contains("\n"), text)
                for f in fragments { XCTAssertTrue(text.contains(f), "\(name): message lacks \"\(f)\": \(text)") }
            }
        }
        // Every bad_* fixture is covered above.
        let all = try! FileManager.default.contentsOfDirectory(atPath: fixturePath("ops"))
            .filter { $0.hasPrefix("bad_") && $0.hasSuffix(".safetensors") }
        XCTAssertEqual(Set(all.map { String($0.dropLast(".safetensors".count)) }), Set(cases.map(\.0)))
    }

    func testStructuralDefects() {
        assertRejected([1, 2, 3], ["3 bytes long", "shorter than the 8-byte header length"])
        assertRejected(rawFile("[1, 2]"), ["header is an array, not a JSON object"])
        assertRejected(rawFile("{\"a\": 1} x"), ["not valid JSON", "unexpected 'x'"])
        assertRejected(rawFile("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}"), ["not valid JSON", "end of text"])
        var notUTF8 = rawFile("{\"a\":1}")
        notUTF8[10] = 0xFF
        assertRejected(notUTF8, ["not valid UTF-8"])
    }

    func testTensorEntryDefects() {
        let four: [UInt8] = [0, 0, 128, 63]
        func entry(_ body: String) -> [UInt8] { rawFile("{\"w\":{\(body)}}", four) }
        assertRejected(rawFile("{\"w\":[1]}", four), ["tensor 'w'", "entry is an array"])
        assertRejected(entry("\"shape\":[1],\"data_offsets\":[0,4]"), ["tensor 'w'", "missing \"dtype\""])
        assertRejected(entry("\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]"), ["tensor 'w'", "dtype is a number"])
        assertRejected(entry("\"dtype\":\"F32\",\"data_offsets\":[0,4]"), ["tensor 'w'", "missing \"shape\""])
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]"), ["tensor 'w'", "negative entry (-1)"])
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]"), ["tensor 'w'", "entry 0 is not an integer"])
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]"), ["tensor 'w'", "shape is a string"])
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":[1]"), ["tensor 'w'", "missing \"data_offsets\""])
        for offsets in ["[0]", "[0,4,8]", "[0,4.0]", "[\"0\",4]", "[-4,0]", "4"] {
            assertRejected(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\(offsets)"),
                           ["tensor 'w'", "data_offsets must be two non-negative integers"])
        }
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]"), ["tensor 'w'", "[4, 0] begin after end"])
        assertRejected(entry("\"dtype\":\"F32\",\"shape\":[99999999999,99999999999,99999999999],\"data_offsets\":[0,4]"),
                       ["tensor 'w'", "too large"])
        assertRejected(rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
                       ["tensor 'w' appears twice"])
    }

    func testLayoutDefects() {
        let t = { (name: String, b: Int, e: Int) in "\"\(name)\":{\"dtype\":\"U8\",\"shape\":[\(e - b)],\"data_offsets\":[\(b),\(e)]}" }
        let buf = [UInt8](repeating: 7, count: 8)
        assertRejected(rawFile("{\(t("a", 0, 6)),\(t("b", 4, 8))}", buf), ["tensor 'b'", "[4, 8] overlap tensor 'a' [0, 6]"])
        assertRejected(rawFile("{\(t("a", 0, 2)),\(t("b", 4, 8))}", buf), ["gap of 2 bytes after tensor 'a' [0, 2] before tensor 'b' [4, 8]", "contiguously"])
        assertRejected(rawFile("{\(t("b", 2, 8))}", buf), ["gap of 2 bytes at the start of the data buffer"])
        assertRejected(rawFile("{\(t("a", 0, 5))}", buf), ["last 3 bytes of the 8-byte data buffer belong to no tensor"])
        assertRejected(rawFile("{}", buf), ["last 8 bytes"])
        // Unordered offsets are fine as long as they tile the buffer; names come back in data order.
        let file = try? SafeTensorsFile.decode(rawFile("{\(t("z", 4, 8)),\(t("a", 0, 4))}", buf))
        XCTAssertEqual(file?.names, ["a", "z"])
        XCTAssertNil(file?.path)
    }

    func testMetadataDefects() {
        assertRejected(rawFile("{\"__metadata__\":{\"epoch\":3}}"), ["__metadata__ value for \"epoch\" is a number (3)", "must be strings"])
        assertRejected(rawFile("{\"__metadata__\":[\"a\"]}"), ["__metadata__ is an array"])
        assertRejected(rawFile("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}"), ["key \"k\" twice"])
        XCTAssertEqual(try SafeTensorsFile.decode(rawFile("{\"__metadata__\":null}")).metadata, [:])
        XCTAssertEqual(try SafeTensorsFile.decode(rawFile("{\"__metadata__\":{\"k\":\"\\u00e9\\n\\\"\"}}")).metadata, ["k": "é\n\""])
    }

    // MARK: - Writing

    func testRoundTripAllDtypes() throws {
        let dir = try makeTempDir()
        let path = dir + "/all.safetensors"
        let x = try Tensor(shape: [2, 3], data: [0, -1.5, 3.25, 1e-8, -1.2676506e30, .infinity])
        var file = SafeTensorsFile(tensors: [
            ("x.f32", SafeTensor(x)),
            ("x.f16", try SafeTensor(x, as: .f16)),
            ("x.bf16", try SafeTensor(x, as: .bf16)),
        ], metadata: ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab\u{1}é"])
        file.set("steps", try SafeTensor(int64: [0, -1, 1 << 40, Int64.min], shape: [2, 2]))
        file.set("i32", try SafeTensor(dtype: .i32, shape: [1], data: [0, 0, 0, 128]))
        file.set("img", try SafeTensor(dtype: .u8, shape: [2, 1, 1], data: [0, 255]))
        file.set("scalar", SafeTensor(try Tensor(scalar: 2.5)))
        file.set("empty", SafeTensor(try Tensor(zeros: [0, 3])))
        XCTAssertEqual(file.names, ["x.f32", "x.f16", "x.bf16", "steps", "i32", "img", "scalar", "empty"])

        try file.write(path: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["all.safetensors"])  // no temp file left
        let back = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(back.metadata, file.metadata)
        XCTAssertEqual(back.tensors, file.tensors)
        XCTAssertEqual(Set(back.names), Set(file.names))
        XCTAssertEqual(back.names, ["steps", "empty", "scalar", "x.f32", "i32", "x.bf16", "x.f16", "img"])  // Python layout

        XCTAssertEqual(try back.tensor("x.f32"), x)
        XCTAssertEqual(try back.tensor("x.f16").scalars, [0, -1.5, 3.25, 0, -.infinity, .infinity])  // 1e-8 underflows
        XCTAssertEqual(try back.tensor("x.bf16").scalars, [0, -1.5, 3.25, 1.0011718e-08, -1.2676506e30, .infinity])
        XCTAssertEqual(try back["steps"]?.int64s(), [0, -1, 1 << 40, Int64.min])
        XCTAssertEqual(try back["i32"]?.int64s(), [Int64(Int32.min)])
        XCTAssertEqual(try back.tensor("img").scalars, [0, 255])
        XCTAssertEqual(try back.tensor("scalar").shape, [])
        XCTAssertEqual(try back.tensor("empty").shape, [0, 3])

        // Byte-identical: re-encoding what was read, and encoding the same contents in another order.
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(try back.encode(), written)
        let shuffled = SafeTensorsFile(tensors: file.names.reversed().map { ($0, file[$0]!) }, metadata: file.metadata)
        XCTAssertEqual(try shuffled.encode(), written)
        // 8-byte aligned header, padded with spaces.
        let headerLength = Int(written[0]) | Int(written[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertTrue(String(decoding: written[8..<8 + headerLength], as: UTF8.self)
            .hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"quote\\\"back\\\\slash\":\"line\\nbreak\\ttab\\u0001é\"},\"steps\":{"))
    }

    func testEmptyFileRoundTrip() throws {
        let bytes = try SafeTensorsFile().encode()
        XCTAssertEqual(bytes, rawFile("{}      "))
        let back = try SafeTensorsFile.decode(bytes)
        XCTAssertEqual(back.names, [])
    }

    func testSetKeepsInsertionOrderAndReplaces() throws {
        var file = SafeTensorsFile()
        file.set("b", SafeTensor(try Tensor(scalar: 1)))
        file.set("a", SafeTensor(try Tensor(scalar: 2)))
        file.set("b", SafeTensor(try Tensor(scalar: 3)))
        XCTAssertEqual(file.names, ["b", "a"])
        XCTAssertEqual(try file.tensor("b").item, 3)
    }

    func testEncodeRejectsInconsistentTensors() throws {
        var t = SafeTensor(try Tensor(zeros: [2]))
        t.shape = [3]
        XCTAssertThrowsError(try SafeTensorsFile(tensors: [("w", t)]).encode()) {
            XCTAssertTrue("\($0)".contains("tensor 'w': F32 [3] needs 12 bytes but holds 8"), "\($0)")
        }
        XCTAssertThrowsError(try SafeTensorsFile(tensors: [("__metadata__", SafeTensor(Tensor(zeros: [1])))]).encode())
    }

    func testWriteIntoMissingDirectoryThrowsNamingThePath() throws {
        let dir = try makeTempDir()
        let path = dir + "/no/such/dir/x.safetensors"
        XCTAssertThrowsError(try SafeTensorsFile().write(path: path)) { error in
            guard case ZooError.io(let p, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(message.contains("No such file or directory"), message)
        }
    }

    func testFailedWriteLeavesTargetAndNoTempFile() throws {
        let dir = try makeTempDir()
        // Overwriting a regular file works.
        let path = dir + "/m.safetensors"
        try SafeTensorsFile(tensors: [("a", SafeTensor(Tensor(zeros: [1])))]).write(path: path)
        try SafeTensorsFile(tensors: [("b", SafeTensor(Tensor(zeros: [2])))]).write(path: path)
        XCTAssertEqual(try SafeTensorsFile.read(path: path).names, ["b"])
        // A target that is a non-empty directory cannot be replaced: rename fails after the temp file was written.
        let target = dir + "/occupied"
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try SafeTensorsFile(tensors: [("a", SafeTensor(Tensor(zeros: [1])))]).write(path: target)) { error in
            XCTAssertTrue("\(error)".hasPrefix(target + ": cannot rename temporary file"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["m.safetensors", "occupied"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), ["inside"])
    }

    func testReadErrors() throws {
        let dir = try makeTempDir()
        XCTAssertThrowsError(try SafeTensorsFile.read(path: dir + "/missing.safetensors")) { error in
            guard case ZooError.io(let p, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(p, dir + "/missing.safetensors")
            XCTAssertTrue(message.contains("No such file or directory"), message)
        }
        XCTAssertThrowsError(try SafeTensorsFile.read(path: dir)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
    }

    // MARK: - SafeTensor conversions

    func testHalfPrecisionRounding() throws {
        let one = Float(1)
        let values: [Float] = [
            one + 0x1p-8,  // halfway between bf16 1 and 1+2^-7: ties to even (1)
            one + 3 * 0x1p-8,  // halfway between 1+2^-7 and 1+2^-6: ties to even (1+2^-6)
            one + 0x1p-8 + 0x1p-20,  // just above halfway: rounds up
            .nan, -.nan, Float(bitPattern: 0x7F80_0001),  // NaNs, incl. one whose payload is only in the low bits
            Float.greatestFiniteMagnitude, -0.0,
        ]
        let bf = try SafeTensor(try Tensor(shape: [values.count], data: values), as: .bf16).floats().scalars
        XCTAssertEqual(bf[0], 1)
        XCTAssertEqual(bf[1], one + 0x1p-6)
        XCTAssertEqual(bf[2], one + 0x1p-7)
        XCTAssertTrue(bf[3].isNaN && bf[4].isNaN && bf[5].isNaN)
        XCTAssertEqual(bf[4].sign, .minus)
        XCTAssertEqual(bf[6], .infinity)  // rounds past the largest bf16
        XCTAssertEqual(bf[7].bitPattern, (-0.0 as Float).bitPattern)

        let halfValues: [Float] = [one + 0x1p-11, one + 3 * 0x1p-11, 65519, 65520, 0x1p-25, 0x1p-25 + 0x1p-35, .nan]
        let h = try SafeTensor(try Tensor(shape: [halfValues.count], data: halfValues), as: .f16)
        XCTAssertEqual(h.data.count, 14)
        let f = try h.floats().scalars
        XCTAssertEqual(Array(f[0..<6]), [1, one + 0x1p-9, 65504, .infinity, 0, 0x1p-24])
        XCTAssertTrue(f[6].isNaN)

        XCTAssertThrowsError(try SafeTensor(Tensor(zeros: [1]), as: .i64))
    }

    func testSafeTensorInitChecks() throws {
        XCTAssertThrowsError(try SafeTensor(dtype: .f32, shape: [2], data: [0, 0, 0])) {
            XCTAssertTrue("\($0)".contains("needs 8 bytes, got 3"), "\($0)")
        }
        XCTAssertThrowsError(try SafeTensor(dtype: .u8, shape: [-1], data: []))
        XCTAssertThrowsError(try SafeTensor(int64: [1, 2], shape: [3]))
        XCTAssertEqual(try SafeTensor(dtype: .u8, shape: [], data: [9]).elementCount, 1)
        let floats = SafeTensor(try Tensor(shape: [5], data: [2.9, -2.9, .nan, 1e30, -1e30]))
        XCTAssertEqual(try floats.int64s(), [2, -2, 0, Int64.max, Int64.min])
        XCTAssertEqual(DType.allCases.map(\.byteSize), [4, 2, 2, 8, 4, 1])
    }
}
