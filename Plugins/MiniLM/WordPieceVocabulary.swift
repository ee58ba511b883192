// WordPiece's vocabulary as a trie over Unicode scalars, and its greedy longest-match-first split of one word.
import Foundation
import ZooCore

/// The `model` of a BERT tokenizer.json (`"type": "WordPiece"`), as `tokenizers/src/models/wordpiece/mod.rs`:
/// a word longer than `maxInputCharsPerWord` scalars is `[UNK]`; otherwise it is split greedily into the
/// longest vocabulary entries, every piece after the first looked up with the continuing-subword prefix
/// ("##"), and a word with any stretch no entry matches is one `[UNK]`.
struct WordPieceVocabulary: Sendable {
    /// The tokens, indexed by id.
    let tokens: [String]
    private(set) var unknownID: Int32 = -1
    let maxInputCharsPerWord: Int
    /// (node << 32 | scalar) → child node; node 0 is the root.
    private var children: [UInt64: Int32] = [:]
    /// node → the id of the token that ends there, or -1.
    private var terminal: [Int32] = [-1]
    /// The node the continuing-subword prefix leads to: where every piece after a word's first starts.
    private var continuationRoot: Int32?

    /// - Parameter tokens: the vocabulary in id order; a token given twice (scalar for scalar) is an error.
    init(tokens: [String], unknownToken: String, continuingSubwordPrefix: String, maxInputCharsPerWord: Int, what: String) throws {
        guard tokens.count < Int32.max else { throw ZooError.invalidArgument(op: what, message: "\(tokens.count) tokens are too many") }
        self.tokens = tokens
        self.maxInputCharsPerWord = maxInputCharsPerWord
        children.reserveCapacity(tokens.count * 6)
        for (id, token) in tokens.enumerated() {
            var node: Int32 = 0
            for s in token.unicodeScalars { node = child(of: node, s) ?? insertChild(of: node, s) }
            guard terminal[Int(node)] < 0 else {
                throw ZooError.invalidArgument(op: what, message: "the token \"\(token)\" is in the vocabulary twice (ids \(terminal[Int(node)]) and \(id))")
            }
            terminal[Int(node)] = Int32(id)
        }
        continuationRoot = node(of: continuingSubwordPrefix)
        guard let unknownID = id(of: unknownToken) else {
            throw ZooError.invalidArgument(op: what, message: "the unknown token \"\(unknownToken)\" is not in the vocabulary")
        }
        self.unknownID = unknownID
    }

    /// The id of a token (scalar for scalar), if it is in the vocabulary.
    func id(of token: String) -> Int32? {
        guard let node = node(of: token), terminal[Int(node)] >= 0 else { return nil }
        return terminal[Int(node)]
    }

    private func node(of text: String) -> Int32? {
        var node: Int32? = 0
        for s in text.unicodeScalars { node = node.flatMap { child(of: $0, s) } }
        return node
    }

    private static func key(_ node: Int32, _ s: Unicode.Scalar) -> UInt64 { UInt64(UInt32(node)) << 32 | UInt64(s.value) }

    private func child(of node: Int32, _ s: Unicode.Scalar) -> Int32? { children[Self.key(node, s)] }

    private mutating func insertChild(of node: Int32, _ s: Unicode.Scalar) -> Int32 {
        let new = Int32(terminal.count)
        terminal.append(-1)
        children[Self.key(node, s)] = new
        return new
    }

    /// Appends the ids of one (non-empty, normalized) word's pieces.
    func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard word.count <= maxInputCharsPerWord else { return ids.append(unknownID) }
        let first = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            // The longest entry that is a prefix of word[start...] (with "##" after the first piece).
            var node = start == word.startIndex ? 0 : continuationRoot
            var best: Int32 = -1
            var end = start
            var i = start
            while i < word.endIndex, let from = node, let next = child(of: from, word[i]) {
                node = next
                i += 1
                if terminal[Int(next)] >= 0 {
                    best = terminal[Int(next)]
                    end = i
                }
            }
            guard best >= 0 else {
                ids.removeSubrange(first...)
                return ids.append(unknownID)
            }
            ids.append(best)
            start = end
        }
    }
}
