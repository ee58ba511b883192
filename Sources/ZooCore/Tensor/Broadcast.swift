// Broadcasting rules (NumPy/PyTorch): result shapes, coalesced stride plans, and reduction to a shape.

/// A loop plan over a broadcast result: dimensions merged where every operand is contiguous
/// (or broadcast) across them, so the innermost loop is as long as possible.
struct BroadcastPlan {
    var shape: [Int]          // coalesced result dims
    var strides: [[Int]]      // per operand, per coalesced dim (0 = broadcast)

    /// Plans a loop over `outShape` for operands of shapes `shapes` (each broadcastable to it).
    init(outShape: [Int], operands shapes: [[Int]]) {
        let rank = outShape.count
        var expanded: [[Int]] = shapes.map { s in
            let padded = [Int](repeating: 1, count: rank - s.count) + s
            var strides = [Int](repeating: 0, count: rank)
            var acc = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                strides[d] = padded[d] == 1 && outShape[d] != 1 ? 0 : acc
                acc *= padded[d]
            }
            return strides
        }
        var dims: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: shapes.count)
        for d in 0..<rank where outShape[d] != 1 {
            if let last = dims.last,
               expanded.indices.allSatisfy({ i in st[i].last! == expanded[i][d] * outShape[d] }) {
                dims[dims.count - 1] = last * outShape[d]
                for i in expanded.indices { st[i][st[i].count - 1] = expanded[i][d] }
            } else {
                dims.append(outShape[d])
                for i in expanded.indices { st[i].append(expanded[i][d]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            st = Array(repeating: [1], count: shapes.count)
        }
        expanded.removeAll()
        shape = dims
        strides = st
    }

    var innerCount: Int { shape.last! }
    var outerCount: Int { shape.dropLast().reduce(1, *) }

    /// Base offsets of each operand for outer index `o` (row-major over all dims but the last).
    @inline(__always)
    func offsets(outer o: Int) -> [Int] {
        var rem = o
        var offs = [Int](repeating: 0, count: strides.count)
        var d = shape.count - 2
        while d >= 0 {
            let i = rem % shape[d]
            rem /= shape[d]
            for k in 0..<strides.count { offs[k] += i * strides[k][d] }
            d -= 1
        }
        return offs
    }
}

/// The broadcast result shape of `a` and `b`, or a shape error naming `op` and both shapes.
func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    var out = [Int](repeating: 0, count: rank)
    for d in 0..<rank {
        if pa[d] == pb[d] || pb[d] == 1 { out[d] = pa[d] }
        else if pa[d] == 1 { out[d] = pb[d] }
        else {
            throw ZooError.shape(op: op, message: "shapes \(shapeString(a)) and \(shapeString(b)) cannot be broadcast together (dim \(d - rank): \(pa[d]) vs \(pb[d]))")
        }
    }
    return out
}

extension Tensor {
    /// Sums `self` (a broadcast result) down to `target` (a shape that broadcasts to `self.shape`),
    /// the gradient rule of broadcasting. Accumulates in Double.
    func sum(toShape target: [Int]) throws -> Tensor {
        if target == shape { return self }
        let outCount = Tensor.elementCount(target)
        let out = try Tensor(uninitialized: target)
        let plan = BroadcastPlan(outShape: shape, operands: [shape, target])
        let inner = plan.innerCount
        let sIn = plan.strides[0].last!, sOut = plan.strides[1].last!
        let src = ptr
        try Scratch.withBuffer(of: Double.self, outCount) { acc in
            acc.initialize(repeating: 0, count: outCount)
            for o in 0..<plan.outerCount {
                let offs = plan.offsets(outer: o)
                var pi = offs[0], po = offs[1]
                if sOut == 0 {
                    var s = 0.0
                    for _ in 0..<inner { s += Double(src[pi]); pi += sIn }
                    acc[po] += s
                } else {
                    for _ in 0..<inner { acc[po] += Double(src[pi]); pi += sIn; po += sOut }
                }
            }
            for i in 0..<outCount { out.ptr[i] = Float(acc[i]) }
        }
        return withExtendedLifetime(self) { out }
    }

    /// Materialises `self` broadcast to `target`.
    func broadcast(to target: [Int]) throws -> Tensor {
        if target == shape { return self }
        let s = try broadcastShape(shape, target, op: "expand")
        guard s == target else {
            throw ZooError.shape(op: "expand", message: "cannot expand \(shapeString(shape)) to \(shapeString(target))")
        }
        let out = try Tensor(uninitialized: target)
        let plan = BroadcastPlan(outShape: target, operands: [target, shape])
        let inner = plan.innerCount, sIn = plan.strides[1].last!
        let src = ptr, dst = out.ptr
        for o in 0..<plan.outerCount {
            let offs = plan.offsets(outer: o)
            var pi = offs[1]
            let po = offs[0]
            for j in 0..<inner { dst[po + j] = src[pi]; pi += sIn }
        }
        return withExtendedLifetime(self) { out }
    }
}
