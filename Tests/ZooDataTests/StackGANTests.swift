// The stackgan kind on the tiny CUB-like tree: bounding boxes, class ids, embeddings, the converter.
import Foundation
import XCTest
import ZooCore
import ZooImage
@testable import ZooData

final class StackGANTests: XCTestCase {
    func testCUBTrainAndTest() throws {
        let ds = try open(try config(.stackgan, dataFixture("cub")), sizes: [32, 64], batch: 2)
        XCTAssertEqual(ds.count, 4)
        XCTAssertEqual(ds.samples.map(\.classId), [1, 1, 2, 2])
        XCTAssertEqual(ds.samples[1].id, "001.Black_footed_Albatross/Black_footed_Albatross_0002_101")
        XCTAssertEqual(ds.samples[1].bbox, BoundingBox(x: 2, y: 20, width: 38, height: 30))
        XCTAssertEqual(ds.samples[1].captions.count, 10)
        XCTAssertEqual(ds.embeddings?.shapeText, "[4, 10, 8]")
        XCTAssertEqual(ds.splitSizes.map(\.count), [4, 2])
        let test = try open(try config(.stackgan, dataFixture("cub"), ["split": "test"]), sizes: [64], batch: 2)
        XCTAssertEqual(test.samples.map(\.classId), [3, 3])

        // The loaded image is the bbox crop scaled to 76 (PIL reference), whatever the crop draws.
        let loaded = try ds.maker.loaded(1)
        let ref = try npyBytes(dataFixture("ref_cub_loaded.npy"))
        XCTAssertEqual(loaded.pixels, ref.bytes)

        // Wrong images: a different class unless the single redraw collided again.
        let b = try ds.next()
        XCTAssertEqual(b.text?.shape, [2, 8])
        let emb = try NPY.read(path: dataFixture("cub/train/char-CNN-RNN-embeddings.npy")).floats().scalars
        for slot in 0..<2 {
            let row = ds.samples[b.indices[slot]].row, k = b.captionIndices[slot][0]
            XCTAssertEqual(b.text!.scalars[slot * 8], emb[(row * 10 + k) * 8])
            XCTAssertEqual(b.captions[slot], "caption \(k) of bird \(row)")
        }
    }

    /// Over many draws, wrong images of the same class appear at PT-v2's rate: P(same)² with one redraw.
    func testWrongImageClassRule() throws {
        let ds = try open(try config(.stackgan, dataFixture("cub")), sizes: [32], batch: 2)
        var same = 0, total = 0
        for e in 0..<100 {
            for i in 0..<ds.batchesPerEpoch {
                let b = try ds.batch(epoch: e, index: i)
                for s in 0..<2 {
                    total += 1
                    if ds.samples[b.wrongIndices[s]].classId == b.classIds[s] { same += 1 }
                }
            }
        }
        // 2 of 4 images share each class: P(same) = 1/2 per draw, 1/4 after one redraw.
        XCTAssertEqual(Double(same) / Double(total), 0.25, accuracy: 0.07)
    }

    func testFlowersLayoutHasNoBoxes() throws {
        let root = try fixtureCopy("cub", self)
        let ds = try open(try config(.stackgan, root, ["dataset": "flowers", "images": "CUB_200_2011/images"]), sizes: [32], batch: 2)
        XCTAssertNil(ds.samples[0].bbox)
        XCTAssertEqual(ds.count, 4)
    }

    /// Runs scripts/convert_stackgan_data.py on the fake Python-2 pickles and compares its outputs
    /// with the committed conversions (skipped where python3 with numpy is not installed).
    func testConverterOnPython2Pickles() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import numpy"]
        probe.standardError = FileHandle.nullDevice
        do { try probe.run(); probe.waitUntilExit() } catch { throw XCTSkip("python3 not available") }
        guard probe.terminationStatus == 0 else { throw XCTSkip("python3 with numpy not available") }

        let root = try fixtureCopy("cub", self)
        for split in ["train", "test"] {
            for f in ["filenames.txt", "class_info.txt", "char-CNN-RNN-embeddings.npy"] { try FileManager.default.removeItem(atPath: "\(root)/\(split)/\(f)") }
        }
        assertThrows(["train/filenames.txt", "convert them once with scripts/convert_stackgan_data.py"]) {
            _ = try open(try config(.stackgan, root), batch: 2)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/convert_stackgan_data.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, root]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        for split in ["train", "test"] {
            for f in ["filenames.txt", "class_info.txt", "char-CNN-RNN-embeddings.npy"] {
                XCTAssertEqual(FileManager.default.contents(atPath: "\(root)/\(split)/\(f)"),
                               FileManager.default.contents(atPath: dataFixture("cub/\(split)/\(f)")), "\(split)/\(f)")
            }
        }
        XCTAssertEqual(try open(try config(.stackgan, root), batch: 2).count, 4)
    }
}
