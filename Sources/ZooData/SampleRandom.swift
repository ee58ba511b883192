// Randomness derived from (seed, epoch, position) only, so batches never depend on thread scheduling.
import ZooCore

/// Generators for the loader. Every draw of a sample comes from its own generator, seeded by a
/// hash of (seed, epoch, position in the epoch); the order of an epoch from one seeded by
/// (seed, epoch). Nothing depends on which thread builds which batch, or when.
enum SampleRandom {
    /// SplitMix64's finaliser: a bijective 64-bit mix.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A hash of the words, in order.
    static func hash(_ words: UInt64...) -> UInt64 {
        var h: UInt64 = 0x5A6F_6F44_6174_6121  // "ZooData!"
        for w in words { h = mix(h ^ mix(w)) }
        return h
    }

    static let orderStream: UInt64 = 1, sampleStream: UInt64 = 2

    /// The generator of the sample at `position` of `epoch`.
    static func sample(seed: UInt64, epoch: Int, position: Int) -> RandomGenerator {
        RandomGenerator(seed: hash(seed, sampleStream, UInt64(epoch), UInt64(position)))
    }

    /// The order of `count` samples in `epoch`: a Fisher–Yates permutation, or 0..<count.
    static func order(seed: UInt64, epoch: Int, count: Int, shuffle: Bool) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        var g = RandomGenerator(seed: hash(seed, orderStream, UInt64(epoch)))
        return g.permutation(count)
    }
}
