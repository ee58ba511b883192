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

/// Runs the debug `stackzoo` (built by `swift build --build-tests`) and returns (status, stdout,
/// stderr). `interruptWhen` is polled every 0.1 s and SIGINT is sent once it returns true; a run
/// that outlives `timeout` is terminated, so a hang fails the test instead of the suite.
func runStackzoo(_ arguments: [String], cwd: String = repositoryRoot, environment: [String: String] = [:],
                 interruptWhen: (() -> Bool)? = nil, timeout: TimeInterval = 300) throws -> (Int32, String, String) {
    let binary = repositoryRoot + "/.build/debug/stackzoo"
    guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no debug build of stackzoo at \(binary)") }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    defer { watchdog.cancel() }
    if let interruptWhen {
        while p.isRunning && !interruptWhen() { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning { kill(p.processIdentifier, SIGINT) }
    }
    // Read stderr on another thread so neither pipe can fill up and block the child.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errData = Collected()
    let done = DispatchSemaphore(value: 0)
    let reader = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
    reader.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    done.wait()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
}

/// Writes DIR/tiny.lua: a 16-px DCGAN on the image folder DIR/images, for end-to-end runs.
func writeTinyDCGANEntry(in dir: String, description: String, snapshotEvery: Int) throws {
    try write("""
        return {
          model = "dcgan",
          description = "\(description)",
          arch = { nz = 8, ngf = 4, ndf = 4, image_size = 16 },
          train = { batch = 4, lr = 1e-3, epochs = 50, snapshot_every = \(snapshotEvery), keep = 2 },
          data = { kind = "images", root = "\(dir)/images" },
        }
        """, to: dir + "/tiny.lua")
}
