// Registers StackGAN-v2 with the model registry.
import ZooCore

public enum StackGANv2Plugin: ModelPlugin {
    public static let name = "stackgan-v2"
    public static let summary = "StackGAN-v2 (StackGAN++): tree of generators at 64/128/256, conditional or unconditional"

    public static func register(into registry: ModelRegistry) {
        registry.register(name: name, summary: summary, schema: StackGANv2Config.schema) { cfg in
            try StackGANv2Config.checkMemory(cfg)
            // Initialisation draws from its own generator, seeded from the global one.
            var initGenerator = RandomGenerator(seed: GlobalRandom.generator.next())
            return try StackGANv2Model(try StackGANv2Config(cfg), generator: &initGenerator)
        }
        ParityRunners.register(kind: "v2", compute: StackGANv2Parity.compute)
    }
}
