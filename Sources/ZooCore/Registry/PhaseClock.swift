// Wall-clock seconds per named phase of the training steps (ZooModel.phaseTimes, `stackzoo bench`).
import Foundation

/// Accumulates the seconds between `begin()` and each `end(name)`, per phase name.
public struct PhaseClock {
    public private(set) var times: [String: Double] = [:]
    private var start = DispatchTime.now()

    public init() {}

    /// Starts timing the first phase of a step.
    public mutating func begin() { start = DispatchTime.now() }

    /// Adds the time since the last `begin` or `end` to phase `name`, and starts the next phase.
    public mutating func end(_ name: String) {
        let now = DispatchTime.now()
        times[name, default: 0] += Double(now.uptimeNanoseconds - start.uptimeNanoseconds) * 1e-9
        start = now
    }
}
