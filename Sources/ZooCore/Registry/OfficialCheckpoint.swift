// OfficialCheckpoint: the official trainers' .pth state dicts (netG, netD…) made into one StackZoo checkpoint, as scripts/convert_official.py does.
/// Converts released PyTorch checkpoints into a StackZoo checkpoint of an already built model.
///
/// The official trainers save each network's state dict on its own: StackGAN-v2's `netG_<iter>.pth`
/// (the EMA weights) and `netD0–2.pth` through `nn.DataParallel` (keys under `module.`), StackGAN-v1's
/// `netG_epoch_<n>.pth` and `netD_epoch_last.pth`; files from PyTorch < 0.4.1 lack the batch norms'
/// `num_batches_tracked`. Each file is loaded strictly into its network (every key the network has,
/// no other, each of its shape), the generator's weights also become the parameter average the model
/// samples with (`netG_ema.*`), and `Checkpoint.make` writes the rest (BN counters 0, metadata, checksum).
public enum OfficialCheckpoint {
    /// A .pth state dict with `nn.DataParallel`'s `module.` prefix removed; `path` labels its errors.
    public static func stateDict(path: String) throws -> SafeTensorsFile {
        var file = SafeTensorsFile()
        file.path = path
        for (name, tensor) in try TorchFile.read(path: path) {
            let key = name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
            guard file[key] == nil else { throw ZooError.format(path: path, message: "'\(key)' is in the file twice (with and without 'module.')") }
            file.set(key, tensor)
        }
        return file
    }

    /// Loads the generator file and the discriminator files (in the order of the model's other
    /// networks: StackGAN-v2's `netsD.0…`, v1's `netD`) into `model` and returns its checkpoint.
    /// Networks without a file keep the weights they were built with.
    public static func convert(_ model: ZooModel, modelName: String, config: [String: Any], netG: String, netD: [String],
                               out: String? = nil) throws -> SafeTensorsFile {
        guard let g = model.networks.first(where: { $0.0 == "netG" }) else {
            throw ZooError.unsupported("\(modelName) has no network 'netG' to convert into")
        }
        let discriminators = model.networks.filter { $0.0 != "netG" }
        guard netD.count <= discriminators.count else {
            throw ZooError.invalidArgument(op: "convert", message: "\(netD.count) discriminator files for \(modelName)'s \(discriminators.count) (\(discriminators.map(\.0).joined(separator: ", ")))")
        }
        for (path, (name, module)) in zip([netG] + netD, [g] + discriminators) {
            let file = try stateDict(path: path)
            do {
                try module.loadStateDict(file, strict: true)
            } catch let e as ZooError {
                throw e.prefixed("\(path) as \(modelName)'s \(name) (is it the right file and entry?)")
            }
        }
        // The released generator weights are the average StackZoo samples with.
        let weights = Dictionary(uniqueKeysWithValues: g.1.namedParameters().map { ("netG_ema." + $0.0, $0.1.value) })
        let state = model.stateTensors()
        if !state.isEmpty {
            try model.loadStateTensors(Dictionary(uniqueKeysWithValues: state.map { ($0.0, weights[$0.0] ?? $0.1) }))
        }
        return try Checkpoint.make(model, modelName: modelName, config: config,
                                   metadata: ["stackzoo.source": ([netG] + netD).joined(separator: " ")], path: out)
    }
}
