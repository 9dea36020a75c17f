// swift-tools-version: 6.1
//
// sersim — an instruction-level simulator of Cortex-M-class microcontrollers and a
// deployment emulator for quantized neural networks. See docs/architecture.md for how the
// modules below fit together.

import PackageDescription

/// Release builds of the emulator's hot loop rely on generic and small functions being
/// specialised across module boundaries (the executor calls into CycleTiming per
/// instruction). `-cross-module-optimization` lets the optimiser do so without marking
/// every helper `@inlinable`. Release builds also drop the dynamic exclusivity checks
/// (`swift_beginAccess` on every class property access in the hot loop cost about half of
/// the run time, docs/benchmarks.md); debug builds, which the tests use, keep them.
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "sersim",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SerSim", targets: ["SerSim"]),
        .executable(name: "sersim", targets: ["sersim"]),
        // The emulator's speed benchmark: `swift run -c release sersim-bench`.
        .executable(name: "sersim-bench", targets: ["SerSimBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Thumb (ARMv6-M / ARMv7E-M) encodings: one table drives decoder, encoder and
        // GNU-syntax disassembler.
        .target(name: "ThumbISA", swiftSettings: hotLoopSettings),

        // libelf, from Debian's libelf-dev.
        .systemLibrary(
            name: "CLibELF",
            pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]
        ),
        // Reading and writing ELF32 ARM images through libelf.
        .target(name: "ELFFile", dependencies: ["CLibELF"]),

        // Boards as data: Board, memory regions, memory system, power model.
        .target(name: "BoardProfiles"),

        // Per-core timing tables and the board's memory-system model (wait states,
        // prefetch/ART, caches). Consumes the executor's per-instruction records.
        .target(
            name: "CycleTiming",
            dependencies: ["ThumbISA", "BoardProfiles"],
            swiftSettings: hotLoopSettings
        ),

        // The machine: CPU state, memory bus, executor, exceptions, SCS, semihosting.
        .target(
            name: "CortexM",
            dependencies: ["ThumbISA", "BoardProfiles", "CycleTiming", "ELFFile"],
            swiftSettings: hotLoopSettings
        ),

        // Quantized models: graph, .q8, TFLite importer, reference kernels (golden model).
        .target(name: "QuantModel"),

        // The kernel IR: parser, verifier, lowering to Thumb per core.
        .target(name: "KernelIR", dependencies: ["ThumbISA", "QuantModel"]),

        // Planner, firmware builder, runner, energy accounting, reports.
        .target(
            name: "Deployment",
            dependencies: [
                "ThumbISA", "ELFFile", "BoardProfiles", "CycleTiming", "CortexM",
                "QuantModel", "KernelIR",
            ]
        ),

        // The public library product that users' tests import.
        .target(
            name: "SerSim",
            dependencies: ["Deployment", "BoardProfiles", "CortexM", "CycleTiming", "ELFFile", "QuantModel"]
        ),

        // The command-line tool.
        .executableTarget(
            name: "sersim",
            dependencies: [
                "SerSim", "QuantModel", "ThumbISA", "ELFFile", "KernelIR",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Simulated instructions per host second on the benchmark firmware (docs/benchmarks.md).
        .executableTarget(
            name: "SerSimBench",
            dependencies: ["CortexM", "CycleTiming", "ELFFile", "BoardProfiles", "Deployment"],
            swiftSettings: hotLoopSettings
        ),

        // Host speed of the emulator per timing model (docs/benchmarks.md).
        .executableTarget(
            name: "timing-benchmark",
            dependencies: ["CortexM", "CycleTiming", "ThumbISA", "BoardProfiles", "ELFFile"],
            path: "Benchmarks/TimingBenchmark",
            swiftSettings: hotLoopSettings
        ),

        // Cycles per MAC of the compiled kernels per core (docs/benchmarks.md, "Kernels").
        .executableTarget(
            name: "kernel-benchmark",
            dependencies: ["KernelIR", "CortexM", "CycleTiming", "ThumbISA", "BoardProfiles", "ELFFile", "QuantModel"],
            path: "Benchmarks/KernelBenchmark"
        ),

        .testTarget(
            name: "ThumbISATests",
            dependencies: ["ThumbISA", "ELFFile"],
            resources: [.copy("Corpus"), .copy("Fixtures")]
        ),
        .testTarget(name: "ELFFileTests", dependencies: ["ELFFile"]),
        .testTarget(name: "BoardProfilesTests", dependencies: ["BoardProfiles"]),
        .testTarget(name: "CycleTimingTests", dependencies: ["CycleTiming", "CortexM"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "CortexMTests",
            dependencies: ["CortexM", "ThumbISA", "ELFFile", "BoardProfiles"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "QuantModelTests", dependencies: ["QuantModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KernelIRTests", dependencies: ["KernelIR", "CortexM", "QuantModel"]),
        .testTarget(name: "DeploymentTests", dependencies: ["Deployment", "SerSim"], exclude: ["Golden"]),
    ]
)
