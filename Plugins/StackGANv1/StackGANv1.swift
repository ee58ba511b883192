// Registers StackGAN-v1 with the model registry.
import ZooCore

public enum StackGANv1Plugin: ModelPlugin {
    public static let name = "stackgan-v1"
    public static let summary = "StackGAN-v1: Stage-I (64×64 from text) and Stage-II (256×256 on the frozen Stage-I), PyTorch or TensorFlow flavour"

    public static func register(into registry: ModelRegistry) {
        registry.register(name: name, summary: summary, schema: StackGANv1Config.schema) { cfg in
            try StackGANv1Config.checkMemory(cfg)
            // Initialisation draws from its own generator, seeded from the global one.
            var initGenerator = RandomGenerator(seed: GlobalRandom.generator.next())
            return try StackGANv1Model(try StackGANv1Config(cfg), generator: &initGenerator)
        }
        ParityRunners.register(kind: "v1s1", compute: StackGANv1Parity.computeStage1)
        ParityRunners.register(kind: "v1s2", compute: StackGANv1Parity.computeStage2)
    }
}
