// Free text end to end with the real text encoder: embed a dataset, train on it, sample from any caption; the recorded encoder is enforced.
import Foundation
import MiniLM
import XCTest
import ZooCore
@testable import ZooLua

final class FreeTextTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        let model = ZooCache.root.appendingPathComponent("text/all-MiniLM-L6-v2/model.safetensors").path
        guard FileManager.default.fileExists(atPath: model) else {
            throw XCTSkip("the all-MiniLM-L6-v2 text encoder is not in \(ZooCache.root.path): run scripts/get_text_encoder.sh")
        }
        dir = try temporaryFolder(self)
        if TextEncoderRegistry.shared.entries.isEmpty { MiniLMPlugin.register(into: .shared) }
    }

    @discardableResult
    func stackzoo(_ args: [String]) throws -> (Int32, String) {
        let (s, out, err) = try runStackzoo(args + ["--threads", "1"], cwd: dir, environment: ["STACKZOO_HOME": repositoryRoot])
        return (s, out + err)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + path)) }

    func testEmbedTrainAndSampleFromAnyCaption() throws {
        // The fixture dataset, re-embedded by `stackzoo embed` (emb_minilm.npy: the encoder's tag).
        let data = dir + "/emoji"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Fixtures/data/emoji", toPath: data)
        try FileManager.default.removeItem(atPath: data + "/emb_test.npy")
        var (s, out) = try stackzoo(["embed", data])
        XCTAssertEqual(s, 0, out)
        let table = try NPY.read(path: data + "/emb_minilm.npy")
        XCTAssertEqual(table.shape.count, 3)
        XCTAssertEqual(table.shape.last, 384)
        XCTAssertNotEqual(try stackzoo(["embed", data]).0, 0, "an existing embeddings file needs --force")

        // A captions file gives [N, 384] rows.
        try write("a red apple\na blue heart\n", to: dir + "/caps.txt")
        (s, out) = try stackzoo(["embed", "caps.txt", "--out", "caps.npy"])
        XCTAssertEqual(s, 0, out)
        XCTAssertEqual(try NPY.read(path: dir + "/caps.npy").shape, [2, 384])

        // Train a tiny text model on it: its config records the encoder.
        let tiny = ["--set", "arch.gf=4", "--set", "arch.df=2", "--set", "arch.z=4", "--set", "arch.condition=4",
                    "--set", "train.batch=2", "--set", "data.root=" + data]
        (s, out) = try stackzoo(["train", "stackgan-v1/emoji-stage1", "--out", "runs/t", "--steps", "1"] + tiny)
        XCTAssertEqual(s, 0, out)
        let ckpt = "runs/t/checkpoints/final.safetensors"
        let saved = try SafeTensorsFile.read(path: dir + "/" + ckpt).metadata["stackzoo.config_lua"] ?? ""
        XCTAssertTrue(saved.contains("text_encoder = \"all-MiniLM-L6-v2\""), saved)

        // Any caption: two rows, written beside the grid; the same caption from a file gives the same images.
        (s, out) = try stackzoo(["sample", ckpt, "--text", "a red apple", "--text", "a blue heart", "--n", "4", "--nrow", "2", "--out", "t.png"])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(try String(contentsOfFile: dir + "/t.txt", encoding: .utf8).contains("row 2: a blue heart"))
        (s, out) = try stackzoo(["sample", ckpt, "--captions", "caps.txt", "--n", "4", "--nrow", "2", "--out", "c.png"])
        XCTAssertEqual(s, 0, out)
        XCTAssertEqual(try bytes("t.png"), try bytes("c.png"))
        // The encoder in Lua gives the rows `embed` wrote.
        let diff = try makeLua().run("""
            local zoo = require 'zoo'
            local e = zoo.text.encoder():encode { "a red apple", "a blue heart" }
            return (e - zoo.load_npy('\(dir)/caps.npy')):pow(2):sum():item()
            """)
        XCTAssertEqual(diff.first as? Double, 0)

        // Another encoder than the recorded one, or an unknown one, is refused with one clear line.
        (s, out) = try stackzoo(["sample", ckpt, "--text", "a red apple", "--encoder", "nope", "--out", "x.png"])
        XCTAssertNotEqual(s, 0)
        XCTAssertTrue(out.contains("trained on embeddings from the text encoder all-MiniLM-L6-v2"), out)
        (s, out) = try stackzoo(["sample", ckpt, "--text", "a", "--captions", "caps.txt", "--out", "x.png"])
        XCTAssertNotEqual(s, 0, "--text and --captions together are refused")
    }

    /// A model whose embeddings are 16 wide cannot take the 384-wide encoder's, whatever its config says.
    func testAnEncoderOfAnotherWidthIsRefused() throws {
        let data = dir + "/emoji"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Fixtures/data/emoji", toPath: data)
        let tiny = ["--set", "arch.gf=4", "--set", "arch.df=2", "--set", "arch.z=4", "--set", "arch.condition=4", "--set", "arch.text=16",
                    "--set", "train.batch=2", "--set", "data.root=" + data, "--set", "data.text_encoder=all-MiniLM-L6-v2"]
        var (s, out) = try stackzoo(["train", "stackgan-v1/emoji-stage1", "--out", "runs/w", "--steps", "1"] + tiny)
        XCTAssertEqual(s, 0, out)
        (s, out) = try stackzoo(["sample", "runs/w/checkpoints/final.safetensors", "--text", "a red apple", "--out", "w.png"])
        XCTAssertEqual(s, 1)
        XCTAssertTrue(out.contains("the text encoder all-MiniLM-L6-v2 makes 384-wide embeddings"), out)
        XCTAssertTrue(out.contains("takes 16"), out)
    }

    func testLuaEncoderMatchesEmbedAndChecksItsArguments() throws {
        let r = try makeLua().run("""
            local zoo = require 'zoo'
            local enc = zoo.text.encoder()
            local e = enc:encode { "a red apple", "a blue heart", "a red apple" }
            local again = zoo.text.encoder("minilm")
            local norm = e:slice(1, 1, 1):pow(2):sum():item()
            local same = (e:slice(1, 1, 1) - e:slice(1, 3, 1)):pow(2):sum():item()
            local ok, err = pcall(enc.encode, enc, { "x", 3 })
            local ok2, err2 = pcall(zoo.text.encoder, "nope")
            return enc.name, enc.width, e:size(1), e:size(2), norm, same, again == enc, zoo.text.available(), err, err2
            """)
        XCTAssertEqual(r[0] as? String, "all-MiniLM-L6-v2")
        XCTAssertEqual(r[1] as? Int, 384)
        XCTAssertEqual(r[2] as? Int, 3)
        XCTAssertEqual(r[3] as? Int, 384)
        XCTAssertEqual(r[4] as? Double ?? 0, 1, accuracy: 1e-5, "unit norm")
        XCTAssertLessThan(r[5] as? Double ?? 1, 1e-10, "the same caption gives the same row (to GEMM rounding) wherever it sits in the batch")
        XCTAssertEqual(r[6] as? Bool, true, "the tag finds the same loaded encoder")
        XCTAssertEqual(r[7] as? Bool, true)
        XCTAssertTrue((r[8] as? String ?? "").contains("entry 2 is not a string"), "\(r[8] ?? "")")
        XCTAssertTrue((r[9] as? String ?? "").contains("unknown text encoder 'nope'"), "\(r[9] ?? "")")
    }
}
