// `stackzoo list`: registered models and zoo entries, one line each.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List models and zoo entries.")

    @Option(name: .long, help: "Zoo folder to scan for entries (default: ./zoo).")
    var zoo: String = "zoo"

    func run() throws {
        BuiltinPlugins.registerAll()
        let models = ModelRegistry.shared.entries
        print("models:")
        if models.isEmpty { print("  (none registered)") }
        let width = models.map(\.name.count).max() ?? 0
        for m in models {
            print("  \(m.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(m.summary)  [\(m.origin)]")
        }
        print("zoo entries:")
        let entries = ZooEntries.list(root: zoo)
        if entries.isEmpty { print("  (none found under \(zoo)/)") }
        for e in entries { print("  \(e)") }
    }
}
