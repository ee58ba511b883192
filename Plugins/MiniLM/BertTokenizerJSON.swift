// Reads a Hugging Face tokenizer.json of the BERT WordPiece kind, refusing by name every field value BertTokenizer does not implement.
import Foundation
import ZooCore

extension BertTokenizer {
    /// Reads a Hugging Face tokenizer.json: `model` "WordPiece" (vocab, unk_token, continuing_subword_prefix,
    /// max_input_chars_per_word), `normalizer` "BertNormalizer" (clean_text, handle_chinese_chars,
    /// strip_accents, lowercase), `pre_tokenizer` "BertPreTokenizer", `post_processor` "TemplateProcessing"
    /// (its single-text template) or "BertProcessing", and `added_tokens` that are not normalized, stripped
    /// or single-word. Anything else is refused with an error naming the field. `truncation` is `encode`'s
    /// maxLength (sentence-transformers passes its own), nothing is padded (`padding.pad_id` is `padID`), and
    /// `decoder` is not used.
    public init(tokenizerJSON url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ZooError.io(path: file, message: "cannot read the tokenizer: \(error.localizedDescription)")
        }
        guard let fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ZooError.format(path: file, message: "not a JSON object")
        }
        let root = JSONFields(fields: fields, path: "", file: file)

        let model = try root.object("model")
        try model.require("type", is: "WordPiece")
        let vocab = try model.object("vocab")
        var tokens = [String?](repeating: nil, count: vocab.fields.count)
        for (token, value) in vocab.fields {
            guard let id = value as? Int, tokens.indices.contains(id), tokens[id] == nil else {
                throw ZooError.format(path: file, message: "model.vocab.\"\(token)\": \(value) is not a new id in 0..<\(tokens.count)")
            }
            tokens[id] = token
        }

        let n = try root.object("normalizer")
        try n.require("type", is: "BertNormalizer")
        let lowercase = try n.bool("lowercase")
        let normalizer = BertNormalizer(cleanText: try n.bool("clean_text"), handleChineseChars: try n.bool("handle_chinese_chars"),
                                        stripAccents: try n.optionalBool("strip_accents") ?? lowercase, lowercase: lowercase)
        try root.object("pre_tokenizer").require("type", is: "BertPreTokenizer")

        var special: [(content: String, id: Int32)] = []
        for (i, item) in try root.array("added_tokens").enumerated() {
            let added = try root.element(item, "added_tokens[\(i)]")
            for flag in ["normalized", "lstrip", "rstrip", "single_word"] where try added.bool(flag) {
                throw ZooError.unsupported("\(file): added_tokens[\(i)].\(flag) is true; BertTokenizer implements only added tokens matched as they are")
            }
            special.append((try added.string("content"), Int32(try added.int("id"))))
        }

        let (prefix, suffix) = try Self.template(try root.object("post_processor"))
        let padID: Int32
        if let padding = try root.optionalObject("padding") {
            padID = Int32(try padding.int("pad_id"))
        } else if let i = tokens.firstIndex(of: "[PAD]") {
            padID = Int32(i)
        } else {
            throw ZooError.unsupported("\(file): padding is null and model.vocab has no [PAD]; BertTokenizer needs a padding id")
        }
        // Every slot is filled: the ids are distinct and in 0..<count.
        try self.init(tokens: tokens.map { $0! }, unknownToken: try model.string("unk_token"),
                      continuingSubwordPrefix: try model.string("continuing_subword_prefix"),
                      maxInputCharsPerWord: try model.int("max_input_chars_per_word"), normalizer: normalizer,
                      specialTokens: special, prefix: prefix, suffix: suffix, padID: padID, what: file)
    }

    /// The ids before and after the text in the post-processor's single-text template.
    private static func template(_ p: JSONFields) throws -> (prefix: [Int32], suffix: [Int32]) {
        switch try p.string("type") {
        case "BertProcessing":
            return ([Int32(try p.pair("cls").id)], [Int32(try p.pair("sep").id)])
        case "TemplateProcessing":
            let specials = try p.object("special_tokens")
            var prefix: [Int32] = [], suffix: [Int32] = [], sawSequence = false
            for (i, item) in try p.array("single").enumerated() {
                let piece = try p.element(item, "single[\(i)]")
                if let seq = try piece.optionalObject("Sequence") {
                    guard try seq.string("id") == "A", !sawSequence else {
                        throw ZooError.unsupported("\(p.file): \(seq.path) is not the one sequence A of a single-text template")
                    }
                    sawSequence = true
                } else {
                    let name = try piece.object("SpecialToken").string("id")
                    let ids = try specials.object(name).array("ids").map { id -> Int32 in
                        guard let id = id as? Int else { throw ZooError.format(path: p.file, message: "\(specials.path).\(name).ids: not integers") }
                        return Int32(id)
                    }
                    if sawSequence { suffix += ids } else { prefix += ids }
                }
            }
            guard sawSequence else { throw ZooError.unsupported("\(p.file): \(p.path).single has no Sequence A") }
            return (prefix, suffix)
        case let other:
            throw ZooError.unsupported("\(p.file): \(p.path).type is \"\(other)\"; BertTokenizer implements TemplateProcessing and BertProcessing")
        }
    }
}

/// One JSON object of a tokenizer.json with its dotted path, read by getters that throw naming the field.
private struct JSONFields {
    let fields: [String: Any]
    let path: String
    let file: String

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func value(_ key: String) throws -> Any {
        guard let v = fields[key] else { throw ZooError.format(path: file, message: "\(name(key)) is missing") }
        return v
    }

    private func typed<T>(_ key: String, _ what: String) throws -> T {
        guard let v = try value(key) as? T else { throw ZooError.format(path: file, message: "\(name(key)) is not \(what)") }
        return v
    }

    func string(_ key: String) throws -> String { try typed(key, "a string") }
    func bool(_ key: String) throws -> Bool { try typed(key, "true or false") }
    func array(_ key: String) throws -> [Any] { try typed(key, "an array") }

    func int(_ key: String) throws -> Int {
        let v: Int = try typed(key, "an integer")
        guard (0...Int(Int32.max)).contains(v) else { throw ZooError.format(path: file, message: "\(name(key)) is \(v), out of range") }
        return v
    }

    /// `null` is nil.
    func optionalBool(_ key: String) throws -> Bool? { try value(key) is NSNull ? nil : bool(key) }

    func object(_ key: String) throws -> JSONFields {
        guard let o = try optionalObject(key) else { throw ZooError.unsupported("\(file): \(name(key)) is null; BertTokenizer needs one") }
        return o
    }

    /// A missing or `null` member is nil.
    func optionalObject(_ key: String) throws -> JSONFields? {
        guard let v = fields[key], !(v is NSNull) else { return nil }
        return try element(v, name(key), relative: false)
    }

    /// An object inside this one's arrays, named by `path` (relative to this object's).
    func element(_ v: Any, _ path: String, relative: Bool = true) throws -> JSONFields {
        let full = relative ? name(path) : path
        guard let o = v as? [String: Any] else { throw ZooError.format(path: file, message: "\(full) is not an object") }
        return JSONFields(fields: o, path: full, file: file)
    }

    /// BertProcessing's ["[SEP]", 102].
    func pair(_ key: String) throws -> (token: String, id: Int) {
        let a = try array(key)
        guard a.count == 2, let t = a[0] as? String, let id = a[1] as? Int else {
            throw ZooError.format(path: file, message: "\(name(key)) is not [token, id]")
        }
        return (t, id)
    }

    /// Refuses any other value of a "type" field, naming it.
    func require(_ key: String, is expected: String) throws {
        let v = try string(key)
        guard v == expected else {
            throw ZooError.unsupported("\(file): \(name(key)) is \"\(v)\"; BertTokenizer implements only \(expected)")
        }
    }
}
