// swift-tools-version: 6.1
//
// sersim — an instruction-level simulator of Cortex-M-class microcontrollers and a
// deployment emulator for quantized neural networks. See docs/architecture.md for how the
// modules below fit together.

import Foundation
import PackageDescription

/// Release builds are optimised with the profile in tools/pgo (LLVM IR-level
/// profile-guided optimisation: block layout, branch weights and inlining follow counts
/// measured on the training workloads of `scripts/pgo-train`, which trains it). The
/// simulated figures do not depend on it, only the host speed (docs/benchmarks.md,
/// "Profile-guided optimisation"). `SERSIM_NO_PGO=1` builds without it, as the training
/// build must; so does a checkout without the profile.
let profileGuided: [SwiftSetting] = {
    let profile = String(#filePath.dropLast("Package.swift".count)) + "tools/pgo/sersim.profdata"
    guard Context.environment["SERSIM_NO_PGO"] == nil, FileManager.default.fileExists(atPath: profile) else { return [] }
    return [.unsafeFlags(["-Xfrontend", "-ir-profile-use=\(profile)"], .when(configuration: .release))]
}()

/// Release builds of the emulator's hot loop rely on generic and small functions being
/// specialised across module boundaries (the executor calls into CycleTiming per
/// instruction). `-cross-module-optimization` lets the optimiser do so without marking
/// every helper `@inlinable`. Release builds also drop the dynamic exclusivity checks
/// (`swift_beginAccess` on every class property access in the hot loop cost about half of
/// the run time, docs/benchmarks.md); debug builds, which the tests use, keep them.
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
] + profileGuided

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
        .target(name: "ELFFile", dependencies: ["CLibELF"], swiftSettings: profileGuided),

        // Boards as data: Board, memory regions, memory system, power model.
        .target(name: "BoardProfiles", swiftSettings: profileGuided),

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
        .target(name: "QuantModel", swiftSettings: profileGuided),

        // The kernel IR: parser, verifier, lowering to Thumb per core.
        .target(name: "KernelIR", dependencies: ["ThumbISA", "QuantModel"], swiftSettings: profileGuided),

        // Planner, firmware builder, runner, energy accounting, reports.
        .target(
            name: "Deployment",
            dependencies: [
                "ThumbISA", "ELFFile", "BoardProfiles", "CycleTiming", "CortexM",
                "QuantModel", "KernelIR",
            ],
            swiftSettings: profileGuided
        ),

        // The public library product that users' tests import.
        .target(
            name: "SerSim",
            dependencies: ["Deployment", "BoardProfiles", "CortexM", "CycleTiming", "ELFFile", "QuantModel"],
            swiftSettings: profileGuided
        ),

        // The command-line tool.
        .executableTarget(
            name: "sersim",
            dependencies: [
                "SerSim", "QuantModel", "ThumbISA", "ELFFile", "KernelIR",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: profileGuided
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
