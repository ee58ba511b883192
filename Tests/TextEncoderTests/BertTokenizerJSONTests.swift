// BertTokenizer(tokenizerJSON:) on small tokenizer.json files: what it reads, and each field value it refuses by name.
import Foundation
import MiniLM
import XCTest

final class BertTokenizerJSONTests: XCTestCase {
    let vocab = Dictionary(uniqueKeysWithValues: BertTokenizerTests.vocab.enumerated().map { ($1, $0) })

    /// A BERT tokenizer.json over the tiny vocabulary, changed by `edit`, written to a temporary file.
    func json(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        var j: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "decoder": NSNull(),
            "added_tokens": [["id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false,
                              "normalized": false, "special": true]],
            "normalizer": ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(), "lowercase": true],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
            "post_processor": ["type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]],
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": vocab],
        ]
        edit(&j)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bert-tokenizer-\(getpid())-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: j).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testReadsTheModelNormalizerTemplateAndAddedTokens() throws {
        let t = try BertTokenizer(tokenizerJSON: try json())
        XCTAssertEqual(t.encode("Hello [MASK] Café", maxLength: 256), [2, 5, 4, 18, 3])
        XCTAssertEqual(t.encode("hello [SEP]", maxLength: 256), [2, 5, 10, 1, 11, 3], "[SEP] is not an added token here")
        XCTAssertEqual(t.padID, 0, "the vocabulary's [PAD] when padding is null")

        let template = try BertTokenizer(tokenizerJSON: try json {
            $0["post_processor"] = ["type": "TemplateProcessing",
                                    "single": [["SpecialToken": ["id": "[CLS]", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                                               ["SpecialToken": ["id": "[SEP]", "type_id": 0]], ["SpecialToken": ["id": "[SEP]", "type_id": 0]]],
                                    "special_tokens": ["[CLS]": ["id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]],
                                                       "[SEP]": ["id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]]]]
            $0["padding"] = ["pad_id": 4]
            $0["normalizer"] = ["type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(), "lowercase": false]
        })
        XCTAssertEqual(template.encode("hello world", maxLength: 4), [2, 5, 3, 3], "the template's ids are kept whole")
        XCTAssertEqual(template.encode("Hello café", maxLength: 256), [2, 30, 19, 3, 3], "strip_accents null follows lowercase false")
        XCTAssertEqual(template.padID, 4)
    }

    func testRefusesWhatItDoesNotImplementNamingTheField() throws {
        let refusals: [(String, (inout [String: Any]) -> Void)] = [
            ("model.type", { $0["model"] = ["type": "BPE"] }),
            ("normalizer.type", { $0["normalizer"] = ["type": "Lowercase"] }),
            ("normalizer is null", { $0["normalizer"] = NSNull() }),
            ("normalizer.clean_text", { $0["normalizer"] = ["type": "BertNormalizer", "clean_text": "yes", "handle_chinese_chars": true,
                                                            "strip_accents": NSNull(), "lowercase": true] }),
            ("pre_tokenizer.type", { $0["pre_tokenizer"] = ["type": "Whitespace"] }),
            ("post_processor.type", { $0["post_processor"] = ["type": "RobertaProcessing"] }),
            ("post_processor.single has no Sequence A", { $0["post_processor"] = ["type": "TemplateProcessing", "single": [], "special_tokens": [:]] }),
            ("added_tokens[0].normalized", { $0["added_tokens"] = [["id": 4, "content": "[MASK]", "single_word": false, "lstrip": false,
                                                                   "rstrip": false, "normalized": true, "special": true]] }),
            ("\"[MASK]\" has id 5", { $0["added_tokens"] = [["id": 5, "content": "[MASK]", "single_word": false, "lstrip": false,
                                                             "rstrip": false, "normalized": false, "special": true]] }),
            ("model.vocab.\"hello\"", { [vocab] j in
                var v = vocab
                v["hello"] = 99
                j["model"] = ["type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": v]
            }),
        ]
        for (field, edit) in refusals {
            XCTAssertThrowsError(try BertTokenizer(tokenizerJSON: try json(edit)), field) { XCTAssert("\($0)".contains(field), "\(field): \($0)") }
        }
        XCTAssertThrowsError(try BertTokenizer(tokenizerJSON: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))) {
            XCTAssert("\($0)".contains("/nonexistent/tokenizer.json"), "\($0)")
        }
    }
}
