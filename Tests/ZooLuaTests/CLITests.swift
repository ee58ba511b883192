// The stackzoo command end to end: run, list, describe, and their error exits.
import Foundation
import XCTest

final class CLITests: XCTestCase {
    func stackzoo(_ arguments: [String]) throws -> (Int32, String, String) { try runStackzoo(arguments) }

    func testRunPassesArgumentsAndReportsErrors() throws {
        let dir = try temporaryFolder(self)
        try write("local zoo = require 'zoo'\nprint(select('#', ...), arg[1], zoo.ones(2):sum():item())\n", to: dir + "/ok.lua")
        let (s, out, _) = try stackzoo(["run", dir + "/ok.lua", "a", "--b"])
        XCTAssertEqual(s, 0)
        XCTAssertEqual(out, "2\ta\t2.0\n")
        try write("local zoo = require 'zoo'\n\nzoo.nn.Linear(2, 'three')\n", to: dir + "/bad.lua")
        let (s2, _, err2) = try stackzoo(["run", dir + "/bad.lua"])
        XCTAssertNotEqual(s2, 0)
        XCTAssertTrue(err2.hasPrefix(dir + "/bad.lua:3: bad argument #2 to 'Linear' (number expected, got string)\nstack traceback:"), err2)
    }

    func testListAndDescribe() throws {
        let (s, out, _) = try stackzoo(["list"])
        XCTAssertEqual(s, 0)
        XCTAssertTrue(out.contains("dcgan") && out.contains("DCGAN, unconditional 64×64 (runtime plugin written in Lua)  [zoo/plugins/dcgan.lua]"), out)
        // Entry names are padded to the longest one, so the gap varies with what zoo/ holds.
        XCTAssertNotNil(out.range(of: #"dcgan/tiny-glu +tiny DCGAN whose"#, options: .regularExpression), out)
        let (s2, out2, _) = try stackzoo(["describe", "dcgan/tiny", "--set", "arch.nz=12"])
        XCTAssertEqual(s2, 0)
        XCTAssertTrue(out2.contains("arch.nz = 12") && out2.contains("-- --set"), out2)
        XCTAssertTrue(out2.contains("netG: ") && out2.contains("GFLOPs per image"), out2)
        // A text model that standardises its embeddings still has its sampling FLOPs counted.
        let (s4, out4, err4) = try stackzoo(["describe", "stackgan-v2/emoji"])
        XCTAssertEqual(s4, 0, err4)
        XCTAssertTrue(out4.contains("arch.text_standardize = true") && out4.contains("GFLOPs per image"), out4)
        let (s3, _, err3) = try stackzoo(["describe", "dcgan/tiny", "--set", "arch.nzz=12"])
        XCTAssertNotEqual(s3, 0)
        XCTAssertTrue(err3.contains("unknown key 'arch.nzz' for model 'dcgan' (did you mean 'arch.nz'?)"), err3)
    }

    func testBenchRunsTheRealNetworksAndTheOpsTable() throws {
        let (s, out, err) = try stackzoo(["bench", "demo_train", "--batch", "2", "--repeats", "1", "--json", "--threads", "1"])
        XCTAssertEqual(s, 0, err)
        let rows = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]
        let row = try XCTUnwrap(rows?.first)
        XCTAssertEqual(row["workload"] as? String, "demo_train")
        // The demo config's FLOPs per image, as PyTorch's counter gives them (3.9 GFLOP).
        XCTAssertEqual(row["gflopPerImage"] as? Double ?? 0, 3.93, accuracy: 0.01)
        XCTAssertEqual((row["phases"] as? [String: Double])?.keys.sorted(), ["d_steps", "g_forward", "g_step"])
        let (s2, out2, _) = try stackzoo(["bench", "ops", "--filter", "img3", "--repeats", "1", "--threads", "1"])
        XCTAssertEqual(s2, 0)
        XCTAssertTrue(out2.contains("| v2G.img3_conv16->3@256x256_b1 | 3 | 65536 | 144 |"), out2)
        let (s3, _, err3) = try stackzoo(["bench", "nope"])
        XCTAssertNotEqual(s3, 0)
        XCTAssertTrue(err3.contains("unknown workload 'nope'"), err3)
    }
}
