// The backward pass: topological order of the graph, then the rules of Gradients.swift in reverse.

extension Variable {
    /// Accumulates d(self)/d(leaf) into every leaf's `grad` that requires gradients.
    /// - Parameters:
    ///   - gradient: the seed gradient; defaults to ones for a one-element result.
    ///   - retainGraph: keep the graph (and its intermediate values) for another backward pass;
    ///     by default each node's record is freed once its inputs' gradients are computed.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw ZooError.invalidArgument(op: "backward", message: "this tensor does not require gradients (no input of its graph requires them, or it was computed under no_grad)")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw ZooError.shape(op: "backward", message: "gradient of shape \(shapeString(gradient.shape)) for a result of shape \(shapeString(shape))")
            }
            seed = gradient
        } else {
            guard value.count == 1 else {
                throw ZooError.shape(op: "backward", message: "a gradient is needed for a non-scalar result of shape \(shapeString(shape))")
            }
            seed = try Tensor(shape: shape, repeating: 1)
        }
        var order: [Variable?] = topologicalOrder()
        if order.contains(where: { $0!.graphReleased }) {
            throw ZooError.invalidArgument(op: "backward", message: "this graph was already used by a backward pass, which freed its intermediate values; compute the result again to take another backward")
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        try GradMode.withNoGrad {
            for k in order.indices.reversed() {
                // Taken out of `order`: once its inputs' gradients are out, nothing here holds it.
                let v = order[k]!
                order[k] = nil
                defer { if !retainGraph { v.releaseGraph() } }
                guard let g = grads.removeValue(forKey: ObjectIdentifier(v)) else { continue }
                guard let record = v.record else {
                    if v.requiresGrad {
                        if v.grad == nil { v.grad = g } else { try v.grad!.addInPlace(g) }
                    }
                    continue
                }
                let inputGrads = try attributingMemory(to: "the backward pass of \(record.op.rawValue) \(shapeString(v.shape))") {
                    try Gradients.backward(record, inputs: v.inputs, output: v.value, grad: g)
                }
                for (input, ig) in zip(v.inputs, inputGrads) where input.requiresGrad {
                    guard let ig else { continue }
                    let key = ObjectIdentifier(input)
                    if grads[key] == nil { grads[key] = ig } else { try grads[key]!.addInPlace(ig) }
                }
            }
        }
    }

    /// Variables reachable from `self` through inputs that require gradients, inputs first.
    func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative post-order DFS: deep graphs must not overflow the stack.
        var stack: [(Variable, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (v, next) = stack.popLast() {
            if next < v.inputs.count {
                stack.append((v, next + 1))
                let child = v.inputs[next]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(v)
            }
        }
        return order
    }
}
