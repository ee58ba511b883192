// The text-encoder registry: unknown names list the known ones; a missing model names the command that fetches it.
import MiniLM
import XCTest
import ZooCore

final class TextEncoderRegistryTests: XCTestCase {
    func testUnknownEncoderListsKnownOnes() {
        let r = TextEncoderRegistry()
        r.register(name: "a", tag: "t", summary: "", width: 4) { throw ZooError.unsupported("never built") }
        XCTAssertThrowsError(try r.entry("b")) { XCTAssert("\($0)".contains("known: a"), "\($0)") }
        XCTAssertEqual(try r.entry(nil).name, "a")
        XCTAssertEqual(try r.entry("t").name, "a", "a tag finds its entry")
    }

    func testMissingFilesNameTheFetchCommand() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-empty-cache-\(getpid())")
        setenv("STACKZOO_CACHE", empty.path, 1)
        defer { unsetenv("STACKZOO_CACHE") }
        XCTAssertFalse(MiniLMFiles.available)
        XCTAssertThrowsError(try MiniLMFiles.locate()) { XCTAssert("\($0)".contains("scripts/get_text_encoder.sh"), "\($0)") }
    }
}
