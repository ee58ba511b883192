// Background loader threads with a bounded prefetch queue, delivering batches in step order.
import Foundation
import ZooCore

/// Threads build batches `start, start + 1, ...` (each thread a whole batch, taking the next step
/// number), never more than `prefetch` ahead of the consumer; `take()` hands them out in order.
/// Which thread builds a batch does not change it (see `BatchMaker.make`).
final class BatchLoader: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToBuild: Int
    private var nextToTake: Int
    private var stopped = false
    private var running = 0
    private let capacity: Int
    private let maker: BatchMaker

    init(start: Int, threads: Int, prefetch: Int, maker: BatchMaker) {
        nextToBuild = start
        nextToTake = start
        capacity = max(prefetch, 1)
        self.maker = maker
        running = threads
        for k in 0..<threads {
            let t = Thread { [self] in work() }
            t.name = "zoo-data-\(k)"
            t.stackSize = 4 << 20
            t.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while !stopped && nextToBuild >= nextToTake + capacity { condition.wait() }
            if stopped { break }
            let step = nextToBuild
            nextToBuild += 1
            condition.unlock()
            let result = Result { try maker.make(step: step) }
            condition.lock()
            if stopped { break }
            ready[step] = result
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in step order, waiting for it if it is not built yet.
    func take() throws -> Batch {
        condition.lock()
        while ready[nextToTake] == nil { condition.wait() }
        let result = ready.removeValue(forKey: nextToTake)!
        nextToTake += 1
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    /// How many batches are built and waiting (for tests and benchmarks).
    var readyCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return ready.count
    }

    /// Stops the threads and waits until they have left (a batch being built is finished first).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
