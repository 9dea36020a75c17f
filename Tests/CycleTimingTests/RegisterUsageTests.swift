import BoardProfiles
import CycleTiming
import Testing
@testable import ThumbISA
@testable import CortexM

/// `Instruction.registerUsage` (Sources/ThumbISA/RegisterUsage.swift), checked by hand for
/// representative instructions and against the executor for random instructions of every
/// encoding row: every register an instruction changes must be in `writes`, and changing a
/// register outside `reads` must not change any result.
@Suite struct RegisterUsageTests {
    func bits(_ regs: Reg...) -> UInt16 { regs.reduce(0) { $0 | 1 << UInt16($1.rawValue) } }

    @Test func representativeInstructions() {
        var u = Instruction(.mla, rd: .r0, rn: .r1, rm: .r2, ra: .r3).registerUsage
        #expect(u.reads == bits(.r1, .r2, .r3) && u.late == bits(.r3) && u.writes == bits(.r0))
        u = Instruction(.ldrImm, rd: .r0, rn: .r1, imm: 4, flags: [.index, .add, .wback]).registerUsage
        #expect(u.address == bits(.r1) && u.writes == bits(.r0, .r1))
        u = Instruction(.strReg, rd: .r0, rn: .r1, rm: .r2, flags: [.index, .add]).registerUsage
        #expect(u.address == bits(.r1, .r2) && u.late == bits(.r0) && u.writes == 0)
        u = Instruction(.stmdb, rn: .sp, list: 0x40F0, flags: [.wback]).registerUsage  // PUSH {r4-r7, lr}
        #expect(u.reads == bits(.r4, .r5, .r6, .r7, .lr, .sp) && u.writes == bits(.sp))
        u = Instruction(.ldm, rn: .sp, list: 0x8010, flags: [.wback]).registerUsage  // POP {r4, pc}
        #expect(u.writes == bits(.r4, .sp, .pc))
        u = Instruction(.addReg, rd: .r0, rn: .r1, rm: .r2, shift: .lsl, shiftAmount: 2).registerUsage
        #expect(u.shifted == bits(.r2))
        u = Instruction(.smlal, rd: .r0, rn: .r2, rm: .r3, ra: .r1).registerUsage
        #expect(u.reads == bits(.r0, .r1, .r2, .r3) && u.writes == bits(.r0, .r1))
        u = Instruction(.b, imm: 8, cond: .eq).registerUsage
        #expect(u.readsFlags && u.writes == bits(.pc))
    }

    /// Registers r0–r12 hold addresses inside SRAM so that loads and stores succeed.
    static func registers(_ rng: inout SplitMix) -> [UInt32] {
        (0..<13).map { _ in 0x2000_4000 &+ UInt32(rng.next() % 256) * 4 } + [0x2000_C000, 0x2100_0401]
    }

    @Test func agreesWithTheExecutor() throws {
        // A small code region of its own: each poke drops the decode cache of every region.
        let board = Board(
            name: "test-usage", displayName: "test", mcu: "none", vendor: "sersim",
            core: CoreSpec(kind: .cortexM4, architecture: .armv7em, dsp: true),
            clock: ClockSpec(defaultHz: 100e6, minHz: 1e6, maxHz: 1e9),
            memory: [MemoryRegion(name: "CODE", kind: .sram, base: 0x2100_0000, size: 4096, writable: true, executable: true),
                     MemoryRegion(name: "SRAM", kind: .sram, base: 0x2000_0000, size: 64 << 10, writable: true,
                                  executable: false)])
        let m = try Machine(board: board, options: MachineOptions(timing: .placeholder, deliverFaultsToGuest: false,
                                                                  profileFunctions: false))
        let code: UInt32 = 0x2100_0000
        var rng = SplitMix(seed: 0x7113_5EED)
        var checked = 0
        var failures: [String] = []
        let skip: Set<Op> = [.svc, .bkpt, .udf, .undefined, .wfi, .wfe, .it, .msr, .mrs, .cps, .ldrex, .ldrexb,
                             .ldrexh, .strex, .strexb, .strexh]
        for (index, row) in EncodingTable.rows.enumerated() where !skip.contains(row.op) {
            for _ in 0..<12 {
                let word = (UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.match) & (row.size == 2 ? 0xFFFF : ~0)
                guard row.matches(word) else { continue }
                let hw1 = UInt16(truncatingIfNeeded: row.size == 2 ? word : word >> 16)
                let hw2 = UInt16(truncatingIfNeeded: word)
                let inst = ThumbDecoder.shared.decode(hw1, hw2, arch: .v7em)
                guard Int(inst.row) == index, !row.isUnpredictable(word: word, decoded: inst) else { continue }
                let bytes = EncodedInstruction(hw1: hw1, hw2: hw2, size: Int(row.size), row: UInt16(index)).bytes
                let regs = Self.registers(&rng)
                func run(_ regs: [UInt32]) -> [UInt32]? {
                    m.poke(code, bytes)
                    for k in 0..<15 { m.setRegister(k, regs[k]) }
                    m.setFlags(n: false, z: true, c: true, v: false)
                    m.setRegister(15, code)
                    do { try m.step() } catch { return nil }
                    return (0..<16).map { m.register($0) }
                }
                guard let after = run(regs) else { continue }
                let u = inst.registerUsage
                let next = code + UInt32(row.size)
                for k in 0..<15 where after[k] != regs[k] && u.writes & (1 << UInt16(k)) == 0 {
                    failures.append("\(row.name) \(String(word, radix: 16)): r\(k) changed but is not in writes")
                }
                if after[15] != next && u.writes & 0x8000 == 0 {
                    failures.append("\(row.name) \(String(word, radix: 16)): PC changed but is not in writes")
                }
                // Perturb one register the instruction does not read (nor write).
                let candidates = (0..<13).filter { (u.reads | u.writes) & (1 << UInt16($0)) == 0 }
                if let k = candidates.randomElement(using: &rng) {
                    var other = regs
                    other[k] = regs[k] &+ 0x40
                    if let again = run(other) {
                        for j in 0..<16 where j != k && again[j] != after[j] {
                            failures.append("\(row.name) \(String(word, radix: 16)): result r\(j) depends on r\(k), not in reads")
                        }
                    }
                }
                checked += 1
            }
        }
        #expect(checked > 1500)
        #expect(failures.isEmpty, "\(failures.prefix(12))")
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
