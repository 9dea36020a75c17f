import BoardProfiles
import ELFFile
import Foundation
import Testing
@testable import CortexM

/// The firmware fixtures (scripts/firmware/build.py): the project's own C programs built
/// with arm-none-eabi-gcc for the Cortex-M0+, M4 and M7 at several -O levels. Each runs
/// on sersim and must print exactly what QEMU printed for it (or, for the RP2040's flash
/// map that no QEMU machine has, for the same program built for the micro:bit), and exit
/// with the same code.
@Suite struct FirmwareFixtureTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/CortexMTests/Fixtures/firmware")

    struct QEMURun: Decodable, Sendable {
        var machine: String
        var exitCode: Int32
        var output: String
    }

    struct Fixture: Decodable, Sendable, CustomTestStringConvertible {
        var elf: String
        var program: String
        var core: String
        var opt: String
        var board: String
        var qemu: QEMURun?
        var expectedFrom: String?
        /// Benchmark-length runs (hundreds of millions of instructions): sersim-bench
        /// checks them, the test suite does not.
        var long: Bool?
        var testDescription: String { elf }
    }

    struct Manifest: Decodable {
        var generator: String
        var tools: [String: String]
        var fixtures: [Fixture]
    }

    static let manifest: Manifest = {
        let url = directory.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url), let m = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return Manifest(generator: "missing", tools: [:], fixtures: [])
        }
        return m
    }()

    /// Test-only boards with the memory maps of the QEMU machines the fixtures also run
    /// on, so that sersim runs the very ELF QEMU ran.
    static let testBoards: [Board] = [
        // QEMU microbit: nRF51822 (Cortex-M0, ARMv6-M) — flash 256 KiB at 0, RAM 16 KiB.
        Board(name: "qemu-microbit", displayName: "QEMU microbit memory map", mcu: "nRF51822", vendor: "test",
              core: CoreSpec(kind: .cortexM0plus, architecture: .armv6m, dsp: false),
              clock: ClockSpec(defaultHz: 16e6, minHz: 16e6, maxHz: 16e6),
              memory: [
                  MemoryRegion(name: "FLASH", kind: .flash, base: 0, size: 256 << 10, writable: false, executable: true),
                  MemoryRegion(name: "RAM", kind: .sram, base: 0x2000_0000, size: 16 << 10, writable: true, executable: true),
              ]),
        // QEMU mps2-an500 (Cortex-M7): 4 MiB SSRAM at 0 (read-only here, as flash), 4 MiB at 0x20000000.
        Board(name: "qemu-mps2-an500", displayName: "QEMU mps2-an500 memory map", mcu: "AN500", vendor: "test",
              core: CoreSpec(kind: .cortexM7, architecture: .armv7em, dsp: true),
              clock: ClockSpec(defaultHz: 25e6, minHz: 25e6, maxHz: 25e6),
              memory: [
                  MemoryRegion(name: "SSRAM1", kind: .flash, base: 0, size: 4 << 20, writable: false, executable: true),
                  MemoryRegion(name: "SSRAM23", kind: .sram, base: 0x2000_0000, size: 4 << 20, writable: true, executable: true),
              ]),
    ]

    static func board(_ name: String) -> Board? {
        (try? BoardLibrary.load(name)) ?? testBoards.first { $0.name == name }
    }

    static var compared: [Fixture] {
        manifest.fixtures.filter { ($0.qemu != nil || $0.expectedFrom != nil) && $0.long != true }
    }

    /// The fixtures exist, cover the three cores, and every program was built for each.
    @Test func manifestCoversCoresAndPrograms() {
        let fixtures = FirmwareFixtureTests.manifest.fixtures
        #expect(fixtures.count >= 100, "run scripts/firmware/build.py")
        for core in ["m0plus", "m4", "m7"] {
            let programs = Set(fixtures.filter { $0.core == core }.map(\.program))
            for p in ["crc", "sort", "matmul", "dsp", "handlers", "fault-udf", "fault-bus", "stdio"] {
                #expect(programs.contains(p), "\(p) not built for \(core)")
            }
        }
        #expect(Set(fixtures.filter { $0.program == "crc" }.map(\.opt)).count >= 4)
    }

    @Test(arguments: compared)
    func printsWhatQEMUPrinted(_ f: Fixture) throws {
        let reference = f.qemu ?? FirmwareFixtureTests.manifest.fixtures.first { $0.elf == f.expectedFrom }?.qemu
        let expected = try #require(reference, "no QEMU output for \(f.elf)")
        let board = try #require(FirmwareFixtureTests.board(f.board), "unknown board \(f.board)")
        let image = try ELFReader.read(path: FirmwareFixtureTests.directory.appendingPathComponent(f.elf).path)
        let m = try Machine(board: board)
        try m.load(image)
        let stop = try m.run(maxCycles: 200_000_000)
        let output = String(decoding: m.semihosting.stdout + m.semihosting.stderr, as: UTF8.self)
        #expect(output == expected.output, "\(f.elf) on \(board.name)")
        #expect(stop == .exited(code: expected.exitCode), "\(f.elf): \(stop)")
    }

    /// The per-function profile: with it, the cycles of a run (SysTick handlers included)
    /// are split over its functions, `main` among them, and add up to the run's cycles;
    /// without it, they all stay in the slot for code outside any symbol. Either way the
    /// run takes the same cycles.
    @Test(arguments: FirmwareFixtureTests.manifest.fixtures.filter {
        $0.program == "handlers" && $0.opt == "O2" && ["nano33ble", "nano-rp2040", "stm32f746"].contains($0.board)
    })
    func functionProfileOnAndOff(_ f: Fixture) throws {
        let board = try #require(FirmwareFixtureTests.board(f.board))
        let image = try ELFReader.read(path: FirmwareFixtureTests.directory.appendingPathComponent(f.elf).path)
        var cycles: [UInt64] = []
        for profile in [true, false] {
            let m = try Machine(board: board, options: MachineOptions(profileFunctions: profile))
            try m.load(image)
            _ = try m.run(maxCycles: 200_000_000)
            let functions = m.functionProfile
            #expect(functions.reduce(0) { $0 + $1.cycles } == m.cycles, "\(f.elf), profile \(profile)")
            if profile {
                #expect(functions.contains { $0.name == "main" }, "\(f.elf): \(functions.map(\.name))")
                #expect(functions.count > 2, "\(f.elf): \(functions.map(\.name))")
            } else {
                #expect(functions.map(\.name) == ["(no symbol)"], "\(f.elf): \(functions.map(\.name))")
            }
            cycles.append(m.cycles)
        }
        #expect(cycles[0] == cycles[1], "\(f.elf)")
    }

    /// Without a HardFault handler the deliberate fault stops sersim with a report at the
    /// faulting instruction, inside `trigger`.
    @Test(arguments: FirmwareFixtureTests.manifest.fixtures.filter { $0.program == "fault-nohandler" })
    func faultWithoutHandlerIsReported(_ f: Fixture) throws {
        let board = try #require(FirmwareFixtureTests.board(f.board))
        let image = try ELFReader.read(path: FirmwareFixtureTests.directory.appendingPathComponent(f.elf).path)
        let faultPoint = try #require(image.symbols.first { $0.name == "fault_point" }?.address)
        let m = try Machine(board: board)
        try m.load(image)
        let report = #expect(throws: FaultReport.self) { try m.run(maxCycles: 10_000_000) }
        #expect(report?.kind == .undefinedInstruction)
        #expect(report?.pc == faultPoint)
        #expect(report?.symbol?.hasPrefix("trigger") == true, "\(report?.symbol ?? "no symbol")")
        #expect(report?.encoding == [0xDE2A], "udf #42")
        #expect(String(decoding: m.semihosting.stdout, as: UTF8.self) == "triggering fault 1\n")
    }
}
