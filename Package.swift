// swift-tools-version:6.0
// StackZoo: StackGAN-family training, sampling and evaluation on the CPU (OpenBLAS), scripted in Lua.
//
// Note on `Plugins/`: SwiftPM's default folder for *package plugins* (build-tool and command
// plugins) is `Plugins/`. StackZoo's `Plugins/` holds *model* plugins instead, which are ordinary
// library targets, so each one is declared with an explicit `path: "Plugins/<Name>"`. Never declare
// a `.plugin(...)` target in this package.
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "StackZoo",
    products: [
        .executable(name: "stackzoo", targets: ["ZooCLI"]),
        .library(name: "ZooCore", targets: ["ZooCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C system libraries (pkg-config, with the Debian packages that provide them)
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // The few C functions that must own a setjmp or call lua_error, and the Lua budgets (the
        // allocator, the sandbox guard, bounded pattern matching). Optimised in debug builds too:
        // the tests run hostile patterns up to the sandbox's 50 million steps.
        .target(name: "CZooShims", dependencies: ["CLua", "CPNG", "CJPEG"],
                cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),

        // MARK: - Engine
        // Hand-vectorised kernels (AVX2/FMA behind a run-time CPU check): the direct conv and its
        // weight gradient, a sigmoid that rounds exactly as the scalar one; and the thread pool of
        // the parallel regions. Optimised in debug builds too: at -O0 the intrinsics kernels run
        // ~100× slower, and the tests are debug builds.
        .target(name: "CZooKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "ZooCore", dependencies: ["CBLAS", "CZooKernels"], swiftSettings: v5),
        .target(name: "ZooImage", dependencies: ["ZooCore", "CPNG", "CJPEG", "CZooShims"], swiftSettings: v5),
        .target(name: "ZooData", dependencies: ["ZooCore", "ZooImage"], swiftSettings: v5),
        .target(
            name: "ZooLua", dependencies: ["ZooCore", "ZooImage", "ZooData", "CLua", "CZooShims"],
            resources: [.embedInCode("prelude.lua")], swiftSettings: v5),

        // MARK: - Model plugins (library targets under Plugins/, explicit paths; see the note above)
        .target(name: "StackGANv2", dependencies: ["ZooCore"], path: "Plugins/StackGANv2", exclude: ["README.md"], swiftSettings: v5),
        .target(name: "StackGANv1", dependencies: ["ZooCore"], path: "Plugins/StackGANv1", exclude: ["README.md"], swiftSettings: v5),
        // Text-encoder plugins (the TextEncoder kind): all-MiniLM-L6-v2 (BERT WordPiece + 6-layer encoder).
        .target(name: "MiniLM", dependencies: ["ZooCore"], path: "Plugins/MiniLM", swiftSettings: v5),

        // MARK: - Command line
        .executableTarget(
            name: "ZooCLI",
            dependencies: [
                "ZooCore", "ZooImage", "ZooData", "ZooLua", "StackGANv2", "StackGANv1", "MiniLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: v5),

        // MARK: - Tests
        .target(name: "ZooTestSupport", dependencies: ["ZooCore"], path: "Tests/ZooTestSupport", swiftSettings: v5),
        .testTarget(
            name: "ZooCoreTests", dependencies: ["ZooCore", "ZooTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "ZooLuaTests", dependencies: ["ZooLua", "ZooCore", "MiniLM", "ZooTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "PluginTests", dependencies: ["StackGANv2", "StackGANv1", "ZooCore", "ZooLua", "ZooTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "TextEncoderTests", dependencies: ["MiniLM", "ZooCore", "ZooTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "ZooImageTests", dependencies: ["ZooImage", "ZooCore", "ZooTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "ZooDataTests", dependencies: ["ZooData", "ZooCore", "ZooImage", "ZooTestSupport"], swiftSettings: v5),
    ]
)
