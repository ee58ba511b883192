// Where all-MiniLM-L6-v2's files are (the cache folder scripts/get_text_encoder.sh fills) and the message when they are not.
import Foundation
import ZooCore

/// The unpacked model folder: `model.safetensors`, `tokenizer.json`, `config.json`,
/// `sentence_bert_config.json`, `1_Pooling/config.json`.
public enum MiniLMFiles {
    public static let name = "all-MiniLM-L6-v2"
    /// The command that fetches the files, named by every error about them.
    public static let fetchCommand = "scripts/get_text_encoder.sh"

    /// `STACKZOO_CACHE/text/all-MiniLM-L6-v2`.
    public static var folder: URL { ZooCache.root.appendingPathComponent("text/\(name)", isDirectory: true) }

    public static let required = ["model.safetensors", "tokenizer.json", "config.json", "sentence_bert_config.json"]

    /// Whether every required file is there (tests that need the real weights skip otherwise).
    public static var available: Bool {
        required.allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    /// The folder, or an error naming the missing file and the command that gets it.
    public static func locate() throws -> URL {
        for f in required where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(f).path) {
            throw ZooError.io(path: folder.appendingPathComponent(f).path,
                              message: "the \(name) text encoder is not installed; run `\(fetchCommand)` to fetch it (set STACKZOO_CACHE to keep it elsewhere)")
        }
        return folder
    }
}
