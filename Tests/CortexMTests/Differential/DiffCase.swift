import BoardProfiles
import ThumbISA

// Differential test cases: random instruction streams drawn from the encoding table
// (`InstructionGenerator`), with the setup that makes loads and stores hit a mapped data
// window, run on sersim and on Unicorn and compared after every instruction.
//
// Policy (what a generated stream may do):
// - no exception-generating or sleep instructions; the PC is written only by the control
//   units (`controlUnit`): forward branches of every kind to the start of a later unit,
//   with their targets set up (registers, branch tables and loaded words in the window's
//   last 256 bytes), so that every run ends at the end of the code;
// - SP is written only by the forms that keep it word-aligned (ADD/SUB SP, #imm×4,
//   push/pop, write-back by multiples of 4) and by the setup before stack accesses;
// - every load/store is preceded by literal loads (`ldr rN, [pc, #k]`, themselves
//   compared steps) that put its base and index registers where the access lands in the
//   data window, aligned as the architecture requires;
// - IT blocks hold at most one memory access, as their first instruction (its setup
//   precedes the IT);
// - store-exclusives target the address of the open load-exclusive, or run with none
//   open (both emulators then fail them): sersim's local monitor does not compare
//   addresses (the ARM ARM leaves that IMPLEMENTATION DEFINED), QEMU's does.

/// A target for differential tests: a board to run on, Unicorn's CPU for it.
struct DiffTarget: Sendable {
    var name: String
    var board: Board
    var arch: ArchLevel
    var unicornCPU: String

    /// The board's flash (every shipped board has one).
    var codeBase: UInt32 { board.memory.first { $0.executable && !$0.writable && $0.usable }?.base ?? 0 }
    /// Code starts 8 KiB into flash so that literal loads with negative offsets stay mapped.
    var codeStart: UInt32 { codeBase + 0x2000 }
    let ramBase: UInt32 = 0x2000_0000
    let ramSize: UInt32 = 0x1_0000
    let windowBase: UInt32 = 0x2000_1000
    let windowSize: UInt32 = 0x1000

    static let m0plus = DiffTarget(name: "m0plus", board: TestBoards.named("nano-rp2040"), arch: .v6m, unicornCPU: "cortex-m0")
    static let m4 = DiffTarget(name: "m4", board: TestBoards.named("nano33ble"), arch: .v7em, unicornCPU: "cortex-m4")
    static let m7 = DiffTarget(name: "m7", board: TestBoards.named("stm32f746"), arch: .v7em, unicornCPU: "cortex-m7")
    static let all = [m0plus, m4, m7]
}

/// An instruction of a case's code, for listings and coverage.
struct DiffInstruction: Sendable {
    var address: UInt32
    var bytes: [UInt8]
    /// The encoding row's name (or "setup: ..."), for failure messages.
    var label: String
    /// The generated instruction's row (nil for setup steps).
    var row: Int?
}

struct DiffCase: Sendable {
    var target: DiffTarget
    var seed: UInt64
    var code: [UInt8]
    /// The instructions of `code` in address order (not all execute: branches skip some).
    var instructions: [DiffInstruction]
    /// Execution ends when the PC reaches this address (the end of the instructions).
    var end: UInt32
    var window: [UInt8]
    var regs: [UInt32]
    var xpsr: UInt32

    func instruction(at address: UInt32) -> DiffInstruction? { instructions.first { $0.address == address } }

    func listing(trace: [UInt32] = []) -> String {
        instructions.map { s in
            let hex = stride(from: 0, to: s.bytes.count, by: 2).map { i in
                String(format: "%04x", UInt16(s.bytes[i]) | UInt16(s.bytes[i + 1]) << 8)
            }.joined(separator: " ")
            let ran = trace.isEmpty ? "" : (trace.contains(s.address) ? "*" : " ")
            return String(format: "  %@%08x  %-10@ %@", ran, s.address, hex, s.label)
        }.joined(separator: "\n")
    }
}

/// Addresses known once a case is laid out.
struct DiffLayout {
    /// Start address of each unit; one more entry for the end of the code.
    var units: [UInt32]
    /// Address of each item, per unit.
    var items: [[UInt32]]
    /// Where a unit index lands (indices past the last unit mean the end).
    func address(ofUnit u: Int) -> UInt32 { units[min(u, units.count - 1)] }
}

/// Builds random cases for one target.
struct DiffCaseBuilder {
    let target: DiffTarget
    var gen: InstructionGenerator
    /// Generated instructions per case (setups come on top).
    var length: Int

    typealias Deferred = @Sendable (DiffLayout) -> UInt32

    private enum Item {
        case inst(GeneratedInstruction)
        /// `ldr <reg>, [pc, #k]` from the literal pool.
        case literal(Reg, Deferred)
        /// A branch-like instruction whose operands are fixed once addresses are known.
        case control(Instruction, row: Int, patch: @Sendable (inout Instruction, DiffLayout, _ at: UInt32) -> Void)
    }

    /// A run of items that branches may target only at its start.
    private struct Unit {
        var items: [Item] = []
        /// Bytes to place in the data window: (window offset, value, byte count).
        var patches: [(Int, Deferred, Int)] = []
    }

    /// Rows a stream may contain on this target.
    var eligibleRows: [Int] {
        let control: Set<Op> = [.b, .bl, .bx, .blx, .cbz, .cbnz, .tbb, .tbh]
        return gen.candidateRows.filter {
            let op = EncodingTable.rows[$0].op
            return !DiffCaseBuilder.excludedOps.contains(op) || control.contains(op)
        }
    }

    /// Ops a stream never contains, except in the control-flow units built below. YIELD:
    /// Unicorn reports it as an invalid instruction (QEMU ends the translation block with
    /// EXCP_YIELD, which Unicorn does not resume from), although ARMv6-M and ARMv7-M
    /// both have it.
    static let excludedOps: Set<Op> = [
        .undefined, .b, .bl, .bx, .blx, .cbz, .cbnz, .tbb, .tbh, .svc, .bkpt, .udf, .wfi, .wfe, .cps, .yield,
    ]

    init(target: DiffTarget, seed: UInt64, length: Int = 24) {
        self.target = target
        self.gen = InstructionGenerator(arch: target.arch, seed: seed)
        self.length = length
    }

    // Exclusive-monitor bookkeeping within a case.
    private var openExclusive: (address: UInt32, op: Op)?
    private var storedSinceExclusive = false
    /// Cases either contain control flow or exclusives: a branch that skips a
    /// load-exclusive would break the pairing the policy relies on.
    private var controlFlow = false
    /// Next free byte of the window's control area (branch tables, loaded PC values).
    private var controlArea = 0

    /// Normal accesses land in [window + 256, window + 0xE00); the control area is the
    /// window's last 256 bytes.
    static let controlAreaStart = 0xF00

    mutating func make(seed: UInt64) -> DiffCase? {
        gen.rng = SeededRandom(seed: seed)
        openExclusive = nil
        storedSinceExclusive = false
        controlFlow = gen.below(2) == 0
        controlArea = DiffCaseBuilder.controlAreaStart
        var units: [Unit] = []
        var produced = 0
        while produced < length {
            var unit = Unit()
            let itRow = EncodingTable.row(named: "IT T1").map(Int.init)
            if controlFlow && gen.below(5) == 0 {
                guard let u = controlUnit(index: units.count) else { continue }
                unit = u
                produced += 1
            } else if target.arch >= .v7m, let itRow, gen.below(8) == 0,
                      let it = gen.generate(row: itRow) {
                let mask = it.instruction.list & 0xF
                let count = 4 - mask.trailingZeroBitCount
                var block: [Item] = []
                var ok = true
                for k in 0..<count {
                    let position: ITSlot = k == count - 1 ? .last : .insideNotLast
                    guard let g = pick(position: position, allowMemory: k == 0, setups: &unit.items) else { ok = false; break }
                    block.append(.inst(g))
                }
                guard ok else { continue }
                unit.items.append(.inst(it))
                unit.items += block
                produced += count + 1
            } else {
                guard let g = pick(position: .outside, allowMemory: true, setups: &unit.items) else { return nil }
                unit.items.append(.inst(g))
                produced += 1
            }
            units.append(unit)
        }
        return layout(units, seed: seed)
    }

    /// Draw one instruction that obeys the policy; memory accesses get their setup.
    private mutating func pick(position: ITSlot, allowMemory: Bool, setups: inout [Item]) -> GeneratedInstruction? {
        for _ in 0..<200 {
            guard let g = gen.generate(
                position: position,
                rowFilter: { !DiffCaseBuilder.excludedOps.contains($0.op) && $0.op != .it },
                accept: { [arch = target.arch] in DiffCaseBuilder.registerPolicy($0, arch: arch) })
            else { return nil }
            let inst = g.instruction
            let isExclusive = [.ldrex, .ldrexb, .ldrexh, .strex, .strexb, .strexh, .clrex].contains(inst.op)
            if isExclusive && (position != .outside || controlFlow) { continue }
            // Unicorn loses the IT state at an ISB inside an IT block (QEMU ends the
            // translation block there); sersim and the architecture keep it.
            if inst.op == .isb && position != .outside { continue }
            if DiffCaseBuilder.accessesMemory(inst) {
                guard allowMemory, let s = memorySetup(inst) else { continue }
                setups += s
            } else if inst.op == .clrex {
                openExclusive = nil
            }
            return g
        }
        return nil
    }

    // MARK: Control flow

    /// A unit that ends in a forward branch of some kind to the start of a later unit
    /// (or the end), with the setup it needs. Every way the architecture writes the PC
    /// from an instruction is covered: B/BL, CBZ/CBNZ, BX/BLX, MOV/ADD PC, LDR PC
    /// (immediate, register, literal), POP/LDM/LDMDB with PC, TBB/TBH.
    private mutating func controlUnit(index u: Int) -> Unit? {
        let targetUnit = u + 1 + gen.below(5)
        let v7 = target.arch >= .v7m
        var kinds = ["b", "bl", "bx", "blx", "movpc", "addpc", "pop"]
        if v7 { kinds += ["cbz", "ldrpc", "ldrpcreg", "ldrpclit", "ldmpc", "ldmdbpc", "tbb", "tbh"] }
        let kind = kinds[gen.below(kinds.count)]
        var unit = Unit()
        func row(_ name: String) -> Int { Int(EncodingTable.row(named: name)!) }
        func randomReg(excluding: Set<UInt8>, lowOnly: Bool = false) -> Reg {
            let pool = (0..<(lowOnly ? 8 : 15)).filter { $0 != 13 && !excluding.contains(UInt8($0)) }
            return Reg(pool[gen.below(pool.count)])
        }
        // Branch operands, fixed at layout: imm = target - (address + 4).
        let setOffset: @Sendable (inout Instruction, DiffLayout, UInt32) -> Void = { inst, layout, at in
            inst.imm = layout.address(ofUnit: targetUnit) &- (at &+ 4)
        }
        switch kind {
        case "b":
            let names = v7 ? ["B T1", "B T2", "B T3", "B T4"] : ["B T1", "B T2"]
            let r = row(names[gen.below(names.count)])
            guard let g = gen.generate(row: r) else { return nil }
            unit.items.append(.control(g.instruction, row: r, patch: setOffset))
        case "bl":
            let r = row("BL T1")
            unit.items.append(.control(Instruction(.bl), row: r, patch: setOffset))
        case "cbz":
            let op: Op = gen.below(2) == 0 ? .cbz : .cbnz
            let r = row(op == .cbz ? "CBZ T1" : "CBNZ T1")
            let n = randomReg(excluding: [], lowOnly: true)
            // Half the time make the register zero so both directions are taken.
            if gen.below(2) == 0 { unit.items.append(.literal(n, { _ in 0 })) }
            unit.items.append(.control(Instruction(op, rn: n), row: r, patch: setOffset))
        case "bx", "blx", "movpc":
            let m = randomReg(excluding: [], lowOnly: target.arch == .v6m)
            let bit0: UInt32 = kind == "movpc" ? UInt32(gen.below(2)) : 1
            unit.items.append(.literal(m, { $0.address(ofUnit: targetUnit) | bit0 }))
            let (op, name): (Op, String) = kind == "bx" ? (.bx, "BX T1") : kind == "blx" ? (.blx, "BLX (register) T1") : (.movReg, "MOV (register) T1")
            let inst = op == .movReg ? Instruction(.movReg, rd: .pc, rm: m) : Instruction(op, rm: m)
            unit.items.append(.control(inst, row: row(name), patch: { _, _, _ in }))
        case "addpc":
            // ADD PC, Rm: PC = (address + 4) + Rm. Rm's value depends on where the ADD lands,
            // so the literal is computed from the ADD's own address (the next item).
            let m = randomReg(excluding: [], lowOnly: target.arch == .v6m)
            let addIndex = unit.items.count + 1
            unit.items.append(.literal(m, { layout in
                layout.address(ofUnit: targetUnit) &- (layout.items[u][addIndex] &+ 4)
            }))
            unit.items.append(.control(Instruction(.addReg, rd: .pc, rn: .pc, rm: m), row: row("ADD (register) T2"),
                                       patch: { _, _, _ in }))
        case "pop", "ldmpc", "ldmdbpc":
            // The loaded PC is the highest slot of the transfer.
            guard controlArea + 64 <= Int(target.windowSize) else { return nil }
            let slot = target.windowBase + UInt32(controlArea)
            controlArea += 64
            var list = UInt16(gen.below(256))
            if kind != "pop" && v7 { list |= UInt16(gen.below(1 << 13)) & ~(1 << 13) }
            let count = UInt32(list.nonzeroBitCount) + 1
            list |= 0x8000
            let base: Reg, inst: Instruction, r: Int
            switch kind {
            case "pop":
                base = .sp
                let useT2 = v7 && (list & 0xFF00 != 0x8000 || gen.below(2) == 0) && count >= 2
                r = row(useT2 ? "POP T2" : "POP T1")
                inst = Instruction(.ldm, rn: .sp, list: list, flags: .wback)
            case "ldmpc":
                base = randomReg(excluding: Set((0..<16).filter { list & (1 << UInt16($0)) != 0 }.map(UInt8.init)))
                let wback = gen.below(2) == 0
                r = row("LDM T2")
                inst = Instruction(.ldm, rn: base, list: list, flags: wback ? .wback : [])
            default:
                base = randomReg(excluding: Set((0..<16).filter { list & (1 << UInt16($0)) != 0 }.map(UInt8.init)))
                r = row("LDMDB T1")
                inst = Instruction(.ldmdb, rn: base, list: list, flags: gen.below(2) == 0 ? .wback : [])
            }
            guard count >= 2 || r == row("POP T1") else { return nil }
            let baseValue = kind == "ldmdbpc" ? slot &+ 4 &* count : slot
            unit.patches.append((Int(slot - target.windowBase) + 4 * Int(count - 1), { $0.address(ofUnit: targetUnit) | 1 }, 4))
            var used = Set((0..<16).filter { list & (1 << UInt16($0)) != 0 }.map(UInt8.init))
            used.insert(base.rawValue)
            guard let s = setRegister(base, baseValue, avoiding: used) else { return nil }
            unit.items += s
            unit.items.append(.control(inst, row: r, patch: { _, _, _ in }))
        case "ldrpc", "ldrpcreg":
            guard controlArea + 8 <= Int(target.windowSize) else { return nil }
            let slot = target.windowBase + UInt32(controlArea)
            controlArea += 8
            let n = randomReg(excluding: [])
            unit.patches.append((Int(slot - target.windowBase), { $0.address(ofUnit: targetUnit) | 1 }, 4))
            if kind == "ldrpc" {
                let t4 = gen.below(2) == 0
                let imm = UInt32(gen.below(t4 ? 256 : 4096))
                let add = !t4 || gen.below(2) == 0
                let index = !t4 || gen.below(3) != 0
                let wback = t4 && (!index || gen.below(2) == 0)
                let offset: UInt32 = index ? (add ? imm : 0 &- imm) : 0
                var flags: InstructionFlags = []
                if index { flags.insert(.index) }
                if add { flags.insert(.add) }
                if wback { flags.insert(.wback) }
                unit.items.append(.literal(n, { _ in slot &- offset }))
                let inst = Instruction(.ldrImm, rd: .pc, rn: n, imm: imm, flags: flags)
                unit.items.append(.control(inst, row: row(t4 ? "LDR (immediate) T4" : "LDR (immediate) T3"),
                                           patch: { _, _, _ in }))
            } else {
                let m = randomReg(excluding: [n.rawValue])
                let shift = UInt8(gen.below(4))
                let idx = UInt32(gen.below(8))
                unit.items.append(.literal(m, { _ in idx }))
                unit.items.append(.literal(n, { _ in slot &- (idx << UInt32(shift)) }))
                let inst = Instruction(.ldrReg, rd: .pc, rn: n, rm: m, shiftAmount: shift, flags: [.index, .add])
                unit.items.append(.control(inst, row: row("LDR (register) T2"), patch: { _, _, _ in }))
            }
        case "ldrpclit":
            // LDR PC, [PC, #imm] reading a pool slot: placed as a literal of its own.
            unit.items.append(.literal(.pc, { $0.address(ofUnit: targetUnit) | 1 }))
        case "tbb", "tbh":
            guard controlArea + 32 <= Int(target.windowSize) else { return nil }
            let table = target.windowBase + UInt32(controlArea)
            controlArea += 32
            let n = randomReg(excluding: [])
            let m = randomReg(excluding: [n.rawValue])
            let idx = gen.below(8)
            let half = kind == "tbh"
            unit.items.append(.literal(n, { _ in table }))
            unit.items.append(.literal(m, { _ in UInt32(idx) }))
            let tbIndex = unit.items.count
            // Entry = (target - (TB address + 4)) / 2.
            unit.patches.append((Int(table - target.windowBase) + (half ? 2 : 1) * idx, { layout in
                (layout.address(ofUnit: targetUnit) &- (layout.items[u][tbIndex] &+ 4)) / 2
            }, half ? 2 : 1))
            unit.items.append(.control(Instruction(half ? .tbh : .tbb, rn: n, rm: m),
                                       row: row(half ? "TBH T1" : "TBB T1"), patch: { _, _, _ in }))
        default:
            return nil
        }
        return unit
    }

    /// Items that set a register (through a low scratch register for SP and, on
    /// ARMv6-M, for r8–r14).
    private func setRegister(_ reg: Reg, _ value: UInt32, avoiding used: Set<UInt8>) -> [Item]? {
        if reg == .sp || (!reg.isLow && target.arch == .v6m) {
            guard let scratch = (0..<8).map({ Reg($0) }).first(where: { !used.contains($0.rawValue) }) else { return nil }
            return [.literal(scratch, { _ in value }), movItem(to: reg, from: scratch)]
        }
        return [.literal(reg, { _ in value })]
    }

    /// PC is never written; SP only keeping word alignment.
    static func registerPolicy(_ i: Instruction, arch: ArchLevel) -> Bool {
        switch i.op {
        case .mrs:
            return [0, 1, 2, 3, 5, 6, 7, 8, 9, 16, 17, 18, 19, 20].contains(i.imm2)
                && i.rd != .pc && i.rd != .sp
        case .msr:
            // APSR only (the rest changes modes and stacks). ARMv6-M encodes no mask: its
            // bits 11:8 "should be" 1000, anything else is UNPREDICTABLE (DDI 0419 A6.7.38).
            return i.imm2 <= 3 && (arch != .v6m || i.imm == 2)
        case .ldm, .ldmdb:
            return i.list & 0x8000 == 0 && i.list & 0x2000 == 0
        case .stm, .stmdb:
            // STM T1 with the base in the list (not lowest) stores an UNKNOWN value.
            return !(i.flags.contains(.wback) && i.list & (1 << UInt16(i.rn.rawValue)) != 0)
        case .tstImm, .teqImm, .cmpImm, .cmnImm, .tstReg, .teqReg, .cmpReg, .cmnReg,
             .nop, .yield, .sev, .dmb, .dsb, .isb, .clrex, .pld, .pli, .it:
            return true
        case .strImm, .strbImm, .strhImm, .strReg, .strbReg, .strhReg, .strt, .strbt, .strht, .strd:
            return writebackKeepsSP(i)
        case .strex, .strexb, .strexh:
            return i.rm != .pc && i.rm != .sp
        default:
            break
        }
        if i.rd == .pc { return false }
        if [.smull, .umull, .smlal, .umlal, .umaal, .smlalxy, .smlald, .smlsld, .ldrd, .ldrdLit].contains(i.op) {
            if i.ra == .pc || i.ra == .sp || i.rd == .sp { return false }
        }
        if i.rd == .sp {
            // Only ADD/SUB SP, SP, #imm with imm a multiple of 4 (always true in 16-bit forms).
            guard (i.op == .addImm || i.op == .subImm), i.rn == .sp, i.imm % 4 == 0 else { return false }
        }
        return writebackKeepsSP(i)
    }

    static func writebackKeepsSP(_ i: Instruction) -> Bool {
        guard i.rn == .sp, i.flags.contains(.wback) else { return true }
        switch i.op {
        case .ldm, .ldmdb, .stm, .stmdb: return true
        default: return i.imm % 4 == 0
        }
    }

    static func accessesMemory(_ i: Instruction) -> Bool {
        switch i.op {
        case .ldrImm, .ldrbImm, .ldrhImm, .ldrsbImm, .ldrshImm, .strImm, .strbImm, .strhImm,
             .ldrt, .ldrbt, .ldrht, .ldrsbt, .ldrsht, .strt, .strbt, .strht,
             .ldrReg, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg, .strReg, .strbReg, .strhReg,
             .ldrd, .strd, .ldm, .ldmdb, .stm, .stmdb,
             .ldrex, .ldrexb, .ldrexh, .strex, .strexb, .strexh:
            return true
        default:
            return false
        }
    }

    static func accessSize(_ op: Op) -> UInt32 {
        switch op {
        case .ldrbImm, .ldrsbImm, .strbImm, .ldrbt, .ldrsbt, .strbt, .ldrbReg, .ldrsbReg, .strbReg, .ldrexb, .strexb: 1
        case .ldrhImm, .ldrshImm, .strhImm, .ldrht, .ldrsht, .strht, .ldrhReg, .ldrshReg, .strhReg, .ldrexh, .strexh: 2
        default: 4
        }
    }

    static func isStore(_ op: Op) -> Bool {
        [.strImm, .strbImm, .strhImm, .strt, .strbt, .strht, .strReg, .strbReg, .strhReg, .strd, .stm, .stmdb,
         .strex, .strexb, .strexh].contains(op)
    }

    /// Register values that put the access of `i` inside the data window, or nil.
    private mutating func memorySetup(_ i: Instruction) -> [Item]? {
        let size = DiffCaseBuilder.accessSize(i.op)
        let wordOnly: Set<Op> = [.ldrd, .strd, .ldm, .ldmdb, .stm, .stmdb, .ldrex, .strex]
        let mustAlign = target.arch == .v6m || wordOnly.contains(i.op)
            || [.ldrexh, .strexh].contains(i.op) || gen.below(4) != 0
        let align: UInt32 = wordOnly.contains(i.op) ? 4 : (mustAlign ? size : 1)
        var t = target.windowBase + 256 + UInt32(gen.below(DiffCaseBuilder.controlAreaStart - 256 - 256))
        t &= ~(align - 1)
        let isLoadExclusive = [.ldrex, .ldrexb, .ldrexh].contains(i.op)
        let isStoreExclusive = [.strex, .strexb, .strexh].contains(i.op)
        if isStoreExclusive, let open = openExclusive {
            // Pair with the open load-exclusive: same size, same address, no store between.
            let pair: [Op: Op] = [.strex: .ldrex, .strexb: .ldrexb, .strexh: .ldrexh]
            guard !storedSinceExclusive, pair[i.op] == open.op else { return nil }
            t = open.address
        }
        // base = t - (what the instruction adds to its base before the access).
        var index: UInt32 = 0
        let offset: UInt32
        switch i.op {
        case .ldm, .stm:
            offset = 0
        case .ldmdb, .stmdb:
            offset = 0 &- 4 &* UInt32(i.list.nonzeroBitCount)
        case .ldrReg, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg, .strReg, .strbReg, .strhReg:
            guard i.rn != i.rm else { return nil }
            index = UInt32(gen.below(16))
            offset = index << UInt32(i.shiftAmount)
        case .ldrex, .ldrexb, .ldrexh, .strex, .strexb, .strexh:
            offset = i.imm
        default:
            // Immediate offset, pre- or post-indexed (LDR/STR families, LDRD/STRD, LDRT...).
            offset = !i.flags.contains(.index) ? 0 : (i.flags.contains(.add) ? i.imm : 0 &- i.imm)
        }
        var base = t &- offset
        if i.rn == .sp && base & 3 != 0 {
            // SP stays word-aligned: move the access with it, if its alignment allows.
            let delta = base & 3
            base &-= delta
            t &-= delta
            guard t & (align - 1) == 0, !isStoreExclusive else { return nil }
        }
        if isLoadExclusive {
            openExclusive = (t, i.op)
            storedSinceExclusive = false
        } else if isStoreExclusive {
            openExclusive = nil
        } else if DiffCaseBuilder.isStore(i.op) && openExclusive != nil {
            storedSinceExclusive = true
        }
        var values: [(Reg, UInt32)] = []
        if [.ldrReg, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg, .strReg, .strbReg, .strhReg].contains(i.op) {
            values.append((i.rm, index))
        }
        values.append((i.rn, base))
        // Registers the instruction itself names (the setup scratch must avoid them).
        var used: Set<UInt8> = [i.rn.rawValue, i.rm.rawValue, i.rd.rawValue, i.ra.rawValue]
        for k in 0..<16 where i.list & (1 << UInt16(k)) != 0 { used.insert(UInt8(k)) }
        var items: [Item] = []
        for (reg, value) in values {
            guard let s = setRegister(reg, value, avoiding: used) else { return nil }
            items += s
        }
        return items
    }

    private func movItem(to reg: Reg, from scratch: Reg) -> Item {
        let row = Int(EncodingTable.row(named: "MOV (register) T1")!)
        var inst = Instruction(.movReg, rd: reg, rm: scratch, row: UInt16(row))
        let enc = try! ThumbEncoder.encode(inst, arch: .v6m)
        inst = ThumbDecoder.shared.decode(enc.hw1, enc.hw2, arch: target.arch)
        return .inst(GeneratedInstruction(row: row, encoded: enc, instruction: inst))
    }

    private mutating func layout(_ units: [Unit], seed: UInt64) -> DiffCase? {
        // Sizes first: literal loads are 16-bit for r0–r7 (T1), 32-bit otherwise (T2).
        func size(_ item: Item) -> Int {
            switch item {
            case let .inst(g): return g.encoded.size
            case let .literal(r, _): return r.isLow ? 2 : 4
            case let .control(_, row, _): return Int(EncodingTable.rows[row].size)
            }
        }
        var layout = DiffLayout(units: [], items: [])
        var address = target.codeStart
        for unit in units {
            layout.units.append(address)
            var addresses: [UInt32] = []
            for item in unit.items {
                addresses.append(address)
                address += UInt32(size(item))
            }
            layout.items.append(addresses)
        }
        layout.units.append(address)
        let end = address
        let codeSize = Int(end - target.codeStart)
        // Two bytes after the code hold the BKPT a whole run stops at.
        let poolStart = (codeSize + 2 + 3) & ~3
        var code = [UInt8](repeating: 0, count: poolStart)
        var pool: [UInt32] = []
        var listing: [DiffInstruction] = []
        for (u, unit) in units.enumerated() {
            for (k, item) in unit.items.enumerated() {
                let at = layout.items[u][k]
                var bytes: [UInt8]
                var label: String
                var row: Int?
                switch item {
                case let .inst(g):
                    bytes = g.encoded.bytes
                    label = EncodingTable.rows[g.row].name
                    row = g.row
                case let .literal(r, value):
                    let slot = target.codeStart + UInt32(poolStart + 4 * pool.count)
                    let v = value(layout)
                    pool.append(v)
                    let imm = slot - ((at + 4) & ~3)
                    var inst = Instruction(.ldrLit, rd: r, rn: .pc, imm: imm, flags: [.index, .add])
                    if r == .pc { inst.row = EncodingTable.row(named: "LDR (literal) T2")! }
                    guard let e = try? ThumbEncoder.encode(inst, arch: target.arch), e.size == size(item) else { return nil }
                    bytes = e.bytes
                    if r == .pc {
                        label = "LDR (literal) T2 → pc"
                        row = Int(e.row)
                    } else {
                        label = "setup: ldr \(r), =0x\(String(v, radix: 16))"
                    }
                case let .control(template, r, patch):
                    var inst = template
                    inst.row = UInt16(r)
                    patch(&inst, layout, at)
                    guard let e = try? ThumbEncoder.encode(inst, arch: target.arch), e.size == size(item) else { return nil }
                    bytes = e.bytes
                    label = EncodingTable.rows[r].name
                    row = r
                }
                code.replaceSubrange(Int(at - target.codeStart)..<Int(at - target.codeStart) + bytes.count, with: bytes)
                listing.append(DiffInstruction(address: at, bytes: bytes, label: label, row: row))
            }
        }
        // BKPT #1 where a whole run stops (`runWhole`); a step-by-step run stops before it.
        code.replaceSubrange(codeSize..<codeSize + 2, with: [0x01, 0xBE])
        for v in pool { code += withUnsafeBytes(of: v.littleEndian, Array.init) }
        var regs = (0..<16).map { _ in gen.interestingWord() }
        regs[13] = target.windowBase + 0x800
        regs[15] = target.codeStart
        var xpsr = UInt32(truncatingIfNeeded: gen.rng.next()) & 0xF800_0000
        if target.arch == .v6m { xpsr &= 0xF000_0000 } else { xpsr |= UInt32(gen.below(16)) << 16 }
        var window = (0..<Int(target.windowSize)).map { _ in UInt8(truncatingIfNeeded: gen.rng.next()) }
        for unit in units {
            for (offset, value, count) in unit.patches {
                let v = value(layout)
                for b in 0..<count { window[offset + b] = UInt8(truncatingIfNeeded: v >> UInt32(8 * b)) }
            }
        }
        return DiffCase(target: target, seed: seed, code: code, instructions: listing, end: end, window: window,
                        regs: regs, xpsr: xpsr)
    }
}
