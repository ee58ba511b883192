// Lua bindings of ZooData: open a dataset from a config's data table, batches, position, checks.
import ZooCore
import ZooData
internal import CLua

enum DataBindings {
    static func dataset(_ c: LuaCall) throws -> Dataset { try c.object(1, .dataset, as: Dataset.self) }

    /// The `data` table at `i` as a DataConfig (relative roots resolved against the project).
    static func config(_ c: LuaCall, _ i: Int32) throws -> DataConfig {
        try c.checkTable(i)
        let values = c.state.toSwift(i) as? [String: Any] ?? [:]
        return try DataConfig(values, baseDirectory: c.state.projectRoot)
    }

    /// A Lua sequence of non-negative integers from `opts.key`.
    static func ints(_ o: LuaOptions, _ key: String) throws -> [Int]? {
        guard let v = try o.numbers(key) else { return nil }
        guard v.allSatisfy({ $0 >= 0 && $0.rounded() == $0 && $0 < 1e9 }) else {
            throw o.call.argError(o.index, "option '\(key)' must hold non-negative integers")
        }
        return v.map { Int($0) }
    }

    static func pushStrings(_ c: LuaCall, _ items: [String]) {
        lua_createtable(c.L, Int32(items.count), 0)
        for (k, s) in items.enumerated() {
            c.push(s)
            lua_rawseti(c.L, -2, lua_Integer(k + 1))
        }
    }

    /// Pushes 1-based positions (dataset indices, caption indices) as a sequence.
    static func pushIndices(_ c: LuaCall, _ items: [Int]) {
        c.push(shape: items.map { $0 + 1 })
    }

    /// Pushes the batch's tensors {["real.64"] = t, ...} and its description table. Epoch and
    /// index count from 0 (epochs completed, batches of this epoch before it); positions into
    /// Lua lists (indices, wrong_indices, caption_indices) from 1.
    static func pushBatch(_ c: LuaCall, _ b: Batch) {
        lua_createtable(c.L, 0, Int32(b.tensors.count))
        for (name, t) in b.tensors.sorted(by: { $0.key < $1.key }) {
            c.push(Variable(t))
            lua_setfield(c.L, -2, name)
        }
        lua_createtable(c.L, 0, 10)
        c.push(b.epoch); lua_setfield(c.L, -2, "epoch")
        c.push(b.index); lua_setfield(c.L, -2, "index")
        c.push(b.size); lua_setfield(c.L, -2, "size")
        pushStrings(c, b.ids); lua_setfield(c.L, -2, "ids")
        pushStrings(c, b.captions); lua_setfield(c.L, -2, "captions")
        pushIndices(c, b.indices); lua_setfield(c.L, -2, "indices")
        c.push(shape: b.classIds); lua_setfield(c.L, -2, "class_ids")
        pushIndices(c, b.wrongIndices); lua_setfield(c.L, -2, "wrong_indices")
        lua_createtable(c.L, Int32(b.captionIndices.count), 0)
        for (k, picked) in b.captionIndices.enumerated() {
            pushIndices(c, picked)
            lua_rawseti(c.L, -2, lua_Integer(k + 1))
        }
        lua_setfield(c.L, -2, "caption_indices")
    }

    static func pushProblems(_ c: LuaCall, _ problems: [DataProblem]) {
        pushStrings(c, problems.map(\.description))
    }

    static let library = LuaLibrary([
        ("data.open", { c in
            let cfg = try config(c, 1)
            let o = try c.options(2, allowed: ["image_sizes", "batch", "seed", "threads", "prefetch", "shuffle", "augment",
                                               "wrong", "text", "average_captions", "text_dim"])
            var opts = LoaderOptions()
            if let sizes = try ints(o, "image_sizes") { opts.imageSizes = sizes }
            opts.batchSize = try o.int("batch", default: opts.batchSize)
            let seed = try o.int("seed", default: 0)
            guard seed >= 0 else { throw c.argError(2, "option 'seed' must be a non-negative integer") }
            opts.seed = UInt64(seed)
            opts.threads = try o.int("threads", default: opts.threads)
            opts.prefetch = try o.int("prefetch", default: opts.prefetch)
            opts.shuffle = try o.bool("shuffle", default: true)
            opts.augment = try o.bool("augment", default: true)
            if o.pushField("wrong") != LUA_TNIL { opts.wrong = try o.bool("wrong", default: true) }
            zl_pop(c.L, 1)
            if o.pushField("text") != LUA_TNIL { opts.text = try o.bool("text", default: true) }
            zl_pop(c.L, 1)
            opts.averageCaptions = try o.int("average_captions")
            opts.textDimension = try o.int("text_dim")
            Userdata.push(c.L, try Dataset(config: cfg, options: opts), kind: .dataset)
            return 1
        }),
        ("data.caption_embeddings", { c in
            // (data, captions) -> [N, D] embeddings of the captions, and the embeddings file.
            let cfg = try config(c, 1)
            try c.checkTable(2)
            let wanted = (c.state.toSwift(2) as? [Any] ?? []).compactMap { $0 as? String }
            guard !wanted.isEmpty else { throw c.argError(2, "no captions given") }
            let index = try CaptionIndex(cfg)
            var values: [Float] = []
            for caption in wanted {
                guard let e = index.embedding(caption) else {
                    let hint = closestMatch(caption, in: index.captions).map { " (closest: '\($0)')" } ?? ""
                    throw ZooError.invalidArgument(op: "captions", message: "caption '\(caption)' is not in the dataset at \(cfg.root)\(hint)")
                }
                values += e
            }
            c.push(Variable(try Tensor(shape: [wanted.count, index.dimension], data: values)))
            c.push(index.file)
            return 2
        }),
        ("data_next", { c in pushBatch(c, try dataset(c).next()); return 2 }),
        ("data_batch", { c in
            let ds = try dataset(c)
            pushBatch(c, try ds.batch(epoch: try c.int(2), index: try c.int(3)))
            return 2
        }),
        ("data_len", { c in c.push(try dataset(c).batchesPerEpoch); return 1 }),
        ("data_state", { c in
            let p = try dataset(c).position
            lua_createtable(c.L, 0, 5)
            lua_pushinteger(c.L, lua_Integer(Int64(bitPattern: p.seed))); lua_setfield(c.L, -2, "seed")
            c.push(p.epoch); lua_setfield(c.L, -2, "epoch")
            c.push(p.batch); lua_setfield(c.L, -2, "batch")
            c.push(p.count); lua_setfield(c.L, -2, "count")
            c.push(p.batchSize); lua_setfield(c.L, -2, "batch_size")
            return 1
        }),
        ("data_set_state", { c in
            let ds = try dataset(c)
            let o = try c.options(2, allowed: ["seed", "epoch", "batch", "count", "batch_size"])
            func need(_ k: String) throws -> Int {
                guard let v = try o.int(k) else { throw c.argError(2, "state needs '\(k)' (a table from ds:state())") }
                return v
            }
            let p = DataPosition(seed: UInt64(bitPattern: Int64(try need("seed"))), epoch: try need("epoch"),
                                 batch: try need("batch"), count: try need("count"), batchSize: try need("batch_size"))
            try ds.restore(p)
            return 0
        }),
        ("data_info", { c in
            let ds = try dataset(c)
            lua_createtable(c.L, 0, 12)
            c.push(ds.config.kind.rawValue); lua_setfield(c.L, -2, "kind")
            c.push(ds.config.root); lua_setfield(c.L, -2, "root")
            c.push(ds.count); lua_setfield(c.L, -2, "count")
            c.push(ds.batchesPerEpoch); lua_setfield(c.L, -2, "batches")
            c.push(ds.options.batchSize); lua_setfield(c.L, -2, "batch")
            c.push(shape: ds.imageSizes); lua_setfield(c.L, -2, "image_sizes")
            c.push(ds.loadSize); lua_setfield(c.L, -2, "load_size")
            c.push(ds.hasText); lua_setfield(c.L, -2, "text")
            c.push(ds.hasWrongImages); lua_setfield(c.L, -2, "wrong")
            if let e = ds.embeddings {
                c.push(e.dimension); lua_setfield(c.L, -2, "text_dim")
                c.push(e.captions); lua_setfield(c.L, -2, "captions_per_image")
            }
            if let n = ds.classCount { c.push(n); lua_setfield(c.L, -2, "classes") }
            pushProblems(c, ds.skipped + ds.runtimeProblems); lua_setfield(c.L, -2, "skipped")
            pushStrings(c, ds.notes); lua_setfield(c.L, -2, "notes")
            lua_createtable(c.L, 0, Int32(ds.splitSizes.count))
            for s in ds.splitSizes { c.push(s.count); lua_setfield(c.L, -2, s.name) }
            lua_setfield(c.L, -2, "splits")
            pushStrings(c, ds.samples.map(\.id)); lua_setfield(c.L, -2, "ids")
            c.push(shape: ds.samples.map(\.classId)); lua_setfield(c.L, -2, "class_ids")
            if let names = ds.classNames { pushStrings(c, names); lua_setfield(c.L, -2, "class_names") }
            return 1
        }),
        ("data_close", { c in try dataset(c).close(); return 0 }),
        ("data_text_statistics", { c in
            // ds:text_statistics() -> mean [D], std [D] of the split's caption embeddings
            guard let (mean, std) = try dataset(c).textStatistics() else {
                throw ZooError.invalidArgument(op: "text_statistics", message: "the dataset has no caption embeddings")
            }
            c.push(Variable(try Tensor(shape: [mean.count], data: mean)))
            c.push(Variable(try Tensor(shape: [std.count], data: std)))
            return 2
        }),
        ("data.text_statistics", { c in
            // (data) -> mean [D], std [D] of the caption embeddings of the data table's split
            let (mean, std) = try Dataset.textStatistics(try config(c, 1))
            c.push(Variable(try Tensor(shape: [mean.count], data: mean)))
            c.push(Variable(try Tensor(shape: [std.count], data: std)))
            return 2
        }),
        ("data.check", { c in
            let cfg = try config(c, 1)
            let o = try c.options(2, allowed: ["image_size", "batch", "decode", "text_dim"])
            let report = DataCheck.run(cfg, imageSize: try o.int("image_size", default: 256), batchSize: try o.int("batch"),
                                       decode: try o.bool("decode", default: true), textDimension: try o.int("text_dim"))
            c.push(report.text)
            pushProblems(c, report.problems)
            return 2
        }),
    ])
}
