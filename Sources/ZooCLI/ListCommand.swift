// `stackzoo list`: registered models (compiled and Lua), text encoders and zoo entries, one line each.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List models, text encoders and zoo entries.")

    func run() throws {
        let lua = try Project.luaState()
        let models = ModelRegistry.shared.entries
        print("models:")
        if models.isEmpty { print("  (none registered)") }
        let width = models.map(\.name.count).max() ?? 0
        for m in models {
            print("  \(m.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(m.summary)  [\(m.origin)]")
        }
        let encoders = TextEncoderRegistry.shared.entries
        print("text encoders:")
        let tw = encoders.map(\.name.count).max() ?? 0
        for e in encoders {
            let state = e.installed() ? "installed" : "not installed: scripts/get_text_encoder.sh"
            print("  \(e.name.padding(toLength: tw, withPad: " ", startingAt: 0))  \(e.summary); tag '\(e.tag)', \(e.width) wide  [\(state)]")
        }
        let root = Project.root + "/zoo"
        let entries = ZooEntries.list(root: root)
        print("zoo entries:")
        if entries.isEmpty { print("  (none found under \(root))") }
        let ew = entries.map(\.count).max() ?? 0
        for e in entries {
            let result = (try? lua.call("entry_description", e)) ?? []
            let text = (result.first as? String) ?? "(cannot be read: \((result.count > 1 ? result[1] as? String : nil) ?? "?"))"
            print("  \(e.padding(toLength: ew, withPad: " ", startingAt: 0))  \(text)")
        }
    }
}
