// Modules: PyTorch state-dict names, printing, train/eval, apply, state dict round trips and errors.
import XCTest
import ZooTestSupport
@testable import ZooCore

/// A tiny network shaped like StackGAN-v2's h_net1: named children and a Sequential with an index gap-free list.
private final class Stage: Module {
    override init() {
        super.init()
        register(module: Sequential(try! Linear(4, 8, bias: false), try! BatchNorm1d(8), GLU()), named: "fc")
        register(module: Sequential(Upsample(scaleFactor: 2), try! Conv2d(2, 4, kernelSize: 3, padding: 1, bias: false),
                                    try! BatchNorm2d(4), GLU()), named: "upsample1")
    }
    override func forward(_ x: Variable) throws -> Variable {
        let h = try child("fc")!(x).reshaped([x.shape[0], 2, 1, 2])
        return try child("upsample1")!(h)
    }
}

final class ModuleTests: XCTestCase {
    func testPyTorchNames() throws {
        let net = Module()
        net.register(module: Stage(), named: "h_net1")
        let names = net.stateDict().map(\.0)
        XCTAssertEqual(names, [
            "h_net1.fc.0.weight",
            "h_net1.fc.1.weight", "h_net1.fc.1.bias", "h_net1.fc.1.running_mean", "h_net1.fc.1.running_var",
            "h_net1.fc.1.num_batches_tracked",
            "h_net1.upsample1.1.weight",
            "h_net1.upsample1.2.weight", "h_net1.upsample1.2.bias", "h_net1.upsample1.2.running_mean",
            "h_net1.upsample1.2.running_var", "h_net1.upsample1.2.num_batches_tracked",
        ])
        XCTAssertEqual(net.parameterCount, 32 + 8 + 8 + 72 + 4 + 4)
        XCTAssertEqual(net.stateDict().first { $0.0.hasSuffix("num_batches_tracked") }?.1.dtype, .i64)
    }

    func testPrintedTree() throws {
        let seq = Sequential(try Conv2d(3, 8, kernelSize: 4, stride: 2, padding: 1, bias: false), try BatchNorm2d(8), LeakyReLU(0.2))
        XCTAssertEqual(seq.description, """
            Sequential(
              (0): Conv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
              (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
              (2): LeakyReLU(negative_slope=0.2)
            )
            """)
    }

    func testTrainEvalPropagatesAndApply() throws {
        let s = Stage()
        s.eval()
        var modes: [Bool] = []
        s.apply { modes.append($0.isTraining) }
        XCTAssertEqual(modes.count, 10)
        XCTAssertTrue(modes.allSatisfy { !$0 })
        s.train()
        XCTAssertTrue(s.child("fc")!.isTraining)
        // Eval-mode forward leaves running statistics alone; train-mode moves them.
        let x = Variable(try Tensor.randn([3, 4]))
        s.eval()
        let before = s.stateDict().map(\.1)
        _ = try s(x)
        XCTAssertEqual(s.stateDict().map(\.1), before)
        s.train()
        _ = try s(x)
        XCTAssertNotEqual(s.stateDict().map(\.1), before)
    }

    func testStateDictRoundTripAndErrors() throws {
        GlobalRandom.seed(1)
        let a = Stage(), b = Stage()
        _ = try a(Variable(Tensor.randn([3, 4])))  // move running stats
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-module-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try a.save(to: dir + "/a.safetensors", prefix: "netG.")
        try b.load(from: dir + "/a.safetensors", prefix: "netG.")
        XCTAssertEqual(a.stateDict().map(\.1), b.stateDict().map(\.1))

        // A wrong shape names the key and both shapes, and leaves the module untouched.
        var file = try SafeTensorsFile.read(path: dir + "/a.safetensors")
        file.set("netG.upsample1.1.weight", SafeTensor(try Tensor(zeros: [4, 2, 4, 4])))
        let c = Stage(), cBefore = c.stateDict().map(\.1)
        XCTAssertThrowsError(try c.loadStateDict(file, prefix: "netG.")) { e in
            XCTAssertEqual("\(e)", "state dict: 'netG.upsample1.1.weight' has shape [4, 2, 4, 4] but the model expects [4, 2, 3, 3]")
        }
        XCTAssertEqual(c.stateDict().map(\.1), cBefore)

        // Missing and unexpected keys.
        var missing = SafeTensorsFile()
        for (k, v) in a.stateDict(prefix: "netG.") where k != "netG.fc.0.weight" { missing.set(k, v) }
        XCTAssertThrowsError(try c.loadStateDict(missing, prefix: "netG.")) { XCTAssertTrue("\($0)".contains("missing key 'netG.fc.0.weight'")) }
        XCTAssertNoThrow(try c.loadStateDict(missing, prefix: "netG.", strict: false))
        var extra = SafeTensorsFile(tensors: a.stateDict(prefix: "netG."))
        extra.set("netG.fc.9.weight", SafeTensor(try Tensor(zeros: [1])))
        XCTAssertThrowsError(try c.loadStateDict(extra, prefix: "netG.")) { XCTAssertTrue("\($0)".contains("unexpected key(s) netG.fc.9.weight")) }

        // Old checkpoints without num_batches_tracked still load.
        var old = SafeTensorsFile()
        for (k, v) in a.stateDict() where !k.hasSuffix("num_batches_tracked") { old.set(k, v) }
        XCTAssertNoThrow(try c.loadStateDict(old))
    }

    func testSequentialErrorNamesTheChild() throws {
        let seq = Sequential(try Linear(4, 3), try Linear(5, 2))
        XCTAssertThrowsError(try seq(Variable(Tensor(zeros: [2, 4])))) { e in
            XCTAssertTrue("\(e)".hasPrefix("(1) Linear: linear: input [2, 3] does not match weight [2, 5]"), "\(e)")
        }
    }
}
