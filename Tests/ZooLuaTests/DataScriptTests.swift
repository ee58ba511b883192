// zoo.data from scripts (errors with file:line and the bad file) and `stackzoo data check` end to end.
import Foundation
import XCTest
@testable import ZooLua

final class DataScriptTests: XCTestCase {
    let fixture = repositoryRoot + "/Tests/Fixtures/data/emoji"

    /// A copy of the emoji fixture with one image replaced by text.
    func damagedCopy() throws -> String {
        let dir = try temporaryFolder(self)
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/emoji")
        try write("not an image", to: dir + "/emoji/png/64/00001_1F603.png")
        return dir + "/emoji"
    }

    func testScriptErrors() throws {
        let lua = try makeLua()
        let root = ZooModule.luaQuote(fixture)
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.data.open({kind = 'captioned', root = \(root), rot = 1})",
                          ["test:2:", "unknown key 'rot' (did you mean 'root'?)"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.data.open({kind = 'captioned', root = \(root)}, {batchh = 2})",
                          ["test:2:", "bad argument #2 to 'data.open' (unknown option 'batchh'; did you mean 'batch'?"])
        assertScriptError(lua, "local zoo = require 'zoo'\nzoo.data.open('emoji')", ["test:2:", "data table expected, got string"])
        assertScriptError(lua, "local zoo = require 'zoo'\nlocal ds = zoo.data.open({kind = 'captioned', root = \(root)}, {batch = 2, threads = 0})\nreturn ds.nope",
                          ["test:3:", "dataset has no field or method 'nope'"])
        let bad = ZooModule.luaQuote(try damagedCopy())
        assertScriptError(lua, "local zoo = require 'zoo'\n\nzoo.data.open({kind = 'captioned', root = \(bad)}, {batch = 2})",
                          ["test:3:", "00001_1F603.png: not a PNG or JPEG image", "on_error = \"skip\""])
        let skipped = try lua.run("""
            local zoo = require 'zoo'
            local ds = zoo.data.open({kind = 'captioned', root = \(bad), on_error = 'skip'}, {batch = 2, threads = 0})
            return ds:info().count, #ds:info().skipped, ds:info().skipped[1]
            """)
        XCTAssertEqual(skipped[0] as? Int, 5)
        XCTAssertEqual(skipped[1] as? Int, 1)
        XCTAssertTrue((skipped[2] as? String ?? "").hasSuffix("00001_1F603.png: not a PNG or JPEG image (first bytes: 6e 6f 74 20 61 6e 20 69)"))
    }

    func stackzoo(_ arguments: [String]) throws -> (Int32, String, String) { try runStackzoo(arguments) }

    func testDataCheckCommand() throws {
        let dir = try temporaryFolder(self)
        try write("return { model = 'dcgan', data = { kind = 'captioned', root = \(ZooModule.luaQuote(fixture)) } }\n", to: dir + "/good.lua")
        let (s, out, _) = try stackzoo(["data", "check", dir + "/good.lua"])
        XCTAssertEqual(s, 0, out)
        XCTAssertTrue(out.contains("checked: 6 images (decoded): 6 good, 0 bad") && out.contains("splits: train 6, test 2") && out.hasSuffix("problems: none\n"), out)
        let (s2, out2, _) = try stackzoo(["data", "check", dir + "/good.lua", "--set", "data.split=test"])
        XCTAssertEqual(s2, 0)
        XCTAssertTrue(out2.contains("checked: 2 images"), out2)
        let bad = try damagedCopy()
        try write("return { model = 'dcgan', data = { kind = 'captioned', root = \(ZooModule.luaQuote(bad)) } }\n", to: dir + "/bad.lua")
        let (s3, out3, _) = try stackzoo(["data", "check", dir + "/bad.lua"])
        XCTAssertNotEqual(s3, 0)
        XCTAssertTrue(out3.contains("problems: 1\n  \(bad)/png/64/00001_1F603.png: not a PNG or JPEG image"), out3)
        let (s4, _, err4) = try stackzoo(["data", "check", dir + "/good.lua", "--set", "data.rot=x"])
        XCTAssertNotEqual(s4, 0)
        XCTAssertTrue(err4.contains("unknown key 'rot' (did you mean 'root'?)"), err4)
    }
}
