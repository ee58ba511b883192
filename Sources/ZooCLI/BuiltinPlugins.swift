// The one literal list of compiled model plugins, registered at start-up.
import StackGANv1
import StackGANv2
import ZooCore

enum BuiltinPlugins {
    /// Adding a model: a folder under Plugins/, a target in Package.swift, and one line here.
    static let all: [ModelPlugin.Type] = [StackGANv2Plugin.self, StackGANv1Plugin.self]

    static func registerAll(into registry: ModelRegistry = .shared) {
        for p in all where !registry.contains(p.name) { p.register(into: registry) }
    }
}
