// Checkpoint integrity in the file format: xxHash64 and CRC-32 against their reference values, the tensor-data
// checksum verified on read (a flipped bit is refused, files without one load), non-finite scans.
import XCTest
@testable import ZooCore

final class ChecksumTests: XCTestCase {
    func testCRC32MatchesTheZipCheckValues() {
        XCTAssertEqual(crc32(Array("123456789".utf8)[...]), 0xCBF4_3926)   // the CRC-32 check value
        XCTAssertEqual(crc32([][...]), 0)
        let long = (0..<1003).map { UInt8(truncatingIfNeeded: $0 &* 7) }   // past the 4-byte slices, odd tail
        var c: UInt32 = 0xFFFF_FFFF
        for b in long { c ^= UInt32(b); for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 } }
        XCTAssertEqual(crc32(long[...]), c ^ 0xFFFF_FFFF)
    }

    func testXXH64MatchesTheReferenceImplementation() {
        // From the xxhash Python package (the reference C library).
        let vectors: [([UInt8], UInt64, UInt64)] = [
            ([], 0, 0xEF46_DB37_51D8_E999), (Array("a".utf8), 0, 0xD24E_C4F1_A98C_6E5B), (Array("abc".utf8), 0, 0x44BC_2CF5_AD77_0999),
            (Array(repeating: UInt8(ascii: "x"), count: 31), 0, 0x60DD_0D01_083B_99F0),
            (Array(repeating: UInt8(ascii: "y"), count: 32), 0, 0x64DA_1F1D_3495_CE66),
            (Array(repeating: UInt8(ascii: "z"), count: 37), 0, 0x8FEF_2FA6_EE2D_279C),
            (Array((0..<768).map { UInt8($0 % 256) }), 0, 0x8E03_C838_C596_036F), (Array("abc".utf8), 12345, 0x0170_0E64_F6F2_3509),
        ]
        for (bytes, seed, expected) in vectors {
            XCTAssertEqual(xxh64(bytes, seed: seed), expected, "\(bytes.count) bytes, seed \(seed)")
        }
    }

    func file() throws -> SafeTensorsFile {
        SafeTensorsFile(tensors: [("a.weight", SafeTensor(try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]))),
                                  ("b.count", try SafeTensor(int64: [7], shape: [1]))], metadata: ["note": "x"])
    }

    func testAFlippedBitInThePayloadIsRefusedAndUnsealedFilesLoad() throws {
        var f = try file()
        f.sealChecksum()
        XCTAssertTrue(f.metadata[SafeTensorsFile.checksumKey]?.hasPrefix("xxh64:") == true)
        var bytes = try f.encode()
        let back = try SafeTensorsFile.decode(bytes, path: "x.safetensors")
        XCTAssertEqual(back.tensorChecksum, f.tensorChecksum, "the same whatever the layout")
        for bit in [0, 3, 7] {
            bytes[bytes.count - 20] ^= UInt8(1 << bit)
            XCTAssertThrowsError(try SafeTensorsFile.decode(bytes, path: "x.safetensors")) {
                XCTAssertTrue("\($0)".hasPrefix("x.safetensors: checksum mismatch (tensor data damaged)"), "\($0)")
            }
            bytes[bytes.count - 20] ^= UInt8(1 << bit)
        }
        // A file without a checksum (older checkpoints, converted weights) is read as before.
        XCTAssertNoThrow(try SafeTensorsFile.decode(try file().encode()))
    }

    func testNonFiniteValuesAreFoundInEveryFloatType() throws {
        let t = try Tensor(shape: [5], data: [0, 1, .nan, 3, .infinity])
        XCTAssertEqual(SafeTensor(t).nonFinite?.count, 2)
        XCTAssertEqual(SafeTensor(t).nonFinite?.first, 2)
        XCTAssertEqual(try SafeTensor(t, as: .f16).nonFinite?.first, 2)
        XCTAssertEqual(try SafeTensor(t, as: .bf16).nonFinite?.count, 2)
        XCTAssertNil(SafeTensor(try Tensor(shape: [2], data: [1, 70000])).nonFinite)
        XCTAssertNotNil(try SafeTensor(try Tensor(shape: [1], data: [70000]), as: .f16).nonFinite, "beyond F16's range: inf")
        XCTAssertNil(try SafeTensor(int64: [1, 2], shape: [2]).nonFinite)
        var f = SafeTensorsFile(tensors: [("w", SafeTensor(t))])
        f.path = "w.safetensors"
        XCTAssertThrowsError(try f.requireFinite("load")) {
            XCTAssertEqual("\($0)", "w.safetensors: tensor 'w' holds 2 non-finite values (the first, element 2, is nan); refusing to load non-finite weights")
        }
    }
}
