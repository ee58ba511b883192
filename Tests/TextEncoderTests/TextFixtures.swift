// Shared by the text-encoder tests: JSON-lines fixtures (hard_captions.jsonl, the emoji set's meta.jsonl).
import Foundation
import XCTest

/// One object per line of a JSON-lines file.
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
}
