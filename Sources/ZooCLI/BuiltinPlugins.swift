// The one literal list of compiled plugins (models and text encoders), registered at start-up.
import MiniLM
import StackGANv1
import StackGANv2
import ZooCore

enum BuiltinPlugins {
    /// Adding a model: a folder under Plugins/, a target in Package.swift, and one line here.
    static let all: [ModelPlugin.Type] = [StackGANv2Plugin.self, StackGANv1Plugin.self]
    /// Text encoders, the default first (the emoji set's embeddings come from all-MiniLM-L6-v2).
    static let textEncoders: [TextEncoderPlugin.Type] = [MiniLMPlugin.self]

    static func registerAll(into registry: ModelRegistry = .shared, textEncoders encoders: TextEncoderRegistry = .shared) {
        for p in all where !registry.contains(p.name) { p.register(into: registry) }
        if encoders.entries.isEmpty { for p in textEncoders { p.register(into: encoders) } }
    }
}
