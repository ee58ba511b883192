// Loading: the same batches for any thread count, epoch-exact iteration, resume mid-epoch, the cache.
import XCTest
import ZooCore
@testable import ZooData

final class LoaderTests: XCTestCase {
    func emoji(cache: Int = 1024) throws -> DataConfig { try config(.captioned, dataFixture("emoji"), ["cache_mb": cache]) }

    func batches(_ ds: Dataset, _ n: Int) throws -> [Batch] { try (0..<n).map { _ in try ds.next() } }

    func assertSame(_ a: [Batch], _ b: [Batch], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.ids, y.ids, what, file: file, line: line)
            XCTAssertEqual(x.epoch, y.epoch, what, file: file, line: line)
            XCTAssertEqual(x.index, y.index, what, file: file, line: line)
            XCTAssertEqual(x.captionIndices, y.captionIndices, what, file: file, line: line)
            XCTAssertEqual(x.wrongIndices, y.wrongIndices, what, file: file, line: line)
            XCTAssertTrue(x.fingerprint == y.fingerprint, "\(what): tensors differ in batch \(x.epoch).\(x.index)", file: file, line: line)
        }
    }

    func testSameBatchesWhateverTheThreadCount() throws {
        let reference = try batches(try open(try emoji(), batch: 2, seed: 7, threads: 0), 8)   // crosses two epochs
        assertSame(try batches(try open(try emoji(), batch: 2, seed: 7, threads: 1), 8), reference, "1 thread")
        assertSame(try batches(try open(try emoji(cache: 0), batch: 2, seed: 7, threads: 3), 8), reference, "3 threads, no cache")
        let cub = try config(.stackgan, dataFixture("cub"))
        assertSame(try batches(try open(cub, batch: 2, seed: 3, threads: 3), 6), try batches(try open(cub, batch: 2, seed: 3, threads: 1), 6), "cub")
        // Another seed gives other batches.
        let other = try batches(try open(try emoji(), batch: 2, seed: 8, threads: 0), 8)
        XCTAssertFalse(zip(other, reference).allSatisfy { $0.fingerprint == $1.fingerprint })
    }

    func testEpochsAreExactAndReshuffled() throws {
        let ds = try open(try config(.captioned, dataFixture("emoji"), ["split": "all"]), sizes: [32], batch: 3, seed: 2, threads: 2)
        XCTAssertEqual(ds.batchesPerEpoch, 2)       // 8 images: 2 batches of 3, 2 dropped
        var orders: [[String]] = []
        for e in 0..<4 {
            var ids: [String] = []
            for i in 0..<2 {
                let b = try ds.next()
                XCTAssertEqual(b.epoch, e)
                XCTAssertEqual(b.index, i)
                ids += b.ids
            }
            XCTAssertEqual(Set(ids).count, 6, "no image twice in an epoch")
            orders.append(ids)
        }
        XCTAssertGreaterThan(Set(orders).count, 1, "reshuffled per epoch")
        XCTAssertEqual(ds.position.epoch, 4)
        XCTAssertEqual(ds.position.batch, 0)
    }

    func testResumeMidEpoch() throws {
        for threads in [0, 2] {
            let first = try open(try emoji(), batch: 2, seed: 11, threads: threads)
            _ = try batches(first, 4)                   // epoch 0 (3 batches) and batch 0 of epoch 1
            let saved = first.position
            XCTAssertEqual([saved.epoch, saved.batch], [1, 1])
            let expected = try batches(first, 5)
            first.close()

            let resumed = try open(try emoji(), batch: 2, seed: 11, threads: threads)
            try resumed.restore(saved)
            assertSame(try batches(resumed, 5), expected, "resumed with \(threads) threads")
            // Restoring on the same dataset after reading ahead rewinds.
            try resumed.restore(saved)
            assertSame(try batches(resumed, 2), Array(expected.prefix(2)), "rewound")
        }
        let ds = try open(try emoji(), batch: 2, seed: 11)
        var wrongSeed = ds.position
        wrongSeed.seed = 12
        assertThrows(["saved with seed 12"]) { try ds.restore(wrongSeed) }
        var wrongBatch = ds.position
        wrongBatch.batchSize = 3
        assertThrows(["in batches of 3"]) { try ds.restore(wrongBatch) }
    }

    func testRandomAccessEqualsIteration() throws {
        let ds = try open(try emoji(), batch: 2, seed: 5, threads: 2)
        let seq = try batches(ds, 4)
        assertSame([try ds.batch(epoch: 1, index: 0)], [seq[3]], "batch(epoch:index:)")
        assertThrows(["no batch 3 in epoch 0"]) { _ = try ds.batch(epoch: 0, index: 3) }
    }

    func testCacheHoldsLoadedImages() throws {
        let ds = try open(try emoji(), batch: 2, seed: 5)
        _ = try batches(ds, 3)
        XCTAssertEqual(ds.cachedImages, 6)
        XCTAssertEqual(ds.cachedBytes, 6 * 76 * 76 * 3)
        let tiny = try open(try emoji(cache: 0), batch: 2, seed: 5)
        _ = try batches(tiny, 3)
        XCTAssertEqual(tiny.cachedImages, 0)
        // A budget that fits two images keeps two.
        let cache = ImageCache(count: 4, budgetBytes: 2 * 76 * 76 * 3)
        for i in 0..<4 { cache.put(i, try ds.maker.loaded(i)) }
        XCTAssertEqual(cache.cachedCount, 2)
    }

    func testUnaugmentedUnshuffled() throws {
        var o = LoaderOptions(imageSizes: [32], batchSize: 2, seed: 1, threads: 0)
        o.shuffle = false
        o.augment = false
        let ds = try Dataset(config: try config(.images, dataFixture("images")), options: o)
        let a = try ds.next(), b = try ds.batch(epoch: 5, index: 0)
        XCTAssertEqual(a.ids, ["classA/a1.png", "classA/a2.png"])
        XCTAssertTrue(a.fingerprint == b.fingerprint, "no randomness left")
    }
}
