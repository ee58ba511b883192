// ConvertCommandTests: `stackzoo convert` end to end — official .pth files in, a checkpoint `stackzoo sample` reads out, clear errors.
import Foundation
import XCTest
import ZooCore
@testable import ZooLua

final class ConvertCommandTests: XCTestCase {
    let pth = repositoryRoot + "/Tests/Fixtures/pth/"
    let tiny = ["arch.gf=4", "arch.df=2", "arch.z=4", "arch.condition=2", "arch.text=8"].flatMap { ["--set", $0] }

    func testConvertedGeneratorSamplesAndBadInputsAreOneLine() throws {
        let dir = try temporaryFolder(self)
        let out = dir + "/v2.safetensors"
        // The generator alone: the discriminators keep their initial weights, so the file still loads.
        var (status, stdout, stderr) = try runStackzoo(["convert", "--netG", pth + "v2_netG.pth", "--preset", "birds",
                                                        "--set", "arch.branches=2", "--out", out] + tiny)
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stdout.contains("from .pth: netG; initial weights: netsD.0, netsD.1"), stdout)
        try NPY.write(SafeTensor(try Tensor.randn([2, 8])), to: dir + "/emb.npy")
        (status, _, stderr) = try runStackzoo(["sample", out, "--embeddings", dir + "/emb.npy", "--n", "2", "--out", dir + "/s.png"])
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/s-128.png"))
        (status, _, stderr) = try runStackzoo(["convert", pth + "v2_netG.pth", "--entry", "stackgan-v2/birds", "--set", "arch.branches=2",
                                               "--out", out] + tiny)
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("already exists (give --force to replace it)"), stderr)
        // The wrong entry for the file: the key and both shapes named.
        (status, _, stderr) = try runStackzoo(["convert", pth + "v1_netG.pth", "--entry", "stackgan-v1/birds-stage1", "--out", dir + "/x.safetensors"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("v1_netG.pth as stackgan-v1's netG (is it the right file and entry?)") && stderr.contains("has shape"), stderr)
        (status, _, stderr) = try runStackzoo(["convert", dir + "/missing.pth", "--entry", "stackgan-v1/birds-stage1", "--out", dir + "/x.safetensors"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("missing.pth: no such file"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.safetensors"))
    }

    func testAnEvilPickleIsRefusedByTheCommand() throws {
        let dir = try temporaryFolder(self)
        // A legacy-format pickle that would run os.system under torch.load.
        var bytes: [UInt8] = [0x80, 2, 0x63] + Array("os\nsystem\n".utf8)
        bytes += [0x58, 10, 0, 0, 0] + Array("touch PWND".utf8) + [0x85, 0x52, 0x2E]
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/evil.pth"))
        let (status, _, stderr) = try runStackzoo(["convert", dir + "/evil.pth", "--entry", "stackgan-v1/birds-stage1", "--out", dir + "/x.safetensors"] + tiny,
                                                  cwd: dir)
        XCTAssertEqual(status, 1)
        XCTAssertTrue(stderr.contains("evil.pth: refusing the pickle global 'os.system'"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/PWND"))
    }
}
