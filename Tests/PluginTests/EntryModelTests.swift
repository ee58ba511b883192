// Every StackGAN zoo entry, built through Lua as `stackzoo train` builds it, is the model it names.
import Foundation
import XCTest
import ZooCore
import ZooLua
@testable import StackGANv1
@testable import StackGANv2

final class EntryModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    override func setUp() {
        Threads.set(1)
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        if !ModelRegistry.shared.contains(StackGANv1Plugin.name) { StackGANv1Plugin.register(into: .shared) }
    }

    /// Builds `entry` (structure only) and returns "net=count" pairs, the text size (or -1) and
    /// whether a conditioning-augmentation net exists.
    func built(_ entry: String) throws -> (counts: [String: Int], text: Int, hasCA: Bool) {
        let lua = try LuaState(projectRoot: Self.root)
        let r = try lua.run("""
            local zoo = require "zoo"
            local m = zoo.model("\(entry)", nil, { initialize = false })
            local counts = {}
            for name, net in pairs(m.networks) do counts[name] = net:num_parameters() end
            return counts, m.text_dim or -1, (tostring(m.networks.netG):find("CA_NET") ~= nil)
            """)
        let counts = (r[0] as! [String: Any]).mapValues { ($0 as? Int) ?? Int($0 as! Double) }
        return (counts, r[1] as? Int ?? -1, r[2] as! Bool)
    }

    /// SPEC §3.3: the official StackGAN-v2 parameter counts, conditional (birds) and not.
    func testStackGANv2EntriesBuildTheModelTheyName() throws {
        let conditional = ["netG": 21_239_696, "netsD.0": 5_723_906, "netsD.1": 18_834_178, "netsD.2": 71_269_122]
        let unconditional = ["netG": 16_472_208, "netsD.0": 2_765_569, "netsD.1": 15_875_841, "netsD.2": 68_310_785]
        let b = try built("stackgan-v2/birds")
        XCTAssertEqual(b.counts, conditional, "birds")
        XCTAssertEqual(b.text, 1024)
        XCTAssertTrue(b.hasCA, "birds has a CA_NET")
        for entry in ["bedroom", "church", "dog", "cat"] {
            let u = try built("stackgan-v2/\(entry)")
            XCTAssertEqual(u.counts, unconditional, entry)
            XCTAssertEqual(u.text, -1, "\(entry) takes no text")
            XCTAssertFalse(u.hasCA, "\(entry) has no CA_NET")
        }
        for entry in ["emoji", "emoji-swap"] {
            let e = try built("stackgan-v2/\(entry)")
            XCTAssertEqual(e.text, 384, entry)
            XCTAssertTrue(e.hasCA, entry)
        }
        let u = try built("stackgan-v2/emoji-uncond")
        XCTAssertEqual(u.text, -1, "emoji-uncond takes no text")
        XCTAssertFalse(u.hasCA, "emoji-uncond has no CA_NET")
        XCTAssertLessThan(u.counts["netG"]!, try built("stackgan-v2/emoji").counts["netG"]!, "no CA, no text input")
    }

    /// SPEC §2.5: Stage-I generator and discriminator counts of the official v1 configs.
    func testStackGANv1EntriesBuildTheModelTheyName() throws {
        for entry in ["birds-stage1", "flowers-stage1"] {
            let m = try built("stackgan-v1/\(entry)")
            XCTAssertEqual(m.counts["netG"], 14_264_192, entry)
            XCTAssertEqual(m.counts["netD"], 4_029_824, entry)
            XCTAssertEqual(m.text, 1024, entry)
        }
        let coco = try built("stackgan-v1/coco-stage1")
        XCTAssertEqual(coco.counts["netG"], 20_020_832)
        XCTAssertEqual(coco.counts["netD"], 12_407_425)
        XCTAssertEqual(try built("stackgan-v1/emoji-stage1").text, 384)
    }
}
