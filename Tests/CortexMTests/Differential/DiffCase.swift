import BoardProfiles
import ThumbISA

// Differential test cases: random instruction streams drawn from the encoding table
// (`InstructionGenerator`), with the setup that makes loads and stores hit a mapped data
// window, run on sersim and on Unicorn and compared after every instruction.
//
// Policy (what a generated stream may do):
// - no branches, exception-generating or sleep instructions, no writes to PC;
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

    var codeBase: UInt32 { board.memory.first { $0.executable && !$0.writable && $0.usable }!.base }
    /// Code starts 8 KiB into flash so that literal loads with negative offsets stay mapped.
    var codeStart: UInt32 { codeBase + 0x2000 }
    let ramBase: UInt32 = 0x2000_0000
    let ramSize: UInt32 = 0x1_0000
    let windowBase: UInt32 = 0x2000_1000
    let windowSize: UInt32 = 0x1000

    static let m0plus = DiffTarget(name: "m0plus", board: BuiltinBoards.nanoRP2040, arch: .v6m, unicornCPU: "cortex-m0")
    static let m4 = DiffTarget(name: "m4", board: BuiltinBoards.nano33ble, arch: .v7em, unicornCPU: "cortex-m4")
    static let m7 = DiffTarget(name: "m7", board: BuiltinBoards.stm32f746, arch: .v7em, unicornCPU: "cortex-m7")
    static let all = [m0plus, m4, m7]
}

/// One executed step of a case.
struct DiffStep: Sendable {
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
    var steps: [DiffStep]
    var window: [UInt8]
    var regs: [UInt32]
    var xpsr: UInt32

    var codeEnd: UInt32 { target.codeStart + UInt32(code.count) }

    func listing() -> String {
        steps.enumerated().map { k, s in
            let hex = stride(from: 0, to: s.bytes.count, by: 2).map { i in
                String(format: "%04x", UInt16(s.bytes[i]) | UInt16(s.bytes[i + 1]) << 8)
            }.joined(separator: " ")
            return String(format: "  %2d  %08x  %-10@ %@", k, s.address, hex, s.label)
        }.joined(separator: "\n")
    }
}

/// Builds random cases for one target.
struct DiffCaseBuilder {
    let target: DiffTarget
    var gen: InstructionGenerator
    /// Generated instructions per case (setups come on top).
    var length: Int

    private enum Item {
        case inst(GeneratedInstruction)
        case literal(Reg, UInt32)
    }

    /// Rows a stream may contain on this target.
    var eligibleRows: [Int] {
        gen.candidateRows.filter { !DiffCaseBuilder.excludedOps.contains(EncodingTable.rows[$0].op) }
    }

    /// Ops a stream never contains. YIELD: Unicorn reports it as an invalid instruction
    /// (QEMU ends the translation block with EXCP_YIELD, which Unicorn does not resume
    /// from), although ARMv6-M and ARMv7-M both have it.
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

    mutating func make(seed: UInt64) -> DiffCase? {
        gen.rng = SeededRandom(seed: seed)
        openExclusive = nil
        storedSinceExclusive = false
        var items: [Item] = []
        var produced = 0
        while produced < length {
            let itRow = EncodingTable.row(named: "IT T1").map(Int.init)
            if target.arch >= .v7m, let itRow, gen.below(8) == 0,
               let it = gen.generate(row: itRow) {
                let mask = it.instruction.list & 0xF
                let count = 4 - mask.trailingZeroBitCount
                var block: [Item] = []
                var setups: [Item] = []
                var ok = true
                for k in 0..<count {
                    let position: ITPosition = k == count - 1 ? .last : .insideNotLast
                    guard let g = pick(position: position, allowMemory: k == 0, setups: &setups) else { ok = false; break }
                    block.append(.inst(g))
                }
                guard ok else { continue }
                items += setups
                items.append(.inst(it))
                items += block
                produced += count + 1
            } else {
                var setups: [Item] = []
                guard let g = pick(position: .outside, allowMemory: true, setups: &setups) else { return nil }
                items += setups
                items.append(.inst(g))
                produced += 1
            }
        }
        return layout(items, seed: seed)
    }

    /// Draw one instruction that obeys the policy; memory accesses get their setup.
    private mutating func pick(position: ITPosition, allowMemory: Bool, setups: inout [Item]) -> GeneratedInstruction? {
        for _ in 0..<200 {
            guard let g = gen.generate(
                position: position,
                rowFilter: { !DiffCaseBuilder.excludedOps.contains($0.op) && $0.op != .it },
                accept: { [arch = target.arch] in DiffCaseBuilder.registerPolicy($0, arch: arch) })
            else { return nil }
            let inst = g.instruction
            let isExclusive = [.ldrex, .ldrexb, .ldrexh, .strex, .strexb, .strexh, .clrex].contains(inst.op)
            if isExclusive && position != .outside { continue }
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
        var t = target.windowBase + 256 + UInt32(gen.below(Int(target.windowSize) - 512))
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
            if reg == .sp || (!reg.isLow && target.arch == .v6m) {
                guard let scratch = (0..<8).map({ Reg($0) }).first(where: { !used.contains($0.rawValue) }) else { return nil }
                items.append(.literal(scratch, value))
                items.append(movItem(to: reg, from: scratch))  // counted as the MOV row it is
            } else {
                items.append(.literal(reg, value))
            }
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

    private mutating func layout(_ items: [Item], seed: UInt64) -> DiffCase? {
        // Sizes first: literal loads are 16-bit for r0–r7 (T1), 32-bit otherwise (T2).
        var sizes: [Int] = []
        for item in items {
            switch item {
            case let .inst(g): sizes.append(g.encoded.size)
            case let .literal(r, _): sizes.append(r.isLow ? 2 : 4)
            }
        }
        let codeSize = sizes.reduce(0, +)
        let poolStart = (codeSize + 3) & ~3
        var code = [UInt8](repeating: 0, count: poolStart)
        var pool: [UInt32] = []
        var steps: [DiffStep] = []
        var offset = 0
        for (k, item) in items.enumerated() {
            let address = target.codeStart + UInt32(offset)
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
                pool.append(value)
                let imm = slot - ((address + 4) & ~3)
                guard let e = try? ThumbEncoder.encode(Instruction(.ldrLit, rd: r, rn: .pc, imm: imm, flags: [.index, .add]),
                                                       arch: target.arch),
                      e.size == sizes[k] else { return nil }
                bytes = e.bytes
                label = "setup: ldr \(r), =0x\(String(value, radix: 16))"
            }
            code.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            steps.append(DiffStep(address: address, bytes: bytes, label: label, row: row))
            offset += bytes.count
        }
        for v in pool { code += withUnsafeBytes(of: v.littleEndian, Array.init) }
        var regs = (0..<16).map { _ in gen.interestingWord() }
        regs[13] = target.windowBase + 0x800
        regs[15] = target.codeStart
        var xpsr = UInt32(truncatingIfNeeded: gen.rng.next()) & 0xF800_0000
        if target.arch == .v6m { xpsr &= 0xF000_0000 } else { xpsr |= UInt32(gen.below(16)) << 16 }
        let window = (0..<Int(target.windowSize)).map { _ in UInt8(truncatingIfNeeded: gen.rng.next()) }
        return DiffCase(target: target, seed: seed, code: code, steps: steps, window: window, regs: regs, xpsr: xpsr)
    }
}
