// TorchFileHostileTests: hostile .pth files (code-running globals, lies about sizes, bombs, damage) are clear errors, never crashes.
import XCTest
import ZooTestSupport
@testable import ZooCore

final class TorchFileHostileTests: XCTestCase {
    /// Decoding `bytes` fails with a ZooError naming the file (first, or as what a memory refusal was for) whose text holds every one of `parts`.
    func assertRefused(_ bytes: [UInt8], _ parts: String..., line: UInt = #line) {
        XCTAssertThrowsError(try TorchFile.decode(bytes, path: "evil.pth"), line: line) { e in
            XCTAssertTrue(e is ZooError, "\(type(of: e)): \(e)", line: line)
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("evil.pth: ") || text.contains("of evil.pth"), text, line: line)
            for p in parts { XCTAssertTrue(text.contains(p), "'\(p)' not in: \(text)", line: line) }
        }
    }

    /// A pickle calling `module.name("echo pwned")`, by GLOBAL or by STACK_GLOBAL.
    func call(_ module: String, _ name: String, stackGlobal: Bool) -> [UInt8] {
        var p = PickleBytes()
        if stackGlobal {
            p.bytes = [0x80, 4]
            for s in [module, name] { p.bytes += [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
            p.op(0x93)
        } else {
            p.global(module, name)
        }
        p.string("echo pwned"); p.op(0x85); p.op(0x52); p.stop()
        return p.bytes
    }

    func testGlobalsOutsideTheAllowListAreRefusedByName() {
        let evil = [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"), ("subprocess", "Popen"),
                    ("numpy.core.multiarray", "_reconstruct"), ("torch.storage", "_load_from_bytes"), ("builtins", "getattr")]
        for (m, n) in evil {
            for stackGlobal in [false, true] {
                let pickle = call(m, n, stackGlobal: stackGlobal)
                assertRefused(torchZip(pickle), "refusing the pickle global '\(m).\(n)'")
                assertRefused(pickle, "refusing the pickle global '\(m).\(n)'")   // as the legacy format's first pickle
            }
        }
    }

    func testReduceOfWhatIsNotAnAllowedCallableIsRefused() {
        var p = PickleBytes()
        p.global("torch", "FloatStorage"); p.mark(); p.int(3); p.tuple(); p.op(0x52); p.stop()
        assertRefused(torchZip(p.bytes), "calling torch.FloatStorage is not supported")
        var q = PickleBytes()
        q.string("os.system"); q.op(0x29); q.op(0x52); q.stop()
        assertRefused(torchZip(q.bytes), "REDUCE of a str, which is not callable")
    }

    func testEveryTruncationOfBothFormatsIsAnError() throws {
        for file in ["small_zip.pth", "small_legacy.pth"] {
            let bytes = try FileIO.readAll(path: fixturePath("pth/" + file))
            for n in 0..<bytes.count {
                XCTAssertThrowsError(try TorchFile.decode(Array(bytes.prefix(n)), path: "evil.pth"), "\(file) cut at \(n)") {
                    XCTAssertTrue($0 is ZooError && "\($0)".hasPrefix("evil.pth: "), "\($0)")
                }
            }
        }
    }

    func testStoragesAndViewsThatDisagreeWithTheirRecordsAreRefused() throws {
        let four = floatBytes([1, 2, 3, 4])
        assertRefused(torchZip(PickleBytes.stateDict(count: 5, size: [5], stride: [1]), records: ["0": four]),
                      "record 'archive/data/0' holds 16 bytes, but its storage has 5 elements")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, size: [5], stride: [1]), records: ["0": four]), "runs past its storage '0' of 4 elements")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, offset: 3, size: [2], stride: [1]), records: ["0": four]), "offset 3")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, size: [2, 2], stride: [3, 1]), records: ["0": four]), "stride [3, 1]")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, offset: 5, size: [0], stride: [1]), records: ["0": four]), "outside its 4 elements")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, size: [2], stride: [1]), records: [:]), "no record 'archive/data/0'")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, size: [2], stride: [-1]), records: ["0": four]), "stride holds -1")
        assertRefused(torchZip(PickleBytes.stateDict(count: 4, size: [2], stride: [1], storage: "StringStorage"), records: ["0": four]),
                      "refusing the pickle global 'torch.StringStorage'")
        // A stride-0 view may repeat one element, but not into more than 4 times the file.
        assertRefused(torchZip(PickleBytes.stateDict(count: 1, size: [Int32.max, Int32.max, 4], stride: [0, 0, 0]), records: ["0": floatBytes([1])]))
        assertRefused(torchZip(PickleBytes.stateDict(count: 1, size: [1 << 30, 1 << 20], stride: [0, 0]), records: ["0": floatBytes([1])]),
                      "over 4 times the", "'w' is [1073741824, 1048576] with stride [0, 0]")
        let broadcast = try TorchFile.decode(torchZip(PickleBytes.stateDict(count: 1, size: [3, 2], stride: [0, 0]), records: ["0": floatBytes([7])]), path: "b.pth")
        XCTAssertEqual(try broadcast[0].tensor.floats().scalars, [7, 7, 7, 7, 7, 7])
    }

    func testHugeDeclaredLengthsAreCheckedAgainstTheFile() {
        let lengths: [[UInt8]] = [[0x58] + le(0xFFFF_FFFF, 4), [0x8D] + le(1 << 63, 8), [0x8D] + le(~0, 8), [0x95] + le(1 << 62, 8),
                                  [0x8B] + le(0x7FFF_FFFF, 4), [0x42] + le(0xFFFF_FFF0, 4), [0x8E] + le(1 << 40, 8)]
        for l in lengths {
            assertRefused(torchZip([0x80, 4] + l + [0x2E]))
            assertRefused([0x80, 4] + l + [0x2E])
        }
        // A storage of 2^40 floats in a file of a few hundred bytes.
        assertRefused(torchZip(PickleBytes.stateDict(count: Int32.max, size: [2], stride: [1])), "more than the")
    }

    func testDeepNestingAndMemoBombsStayBounded() {
        assertRefused([0x80, 2] + [UInt8](repeating: 0x28, count: 100_000) + [0x2E], "nested MARKs")
        assertRefused(torchZip([0x80, 2] + [UInt8](repeating: 0x4E, count: 1 << 21) + [0x2E]), "more than 1048576 values on the stack")
        // A million nested 1-tuples (one byte each), then a list holding itself: freed without recursion.
        assertRefused(torchZip([0x80, 2, 0x29] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]), "expected a state dict, got a tuple")
        assertRefused(torchZip([0x80, 2, 0x5D, 0x71, 0] + [UInt8](repeating: 0, count: 200_000).flatMap { _ in [0x68, 0, 0x61] } + [0x2E]),
                      "expected a state dict, got a list")
        // Dicts of dicts sharing one child at every level: 2^40 paths, refused at the first repeat.
        var p = PickleBytes()
        p.op(0x7D); p.op(0x71); p.bytes.append(0); p.op(0x30)
        for i in 1...40 {
            if i > 1 { p.op(0x30) }   // POP the previous level (it stays in the memo)
            p.op(0x7D); p.mark(); p.string("a"); p.op(0x68); p.bytes.append(UInt8(i - 1)); p.string("b"); p.op(0x68); p.bytes.append(UInt8(i - 1))
            p.op(0x75); p.op(0x71); p.bytes.append(UInt8(i))
        }
        p.stop()
        assertRefused(torchZip(p.bytes), "appears twice")
        // A chain of 200000 lists, each appended into the next, then dropped: freed without recursion.
        var chain: [UInt8] = [0x80, 2, 0x5D]
        for _ in 0..<200_000 { chain += [0x5D, 0x94, 0x30, 0x68, 0, 0x61] }
        assertRefused(chain + [0x2E])
        assertRefused([0x80, 2] + [UInt8](repeating: 0, count: 300_000).flatMap { _ in [0x4E, 0x94] } + [0x2E])
    }

    func testBigEndianFilesAndCompressedEntriesAreRefused() {
        let ok = torchZip(PickleBytes.stateDict(count: 1, size: [], stride: []), records: ["0": floatBytes([2])])
        XCTAssertEqual(try TorchFile.decode(ok, path: "ok.pth").first?.tensor.floats().scalars, [2])
        assertRefused(torchZip(PickleBytes.stateDict(count: 1, size: [], stride: []), records: ["0": floatBytes([2])], byteorder: "big"), "big-endian")
        let deflated = zipArchive([("archive/data.pkl", PickleBytes.stateDict(count: 1, size: [], stride: []), 8)])
        assertRefused(deflated, "deflate-compressed", "archive/data.pkl")
        // A legacy file whose system info says big-endian.
        var legacy = [0x80, 2, 0x8A, 10] + TorchFile.legacyMagic + [0x2E, 0x80, 2, 0x4D] + le(1001, 2) + [0x2E]
        var info = PickleBytes()
        info.op(0x7D); info.string("little_endian"); info.op(0x89); info.op(0x73); info.stop()
        legacy += info.bytes
        assertRefused(legacy, "big-endian")
        var damaged = ok
        damaged[50] ^= 1   // in data.pkl's bytes
        assertRefused(damaged, "CRC-32")
        assertRefused(Array("PK\u{3}\u{4}".utf8), "no end-of-central-directory record")
        assertRefused(Array("hello".utf8), "not a PyTorch file")
    }

    /// Seeded mutations of the fixtures (and of their pickles, re-zipped with a valid CRC so the
    /// damage reaches the unpickler): each decodes or fails with a ZooError, none crashes.
    func testMutatedFixturesNeverCrash() throws {
        var rng = RandomGenerator(seed: 18)
        let zip = try FileIO.readAll(path: fixturePath("pth/small_zip_p5.pth"))
        let legacy = try FileIO.readAll(path: fixturePath("pth/small_legacy.pth"))
        let archive = try ZipArchive(zip, path: "fixture")
        let entries = try archive.entries.map { ($0.name, Array(try archive.data(of: $0)), UInt16(0)) }
        let pickleIndex = entries.firstIndex { $0.0.hasSuffix("data.pkl") }!
        var decoded = 0, refused = 0
        for k in 0..<3000 {
            var bytes: [UInt8]
            switch k % 3 {
            case 0: bytes = mutate(legacy, &rng)
            case 1:
                var e = entries
                e[pickleIndex].1 = mutate(e[pickleIndex].1, &rng)
                bytes = zipArchive(e)
            default: bytes = mutate(zip, &rng)
            }
            do {
                _ = try TorchFile.decode(bytes, path: "mutant.pth")
                decoded += 1
            } catch let e as ZooError {
                XCTAssertTrue("\(e)".contains("mutant.pth"), "\(e)")
                refused += 1
            } catch {
                XCTFail("mutant \(k): not a ZooError: \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 1000)
        print("pth fuzz: \(decoded) mutants decoded, \(refused) refused")
    }

    private func mutate(_ source: [UInt8], _ rng: inout RandomGenerator) -> [UInt8] {
        var b = source
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            guard !b.isEmpty else { break }
            let i = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 5 {
            case 0: b[i] ^= UInt8(1 << (rng.next() % 8))
            case 1: b[i] = [0, 0xFF, 0x7F, 0x80, 0x28, 0x2E][Int(rng.next() % 6)]
            case 2: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
            case 3: b.remove(at: i)
            default: for j in i..<min(b.count, i + 4) { b[j] = 0xFF }
            }
        }
        return b
    }
}
