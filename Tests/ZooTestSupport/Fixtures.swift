// Locates the test fixtures copied into Tests/Fixtures.
import Foundation

/// Absolute path of a file under Tests/Fixtures (e.g. `fixturePath("ops/relu.safetensors")`).
public func fixturePath(_ relative: String, file: StaticString = #filePath) -> String {
    let here = URL(fileURLWithPath: "\(file)")
    return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(relative).path
}
