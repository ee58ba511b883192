// `stackzoo describe ENTRY|FILE.safetensors`: what a config resolves to, or what a weights file holds.
import ArgumentParser
import Foundation
import ZooCore
import ZooLua

struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a zoo entry's resolved config, networks, parameter counts and FLOPs (or a safetensors file's contents).")

    @Argument(help: "A zoo entry (path or short name such as dcgan/tiny) or a .safetensors file.")
    var target: String

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set train.batch=8 (repeatable).")
    var overrides: [String] = []

    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        if target.hasSuffix(".safetensors") {
            print(try WeightsSummary.describe(path: target))
            return
        }
        let lua = try Project.luaState()
        try ScriptReport.run {
            let text = try lua.call("describe", target, overrides)
            print(text.first.flatMap { $0 as? String } ?? "")
        }
    }
}

/// A safetensors file: metadata, and parameter counts grouped by network prefix.
enum WeightsSummary {
    static func describe(path: String) throws -> String {
        let file = try SafeTensorsFile.read(path: path)
        var lines = ["file: \(path)", "tensors: \(file.names.count)",
                     "checksum: " + (file.metadata[SafeTensorsFile.checksumKey] == nil ? "none (older or converted file)" : "verified")]
        for (k, v) in file.metadata.sorted(by: { $0.key < $1.key }) {
            let shown = v.count > 200 ? String(v.prefix(200)) + "… (\(v.count) characters)" : v
            lines.append("metadata \(k): \(shown)")
        }
        var groups: [(String, Int, Int)] = []
        for name in file.names {
            let parts = name.split(separator: ".")
            var prefix = String(parts.first ?? "")
            if parts.count > 2, Int(parts[1]) != nil { prefix += "." + parts[1] }
            let n = file[name]!.elementCount
            if let i = groups.firstIndex(where: { $0.0 == prefix }) { groups[i].1 += n; groups[i].2 += 1 }
            else { groups.append((prefix, n, 1)) }
        }
        for (p, n, c) in groups { lines.append("  \(p): \(c) tensors, \(n) values") }
        return lines.joined(separator: "\n")
    }
}
