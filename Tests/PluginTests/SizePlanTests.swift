// The plugins' size plans: parameter counts equal to the built networks', and configs too large to
// train refused up front with the key responsible (nothing is built or allocated for them).
import XCTest
import ZooCore
@testable import StackGANv1
@testable import StackGANv2

final class SizePlanTests: XCTestCase {
    var savedCap: Int?

    override func setUp() {
        Threads.set(1)
        savedCap = MemoryGate.cap
        if !ModelRegistry.shared.contains(StackGANv2Plugin.name) { StackGANv2Plugin.register(into: .shared) }
        if !ModelRegistry.shared.contains(StackGANv1Plugin.name) { StackGANv1Plugin.register(into: .shared) }
    }

    override func tearDown() { MemoryGate.cap = savedCap }

    func testV2PlansCountTheParametersOfTheBuiltNetworks() throws {
        for (conditional, branches, residual) in [(true, 3, 2), (false, 3, 1), (true, 2, 0), (true, 1, 2), (false, 2, 2)] {
            var cfg = StackGANv2Config()
            (cfg.gfDim, cfg.dfDim, cfg.zDim, cfg.embeddingDim, cfg.textDim) = (8, 4, 10, 6, 12)
            (cfg.conditional, cfg.branchNum, cfg.rNum, cfg.initialize) = (conditional, branches, residual, false)
            let what = "conditional=\(conditional) branches=\(branches) residual=\(residual)"
            XCTAssertEqual(cfg.generatorPlan.parameters, Double(try GNet(cfg).parameterCount), "G \(what)")
            for s in cfg.imageSizes {
                XCTAssertEqual(cfg.discriminatorPlan(size: s).parameters, Double(try V2Discriminator(size: s, cfg).parameterCount), "D\(s) \(what)")
            }
        }
    }

    func testV1PlansCountTheParametersOfTheBuiltNetworks() throws {
        for flavour in StackGANv1Flavour.allCases {
            for stage in [1, 2] {
                var cfg = StackGANv1Config(stage: stage, flavour: flavour)
                (cfg.gfDim, cfg.dfDim, cfg.zDim, cfg.conditionDim, cfg.textDim, cfg.rNum, cfg.initialize) = (8, 4, 10, 6, 12, 2, false)
                let what = "\(flavour) stage \(stage)"
                XCTAssertEqual(cfg.stage1Plan.parameters, Double(try Stage1G(cfg).parameterCount), "STAGE1_G \(what)")
                if stage == 2 {
                    let g = try Stage2G(cfg)
                    XCTAssertEqual(cfg.stage2Plan.parameters, Double(g.trainableParameters().reduce(0) { $0 + $1.value.count }), "STAGE2_G \(what)")
                }
                XCTAssertEqual(cfg.discriminatorPlan.parameters, Double(try V1Discriminator(cfg).parameterCount), "D \(what)")
            }
        }
    }

    /// The emoji demo entries' sizes (zoo/stackgan-v2/emoji.lua, zoo/stackgan-v1/emoji-stage1.lua).
    let emojiV2: [String: Any] = ["arch.branches": 2, "arch.gf": 16, "arch.df": 16, "arch.text": 384, "train.batch": 16]
    let emojiV1: [String: Any] = ["arch.gf": 32, "arch.df": 16, "arch.text": 384, "train.batch": 16]

    func make(_ model: String, _ values: [String: Any], _ overrides: [String: Any]) throws {
        _ = try ModelRegistry.shared.make(model, values: values.merging(overrides) { $1 })
    }

    func assertRefused(_ model: String, _ values: [String: Any], _ overrides: [String: Any], _ fragments: [String],
                       line: UInt = #line) {
        XCTAssertThrowsError(try make(model, values, overrides), line: line) { e in
            for f in fragments { XCTAssertTrue("\(e)".contains(f), "'\(e)' lacks '\(f)'", line: line) }
        }
    }

    func testConfigsTooLargeToTrainAreRefusedNamingTheKey() throws {
        MemoryGate.cap = 4_000_000_000   // whatever this machine has: nothing here may be built
        let live = MemoryGate.liveBytes
        assertRefused("stackgan-v2", emojiV2, ["arch.gf": 1000],
                      ["arch.gf = 1000: the networks would need ", " to train: 3.3G parameters (",
                       "with their gradients and optimiser state) and ", "of activations at train.batch = 16, more than the memory limit (engine memory cap 4.0 GB, "])
        assertRefused("stackgan-v1", emojiV1, ["arch.gf": 1000], ["arch.gf = 1000: the networks would need "])
        assertRefused("stackgan-v2", emojiV2, ["train.batch": 100_000], ["train.batch = 100000: the networks would need "])
        assertRefused("stackgan-v2", emojiV2, ["arch.text": 100_000_000], ["arch.text = 100000000 is out of range: at most 1048576"])
        assertRefused("stackgan-v1", emojiV1, ["arch.text": 100_000_000], ["arch.text = 100000000 is out of range: at most 1048576"])
        XCTAssertEqual(MemoryGate.liveBytes, live, "refused before any network was built")
        // The demo configs themselves fit (and are built).
        XCTAssertNoThrow(try make("stackgan-v2", emojiV2, ["arch.gf": 4]))
    }

    func testSamplingMoreImagesThanFitIsRefusedBeforeDrawingNoise() throws {
        var cfg = StackGANv2Config()
        (cfg.gfDim, cfg.dfDim, cfg.zDim, cfg.conditional, cfg.branchNum, cfg.initialize) = (8, 4, 10, false, 1, false)
        var g = RandomGenerator(seed: 1)
        let model = try StackGANv2Model(cfg, generator: &g)
        XCTAssertThrowsError(try model.sample(SampleRequest(n: 100_000_000))) { e in
            XCTAssertTrue("\(e)".hasPrefix("out of memory: requested ") && "\(e)".contains(" for sampling 100000000 images ("), "\(e)")
        }
        XCTAssertEqual(try model.sample(SampleRequest(n: 2))[0].1.shape, [2, 3, 64, 64])
    }
}
