// TorchFileTests: .pth state dicts in both torch.save formats read exactly (dtypes, views, shared storage, nesting).
import XCTest
import ZooTestSupport
@testable import ZooCore

final class TorchFileTests: XCTestCase {
    /// The order small_state_dict() in make_pth_fixtures.py writes its tensors in.
    static let names = ["conv.weight", "conv.bias", "lin.weight", "bn.num_batches_tracked", "ids", "small_ints", "bytes", "mask",
                        "double", "transposed", "sliced", "shared_a", "shared_b", "empty", "block.w", "block.deeper.b"]

    func testBothFormatsAndProtocolsGiveEveryValueExactly() throws {
        let expected = try SafeTensorsFile.read(path: fixturePath("pth/small_expected.safetensors"))
        for file in ["small_zip.pth", "small_legacy.pth", "small_zip_p5.pth"] {
            let tensors = try TorchFile.read(path: fixturePath("pth/" + file))
            XCTAssertEqual(tensors.map(\.name), Self.names, file)
            for (name, t) in tensors {
                XCTAssertEqual(t, expected[name], "\(file): \(name)")
            }
        }
    }

    func testViewsAndDtypesComeOutAsTorchHasThem() throws {
        let t = Dictionary(uniqueKeysWithValues: try TorchFile.read(path: fixturePath("pth/small_zip.pth")).map { ($0.name, $0.tensor) })
        XCTAssertEqual(t["bn.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(try t["bn.num_batches_tracked"]?.int64s(), [7])
        XCTAssertEqual(try t["ids"]?.int64s(), [-3, 1 << 40, 5, -(1 << 62)])
        XCTAssertEqual(t["empty"]?.shape, [0, 4])
        XCTAssertEqual(t["transposed"]?.shape, [6, 4])
        XCTAssertEqual(t["sliced"]?.shape, [2, 3])
        XCTAssertEqual(t["conv.bias"]?.dtype, .f16)
        XCTAssertEqual(t["lin.weight"]?.dtype, .bf16)
        XCTAssertEqual(t["double"]?.dtype, .f32)
        XCTAssertEqual(t["mask"].map { Array($0.data) }, [1, 0, 1])
        // shared_b is row 1 of the same 10 values shared_a slices from 2: they overlap in 5...6.
        let a = try t["shared_a"]!.floats().scalars, b = try t["shared_b"]!.floats().scalars
        XCTAssertEqual(Array(a[3...4]), Array(b[0...1]))
    }

    func testAStateDictUnderStateDictIsUnwrapped() throws {
        let t = try TorchFile.read(path: fixturePath("pth/wrapped.pth"))
        XCTAssertEqual(t.map(\.name), ["w"])
        XCTAssertEqual(try t[0].tensor.floats().scalars, [1, 1])
    }

    func testHandMadeZipAndStridedViewsAreRead() throws {
        // [2, 3] at offset 1 with strides (1, 2) over 0...6: the transpose of a [3, 2] slice.
        let pickle = PickleBytes.stateDict(count: 7, offset: 1, size: [2, 3], stride: [1, 2])
        let file = torchZip(pickle, records: ["0": floatBytes([0, 1, 2, 3, 4, 5, 6])])
        let t = try TorchFile.decode(file, path: "view.pth")
        XCTAssertEqual(try t[0].tensor.floats().scalars, [1, 3, 5, 2, 4, 6])
        // The same in a zip64 archive (sizes and offsets in the zip64 records), and a contiguous slice.
        let z = try TorchFile.decode(torchZip(pickle, records: ["0": floatBytes([0, 1, 2, 3, 4, 5, 6])], zip64: true), path: "view64.pth")
        XCTAssertEqual(try z[0].tensor.floats().scalars, [1, 3, 5, 2, 4, 6])
        let slice = PickleBytes.stateDict(count: 7, offset: 2, size: [2, 1, 2], stride: [2, 9, 1])
        XCTAssertEqual(try TorchFile.decode(torchZip(slice, records: ["0": floatBytes([0, 1, 2, 3, 4, 5, 6])]), path: "slice.pth")[0]
            .tensor.floats().scalars, [2, 3, 4, 5])
    }

    func testPython2EraLegacyFilesAreRead() throws {
        // As Python 2 torch (0.3) pickled a state dict: byte-string keys (BINSTRING), OrderedDict
        // called with its [key, value] pairs, _rebuild_tensor(storage, offset, size, stride).
        func bytestring(_ s: String) -> [UInt8] { [0x54] + le(UInt64(s.utf8.count), 4) + Array(s.utf8) }
        var p = PickleBytes()
        p.global("collections", "OrderedDict")
        p.op(0x5D); p.mark()
        p.op(0x5D); p.mark(); p.bytes += bytestring("module.fc.weight")
        p.global("torch._utils", "_rebuild_tensor")
        p.mark()
        p.mark(); p.bytes += bytestring("storage"); p.global("torch", "FloatStorage"); p.bytes += bytestring("94035"); p.bytes += bytestring("cuda:0")
        p.int(6); p.op(0x4E); p.tuple(); p.op(0x51)
        p.int(0); p.mark(); p.int(3); p.int(2); p.tuple(); p.mark(); p.int(1); p.int(3); p.tuple()
        p.tuple(); p.op(0x52)
        p.op(0x65)                                     // APPENDS: [key, tensor]
        p.op(0x65)                                     // APPENDS: [[key, tensor]]
        p.op(0x85); p.op(0x52); p.stop()               // OrderedDict(([...],))
        let file = legacyFile(p.bytes, storages: [("94035", 6, floatBytes([0, 1, 2, 3, 4, 5]))])
        let t = try TorchFile.decode(file, path: "py2.pth")
        XCTAssertEqual(t.map(\.name), ["module.fc.weight"])
        XCTAssertEqual(t[0].tensor.shape, [3, 2])
        XCTAssertEqual(try t[0].tensor.floats().scalars, [0, 3, 1, 4, 2, 5])
    }
}
