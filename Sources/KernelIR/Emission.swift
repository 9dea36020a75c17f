import ThumbISA

// From allocated machine IR to bytes: stack frame, prologue and epilogue, constants,
// branch relaxation and literal pools, then the module image with a symbol per kernel
// and a line map from every instruction to the IR line it came from.
//
// Ranges (ARMv7-M ARM A7.7.12 B, A7.7.43 LDR literal; ARMv6-M ARM A6.7.10, A6.7.27):
// B<c> T1 ±256 B, B T2 ±2 KiB, B<c> T3 ±1 MiB and B T4 ±16 MiB (ARMv7-M only), BL ±16 MiB
// on both; LDR (literal) T1 reaches 1020 bytes forward from Align(PC, 4). The emitted
// code is position independent: table addresses are loaded as PC-relative offsets
// (LDR Rd, =offset; ADD Rd, PC).

enum LiteralValue: Hashable {
    case word(UInt32)
    /// Address of `symbol` minus (address of the anchored ADD Rd, PC + 4).
    case pcRelative(symbol: String, anchor: Int)
}

enum Item {
    /// Fixed instructions (an IT block and its instruction stay together).
    case code([EncodedInstruction], line: Int)
    case label(Int)
    /// A branch to a label: cond nil is unconditional. `form` grows during relaxation.
    case branch(ThumbISA.Condition?, Int, line: Int)
    case call(String, line: Int)
    case literal(Reg, LiteralValue, line: Int)
    case addPC(Reg, anchor: Int, line: Int)
}

/// A function after layout: its items, pool placement and sizes, relative to a
/// 4-byte-aligned start.
struct PlacedFunction {
    enum Piece {
        case item(Int)
        /// B over the pool that follows.
        case skip
        /// A 16-bit NOP that word-aligns a loop head whose first instruction is 32-bit: on
        /// the Cortex-M4 a branch to such an instruction at an odd halfword costs a cycle
        /// more (TRM Table 3-1, P), on every iteration; the NOP runs once, on entry.
        case alignNop
        case pool([LiteralValue])
    }
    var name: String
    var file: String
    var items: [Item]
    var pieces: [Piece]
    /// Per item, the branch form chosen (0 = the shortest; other items 0).
    var branchForm: [Int]
    var size: Int
    /// literal item index → (pool piece index, slot)
    var literalSlot: [Int: (Int, Int)]
}

/// Encodings chosen so far in one compilation, by instruction, architecture, flag policy
/// and IT context: the encoder tries row after row, and kernels repeat many instructions.
final class EncodingMemo {
    struct Key: Hashable {
        var inst: Instruction
        var arch: ArchLevel
        var policy: FlagPolicy
        var inIT: Bool
    }
    struct Failure: Error {
        var text: String
    }
    var results: [Key: Result<EncodedInstruction, Failure>] = [:]
}

struct FunctionEmitter {
    let arch: ArchLevel
    let alloc: Allocation
    let fn: MFunction
    let memo: EncodingMemo
    var items: [Item] = []
    var anchors = 0
    var nextLabel: Int

    var thumb2: Bool { arch >= .v7m }

    // Frame
    var savedLow: [Int] = []   // r4–r7 (and r8–r11 on ARMv7-M) pushed with lr
    var savedHigh: [Int] = []  // ARMv6-M r8–r11, saved through a low register
    var pushLR = false
    var frameBytes = 0
    var pushedWords = 0

    init(arch: ArchLevel, alloc: Allocation, fn: MFunction, memo: EncodingMemo = EncodingMemo()) {
        self.arch = arch
        self.alloc = alloc
        self.fn = fn
        self.memo = memo
        self.nextLabel = fn.nextLabel
    }

    func phys(_ v: VReg) -> Reg {
        if v == noReg { return .r0 }  // unused slot: the encoder wants its default
        if v < firstVirtual { return Reg(v) }
        return Reg(alloc.registers[v] ?? 0)
    }

    // MARK: Encoding

    func encode(_ inst: Instruction, _ policy: FlagPolicy, inIT: Bool = false, line: Int) throws(KernelIRError) -> EncodedInstruction {
        let key = EncodingMemo.Key(inst: inst, arch: arch, policy: policy, inIT: inIT)
        let result = memo.results[key] ?? {
            let r = choose(inst, policy, inIT: inIT)
            memo.results[key] = r
            return r
        }()
        switch result {
        case let .success(e): return e
        case let .failure(reason):
            throw KernelIRError("'\(fn.name)': cannot encode \(inst.op) for \(arch) (IR line \(line)): \(reason.text)")
        }
    }

    /// The shortest encoding `policy` allows, or why there is none.
    func choose(_ inst: Instruction, _ policy: FlagPolicy, inIT: Bool) -> Result<EncodedInstruction, EncodingMemo.Failure> {
        let variants: [InstructionFlags] = switch policy {
        // Without a row that may set flags (loads, stores, multiplies…) the flag-setting
        // variant cannot encode: go straight to the other.
        case .dontCare: FlagSettingRows.possible(inst, arch: arch) ? [[.setFlagsOutsideIT], []] : [[]]
        case .set: [[.setFlags]]
        case .preserve: [[]]
        }
        var best: EncodedInstruction?
        var lastError = ""
        for f in variants {
            var i = inst
            i.flags.formUnion(f)
            do {
                let e = try ThumbEncoder.encode(i, arch: arch, inITBlock: inIT)
                if best == nil || e.size < best!.size { best = e }
                if e.size == 2 { break }  // nothing is shorter: the other variant cannot win
            } catch {
                lastError = (error as? EncodingError)?.reason ?? "\(error)"
            }
        }
        guard let best else { return .failure(EncodingMemo.Failure(text: lastError)) }
        return .success(best)
    }

    mutating func emit(_ inst: Instruction, _ policy: FlagPolicy = .dontCare, line: Int) throws(KernelIRError) {
        items.append(.code([try encode(inst, policy, line: line)], line: line))
    }

    // MARK: Frame

    mutating func planFrame() {
        let used = Set(alloc.registers.values)
        let calleeSaved = thumb2 ? [4, 5, 6, 7, 8, 9, 10, 11] : [4, 5, 6, 7]
        savedLow = calleeSaved.filter { used.contains($0) }
        savedHigh = thumb2 ? [] : [8, 9, 10, 11].filter { used.contains($0) }
        if !savedHigh.isEmpty && savedLow.isEmpty { savedLow = [4] }
        let usesLR = used.contains(14)
        frameBytes = 4 * (alloc.spillSlots + fn.outgoingStackWords)
        // ARMv6-M reaches far labels with BL, which needs lr saved: keep a frame for
        // any function that might be that large.
        let large = !thumb2 && fn.code.count > 400
        pushLR = fn.makesCalls || usesLR || !savedLow.isEmpty || frameBytes > 0 || large
        pushedWords = savedLow.count + savedHigh.count + (pushLR ? 1 : 0)
        // AAPCS keeps SP 8-byte aligned at calls; a leaf needs no padding.
        if fn.makesCalls && (4 * pushedWords + frameBytes) % 8 != 0 { frameBytes += 4 }
    }

    func list(_ regs: [Int]) -> UInt16 { regs.reduce(0) { $0 | UInt16(1) << UInt16($1) } }

    mutating func adjustSP(_ bytes: Int, add: Bool, line: Int) throws(KernelIRError) {
        var remaining = bytes
        let chunk = thumb2 ? 4092 : 508
        while remaining > 0 {
            let n = min(remaining, chunk)
            try emit(Instruction(add ? .addImm : .subImm, rd: .sp, rn: .sp, imm: UInt32(n)), line: line)
            remaining -= n
        }
    }

    mutating func prologue() throws(KernelIRError) {
        let line = fn.declarationLine
        guard pushLR else { return }
        try emit(Instruction(.stmdb, rn: .sp, list: list(savedLow + [14]), flags: [.wback]), line: line)
        for h in savedHigh.reversed() {
            try emit(Instruction(.movReg, rd: Reg(savedLow[0]), rm: Reg(h)), .preserve, line: line)
            try emit(Instruction(.stmdb, rn: .sp, list: list([savedLow[0]]), flags: [.wback]), line: line)
        }
        try adjustSP(frameBytes, add: false, line: line)
    }

    mutating func epilogue(line: Int) throws(KernelIRError) {
        guard pushLR else {
            try emit(Instruction(.bx, rm: .lr), line: line)
            return
        }
        try adjustSP(frameBytes, add: true, line: line)
        for h in savedHigh {
            try emit(Instruction(.ldm, rn: .sp, list: list([savedLow[0]]), flags: [.wback]), line: line)
            try emit(Instruction(.movReg, rd: Reg(h), rm: Reg(savedLow[0])), .preserve, line: line)
        }
        try emit(Instruction(.ldm, rn: .sp, list: list(savedLow + [15]), flags: [.wback]), line: line)
    }

    /// SP-relative offset of a spill slot, an outgoing or an incoming stack argument.
    func spillOffset(_ slot: Int) -> Int { 4 * fn.outgoingStackWords + 4 * slot }
    func incomingOffset(_ k: Int) -> Int { frameBytes + 4 * pushedWords + 4 * (k - 4) }

    mutating func stackAccess(load: Bool, _ r: Reg, offset: Int, line: Int) throws(KernelIRError) {
        let limit = thumb2 ? 4095 : 1020
        guard offset <= limit else {
            throw KernelIRError("'\(fn.name)': stack frame too large (offset \(offset) > \(limit) bytes)")
        }
        try emit(Instruction(load ? .ldrImm : .strImm, rd: r, rn: .sp, imm: UInt32(offset), flags: [.index, .add]), line: line)
    }

    // MARK: Constants

    mutating func loadConstant(_ r: Reg, _ value: UInt32, line: Int) throws(KernelIRError) {
        if thumb2 {
            if let mov = try? encode(Instruction(.movImm, rd: r, imm: value), .dontCare, line: line) {
                items.append(.code([mov], line: line))
            } else if let mvn = try? encode(Instruction(.mvnImm, rd: r, imm: ~value), .dontCare, line: line) {
                items.append(.code([mvn], line: line))
            } else {
                let movw = EncodingTable.row(named: "MOV (immediate) T3")!
                try emit(Instruction(.movImm, rd: r, imm: value & 0xFFFF, row: movw), line: line)
                if value >> 16 != 0 { try emit(Instruction(.movt, rd: r, imm: value >> 16), line: line) }
            }
            return
        }
        // ARMv6-M: MOVS #imm8, optionally shifted, inverted or negated; else a literal.
        if value <= 255 {
            try emit(Instruction(.movImm, rd: r, imm: value), line: line)
            return
        }
        let tz = value.trailingZeroBitCount
        if value >> UInt32(tz) <= 255 {
            try emit(Instruction(.movImm, rd: r, imm: value >> UInt32(tz)), line: line)
            try emit(Instruction(.movReg, rd: r, rm: r, shift: .lsl, shiftAmount: UInt8(tz)), line: line)
            return
        }
        if ~value <= 255 {
            try emit(Instruction(.movImm, rd: r, imm: ~value), line: line)
            try emit(Instruction(.mvnReg, rd: r, rm: r), line: line)
            return
        }
        if (0 &- value) <= 255 {
            try emit(Instruction(.movImm, rd: r, imm: 0 &- value), line: line)
            try emit(Instruction(.rsbImm, rd: r, rn: r, imm: 0), line: line)
            return
        }
        items.append(.literal(r, .word(value), line: line))
    }

    // MARK: Machine IR → items

    mutating func run() throws(KernelIRError) -> [Item] {
        planFrame()
        try prologue()
        for m in alloc.code {
            let line = m.line
            switch m.kind {
            case .op:
                var inst = m.inst
                inst.rd = phys(m.regs[0])
                inst.rn = phys(m.regs[1])
                inst.rm = phys(m.regs[2])
                inst.ra = phys(m.regs[3])
                try emit(inst, m.flags, line: line)
            case .copy:
                let d = phys(m.regs[0]), s = phys(m.regs[1])
                if d != s {
                    try emit(Instruction(.movReg, rd: d, rm: s, row: EncodingTable.row(named: "MOV (register) T1")!),
                             .preserve, line: line)
                }
            case let .loadConst(v):
                try loadConstant(phys(m.regs[0]), v, line: line)
            case let .loadAddress(symbol):
                let r = phys(m.regs[0])
                let a = anchors
                anchors += 1
                items.append(.literal(r, .pcRelative(symbol: symbol, anchor: a), line: line))
                items.append(.addPC(r, anchor: a, line: line))
            case let .label(l):
                items.append(.label(l))
            case let .jump(l):
                items.append(.branch(nil, l, line: line))
            case let .branch(c, l):
                items.append(.branch(c, l, line: line))
            case let .condMove(c):
                let d = phys(m.regs[0]), s = phys(m.regs[1])
                let mov = Instruction(.movReg, rd: d, rm: s, row: EncodingTable.row(named: "MOV (register) T1")!)
                if thumb2 {
                    let it = try encode(Instruction(.it, cond: c, list: 0b1000), .preserve, line: line)
                    let body = try encode(mov, .preserve, inIT: true, line: line)
                    items.append(.code([it, body], line: line))
                } else {
                    let skip = nextLabel
                    nextLabel += 1
                    items.append(.branch(c.inverted, skip, line: line))
                    try emit(mov, .preserve, line: line)
                    items.append(.label(skip))
                }
            case let .call(name):
                items.append(.call(name, line: line))
            case .ret:
                try epilogue(line: line)
            case let .spillLoad(slot):
                try stackAccess(load: true, phys(m.regs[0]), offset: spillOffset(slot), line: line)
            case let .spillStore(slot):
                try stackAccess(load: false, phys(m.regs[1]), offset: spillOffset(slot), line: line)
            case let .stackArg(k):
                try stackAccess(load: true, phys(m.regs[0]), offset: incomingOffset(k), line: line)
            case let .outArg(k):
                try stackAccess(load: false, phys(m.regs[1]), offset: 4 * (k - 4), line: line)
            }
        }
        return items
    }
}

/// Which operations have an encoding that can set the flags (`SetFlagsRule` other than
/// `.never`) on each architecture: only those can take `.setFlagsOutsideIT`.
enum FlagSettingRows {
    /// [arch.rawValue][op.rawValue]
    private static let table: [[Bool]] = ArchLevel.allCases.map { arch in
        var ops = [Bool](repeating: false, count: Op.allCases.count)
        for row in EncodingTable.rows where row.arch <= arch {
            if case .never = row.setFlags { continue }
            ops[Int(row.op.rawValue)] = true
        }
        return ops
    }

    static func possible(_ inst: Instruction, arch: ArchLevel) -> Bool {
        guard inst.row == EncodingTable.auto else {
            guard Int(inst.row) < EncodingTable.rows.count else { return true }  // the encoder says why
            if case .never = EncodingTable.rows[Int(inst.row)].setFlags { return false }
            return true
        }
        return table[arch.rawValue][Int(inst.op.rawValue)]
    }
}

// MARK: - Layout: branch relaxation and literal pools

struct Layout {
    let arch: ArchLevel
    var thumb2: Bool { arch >= .v7m }
    /// Keep a pool within this distance of its first user (LDR literal T1 reaches 1020).
    static let poolReach = 1000

    /// Size of a branch in a form: 0 short, 1 long, 2 longest (ARMv6-M BL).
    func branchSize(_ cond: ThumbISA.Condition?, _ form: Int) -> Int {
        if thumb2 { return form == 0 ? 2 : 4 }
        if cond == nil { return form == 0 ? 2 : 4 }
        return [2, 4, 6][form]
    }

    func branchReaches(_ cond: ThumbISA.Condition?, _ form: Int, from address: Int, to target: Int) -> Bool {
        let off = target - (address + 4)
        if thumb2 {
            if form == 0 { return cond == nil ? (-2048...2046).contains(off) : (-256...254).contains(off) }
            return cond == nil ? (-16_777_216...16_777_214).contains(off) : (-1_048_576...1_048_574).contains(off)
        }
        if cond == nil {
            return form == 0 ? (-2048...2046).contains(off) : (-4_194_304...4_194_302).contains(off)
        }
        switch form {
        case 0: return (-256...254).contains(off)
        case 1: return (-2048...2046).contains(target - (address + 2 + 4))
        default: return true
        }
    }

    func itemSize(_ item: Item, form: Int) -> Int {
        switch item {
        case let .code(encs, _): encs.reduce(0) { $0 + $1.size }
        case .label: 0
        case let .branch(c, _, _): branchSize(c, form)
        case .call: 4
        case let .literal(r, _, _): r.isLow ? 2 : 4
        case .addPC: 2
        }
    }

    func isBarrier(_ item: Item, form: Int) -> Bool {
        switch item {
        case let .branch(c, _, _): return c == nil
        case let .code(encs, _):
            // POP {…, pc} or BX lr ends the function.
            guard let last = encs.last else { return false }
            let d = ThumbDecoder.shared.decode(last.hw1, last.hw2, arch: .v7em)
            if d.op == .bx { return true }
            if d.op == .ldm, d.list & 0x8000 != 0 { return true }
            return false
        default: return false
        }
    }

    func place(name: String, file: String, items: [Item]) throws(KernelIRError) -> PlacedFunction {
        var forms = [Int](repeating: 0, count: items.count)  // branch forms by item
        // Loop heads: labels that a later branch jumps back to.
        var loopHeads: Set<Int> = []
        var seen: Set<Int> = []
        for item in items {
            if case let .label(l) = item { seen.insert(l) }
            if case let .branch(_, l, _) = item, seen.contains(l) { loopHeads.insert(l) }
        }
        // What does not change between relaxation rounds: whether an instruction ends the
        // function (decoded once, not once per round).
        let endsFunction = items.map { item -> Bool in
            if case .code = item { return isBarrier(item, form: 0) }
            return false
        }
        for _ in 0..<100 {
            var pieces: [PlacedFunction.Piece] = []
            var literalSlot: [Int: (Int, Int)] = [:]
            var labelAddress: [Int: Int] = [:]
            var addr = 0
            var pending: [(item: Int, value: LiteralValue)] = []
            var firstUse = 0
            var lastWasBarrier = false

            func flushPool() {
                if !lastWasBarrier {
                    // A B over the pool (in reach: a pool is under 1 KiB).
                    pieces.append(.skip)
                    addr += 2
                }
                if addr % 4 != 0 { addr += 2 }
                var values: [LiteralValue] = []
                var slotOf: [LiteralValue: Int] = [:]
                for p in pending {
                    if let s = slotOf[p.value] {
                        literalSlot[p.item] = (pieces.count, s)
                    } else {
                        slotOf[p.value] = values.count
                        literalSlot[p.item] = (pieces.count, values.count)
                        values.append(p.value)
                    }
                }
                pieces.append(.pool(values))
                addr += 4 * values.count
                pending = []
            }

            for (i, item) in items.enumerated() {
                let size = itemSize(item, form: forms[i])
                if !pending.isEmpty && addr + size + 4 + (4 * pending.count + 2) - firstUse > Layout.poolReach {
                    flushPool()
                }
                if case let .label(l) = item, thumb2, addr % 4 != 0, loopHeads.contains(l),
                   case let .code(encs, _)? = items.dropFirst(i + 1).first, encs.first?.size == 4 {
                    pieces.append(.alignNop)
                    addr += 2
                }
                if case let .label(l) = item { labelAddress[l] = addr }
                pieces.append(.item(i))
                if case let .literal(_, v, _) = item {
                    if pending.isEmpty { firstUse = addr }
                    pending.append((i, v))
                }
                addr += size
                // A pool may follow a barrier directly; after a label it needs a branch over.
                if case .code = item { lastWasBarrier = endsFunction[i] } else { lastWasBarrier = isBarrier(item, form: forms[i]) }
            }
            if !pending.isEmpty { flushPool() }
            if addr % 4 != 0 { addr += 2 }

            // Relaxation: grow any branch that does not reach.
            var grew = false
            var a = 0
            for piece in pieces {
                switch piece {
                case let .item(i):
                    let f = forms[i]
                    if case let .branch(c, target, _) = items[i], let t = labelAddress[target],
                       !branchReaches(c, f, from: a, to: t) {
                        forms[i] = f + 1
                        grew = true
                    }
                    a += itemSize(items[i], form: f)
                case .skip, .alignNop:
                    a += 2
                case let .pool(values):
                    if a % 4 != 0 { a += 2 }
                    a += 4 * values.count
                }
            }
            if grew { continue }
            return PlacedFunction(name: name, file: file, items: items, pieces: pieces, branchForm: forms,
                                  size: addr, literalSlot: literalSlot)
        }
        throw KernelIRError("'\(name)': branch layout did not converge")
    }
}
