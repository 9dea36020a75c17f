import BoardProfiles
import ELFFile
import Foundation
import Testing
@testable import CortexM

/// Firmware that faults, hangs or runs away stops with a report: the kind, the PC, the
/// instruction and its disassembly, the registers and the nearest symbol.
@Suite struct FaultReportTests {
    typealias Fixture = FirmwareFixtureTests.Fixture

    static func fixtures(_ program: String) -> [Fixture] {
        FirmwareFixtureTests.manifest.fixtures.filter { $0.program == program }
    }

    func run(_ f: Fixture, maxCycles: UInt64 = 50_000_000) throws -> (FaultReport?, Machine, FirmwareImage) {
        let board = try #require(FirmwareFixtureTests.board(f.board))
        let image = try ELFReader.read(path: FirmwareFixtureTests.directory.appendingPathComponent(f.elf).path)
        let m = try Machine(board: board)
        try m.load(image)
        let report = #expect(throws: FaultReport.self) { try m.run(maxCycles: maxCycles) }
        return (report, m, image)
    }

    /// Unbounded recursion: the stack runs past the start of RAM. With a HardFault
    /// handler present, stacking for it fails as well; the report says both.
    @Test(arguments: fixtures("overflow"))
    func stackOverflow(_ f: Fixture) throws {
        let (report, m, _) = try run(f)
        #expect(report?.kind == .stackOverflow, "\(report?.description ?? "")")
        #expect(report?.symbol?.hasPrefix("recurse") == true, "\(report?.symbol ?? "no symbol")")
        let ramBase: UInt32 = 0x2000_0000
        #expect((report?.dataAddress ?? ramBase) < ramBase)
        #expect(report?.detail.contains("below") == true)
        #expect(String(decoding: m.semihosting.stdout, as: UTF8.self) == "misbehaving: overflow\n")
    }

    /// A branch to itself with no interrupt that could leave it.
    @Test(arguments: fixtures("hang"))
    func hang(_ f: Fixture) throws {
        let (report, _, _) = try run(f)
        #expect(report?.kind == .hang)
        #expect(report?.symbol?.hasPrefix("main") == true)
        #expect(report?.disassembly.hasPrefix("b") == true, "\(report?.disassembly ?? "")")
        #expect(report?.instructions ?? 0 < 100_000, "detected at once, not at the cycle limit")
    }

    /// WFI with interrupts masked and no wake-up source.
    @Test(arguments: fixtures("sleep"))
    func sleepForever(_ f: Fixture) throws {
        let (report, _, _) = try run(f)
        #expect(report?.kind == .hang)
        #expect(report?.disassembly == "wfi")
        #expect(report?.detail.contains("WFI") == true)
    }

    /// A loop that works forever stops at the cycle limit.
    @Test(arguments: fixtures("spin"))
    func runaway(_ f: Fixture) throws {
        let (report, m, _) = try run(f, maxCycles: 100_000)
        #expect(report?.kind == .runaway)
        #expect(report?.symbol?.hasPrefix("main") == true)
        #expect(m.cycles >= 100_000 && m.cycles < 100_100)
    }

    /// Cortex-M4 code on the Cortex-M0+ board: the first ARMv7-M instruction is undefined,
    /// and the report names the architecture it needs.
    @Test func armv7mCodeOnTheM0Plus() throws {
        let f = try #require(Self.fixtures("wrongcore").first)
        let (report, _, image) = try run(f)
        #expect(report?.kind == .undefinedInstruction)
        #expect(report?.detail.contains("ARMv7") == true, "\(report?.detail ?? "")")
        #expect(report?.disassembly.contains("not available on ARMv6-M") == true, "\(report?.disassembly ?? "")")
        #expect(report?.encoding.count == 2, "a 32-bit Thumb-2 instruction")
        // It happened early, in the startup code or main.
        let symbol = report?.symbol ?? ""
        #expect(image.symbols.contains { symbol.hasPrefix($0.name) })
    }

    /// The report's text has every part a user needs.
    @Test func reportText() throws {
        let f = try #require(FirmwareFixtureTests.manifest.fixtures.first { $0.elf == "fault-nohandler-m4-O2-nrf52840.elf" })
        let (report, _, _) = try run(f)
        let text = try #require(report?.description)
        #expect(text.hasPrefix("fault: undefined instruction"))
        #expect(text.contains("<trigger>: de2a  udf\t#42") || text.contains("<trigger>: de2a  udf #42"), "\(text)")
        for name in ["r0 =", "ip =", "sp =", "lr =", "pc =", "xPSR ="] {
            #expect(text.contains(name), "\(name) missing from\n\(text)")
        }
    }
}
