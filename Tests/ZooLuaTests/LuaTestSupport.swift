// Helpers for script-level tests: a Lua state rooted at the repository, and error expectations.
import Foundation
import XCTest
@testable import ZooLua

/// The repository root (holding zoo/ and scripts/).
let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A state rooted at the repository with the runtime plugins loaded.
func makeLua(root: String = repositoryRoot) throws -> LuaState {
    let lua = try LuaState(projectRoot: root)
    try lua.run("require('zoo').load_plugins(\(ZooModule.luaQuote(repositoryRoot + "/zoo/plugins")))")
    return lua
}

/// Runs `code` and asserts it fails with a message containing every fragment.
func assertScriptError(_ lua: LuaState, _ code: String, _ fragments: [String], name: String = "=test",
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        try lua.run(code, name: name)
        XCTFail("expected an error from: \(code)", file: file, line: line)
    } catch let e as ScriptError {
        for f in fragments {
            XCTAssertTrue(e.message.contains(f), "message '\(e.message)' lacks '\(f)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}

/// A fresh temporary folder, removed when the test case ends.
func temporaryFolder(_ testCase: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-lua-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
