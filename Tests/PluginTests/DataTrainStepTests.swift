// A ZooData batch goes straight into the StackGAN-v2 train step from Lua (the emoji entry's data table).
import Foundation
import XCTest
import ZooCore
import ZooTestSupport
@testable import StackGANv2
@testable import ZooLua

final class DataTrainStepTests: XCTestCase {
    func testEmojiEntryTrainsOneStepOnAFixtureBatch() throws {
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        let lua = try LuaState(projectRoot: StackGANv2LuaTests.root)
        let fixture = fixturePath("data/emoji")
        let result = try lua.run("""
            local zoo = require 'zoo'
            local cfg = zoo.config("stackgan-v2/emoji", {"arch.gf=4", "arch.df=4", "arch.text=16", "arch.condition=8"})
            assert(cfg.data.kind == "captioned" and cfg.data.root == "zoo/datasets/emoji" and cfg.data.split == "train")
            cfg.data.root = \(ZooModule.luaQuote(fixture))
            local ds = zoo.data.open(cfg.data, {image_sizes = {64, 128}, batch = 2, seed = 1, threads = 0})
            local batch = ds:next()
            local model = zoo.model(cfg)
            local losses = model:train_step(batch)
            return losses["errD.0"] ~= nil and losses["errD.1"] ~= nil, ds:info().load_size, batch.text:size(2)
            """)
        XCTAssertEqual(result[0] as? Bool, true)
        XCTAssertEqual(result[1] as? Int, 152)
        XCTAssertEqual(result[2] as? Int, 16)
    }
}
