// SPEC §5.7 arithmetic against the PIL reference (make_fixtures.py runs PT-v2's get_imgs with PIL).
import Foundation
import XCTest
import ZooCore
import ZooImage
@testable import ZooData

final class PreprocessTests: XCTestCase {
    func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dataFixture("reference.json")))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testLoadSizes() {
        XCTAssertEqual(Preprocess.loadSize(forImageSize: 64), 76)
        XCTAssertEqual(Preprocess.loadSize(forImageSize: 128), 152)
        XCTAssertEqual(Preprocess.loadSize(forImageSize: 256), 304)
        XCTAssertEqual(Preprocess.loadSize(forImageSize: 32), 38)
    }

    func testBoundingBoxCropsMatchTheReference() throws {
        for case let r as [String: Any] in try reference()["bbox_rects"] as! [Any] {
            let b = r["bbox"] as! [Int], rect = r["rect"] as! [Int]
            let c = Preprocess.bboxCrop(BoundingBox(x: b[0], y: b[1], width: b[2], height: b[3]),
                                        width: r["width"] as! Int, height: r["height"] as! Int)
            XCTAssertEqual([c.x1, c.y1, c.x2, c.y2], rect, "bbox \(b)")
        }
        // By hand: [60, 27, 325, 304] in 500x375: R = int(325·0.75) = 243, centre (222, 179).
        let c = Preprocess.bboxCrop(BoundingBox(x: 60, y: 27, width: 325, height: 304), width: 500, height: 375)
        XCTAssertEqual([c.x1, c.y1, c.x2, c.y2], [0, 0, 465, 375])
    }

    func testScaledSizesMatchTorchvisionScale() throws {
        for case let s as [String: Any] in try reference()["scales"] as! [Any] {
            let out = Preprocess.scaledSize(width: s["width"] as! Int, height: s["height"] as! Int, shorter: s["load"] as! Int)
            XCTAssertEqual([out.width, out.height], s["out"] as! [Int], "\(s)")
        }
    }

    /// Loaded image, the crop + flip, and the 32-px branch resized from the 64-px crop: byte-exact.
    func testPipelinesMatchPIL() throws {
        for case let p as [String: Any] in try reference()["pipelines"] as! [Any] {
            let name = p["name"] as! String
            let b = p["bbox"] as? [Int]
            let bbox = b.map { BoundingBox(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
            let crop = p["crop"] as! [Int]
            let image = try Image.load(path: dataFixture(p["file"] as! String))
            let loaded = try Preprocess.loaded(image, bbox: bbox, loadSize: Preprocess.loadSize(forImageSize: 64))
            let refLoaded = try npyBytes(dataFixture("ref_\(name)_loaded.npy"))
            XCTAssertEqual([loaded.height, loaded.width, 3], refLoaded.shape, name)
            XCTAssertEqual(loaded.pixels, refLoaded.bytes, "\(name): loaded image")
            let pyramid = try Preprocess.pyramid(loaded, cropX: crop[0], cropY: crop[1], flip: p["flip"] as! Bool, sizes: [32, 64])
            for (k, s) in [32, 64].enumerated() {
                let ref = try npyBytes(dataFixture("ref_\(name)_\(s).npy"))
                XCTAssertEqual(ref.shape, [s, s, 3])
                XCTAssertEqual(pyramid[k].pixels, ref.bytes, "\(name): \(s) px")
            }
        }
    }

    func testNormalisationAndDraws() throws {
        let img = try Image(width: 2, height: 1, channels: 3, pixels: [0, 127, 255, 10, 20, 30])
        var out = [Float](repeating: 9, count: 6)
        out.withUnsafeMutableBufferPointer { writeNormalized(img, into: $0.baseAddress!) }
        XCTAssertEqual(out, [-1, Float(10) / 127.5 - 1, Float(127) / 127.5 - 1, Float(20) / 127.5 - 1, 1, Float(30) / 127.5 - 1])
        // Without augmentation: the centre crop and no flip; with it, offsets stay inside.
        let big = try Image(width: 80, height: 76, channels: 3)
        var g = RandomGenerator(seed: 3)
        let c = Preprocess.draws(big, size: 64, augment: false, &g)
        XCTAssertEqual(c.x, 8); XCTAssertEqual(c.y, 6); XCTAssertFalse(c.flip)
        var flips = 0
        for _ in 0..<400 {
            let d = Preprocess.draws(big, size: 64, augment: true, &g)
            XCTAssertTrue((0...16).contains(d.x) && (0...12).contains(d.y))
            if d.flip { flips += 1 }
        }
        XCTAssertTrue((140...260).contains(flips), "flip rate \(flips)/400")
    }

    func testCaptionPicks() {
        var g = RandomGenerator(seed: 9)
        for _ in 0..<50 {
            let p = pickCaptions(4, of: 10, &g)
            XCTAssertEqual(Set(p).count, 4)
            XCTAssertTrue(p.allSatisfy { (0..<10).contains($0) })
        }
        let one = (0..<200).map { _ in pickCaptions(1, of: 5, &g)[0] }
        XCTAssertEqual(Set(one), Set(0..<5))
    }
}
