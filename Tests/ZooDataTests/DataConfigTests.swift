// DataConfig: strict keys (closest valid key named), per-kind keys, types, root resolution.
import XCTest
import ZooCore
@testable import ZooData

final class DataConfigTests: XCTestCase {
    func testParsesEveryKey() throws {
        let c = try DataConfig(["kind": "stackgan", "root": "data/birds", "split": "test", "dataset": "flowers", "images": "jpg",
                                "embeddings": "skip-thought", "bbox": false, "average_captions": 4, "on_error": "skip",
                                "validate": "decode", "cache_mb": 0], baseDirectory: "/proj")
        XCTAssertEqual(c.kind, .stackgan)
        XCTAssertEqual(c.root, "/proj/data/birds")
        XCTAssertEqual(c.split, "test")
        XCTAssertEqual(c.dataset, "flowers")
        XCTAssertEqual(c.bbox, false)
        XCTAssertEqual(c.averageCaptions, 4)
        XCTAssertEqual(c.onError, .skip)
        XCTAssertEqual(c.validate, .decode)
        XCTAssertEqual(c.cacheMB, 0)
        let i = try DataConfig(["kind": "images", "root": "/abs", "classes": ["n1", "n2"] as [Any?]], baseDirectory: "/proj")
        XCTAssertEqual(i.root, "/abs")
        XCTAssertEqual(i.classes, ["n1", "n2"])
        let d = try DataConfig(["kind": "captioned", "root": "x", "average_captions": 2.0])
        XCTAssertEqual(d.averageCaptions, 2)
        XCTAssertEqual(d.onError, .fail)
        XCTAssertEqual(d.validate, .header)
    }

    func testUnknownKeysNameTheClosest() {
        assertThrows(["unknown key 'rot'", "did you mean 'root'?"]) { _ = try DataConfig(["kind": "captioned", "root": "r", "rot": "x"]) }
        assertThrows(["unknown key 'on_eror'", "did you mean 'on_error'?"]) { _ = try DataConfig(["kind": "images", "root": "r", "on_eror": "skip"]) }
        assertThrows(["key 'classes' does not apply to kind 'captioned'"]) { _ = try DataConfig(["kind": "captioned", "root": "r", "classes": ["a"] as [Any?]]) }
        assertThrows(["key 'bbox' does not apply to kind 'images'"]) { _ = try DataConfig(["kind": "images", "root": "r", "bbox": true]) }
        assertThrows(["'kind' must be one of", "did you mean 'captioned'?"]) { _ = try DataConfig(["kind": "captiond", "root": "r"]) }
        assertThrows(["needs a 'kind'"]) { _ = try DataConfig(["root": "r"]) }
        assertThrows(["needs a 'root'"]) { _ = try DataConfig(["kind": "images"]) }
    }

    func testWrongTypesAndValues() {
        assertThrows(["'root' must be a string"]) { _ = try DataConfig(["kind": "images", "root": 3]) }
        assertThrows(["'on_error' must be \"fail\" or \"skip\""]) { _ = try DataConfig(["kind": "images", "root": "r", "on_error": "ignore"]) }
        assertThrows(["'validate' must be"]) { _ = try DataConfig(["kind": "images", "root": "r", "validate": "full"]) }
        assertThrows(["'cache_mb' must be an integer"]) { _ = try DataConfig(["kind": "images", "root": "r", "cache_mb": 1.5]) }
        assertThrows(["'average_captions' must be at least 1"]) { _ = try DataConfig(["kind": "captioned", "root": "r", "average_captions": 0]) }
        assertThrows(["'dataset' must be", "did you mean 'cub'?"]) { _ = try DataConfig(["kind": "stackgan", "root": "r", "dataset": "cubb"]) }
        assertThrows(["'classes' must be a list of folder names"]) { _ = try DataConfig(["kind": "images", "root": "r", "classes": [1, 2] as [Any?]]) }
        assertThrows(["'bbox' must be true or false"]) { _ = try DataConfig(["kind": "stackgan", "root": "r", "bbox": "yes"]) }
    }
}
