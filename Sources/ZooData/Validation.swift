// Up-front checks of every image of a dataset (header and trailer, or a full decode), in parallel.
import Foundation
import ZooCore
import ZooImage

enum Validation {
    /// Checks every sample's image; `headers[i]` is nil where sample i has a problem. Problems come
    /// back in sample order, so reports do not depend on the thread count.
    static func run(_ samples: [DataSample], decode: Bool, threads: Int) -> (headers: [ImageHeader?], problems: [DataProblem]) {
        var results = [Result<ImageHeader, DataProblem>?](repeating: nil, count: samples.count)
        let chunks = min(samples.count, max(1, threads) * 8)
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: max(chunks, 1)) { c in
                for i in (samples.count * c / max(chunks, 1))..<(samples.count * (c + 1) / max(chunks, 1)) {
                    out[i] = check(samples[i], decode: decode)
                }
            }
        }
        var headers: [ImageHeader?] = []
        var problems: [DataProblem] = []
        for r in results {
            switch r! {
            case .success(let h): headers.append(h)
            case .failure(let p): headers.append(nil); problems.append(p)
            }
        }
        return (headers, problems)
    }

    static func check(_ s: DataSample, decode: Bool) -> Result<ImageHeader, DataProblem> {
        let header: ImageHeader
        do { header = try ImageHeader.read(path: s.path) } catch let p as DataProblem {
            return .failure(p)
        } catch {
            return .failure(DataProblem(file: s.path, reason: "\(error)"))
        }
        if decode {
            do { _ = try Image.load(path: s.path) } catch let e as ZooError {
                switch e {
                case .format(let p, let m) where p == s.path, .io(let p, let m) where p == s.path:
                    return .failure(DataProblem(file: p, reason: m))
                default: return .failure(DataProblem(file: s.path, reason: e.description))
                }
            } catch {
                return .failure(DataProblem(file: s.path, reason: "\(error)"))
            }
        }
        if let b = s.bbox {
            let c = Preprocess.bboxCrop(b, width: header.width, height: header.height)
            guard c.x2 > c.x1, c.y2 > c.y1 else {
                return .failure(DataProblem(file: s.path, reason: "bounding box [\(b.x), \(b.y), \(b.width), \(b.height)] lies outside the \(header.width)x\(header.height) image"))
            }
        }
        return .success(header)
    }
}
