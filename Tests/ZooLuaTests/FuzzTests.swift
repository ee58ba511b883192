// A seeded, time-bounded fuzz of what users pass the command: zoo entries, --set values,
// checkpoints (metadata and tensor bytes), official .pth files, images and embeddings. Every run must end by itself
// with exit status 0 or 1: never a signal, never past its time limit, never past its memory ceiling.
import Foundation
import XCTest
@testable import ZooLua

final class FuzzTests: XCTestCase {
    /// Seconds of fuzzing (STACKZOO_FUZZ_SECONDS; CI runs the default) and the seed (STACKZOO_FUZZ_SEED).
    static let seconds = Double(ProcessInfo.processInfo.environment["STACKZOO_FUZZ_SECONDS"] ?? "") ?? 60
    static let seed = UInt64(ProcessInfo.processInfo.environment["STACKZOO_FUZZ_SEED"] ?? "") ?? 1
    /// One run's limits: wall time, and address space (prlimit --as) so a memory bomb cannot take the machine.
    static let runSeconds: TimeInterval = 30
    static let memoryCeiling = 6 << 30

    var dir = ""
    var rng = SplitMix(seed: FuzzTests.seed)

    /// SplitMix64: the fuzz's own small generator (reproducible from the seed).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// One fuzz case: what it ran and on which input (kept in the test folder when it fails).
    struct Outcome { var status: Int32; var signaled: Bool; var seconds: Double; var output: String }

    /// Runs stackzoo under the time limit and the memory ceiling.
    func run(_ args: [String]) throws -> Outcome {
        let binary = repositoryRoot + "/.build/debug/stackzoo"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no debug build of stackzoo at \(binary)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        p.arguments = ["--as=\(Self.memoryCeiling)", "--", binary] + args + ["--threads", "1"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.environment = ProcessInfo.processInfo.environment.merging(["STACKZOO_HOME": repositoryRoot]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let start = Date()
        try p.run()
        let watchdog = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.runSeconds, execute: watchdog)
        defer { watchdog.cancel() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                       seconds: Date().timeIntervalSince(start), output: String(decoding: data, as: UTF8.self))
    }

    // MARK: - Mutators

    /// Flips, overwrites, inserts or deletes a few bytes, or truncates.
    func mutateBytes(_ bytes: Data, around: Range<Int>? = nil) -> Data {
        var b = [UInt8](bytes)
        guard !b.isEmpty else { return Data([UInt8(rng.below(256))]) }
        let region = around ?? 0..<b.count
        for _ in 0..<(1 + rng.below(4)) {
            let i = region.lowerBound + rng.below(max(1, min(region.count, b.count - region.lowerBound)))
            guard i < b.count else { continue }
            switch rng.below(7) {
            case 0: b[i] ^= UInt8(1 << rng.below(8))
            case 1: b[i] = rng.pick([0, 0xFF, 0x7F, 0x80, 0x22, 0x7B, 0x7D, 0x2C])   // 0, -1, quotes, braces, comma
            case 2: b.insert(UInt8(rng.below(256)), at: i)
            case 3: b.remove(at: i)
            case 4: b = Array(b.prefix(i))
            default: for k in i..<min(b.count, i + 8) { b[k] = 0xFF }
            }
            if b.isEmpty { break }
        }
        return Data(b)
    }

    static let hostileValues = ["0", "-1", "1e308", "-1e308", "9223372036854775807", "0/0", "1/0", "1000000", "100000000",
                                "3.5", "\"x\"", "true", "nil", "{}", "{1,2,3}", "(\"x\"):rep(1e9)", "math.huge"]

    /// A Lua entry: the tiny DCGAN with hostile values, lines or constructs spliced in.
    func mutateEntry(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<(1 + rng.below(3)) {
            let i = rng.below(lines.count)
            switch rng.below(5) {
            case 0:   // a number replaced by a hostile value
                if let r = lines[i].range(of: #"[0-9][0-9.e-]*"#, options: .regularExpression) {
                    lines[i].replaceSubrange(r, with: rng.pick(Self.hostileValues))
                }
            case 1: lines.remove(at: i)
            case 2: lines.insert(lines[rng.below(lines.count)], at: i)
            case 3: lines.insert(rng.pick(Self.hostileSnippets), at: min(i, lines.count))
            default:
                let s = [UInt8](lines[i].utf8)
                lines[i] = String(decoding: mutateBytes(Data(s)), as: UTF8.self)
            }
            if lines.isEmpty { lines = [""] }
        }
        return lines.joined(separator: "\n")
    }

    static let hostileSnippets = [
        "local s = 'x'; for i = 1, 40 do s = s .. s end",
        "while true do end",
        "local t = {}; t.t = t",
        "local _ = ('a'):rep(40):match(('a*'):rep(40) .. 'b')",
        "local x = {}; for i = 1, 1e8 do x[i] = i end",
        "setmetatable({}, {__gc = function() while true do end end})",
        "error(setmetatable({}, {__tostring = function() while true do end end}))",
        "local z = zoo.zeros(35000, 35000)",
        "local r = zoo.randn(100000, 1):matmul(zoo.randn(1, 100000))",
        "error({})",
        "local f = ('').dump",
        "extends = '/etc/passwd',",
        "arch = { up_block = function(i, o) while true do end end },",
    ]

    // MARK: - The harness

    override func setUpWithError() throws {
        dir = try temporaryFolder(self)
        // A trained tiny checkpoint, a captioned dataset copy, and the entry text to mutate.
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Tests/Fixtures/data/emoji", toPath: dir + "/data")
        try write(entryText, to: dir + "/tiny.lua")
        let r = try run(["train", "tiny.lua", "--out", "runs/seed", "--steps", "2"])
        XCTAssertEqual(r.status, 0, r.output)
    }

    var entryText: String {
        """
        -- fuzz seed entry
        return {
          model = "dcgan",
          description = "fuzz",
          arch = { nz = 8, ngf = 4, ndf = 4, image_size = 16 },
          train = { batch = 2, lr = 1e-3, epochs = 2, snapshot_every = 2 },
          data = { kind = "captioned", root = "\(dir)/data" },
        }
        """
    }

    /// One fuzz case of a random kind; returns its description and outcome.
    func oneCase(_ k: Int) throws -> (String, Outcome) {
        let fm = FileManager.default
        let work = dir + "/case"
        try? fm.removeItem(atPath: work)
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        switch rng.below(7) {
        case 0:   // a mutated entry, described (builds the model, runs a sampling pass)
            let text = mutateEntry(entryText)
            try write(text, to: work + "/entry.lua")
            return ("describe of a mutated entry:\n\(text)", try run(["describe", work + "/entry.lua"]))
        case 1:   // a mutated entry, trained for a step
            let text = mutateEntry(entryText)
            try write(text, to: work + "/entry.lua")
            return ("train of a mutated entry:\n\(text)", try run(["train", work + "/entry.lua", "--out", work + "/run", "--steps", "1"]))
        case 2:   // --set values on the compiled and Lua models
            let key = rng.pick(["arch.gf", "arch.df", "arch.z", "arch.text", "arch.branches", "arch.residual", "arch.condition",
                                "train.batch", "loss.kl", "arch.conditional", "train.ema", "arch.up_block", "data.root", "data.split"])
            let value = rng.pick(Self.hostileValues + ["function(a, b) return nil end", "'x'", "1e-9", "2", "'" + String(repeating: "x", count: 300) + "'"])
            let entry = rng.pick(["stackgan-v2/emoji", "stackgan-v2/emoji-uncond", "stackgan-v1/emoji-stage1"])
            return ("describe \(entry) --set \(key)=\(value)", try run(["describe", entry, "--set", "\(key)=\(value)"]))
        case 3:   // a damaged checkpoint: sampled, described, resumed
            let source = dir + "/runs/seed/checkpoints/final.safetensors"
            let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
            let headerEnd = 8 + Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            let inHeader = rng.below(2) == 0
            let damaged = mutateBytes(bytes, around: inHeader ? 0..<min(headerEnd, bytes.count) : min(headerEnd, bytes.count)..<bytes.count)
            try fm.copyItem(atPath: dir + "/runs/seed", toPath: work + "/run")
            try damaged.write(to: URL(fileURLWithPath: work + "/run/checkpoints/final.safetensors"))
            try damaged.write(to: URL(fileURLWithPath: work + "/run/checkpoints/step-000002.safetensors"))
            let args = rng.pick([["sample", work + "/run/checkpoints/final.safetensors", "--n", "2", "--out", work + "/s.png"],
                                 ["describe", work + "/run/checkpoints/final.safetensors"],
                                 ["train", "--resume", work + "/run", "--steps", "3"]])
            return ("\(args[0]) of a checkpoint damaged in its \(inHeader ? "header" : "tensor data")", try run(args))
        case 5:   // a damaged official .pth (either format) converted
            let pth = repositoryRoot + "/Tests/Fixtures/pth/" + rng.pick(["v1_netG.pth", "small_legacy.pth", "small_zip.pth"])
            try mutateBytes(try Data(contentsOf: URL(fileURLWithPath: pth))).write(to: URL(fileURLWithPath: work + "/netG.pth"))
            let tiny = ["arch.gf=4", "arch.df=2", "arch.z=4", "arch.condition=2", "arch.text=8"].flatMap { ["--set", $0] }
            return ("convert of a damaged \((pth as NSString).lastPathComponent)",
                    try run(["convert", work + "/netG.pth", "--entry", "stackgan-v1/birds-stage1", "--out", work + "/c.safetensors"] + tiny))
        default:  // a damaged image or embeddings file in the dataset, checked and trained on
            let data = work + "/data"
            try fm.copyItem(atPath: dir + "/data", toPath: data)
            let victims = [data + "/emb_test.npy", data + "/meta.jsonl", data + "/splits.json"]
                + (try fm.contentsOfDirectory(atPath: data + "/png/32")).map { data + "/png/32/" + $0 }
            let victim = rng.pick(victims)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
            try mutateBytes(bytes, around: 0..<min(bytes.count, rng.below(2) == 0 ? 160 : bytes.count)).write(to: URL(fileURLWithPath: victim))
            try write(entryText.replacingOccurrences(of: dir + "/data", with: data), to: work + "/entry.lua")
            let args = rng.below(2) == 0 ? ["data", "check", work + "/entry.lua", "--image-size", "16"]
                                         : ["train", work + "/entry.lua", "--out", work + "/run", "--steps", "1"]
            return ("\(args[0]) with a damaged \((victim as NSString).lastPathComponent)", try run(args))
        }
    }

    func testNothingUsersPassCrashesHangsOrEatsMemory() throws {
        let deadline = Date().addingTimeInterval(Self.seconds)
        var cases = 0, failures = 0
        var statuses: [Int32: Int] = [:]
        while Date() < deadline && failures < 5 {
            let (what, o) = try oneCase(cases)
            cases += 1
            statuses[o.status, default: 0] += 1
            let hung = o.seconds >= Self.runSeconds - 0.5
            if o.signaled || hung || !(o.status == 0 || o.status == 1) {
                failures += 1
                let keep = dir + "/../zoo-fuzz-failure-\(Self.seed)-\(cases)"
                try? FileManager.default.copyItem(atPath: dir + "/case", toPath: keep)
                XCTFail("fuzz case \(cases) (seed \(Self.seed)): \(what)\n→ \(o.signaled ? "signal \(o.status)" : hung ? "hang (\(Int(o.seconds)) s)" : "exit \(o.status)"); input kept in \(keep)\n\(o.output.suffix(1500))")
            }
        }
        print("fuzz: \(cases) cases in \(Int(Self.seconds)) s (seed \(Self.seed)), exit statuses \(statuses.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(cases, 10, "the harness ran too few cases to mean anything")
    }
}
