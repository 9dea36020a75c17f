import BoardProfiles
import CycleTiming
import ELFFile
import ThumbISA
@testable import CortexM

/// A machine with hand-assembled Thumb code (built with `ThumbEncoder`) for timing
/// micro-benchmarks: place code, set registers, step a number of instructions and read how
/// many cycles the timing model charged for them.
struct TimingRig {
    static let sram: UInt32 = 0x2000_0000
    static let flash: UInt32 = 0x0800_0000
    /// Data area for loads and stores (in SRAM, above the code).
    static let data: UInt32 = 0x2000_8000

    let machine: Machine
    /// Address of each instruction of the code (and one past the last).
    let addresses: [UInt32]

    /// A board with one core, flash at 0x08000000 and zero-wait SRAM at 0x20000000 (on
    /// Cortex-M7 also ITCM at 0 and DTCM at 0x20000000, SRAM1 behind AXI at 0x20010000).
    static func board(_ core: CoreKind, memorySystem: MemorySystem = MemorySystem(), clockHz: Double = 100e6,
                      fastMultiplier: Bool = true, xip: Bool = false, flashBase: UInt32 = flash) -> Board {
        let arch: Architecture = core == .cortexM0plus ? .armv6m : .armv7em
        var memory: [MemoryRegion] = [
            MemoryRegion(name: xip ? "XIP" : "FLASH", kind: xip ? .xipFlash : .flash, base: flashBase, size: 1 << 20,
                         writable: false, executable: true, usesFlashLatency: !xip),
        ]
        if core == .cortexM7 {
            memory.append(MemoryRegion(name: "ITCM", kind: .itcm, base: 0, size: 16 << 10, writable: true, executable: true))
            memory.append(MemoryRegion(name: "DTCM", kind: .dtcm, base: sram, size: 64 << 10, writable: true, executable: true))
            memory.append(MemoryRegion(name: "SRAM1", kind: .sram, base: sram + 0x1_0000, size: 192 << 10,
                                       writable: true, executable: true))
        } else {
            memory.append(MemoryRegion(name: "SRAM", kind: .sram, base: sram, size: 256 << 10, writable: true, executable: true))
        }
        return Board(
            name: "test-\(core.rawValue)", displayName: "timing test board", mcu: "none", vendor: "sersim",
            core: CoreSpec(kind: core, architecture: arch, dsp: core != .cortexM0plus, fastMultiplier: fastMultiplier),
            clock: ClockSpec(defaultHz: clockHz, minHz: 1e6, maxHz: 1e9), memory: memory, memorySystem: memorySystem)
    }

    init(_ board: Board, code: [Instruction], at base: UInt32 = TimingRig.sram, timing: TimingModelKind? = nil,
         clockHz: Double? = nil) throws {
        let arch: ArchLevel = board.core.architecture == .armv6m ? .v6m : .v7em
        var bytes: [UInt8] = []
        var addresses: [UInt32] = []
        var inIT = 0
        for i in code {
            addresses.append(base + UInt32(bytes.count))
            bytes += try ThumbEncoder.encode(i, arch: arch, inITBlock: inIT > 0).bytes
            if inIT > 0 { inIT -= 1 }
            if i.op == .it { inIT = 4 - (i.list & 0xF).trailingZeroBitCount }
        }
        addresses.append(base + UInt32(bytes.count))
        machine = try Machine(board: board, options: MachineOptions(timing: timing, clockHz: clockHz, profileFunctions: false))
        try machine.load(FirmwareImage(segments: [.init(address: base, bytes: bytes, executable: true, writable: false,
                                                        name: "code")]), reset: false)
        machine.setRegister(13, TimingRig.sram + 0xF000)
        self.addresses = addresses
    }

    /// Start at instruction `index`.
    func jump(to index: Int) { machine.setRegister(15, addresses[index]) }

    /// Step `count` instructions and return the cycles they took.
    @discardableResult
    func cycles(_ count: Int) throws -> UInt64 {
        let before = machine.cycles
        for _ in 0..<count { try machine.step() }
        return machine.cycles - before
    }

    func poke32(_ address: UInt32, _ value: UInt32) {
        machine.poke(address, withUnsafeBytes(of: value.littleEndian, Array.init))
    }
}

/// Branch offset from the instruction at `from` to `to` (PC reads as address + 4).
func offset(from: UInt32, to: UInt32) -> UInt32 { to &- (from &+ 4) }

// Instruction shorthands (encoder picks the smallest encoding).
let nop = Instruction(.nop)
func adds(_ d: Reg, _ n: Reg, _ imm: UInt32) -> Instruction { Instruction(.addImm, rd: d, rn: n, imm: imm, flags: [.setFlagsOutsideIT]) }
func addw(_ d: Reg, _ n: Reg, _ imm: UInt32) -> Instruction { Instruction(.addImm, rd: d, rn: n, imm: imm) }
func add(_ d: Reg, _ n: Reg, _ m: Reg) -> Instruction { Instruction(.addReg, rd: d, rn: n, rm: m) }
func ldr(_ t: Reg, _ n: Reg, _ imm: UInt32 = 0) -> Instruction { Instruction(.ldrImm, rd: t, rn: n, imm: imm, flags: [.index, .add]) }
func ldrb(_ t: Reg, _ n: Reg, _ imm: UInt32 = 0) -> Instruction { Instruction(.ldrbImm, rd: t, rn: n, imm: imm, flags: [.index, .add]) }
func ldrReg(_ t: Reg, _ n: Reg, _ m: Reg) -> Instruction { Instruction(.ldrReg, rd: t, rn: n, rm: m, flags: [.index, .add]) }
func str(_ t: Reg, _ n: Reg, _ imm: UInt32 = 0) -> Instruction { Instruction(.strImm, rd: t, rn: n, imm: imm, flags: [.index, .add]) }
func strReg(_ t: Reg, _ n: Reg, _ m: Reg) -> Instruction { Instruction(.strReg, rd: t, rn: n, rm: m, flags: [.index, .add]) }
func mov(_ d: Reg, _ imm: UInt32) -> Instruction { Instruction(.movImm, rd: d, imm: imm) }
func movs(_ d: Reg, _ imm: UInt32) -> Instruction { Instruction(.movImm, rd: d, imm: imm, flags: [.setFlagsOutsideIT]) }
