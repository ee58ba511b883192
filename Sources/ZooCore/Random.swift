// Seedable random numbers: xoshiro256** seeded by SplitMix64, Box–Muller normals; state is saveable.
import Foundation

/// A deterministic random generator (xoshiro256**, Blackman & Vigna 2018).
///
/// - Seeding: the four state words are the first four outputs of SplitMix64 started at `seed`.
/// - `nextFloat()`: the top 24 bits of the next output times 2⁻²⁴, in [0, 1).
/// - `nextDouble()`: the top 53 bits times 2⁻⁵³, in [0, 1).
/// - Normal draws (Box–Muller, in Double): with u1, u2 from `nextDouble()`,
///   r = sqrt(−2·ln(1 − u1)), θ = 2π·u2; the pair is (r·cos θ, r·sin θ), used in that order.
///   `fillNormal` consumes pairs; an odd count drops the last sine.
/// Draws happen on one thread in index order, so results never depend on the thread count.
public struct RandomGenerator: Equatable {
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Restores a generator from `stateWords` (four words, as returned by `stateWords`).
    public init(stateWords: [UInt64]) throws {
        guard stateWords.count == 4, stateWords.contains(where: { $0 != 0 }) else {
            throw ZooError.invalidArgument(op: "RandomGenerator", message: "state must be 4 words, not all zero")
        }
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.stateWords == b.stateWords }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = RandomGenerator.rotl(state.3, 45)
        return result
    }

    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform integer in 0..<n (Lemire's rejection-free multiply for n ≪ 2⁶⁴ is not needed here).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return Int(r % bound) }
        }
    }

    /// One Box–Muller pair of standard normals.
    @inline(__always)
    public mutating func nextNormalPair() -> (Double, Double) {
        let u1 = nextDouble(), u2 = nextDouble()
        let r = (-2.0 * Foundation.log(1.0 - u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        return (r * Foundation.cos(theta), r * Foundation.sin(theta))
    }

    /// Fills `buffer` with N(mean, std²) draws.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        var i = 0
        let n = buffer.count
        while i < n {
            let (a, b) = nextNormalPair()
            buffer[i] = Float(Double(mean) + Double(std) * a)
            if i + 1 < n { buffer[i + 1] = Float(Double(mean) + Double(std) * b) }
            i += 2
        }
    }

    /// Fills `buffer` with U[low, high) draws.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        for i in 0..<buffer.count { buffer[i] = low + (high - low) * nextFloat() }
    }

    /// Fisher–Yates shuffle of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) } }
        return p
    }
}

/// The process-wide default generator (what `zoo.seed(n)` / `--seed` set), used by layer
/// initialisers and `Tensor.randn` when no generator is passed.
public enum GlobalRandom {
    nonisolated(unsafe) public static var generator = RandomGenerator(seed: 0)
    public static func seed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }
}

extension Tensor {
    /// Standard-normal tensor (scaled by `std`, shifted by `mean`).
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) throws -> Tensor {
        let t = try attributingMemory(to: "randn \(shapeString(shape))") { try Tensor(uninitialized: shape) }
        generator.fillNormal(UnsafeMutableBufferPointer(start: t.ptr, count: t.count), mean: mean, std: std)
        return t
    }

    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1) throws -> Tensor {
        try randn(shape, mean: mean, std: std, generator: &GlobalRandom.generator)
    }

    /// Uniform tensor in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) throws -> Tensor {
        let t = try attributingMemory(to: "rand \(shapeString(shape))") { try Tensor(uninitialized: shape) }
        generator.fillUniform(UnsafeMutableBufferPointer(start: t.ptr, count: t.count), low: low, high: high)
        return t
    }

    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) throws -> Tensor {
        try uniform(shape, low: low, high: high, generator: &GlobalRandom.generator)
    }
}
