// A bad file in a dataset (the file and the reason), and the error that stops a run before training.
import ZooCore

/// One problem found in a dataset: the file (or folder) at fault and why, in one line.
public struct DataProblem: Equatable, Sendable, CustomStringConvertible {
    /// The file or folder at fault (as given by the dataset's root, not shortened).
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}

extension DataProblem {
    /// The error for a dataset that cannot be used: the first problem, and how many more there are.
    static func failure(_ problems: [DataProblem], hint: String) -> ZooError {
        let first = problems[0]
        let more = problems.count > 1 ? " (and \(problems.count - 1) more problem\(problems.count > 2 ? "s" : ""))" : ""
        return ZooError.format(path: first.file, message: first.reason + more + hint)
    }
}
