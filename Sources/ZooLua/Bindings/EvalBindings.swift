// Lua bindings of the GAN metrics on features: FID, KID and IS (zoo.eval.fid / kid / inception_score).
import ZooCore
internal import CLua

enum EvalBindings {
    static let library = LuaLibrary([
        ("eval.fid", { c in
            // (features [N, D], features [M, D]) -> FID
            let a = try FeatureStatistics(features: try c.tensor(1).value)
            let b = try FeatureStatistics(features: try c.tensor(2).value)
            c.push(try GANMetrics.fid(a, b))
            return 1
        }),
        ("eval.kid", { c in
            // (features, features, {subsets=100, subset_size=1000, seed=0}) -> mean, std
            let o = try c.options(3, allowed: ["subsets", "subset_size", "seed"])
            let seed = try o.int("seed", default: 0)
            guard seed >= 0 else { throw c.argError(3, "option 'seed' must be ≥ 0") }
            let r = try GANMetrics.kid(try c.tensor(1).value, try c.tensor(2).value, subsets: try o.int("subsets", default: 100),
                                       subsetSize: try o.int("subset_size", default: 1000), seed: UInt64(seed))
            c.push(r.mean)
            c.push(r.std)
            return 2
        }),
        ("eval.inception_score", { c in
            // (probabilities [N, C], {splits=10}) -> mean, std
            let o = try c.options(2, allowed: ["splits"])
            let r = try GANMetrics.inceptionScore(try c.tensor(1).value, splits: try o.int("splits", default: 10))
            c.push(r.mean)
            c.push(r.std)
            return 2
        }),
    ])
}
