// Host speed of the emulator with each timing model: simulated instructions per host
// second for a MAC-heavy kernel (int8 dot products, the inner loop of a quantized layer),
// with the placeholder timing and with the board core's model and memory system on.
//
//   swift run -c release timing-benchmark [million-instructions]
//
// A second mode runs an ELF (a validation workload) and prints the timing statistics:
//
//   swift run -c release timing-benchmark run <core | board> firmware.elf [--caches]
//
// <core> (cortex-m0plus, cortex-m4, cortex-m7, xtensa-lx6, xtensa-lx7) is an ideal board:
// zero-wait code memory at 0 (ITCM on the M7) and SRAM at 0x20000000 (DTCM on the M7);
// <board> is a built-in board with its own memory system.
//
// Prints a Markdown table (docs/benchmarks.md records it). Host time is the process's CPU
// time (CLOCK_PROCESS_CPUTIME_ID), best of three runs, so that other work on a shared
// machine disturbs the figures less. The memory systems below are
// this benchmark's configuration (code in flash behind its wait states and caches, data in
// SRAM), chosen to exercise every part of the model, not cited board data.

#if canImport(Glibc)
import Glibc
#endif
import BoardProfiles
import CortexM
import CycleTiming
import ELFFile
import ThumbISA

/// Assemble a sequence with branch targets given as labels (two passes for sizes).
struct Assembler {
    enum Item { case inst(Instruction), branch(Instruction, to: String), label(String) }
    var items: [Item] = []
    mutating func callAsFunction(_ i: Instruction) { items.append(.inst(i)) }
    mutating func branch(_ i: Instruction, _ label: String) { items.append(.branch(i, to: label)) }
    mutating func label(_ l: String) { items.append(.label(l)) }

    func assemble(at base: UInt32, arch: ArchLevel) throws -> [UInt8] {
        var labels: [String: UInt32] = [:]
        var bytes: [UInt8] = []
        for _ in 0..<3 {
            bytes = []
            for item in items {
                let pc = base + UInt32(bytes.count)
                switch item {
                case let .label(l): labels[l] = pc
                case let .inst(i): bytes += try ThumbEncoder.encode(i, arch: arch).bytes
                case let .branch(i, l):
                    var b = i
                    b.imm = (labels[l] ?? pc) &- (pc &+ 4)
                    bytes += try ThumbEncoder.encode(b, arch: arch).bytes
                }
            }
        }
        return bytes
    }
}

/// int8 dot products with SMLAD (ARMv7E-M): 64 words per inner pass, `r8` outer passes.
func dspKernel() -> Assembler {
    var a = Assembler()
    let post: InstructionFlags = [.add, .wback]
    a.label("outer")
    a(Instruction(.movReg, rd: .r0, rm: .r10))
    a(Instruction(.movReg, rd: .r1, rm: .r11))
    a(Instruction(.movImm, rd: .r9, imm: 64))
    a.label("inner")
    a(Instruction(.ldrImm, rd: .r4, rn: .r0, imm: 4, flags: post))
    a(Instruction(.ldrImm, rd: .r5, rn: .r1, imm: 4, flags: post))
    a(Instruction(.sxtb16, rd: .r6, rm: .r4))
    a(Instruction(.sxtb16, rd: .r7, rm: .r5))
    a(Instruction(.smlad, rd: .r2, rn: .r6, rm: .r7, ra: .r2))
    a(Instruction(.sxtb16, rd: .r6, rm: .r4, imm2: 8))
    a(Instruction(.sxtb16, rd: .r7, rm: .r5, imm2: 8))
    a(Instruction(.smlad, rd: .r3, rn: .r6, rm: .r7, ra: .r3))
    a(Instruction(.subImm, rd: .r9, rn: .r9, imm: 1, flags: [.setFlags]))
    a.branch(Instruction(.b, cond: .ne), "inner")
    a(Instruction(.subImm, rd: .r8, rn: .r8, imm: 1, flags: [.setFlags]))
    a.branch(Instruction(.b, cond: .ne), "outer")
    a(Instruction(.bx, rm: .lr))
    return a
}

/// The same work on ARMv6-M: byte loads and MULS.
func v6mKernel() -> Assembler {
    var a = Assembler()
    let s: InstructionFlags = [.setFlagsOutsideIT]
    a.label("outer")
    a(Instruction(.movReg, rd: .r0, rm: .r10))
    a(Instruction(.movReg, rd: .r1, rm: .r11))
    a(Instruction(.movImm, rd: .r7, imm: 255, flags: s))
    a.label("inner")
    a(Instruction(.ldrsbReg, rd: .r4, rn: .r0, rm: .r7, flags: [.index, .add]))
    a(Instruction(.ldrsbReg, rd: .r5, rn: .r1, rm: .r7, flags: [.index, .add]))
    a(Instruction(.mul, rd: .r4, rn: .r5, rm: .r4, flags: s))
    a(Instruction(.addReg, rd: .r2, rn: .r2, rm: .r4, flags: s))
    a(Instruction(.subImm, rd: .r7, rn: .r7, imm: 1, flags: s))
    a.branch(Instruction(.b, cond: .ne), "inner")
    a(Instruction(.subImm, rd: .r6, rn: .r6, imm: 1, flags: s))
    a.branch(Instruction(.b, cond: .ne), "outer")
    a(Instruction(.bx, rm: .lr))
    return a
}

struct Case {
    var name: String
    var board: Board
    var code: UInt32
    var data: UInt32
    var caches: Bool
}

if CommandLine.arguments.count > 3 && CommandLine.arguments[1] == "run" {
    do {
        try runELF(CommandLine.arguments[2], CommandLine.arguments[3], caches: CommandLine.arguments.contains("--caches"))
        exit(0)
    } catch {
        print("timing-benchmark: \(error)")
        exit(1)
    }
}

/// Run an ELF to its semihosting exit on an ideal board of a core, or a built-in board.
func runELF(_ target: String, _ path: String, caches: Bool) throws {
    let board: Board
    if let b = try? BoardLibrary.load(target) {
        board = b
    } else if let core = CoreKind(rawValue: target), core.executes {
        let m7 = core == .cortexM7
        board = Board(
            name: "ideal-\(target)", displayName: "ideal \(core.displayName)", mcu: "none", vendor: "sersim",
            core: CoreSpec(kind: core, architecture: core == .cortexM0plus ? .armv6m : .armv7em, dsp: core != .cortexM0plus),
            clock: ClockSpec(defaultHz: 100e6, minHz: 1e6, maxHz: 1e9),
            memory: [MemoryRegion(name: m7 ? "ITCM" : "CODE", kind: m7 ? .itcm : .flash, base: 0, size: 1 << 20,
                                  writable: m7, executable: true),
                     MemoryRegion(name: m7 ? "DTCM" : "SRAM", kind: m7 ? .dtcm : .sram, base: 0x2000_0000,
                                  size: 256 << 10, writable: true, executable: true)],
            vectorTable: 0)
    } else {
        print("unknown core or board '\(target)'")
        exit(2)
    }
    let m = try Machine(board: board)
    try m.load(try ELFReader.read(path: path))
    if caches { m.timer.setCacheEnables(ccr: 3 << 16) }
    let stop = try m.run(maxCycles: 50_000_000_000)
    print(String(decoding: m.semihosting.stdout, as: UTF8.self), terminator: "")
    let s = m.timer.statistics
    print("stop \(stop); model \(m.timer.kind.rawValue); instructions \(s.instructions); cycles \(s.cycles); "
          + String(format: "CPI %.3f", s.cpi))
    print("stalls \(s.stalls)")
    print("caches \(s.caches.map { "\($0.name) \($0.accesses)/\($0.misses)" })")
    print("dual-issued \(s.dualIssued), skipped \(s.skipped)")
    print("classes " + OpClass.allCases.filter { s.count($0) > 0 }.map { "\($0) \(s.count($0))" }.joined(separator: ", "))
}

let millions = CommandLine.arguments.count > 1 ? (Double(CommandLine.arguments[1]) ?? 100) : 100
/// Optional second argument: run only the cases whose name contains it.
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : ""

var f746 = try BoardLibrary.load("stm32f746")
f746.memorySystem = MemorySystem(
    flashLatency: [LatencyStep(maxHz: 216e6, waitStates: 7)], flashLineBytes: 32, prefetch: true,
    art: CacheSpec(sizeBytes: 2048, ways: 4, lineBytes: 32),
    icache: CacheSpec(sizeBytes: 4096, ways: 2, lineBytes: 32), dcache: CacheSpec(sizeBytes: 4096, ways: 4, lineBytes: 32),
    busLatencyCycles: 4, busWidthBytes: 8)
var nrf = try BoardLibrary.load("nano33ble")
nrf.memorySystem = MemorySystem(flashLatency: [LatencyStep(maxHz: 64e6, waitStates: 2)], flashLineBytes: 16,
                                prefetch: true, art: CacheSpec(sizeBytes: 2048, ways: 2, lineBytes: 16))
var rp = try BoardLibrary.load("nano-rp2040")
rp.memorySystem = MemorySystem(xipCache: CacheSpec(sizeBytes: 16 << 10, ways: 2, lineBytes: 8), xipMissCycles: 40)

let cases = [
    Case(name: "stm32f746 (M7), flash + I/D caches", board: f746, code: 0x0800_0000, data: 0x2001_0000, caches: true),
    Case(name: "nano33ble (M4), flash + prefetch + cache", board: nrf, code: 0x0000_0000, data: 0x2000_0000, caches: false),
    Case(name: "nano-rp2040 (M0+), XIP cache", board: rp, code: 0x1000_0000, data: 0x2000_0000, caches: false),
]

print("| board and memory system | timing model | M instructions | cycles/instruction | host s | M instructions/s |")
print("|---|---|---:|---:|---:|---:|")
for c in cases where only.isEmpty || c.name.contains(only) {
    let arch: ArchLevel = c.board.core.architecture == .armv6m ? .v6m : .v7em
    let kernel = arch == .v6m ? v6mKernel() : dspKernel()
    let bytes = try kernel.assemble(at: c.code, arch: arch)
    // Instructions per outer pass, to size the run.
    let perOuter: Double = arch == .v6m ? 3 + 255 * 6 + 2 : 3 + 64 * 10 + 2
    let outer = UInt32(millions * 1e6 / perOuter)
    for model in [TimingModelKind.placeholder, TimingModelKind.forCore(c.board.core.kind)] {
        var best = Double.infinity
        var instructions = 0.0, cycles = 0.0
        for _ in 0..<3 {
            let m = try Machine(board: c.board, options: MachineOptions(timing: model, profileFunctions: false))
            try m.load(FirmwareImage(segments: [.init(address: c.code, bytes: bytes, executable: true, writable: false,
                                                      name: "kernel")]), reset: false)
            if c.caches { m.timer.setCacheEnables(ccr: 3 << 16) }
            m.setRegister(10, c.data)
            m.setRegister(11, c.data + 0x400)
            m.setRegister(8, outer)
            m.setRegister(6, outer)
            let start = cpuSeconds()
            try m.call(c.code | 1, arguments: [], stackTop: c.data + 0x8000)
            best = min(best, cpuSeconds() - start)
            instructions = Double(m.instructions)
            cycles = Double(m.cycles)
        }
        print(String(format: "| %@ | %@ | %.0f | %.3f | %.2f | %.0f |", c.name, model.rawValue, instructions / 1e6,
                     cycles / instructions, best, instructions / best / 1e6))
    }
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
