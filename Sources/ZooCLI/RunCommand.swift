// `stackzoo run SCRIPT.lua [args...]`: runs a trusted Lua program with the zoo API.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a Lua program with the zoo API (trusted code: full library).")

    @Argument(help: "The Lua script.")
    var script: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script (its `arg` table and `...`).")
    var arguments: [String] = []

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let lua = try Project.luaState()
        try ScriptReport.run { try lua.runFile(script, arguments: arguments) }
    }
}

/// Where the project's zoo/ and scripts/ are, and the shared set-up of a Lua state.
enum Project {
    /// `STACKZOO_HOME` if set; else the current folder when it holds scripts/ (a checkout);
    /// else the checkout the executable was built in (found by walking up from it); else the current folder.
    static let root: String = {
        let fm = FileManager.default
        if let home = ProcessInfo.processInfo.environment["STACKZOO_HOME"] { return home }
        let cwd = fm.currentDirectoryPath
        if fm.fileExists(atPath: cwd + "/scripts/train.lua") { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if fm.fileExists(atPath: dir.path + "/scripts/train.lua") { return dir.path }
            dir.deleteLastPathComponent()
        }
        return cwd
    }()

    /// Whether `luaState()` loads zoo/plugins/*.lua: not with `--no-plugins` or STACKZOO_PLUGINS=0.
    /// Runtime plugins are trusted code (the full Lua library, no sandbox).
    nonisolated(unsafe) static var loadsPlugins = ProcessInfo.processInfo.environment["STACKZOO_PLUGINS"] != "0"

    /// A Lua state with the built-in plugins registered and the runtime plugins (zoo/plugins)
    /// loaded unless they are switched off.
    static func luaState() throws -> LuaState {
        BuiltinPlugins.registerAll()
        let lua = try LuaState(projectRoot: root)
        if loadsPlugins { try ScriptReport.run { try lua.run("require('zoo').load_plugins()", name: "=plugins") } }
        return lua
    }
}

/// Turns script errors into the CLI's one-line message (file:line: message) plus the traceback
/// on standard error, and a non-zero exit.
enum ScriptReport {
    static func run(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ScriptError {
            var text = e.message
            if !e.traceback.isEmpty { text += "\n" + e.traceback }
            FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
            throw ExitCode.failure
        }
    }
}
