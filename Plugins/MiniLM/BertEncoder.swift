// The BERT encoder of all-MiniLM-L6-v2, forward only: embeddings, post-LayerNorm transformer layers, masked mean pooling, L2 normalisation.
import Foundation
import ZooCore

/// The sizes a Hugging Face BERT `config.json` gives.
public struct BertConfig: Equatable {
    public var vocabularySize: Int
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEps: Float

    /// Reads `config.json`; refuses what this encoder does not implement (another activation,
    /// relative positions), naming the field.
    public init(json url: URL) throws {
        let obj = try readJSONObject(url)
        func int(_ k: String) throws -> Int {
            guard let v = obj[k] as? Int, v > 0 else { throw ZooError.format(path: url.path, message: "'\(k)' must be a positive integer") }
            return v
        }
        vocabularySize = try int("vocab_size")
        hidden = try int("hidden_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        intermediate = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        typeVocabularySize = try int("type_vocab_size")
        guard let eps = obj["layer_norm_eps"] as? Double, eps > 0 else {
            throw ZooError.format(path: url.path, message: "'layer_norm_eps' must be a positive number")
        }
        layerNormEps = Float(eps)
        if let act = obj["hidden_act"] as? String, act != "gelu" {
            throw ZooError.format(path: url.path, message: "hidden_act '\(act)' is not supported (only the exact 'gelu')")
        }
        if let pos = obj["position_embedding_type"] as? String, pos != "absolute" {
            throw ZooError.format(path: url.path, message: "position_embedding_type '\(pos)' is not supported (only 'absolute')")
        }
        guard hidden % heads == 0 else {
            throw ZooError.format(path: url.path, message: "hidden_size \(hidden) is not a multiple of num_attention_heads \(heads)")
        }
    }
}

/// One transformer layer's weights (names as in the Hugging Face checkpoint, `encoder.layer.N.`).
struct BertLayer {
    /// [3·hidden, hidden] and [3·hidden]: query, key and value stacked, one GEMM for all three.
    var qkvWeight: Variable, qkvBias: Variable
    var attnOutWeight: Variable, attnOutBias: Variable
    var attnNormGamma: Variable, attnNormBeta: Variable
    var interWeight: Variable, interBias: Variable
    var outWeight: Variable, outBias: Variable
    var outNormGamma: Variable, outNormBeta: Variable
}

/// The network. `embed(ids:)` runs one padded batch; the sentence encoder drives batching.
public final class BertEncoder {
    public let config: BertConfig
    let wordEmbeddings: Variable       // [V, hidden]
    let positionEmbeddings: Variable   // [P, hidden]
    let typeEmbedding: Variable        // [hidden]: token type 0 (single sentences)
    let embedNormGamma: Variable, embedNormBeta: Variable
    let layers: [BertLayer]

    /// Loads the weights of `model.safetensors` (float32), checking every shape against `config`.
    public init(config: BertConfig, weights url: URL) throws {
        self.config = config
        let file = try SafeTensorsFile.read(path: url.path)
        let h = config.hidden
        func load(_ name: String, _ shape: [Int]) throws -> Variable {
            guard file[name] != nil else { throw ZooError.format(path: url.path, message: "missing tensor '\(name)'") }
            let t = try file.tensor(name)
            guard t.shape == shape else {
                throw ZooError.format(path: url.path, message: "tensor '\(name)' has shape \(t.shape), config.json implies \(shape)")
            }
            return Variable(t)
        }
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabularySize, h])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositions, h])
        typeEmbedding = try load("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h])
            .slice(axis: 0, start: 0, length: 1).reshaped([h])
        embedNormGamma = try load("embeddings.LayerNorm.weight", [h])
        embedNormBeta = try load("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.layers).map { i in
            let p = "encoder.layer.\(i)."
            let a = p + "attention.self."
            return BertLayer(
                qkvWeight: try Variable.concat([load(a + "query.weight", [h, h]), load(a + "key.weight", [h, h]),
                                                load(a + "value.weight", [h, h])], axis: 0),
                qkvBias: try Variable.concat([load(a + "query.bias", [h]), load(a + "key.bias", [h]), load(a + "value.bias", [h])], axis: 0),
                attnOutWeight: try load(p + "attention.output.dense.weight", [h, h]),
                attnOutBias: try load(p + "attention.output.dense.bias", [h]),
                attnNormGamma: try load(p + "attention.output.LayerNorm.weight", [h]),
                attnNormBeta: try load(p + "attention.output.LayerNorm.bias", [h]),
                interWeight: try load(p + "intermediate.dense.weight", [config.intermediate, h]),
                interBias: try load(p + "intermediate.dense.bias", [config.intermediate]),
                outWeight: try load(p + "output.dense.weight", [h, config.intermediate]),
                outBias: try load(p + "output.dense.bias", [h]),
                outNormGamma: try load(p + "output.LayerNorm.weight", [h]),
                outNormBeta: try load(p + "output.LayerNorm.bias", [h]))
        }
    }

    /// Token states [B, L, hidden] of a batch of ids [B, L] padded on the right, with `mask` [B, L]
    /// (1 for a real token, 0 for padding).
    public func hiddenStates(ids: Tensor, mask: Tensor) throws -> Tensor {
        try withNoGrad {
            let b = ids.shape[0], l = ids.shape[1]
            guard l <= config.maxPositions else {
                throw ZooError.invalidArgument(op: "text encoder", message: "\(l) tokens exceed the model's \(config.maxPositions) positions")
            }
            // [B, L, h] = word + position + type, then LayerNorm.
            var x = try Variable.embedding(table: wordEmbeddings, indices: Variable(ids))
            x = try x + positionEmbeddings.slice(axis: 0, start: 0, length: l) + typeEmbedding
            x = try x.layerNorm(gamma: embedNormGamma, beta: embedNormBeta, eps: config.layerNormEps)
            for layer in layers {
                x = try attention(x, layer, batch: b, length: l, keyMask: mask)
                // Feed-forward: [B, L, h] → [B, L, 4h] → GELU → [B, L, h], residual, LayerNorm.
                let inner = try x.linear(weight: layer.interWeight, bias: layer.interBias).gelu()
                x = try (inner.linear(weight: layer.outWeight, bias: layer.outBias) + x)
                    .layerNorm(gamma: layer.outNormGamma, beta: layer.outNormBeta, eps: config.layerNormEps)
            }
            return x.value
        }
    }

    /// Multi-head self-attention over [B, L, h] with the padding mask on the keys, the output
    /// projection, the residual and its LayerNorm.
    func attention(_ x: Variable, _ layer: BertLayer, batch b: Int, length l: Int, keyMask: Tensor) throws -> Variable {
        let h = config.hidden, heads = config.heads, d = h / heads
        // [B, L, 3h] → [B, L, 3, H, d] → [3, B, H, L, d]
        let qkv = try x.linear(weight: layer.qkvWeight, bias: layer.qkvBias).reshaped([b, l, 3, heads, d]).permute([2, 0, 3, 1, 4])
        let q = try qkv.slice(axis: 0, start: 0, length: 1).reshaped([b * heads, l, d])
        let kT = try qkv.slice(axis: 0, start: 1, length: 1).reshaped([b * heads, l, d]).permute([0, 2, 1])  // [BH, d, L]
        let v = try qkv.slice(axis: 0, start: 2, length: 1).reshaped([b * heads, l, d])
        // scores [B, H, L, L] = q·kᵀ / √d, softmax over the unmasked keys
        let scores = try (q.bmm(kT) * (1 / Float(d).squareRoot())).reshaped([b, heads, l, l])
        let probs = try scores.softmax(keyMask: keyMask).reshaped([b * heads, l, l])
        // [BH, L, d] → [B, H, L, d] → [B, L, H, d] → [B, L, h]
        let context = try probs.bmm(v).reshaped([b, heads, l, d]).permute([0, 2, 1, 3]).reshaped([b, l, h])
        let out = try context.linear(weight: layer.attnOutWeight, bias: layer.attnOutBias) + x
        return try out.layerNorm(gamma: layer.attnNormGamma, beta: layer.attnNormBeta, eps: config.layerNormEps)
    }
}

/// A JSON file's top-level object (Foundation's parser; the model's small config files).
func readJSONObject(_ url: URL) throws -> [String: Any] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw ZooError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
    }
    guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw ZooError.format(path: url.path, message: "not a JSON object")
    }
    return obj
}
