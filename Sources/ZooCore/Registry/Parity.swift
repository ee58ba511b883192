// Parity reports: each reference tensor compared with what StackZoo computed, under a tolerance
// calibrated by perturbation analysis (see RoundingProbe).
import Foundation

/// How a reference tensor's tolerance scales: by max(1, max|ref|) or by max|ref| itself.
public enum ToleranceScale {
    case atLeastOne, referenceMax
}

/// One computed tensor next to its reference, with the fixture README's tolerance.
public struct ParityCheck {
    public var name: String
    public var value: Tensor
    public var reference: Tensor
    public var tolerance: Float
    public var scale: ToleranceScale

    public init(_ name: String, _ value: Tensor, _ reference: Tensor, tolerance: Float, scale: ToleranceScale = .atLeastOne) {
        self.name = name
        self.value = value
        self.reference = reference
        self.tolerance = tolerance
        self.scale = scale
    }
}

/// One compared tensor: max absolute error, error relative to the reference's scale, the bound,
/// and the float32 sensitivity (how far ±1-ulp noise in the GEMM outputs moves StackZoo's own result).
public struct ParityRow {
    public var name: String
    public var maxAbs: Float
    public var relative: Float
    public var tolerance: Float
    public var sensitivity: Float
    /// Within the README tolerance, or within 4× the float32 sensitivity of the computation
    /// (some train-mode paths amplify rounding differences beyond the fixed tolerance) and
    /// still within the cap, `sensitivityCap(tolerance)`: rounding never excuses more.
    public var passed: Bool { relative <= tolerance || (maxAbs <= 4 * sensitivity && relative <= Self.sensitivityCap(tolerance)) }

    /// The most the sensitivity bound may admit: 50× the tolerance, and never more than 5% of
    /// the tensor's scale (forwards and D gradients 5e-3, G gradients and losses 5e-2).
    public static func sensitivityCap(_ tolerance: Float) -> Float { min(50 * tolerance, 0.05) }
}

public struct ParityReport {
    public var rows: [ParityRow] = []
    public init() {}

    public var passed: Bool { rows.allSatisfy(\.passed) }

    /// Rows from a clean run and runs with rounding noise (same checks, same order).
    public init(clean: [ParityCheck], noisy: [[ParityCheck]]) {
        for (i, c) in clean.enumerated() {
            guard c.value.shape == c.reference.shape else {
                rows.append(ParityRow(name: "\(c.name) (shape \(shapeString(c.value.shape)) vs \(shapeString(c.reference.shape)))",
                                      maxAbs: .infinity, relative: .infinity, tolerance: c.tolerance, sensitivity: 0))
                continue
            }
            let err = c.value.maxAbsDifference(c.reference)
            let s: Float = c.scale == .atLeastOne ? max(1, c.reference.maxAbs) : max(c.reference.maxAbs, .leastNormalMagnitude)
            var sensitivity: Float = 0
            for run in noisy where i < run.count && run[i].name == c.name && run[i].value.shape == c.value.shape {
                sensitivity = max(sensitivity, run[i].value.maxAbsDifference(c.value))
            }
            rows.append(ParityRow(name: c.name, maxAbs: err, relative: err.isNaN ? .infinity : err / s,
                                  tolerance: c.tolerance, sensitivity: sensitivity.isNaN ? 0 : sensitivity))
        }
    }

    /// The report as a table and a summary line.
    public func table(verbose: Bool = true) -> String {
        func g(_ x: Float) -> String { String(format: "%.3g", x) }
        var lines = ["| tensor | max abs err | rel err | tolerance | f32 sensitivity | |", "|---|---|---|---|---|---|"]
        for r in rows where verbose || !r.passed || r.relative > r.tolerance {
            let overCap = r.maxAbs <= 4 * r.sensitivity && r.relative > ParityRow.sensitivityCap(r.tolerance)
            let verdict = r.passed ? (r.relative <= r.tolerance ? "ok" : "ok (≤ 4× sensitivity)") : overCap ? "FAIL (over the sensitivity cap)" : "FAIL"
            lines.append("| \(r.name) | \(g(r.maxAbs)) | \(g(r.relative)) | \(String(format: "%.0e", r.tolerance)) | \(g(r.sensitivity)) | \(verdict) |")
        }
        let failed = rows.filter { !$0.passed }.count
        let calibrated = rows.filter { $0.passed && $0.relative > $0.tolerance }.count
        let worst = rows.map { $0.relative / $0.tolerance }.max() ?? 0
        lines.append("")
        lines.append("\(rows.count - failed) passed, \(failed) failed (\(calibrated) of the passes by the sensitivity bound; worst error \(String(format: "%.2g", worst))× its tolerance)")
        return lines.joined(separator: "\n")
    }
}

/// The fixture README's tolerances (../shared/fixtures/parity/README.md).
public enum ParityTolerance {
    /// Forward outputs, images, D probabilities and logits, BN buffers: of max(1, |ref|).
    public static let forward: Float = 1e-4
    /// Gradients of one D after its backward: of max|ref|.
    public static let dGradient: Float = 1e-4
    /// G gradients through Ds already moved by one Adam step: of max|ref|.
    public static let gGradient: Float = 5e-3
    /// Losses after one and after two training steps: relative.
    public static let step0Loss: Float = 1e-4, step1Loss: Float = 1e-3

    /// Checks of a training step's losses against `step<k>.<name>` references (those present).
    public static func losses(_ losses: [(String, Float)], step: Int, io: SafeTensorsFile) throws -> [ParityCheck] {
        try losses.compactMap { name, value in
            let ref = "step\(step).\(name)"
            guard io[ref] != nil else { return nil }
            return ParityCheck(ref, try Tensor(shape: [1], repeating: value), try io.tensor(ref),
                               tolerance: step == 0 ? step0Loss : step1Loss, scale: .referenceMax)
        }
    }
}

/// The `config` JSON of a parity fixture's io file (the official YAML names), with typed reads
/// whose errors name the file and the field.
public struct ParityConfig {
    let json: [String: Any]
    let path: String

    public init(_ io: SafeTensorsFile, path: String) throws {
        guard let text = io.metadata["config"],
              let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ZooError.format(path: path, message: "no JSON 'config' in the metadata")
        }
        self.json = json
        self.path = path
    }

    public func int(_ k: String) throws -> Int {
        guard let v = json[k] as? Int else { throw ZooError.format(path: path, message: "config field '\(k)' missing or not an integer") }
        return v
    }

    public func float(_ k: String) throws -> Float {
        guard let v = (json[k] as? NSNumber)?.floatValue else { throw ZooError.format(path: path, message: "config field '\(k)' missing or not a number") }
        return v
    }

    public func bool(_ k: String) throws -> Bool {
        guard let v = json[k] as? Bool else { throw ZooError.format(path: path, message: "config field '\(k)' missing or not a boolean") }
        return v
    }
}

extension Tensor {
    /// Rank-0 and one-element tensors compared as [1] (fixtures store BN counters either way).
    public func reshapedScalar() -> Tensor { count == 1 ? (try! reshaped([1])) : self }
}

/// Parity protocols by fixture kind (the io file's `kind` metadata: "v2", "v1s1", "v1s2").
public enum ParityRunners {
    nonisolated(unsafe) public private(set) static var runners: [String: (String) throws -> [ParityCheck]] = [:]

    /// `compute(prefix)` replays the fixture set `prefix.*.safetensors` and returns every check.
    public static func register(kind: String, compute: @escaping (String) throws -> [ParityCheck]) {
        runners[kind] = compute
    }

    /// Runs the protocol once cleanly and `noiseRuns` times with ±√K-ulp GEMM noise: the first
    /// half relative to each element, the rest floored at the tensor's rms (see RoundingProbe).
    public static func run(prefix: String, noiseRuns: Int = 4) throws -> ParityReport {
        let io = try SafeTensorsFile.read(path: prefix + ".io.safetensors")
        guard let kind = io.metadata["kind"] else {
            throw ZooError.format(path: prefix + ".io.safetensors", message: "no 'kind' in the metadata (not a parity fixture?)")
        }
        guard let compute = runners[kind] else {
            throw ZooError.unsupported("no parity protocol for kind '\(kind)' (known: \(runners.keys.sorted().joined(separator: ", ")))")
        }
        let clean = try compute(prefix)
        let noisy = try (0..<noiseRuns).map { k in
            try RoundingProbe.withNoise(scale: k < (noiseRuns + 1) / 2 ? .relative : .floored, seed: UInt64(k + 1)) { try compute(prefix) }
        }
        return ParityReport(clean: clean, noisy: noisy)
    }
}
