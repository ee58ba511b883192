// all-MiniLM-L6-v2 as a TextEncoder: tokenise, length-sorted padded batches through BERT, masked mean pooling, L2 normalisation.
import Foundation
import ZooCore

/// The sentence encoder sentence-transformers calls all-MiniLM-L6-v2 (Transformer → mean Pooling → Normalize).
public final class MiniLMEncoder: TextEncoder {
    public let name = MiniLMFiles.name
    public var width: Int { bert.config.hidden }
    public let tokenizer: BertTokenizer
    public let bert: BertEncoder
    /// Tokens per caption, [CLS] and [SEP] included (sentence_bert_config.json's max_seq_length).
    public let maxLength: Int
    /// Captions per forward pass (sentence-transformers' default batch).
    public var batchSize = 32

    /// Loads the model folder (`MiniLMFiles.locate()` by default).
    public init(folder: URL? = nil) throws {
        let dir = try folder ?? MiniLMFiles.locate()
        let config = try BertConfig(json: dir.appendingPathComponent("config.json"))
        let st = try readJSONObject(dir.appendingPathComponent("sentence_bert_config.json"))
        guard let maxLen = st["max_seq_length"] as? Int, maxLen >= 2, maxLen <= config.maxPositions else {
            throw ZooError.format(path: dir.appendingPathComponent("sentence_bert_config.json").path,
                                  message: "'max_seq_length' must be an integer in 2...\(config.maxPositions)")
        }
        try MiniLMEncoder.checkPooling(dir.appendingPathComponent("1_Pooling/config.json"))
        maxLength = maxLen
        tokenizer = try BertTokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json"))
        guard tokenizer.vocabularySize == config.vocabularySize else {
            throw ZooError.format(path: dir.appendingPathComponent("tokenizer.json").path,
                                  message: "\(tokenizer.vocabularySize) vocabulary entries, config.json says \(config.vocabularySize)")
        }
        bert = try BertEncoder(config: config, weights: dir.appendingPathComponent("model.safetensors"))
    }

    /// Only mean pooling over the tokens is implemented; a pooling config asking for another is refused.
    static func checkPooling(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let obj = try readJSONObject(url)
        for (k, v) in obj where k.hasPrefix("pooling_mode_") {
            let on = (v as? Bool) ?? false
            if on != (k == "pooling_mode_mean_tokens") {
                throw ZooError.format(path: url.path, message: "'\(k)' = \(on): only mean pooling over the tokens is supported")
            }
        }
    }

    /// Token ids of each caption (what `encode` feeds the network).
    public func ids(_ texts: [String]) -> [[Int32]] { texts.map { tokenizer.encode($0, maxLength: maxLength) } }

    /// [N, 384] unit-norm sentence embeddings, in the order given.
    public func encode(_ texts: [String]) throws -> Tensor {
        let tokenized = ids(texts)
        let w = width
        var out = try Tensor(zeros: [texts.count, w])
        // Longest first, so each batch pads to nearly its own length; ties keep the input order.
        let order = tokenized.indices.sorted { (tokenized[$0].count, $1) > (tokenized[$1].count, $0) }
        var start = 0
        while start < order.count {
            let rows = Array(order[start..<min(start + batchSize, order.count)])
            start += rows.count
            let pooled = try embedBatch(rows.map { tokenized[$0] })  // [b, w]
            try out.withUnsafeMutableBufferPointer { o in
                pooled.withUnsafeBufferPointer { p in
                    for (j, r) in rows.enumerated() {
                        for c in 0..<w { o[r * w + c] = p[j * w + c] }
                    }
                }
            }
        }
        return out
    }

    /// Mean-pooled, normalised embeddings [b, w] of one batch of token-id lists.
    func embedBatch(_ batch: [[Int32]]) throws -> Tensor {
        let b = batch.count, l = batch.map(\.count).max() ?? 0, w = width
        var ids = [Float](repeating: Float(tokenizer.padID), count: b * l)
        var mask = [Float](repeating: 0, count: b * l)
        for (i, seq) in batch.enumerated() {
            for (j, id) in seq.enumerated() { ids[i * l + j] = Float(id); mask[i * l + j] = 1 }
        }
        let states = try bert.hiddenStates(ids: Tensor(shape: [b, l], data: ids), mask: Tensor(shape: [b, l], data: mask))
        var pooled = try Tensor(zeros: [b, w])
        try pooled.withUnsafeMutableBufferPointer { o in
            states.withUnsafeBufferPointer { s in
                for i in 0..<b {
                    // Mean over the real tokens, then x / max(‖x‖, 1e-12), as sentence-transformers.
                    let n = batch[i].count
                    for j in 0..<n { for c in 0..<w { o[i * w + c] += s[(i * l + j) * w + c] } }
                    var norm: Float = 0
                    for c in 0..<w { o[i * w + c] /= Float(max(n, 1)); norm += o[i * w + c] * o[i * w + c] }
                    let scale = 1 / max(norm.squareRoot(), 1e-12)
                    for c in 0..<w { o[i * w + c] *= scale }
                }
            }
        }
        return pooled
    }
}

/// Registers all-MiniLM-L6-v2 (the default encoder: the emoji set's embeddings come from it).
public enum MiniLMPlugin: TextEncoderPlugin {
    public static func register(into registry: TextEncoderRegistry) {
        registry.register(name: MiniLMFiles.name, tag: "minilm",
                          summary: "sentence-transformers all-MiniLM-L6-v2: BERT, 6 layers, 384 wide, mean pooling, unit norm",
                          width: 384, installed: { MiniLMFiles.available }) { try MiniLMEncoder() }
    }
}
