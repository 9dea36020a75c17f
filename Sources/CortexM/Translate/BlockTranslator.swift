import CycleTiming
import ThumbISA

// The block translator: a straight run of decoded Thumb instructions becomes one x86-64
// function that does what `execute` does for each, and what the timing model charges.
// It handles the operations compiled kernels run most; anything else ends the block,
// and the interpreter runs it. Every translated instruction either completes as the
// interpreter would, or leaves before its first side effect ("bails"): the block then
// exits with the instruction's address and the interpreter executes it (faults, MMIO,
// unaligned accesses, writes into decoded code, exception returns are all handled there).

/// Offsets in the translated code's context block (`Machine.r` points at its start).
enum TranslatedContext {
    static let regs: Int32 = 0          // r0–r15, 4 bytes each
    static let flagN: Int32 = 64        // one byte per flag, 0 or 1
    static let flagZ: Int32 = 65
    static let flagC: Int32 = 66
    static let flagV: Int32 = 67
    static let flagQ: Int32 = 68
    static let now: Int32 = 72          // the timing model's cycle count
    static let nextEvent: Int32 = 80    // the hot loop's `nextEventCycle`
    static let pages: Int32 = 88        // MemoryMap.pages
    static let regions: Int32 = 96      // MemoryMap.regions
    static let regionReads: Int32 = 104 // CoreTimer transfer counters per region
    static let regionWrites: Int32 = 112
    static let alignMask32: Int32 = 120
    static let alignMask16: Int32 = 124
    static let exitPC: Int32 = 128      // where the guest goes on
    static let exitReason: Int32 = 132  // ExitReason
    static let machine: Int32 = 136     // Unmanaged<Machine>, for the helpers
    static let fetchLo: Int32 = 144     // CoreTimer.fetchWindow
    static let fetchSpan: Int32 = 148
    static let previous: Int32 = 152    // CoreTimer.scalarPipeline (M4: the previous instruction)
    static let branchTarget: Int32 = 160
    static let dataFree: Int32 = 168    // CoreTimer.dataFreeFlags
    static let stallBranch: Int32 = 176 // stall counts, handed to the timer (`foldTranslatedStalls`)
    static let stallInterlock: Int32 = 184
    static let fetchHelper: Int32 = 192 // @convention(c) helpers (TranslatedRun.swift)
    static let dataHelper: Int32 = 200
    static let retireHelper: Int32 = 208
    static let token: Int32 = 216       // CoreTimer.translatedToken (Cortex-M7)
    static let wrapHelper: Int32 = 224
    static let itState: Int32 = 232     // ITSTATE where a block left inside an IT block, else 0
    static let skipped: Int32 = 240     // instructions an IT condition skipped (scalar models)
    static let fetchPath: Int32 = 256   // CoreTimer.TranslatedFetchPath (at most 64 bytes)
    static let fetchHits: Int32 = 320   // its hits: I-cache, then XIP cache (8 bytes each)
    static let segmentHelper: Int32 = 336
    static let dataPath: Int32 = 344    // CoreTimer.TranslatedDataPath (at most 32 bytes)
    static let dataHits: Int32 = 376    // its hits (D-cache)
    static let fetchBlocks: Int32 = 384 // all ones when a window the fetch path opens is whole fetch blocks, else 0 (`wholeRun`)
    static let pendingKind: Int32 = 388 // CoreTimer.translatedPendingBranch (Cortex-M7): 0 none, else direct/indirect
    static let pendingPC: Int32 = 392
    static let pendingFallthrough: Int32 = 396
    static let predictorTags: Int32 = 400 // CoreTimer.branchPredictorTables
    static let predictorCounters: Int32 = 408
    static let predictorTargets: Int32 = 416
    static let segmentVariant: Int32 = 424 // the SegmentMemo variant a whole run is timed by
    static let bytes = 448

    enum ExitReason: UInt32 {
        /// Run on from `exitPC`.
        case next = 0
        /// The instruction at `exitPC` must be run by the interpreter.
        case interpret = 1
    }
}

/// What the translator needs from a decoded instruction.
struct TranslatableInstruction {
    var inst: Instruction
    var pc: UInt32
    /// Its decode-cache slot.
    var slot: UnsafeMutablePointer<DecodedSlot>
    /// What the timing model precomputed for it.
    var timing: StaticTiming
    /// Data transfers (the execution record's beats) and their size.
    var beats: UInt32
    var beatBytes: UInt32
    var write: Bool
    /// ITSTATE when it runs: its condition in bits 4–7; 0 outside an IT block.
    var itState: UInt8 = 0

    /// The slot's execution counter and Cortex-M7 memo, which the code updates in place.
    var executions: UInt64 { UInt64(UInt(bitPattern: UnsafeMutableRawPointer(slot) + DecodedSlot.executionsOffset)) }
    var memo: UInt64 { UInt64(UInt(bitPattern: DecodedSlot.memo(slot))) }

    /// The first eight bytes of its `StaticTiming`: what the M4 rules keep of it
    /// (`CoreTimer.prevInfo`).
    var previousInfo: UInt64 { withUnsafeBytes(of: timing) { $0.loadUnaligned(as: UInt64.self) } }
}

/// Offsets of `RegionInfo`'s fields, as the compiled Swift lays them out.
struct RegionLayout {
    let stride = Int32(MemoryLayout<RegionInfo>.stride)
    let base = Int32(MemoryLayout<RegionInfo>.offset(of: \RegionInfo.base)!)
    let size = Int32(MemoryLayout<RegionInfo>.offset(of: \RegionInfo.size)!)
    let memory = Int32(MemoryLayout<RegionInfo>.offset(of: \RegionInfo.memory)!)
    let writable = Int32(MemoryLayout<RegionInfo>.offset(of: \RegionInfo.writable)!)
    let code = Int32(MemoryLayout<RegionInfo>.offset(of: \RegionInfo.code)!)
}

struct BlockTranslator {
    typealias C = TranslatedContext
    var a: X86Assembler
    let layout = RegionLayout()
    /// Exit stubs: label, guest pc, reason, the r15 value to leave behind, the index of the
    /// last instruction retired before it (nil: none), ITSTATE there, and whether it may
    /// jump into the next block (`emitChain`).
    private var exits: [(HostLabel, UInt32, C.ExitReason, UInt32, Int?, UInt8, chain: Bool)] = []
    /// The timing rules the code applies.
    let model: CoreTimer.Model
    private var block: [TranslatableInstruction] = []
    /// The instruction being emitted.
    private var current = 0
    /// Exits whose pc is in esi (indirect branches), after instruction `Int`.
    private var dynamicExits: [(HostLabel, UInt32, Int)] = []
    private var epilogue: HostLabel
    /// `emitFetchStub`'s label, once an instruction needs it.
    private var fetchStub: HostLabel?
    /// Makes a segment's memo (`SegmentMemo.allocate`); nil: no segments.
    private let allocateSegment: (([(timing: StaticTiming, beats: UInt8)]) -> UnsafeMutableRawPointer)?
    /// For instruction `Int` of a segment: where its whole-run code starts, and where a
    /// whole run that leaves it resumes one by one: at its fetch look-up, and (with a
    /// transfer) after its data look-up with the stall in rax.
    private var resume: [Int: (whole: HostLabel, fetch: HostLabel, stall: HostLabel)] = [:]
    /// The open segment: its range and memo.
    private var segment: (range: Range<Int>, memo: UnsafeMutableRawPointer)?
    /// For the open segment, when its whole run looks its fetch blocks up with constants
    /// (`staticFetch`): per instruction, the blocks looked up after the first instruction
    /// up to and including it.
    private var staticFetches: [Int: Int]?
    /// The fetch path when the block was translated (`CoreTimer.translatedFetchPath`).
    private let fetchPath: CoreTimer.TranslatedFetchPath?

    // Host registers: rbx = context, r13 = cycle count, r14 = page table, r15 = regions.
    static let ctx = HostReg.rbx, now = HostReg.r13, pages = HostReg.r14, regions = HostReg.r15

    /// Makes zeroed memory for the block's access sites (`AccessSite`); nil: none (every
    /// access looks its region up).
    private let allocateSites: ((Int) -> UnsafeMutableRawPointer)?
    /// The block's access sites, one per instruction (`AccessSite.stride` bytes each).
    private var sites: UnsafeMutableRawPointer?
    /// Region look-ups for accesses outside their site's region, emitted after the exits
    /// (`emitSiteMisses`).
    /// Q set by an instruction whose result overflowed: the label that sets it, and where
    /// the instruction goes on (`emitExits` emits them).
    private var outOfLineQ: [(HostLabel, HostLabel)] = []
    private var siteMisses: [(miss: HostLabel, back: HostLabel, site: UInt64, bytes: UInt32, write: Bool, bail: HostLabel)] = []

    /// Where exits to a known place look for the next block to jump to (`emitChain`): the
    /// translation cache's entry table, and the function this block belongs to (a block of
    /// another function goes through the dispatcher, which keeps the function profile).
    /// nil: every exit returns to the dispatcher.
    struct Chaining {
        var entries: UnsafeMutableRawPointer
        var entryMask: UInt32
        var function: UInt16
    }
    private let chaining: Chaining?

    init(model: CoreTimer.Model,
         allocateSegment: (([(timing: StaticTiming, beats: UInt8)]) -> UnsafeMutableRawPointer)? = nil,
         allocateSites: ((Int) -> UnsafeMutableRawPointer)? = nil, chaining: Chaining? = nil,
         fetchPath: CoreTimer.TranslatedFetchPath? = nil, code: CodeBuffer? = nil) {
        a = X86Assembler(code: code ?? CodeBuffer())
        self.chaining = chaining
        self.fetchPath = fetchPath
        self.model = model
        self.allocateSegment = model == .m7 ? allocateSegment : nil
        self.allocateSites = allocateSites
        epilogue = a.newLabel()
    }

    /// Whether `inst` can be translated (false: the interpreter runs it). `last` is set
    /// for instructions that end a block (branches).
    static func canTranslate(_ i: Instruction, pc: UInt32, endsBlock last: inout Bool) -> Bool {
        last = false
        let pcReg = Reg.pc
        switch i.op {
        case .b:
            last = true
            return pc &+ 4 &+ i.imm != pc  // a branch to itself: the interpreter's hang check
        case .bl, .cbz, .cbnz:
            last = true
            return true
        case .bx, .blx:
            last = true
            return i.rm != pcReg
        case .movImm, .mvnImm, .andImm, .orrImm, .eorImm, .bicImm, .ornImm, .addImm, .subImm, .rsbImm,
             .adcImm, .sbcImm, .movt, .adr:
            return i.rd != pcReg
        case .cmpImm, .cmnImm, .tstImm, .teqImm:
            return true
        case .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .mvnReg, .movReg, .addReg, .adcReg, .subReg,
             .sbcReg, .rsbReg:
            return i.rd != pcReg && i.rm != pcReg && shiftSupported(i)
        case .tstReg, .teqReg, .cmpReg, .cmnReg:
            return i.rm != pcReg && shiftSupported(i)
        case .mul, .mla, .smlad, .smuad, .smlsd, .smusd:
            return i.rd != pcReg
        case .smull, .umull, .smlal, .umlal, .qadd, .qsub:
            return i.rd != pcReg && i.ra != pcReg && i.rn != pcReg && i.rm != pcReg
        case .sxtb16, .sxtab16, .sxtb, .sxth, .uxtb, .uxth, .uxtab:
            return i.rd != pcReg && i.rm != pcReg
        case .shiftReg:
            return i.rd != pcReg && i.rn != pcReg && i.rm != pcReg
        case .ssat, .usat:
            return i.rd != pcReg && i.rn != pcReg && shiftSupported(i)
        case .nop:
            return true
        case .ldrImm, .ldrt, .ldrbImm, .ldrbt, .ldrsbImm, .ldrsbt, .ldrhImm, .ldrht, .ldrshImm, .ldrsht,
             .ldrReg, .ldrbReg, .ldrsbReg, .ldrhReg, .ldrshReg:
            return i.rd != pcReg && i.rn != pcReg && !(i.flags.contains(.wback) && i.rn == i.rd)
        case .strImm, .strt, .strbImm, .strbt, .strhImm, .strht, .strReg, .strbReg, .strhReg:
            return i.rn != pcReg
        case .ldrLit:
            return i.rd != pcReg
        case .ldm:
            // With PC in the list (POP {..., pc}): a function return, which ends the block.
            last = i.list & 0x8000 != 0
            return i.list & 0x7FFF != 0 && i.rn != pcReg
                && !(i.flags.contains(.wback) && i.list & (1 << UInt16(i.rn.rawValue)) != 0)
        case .stm, .stmdb:
            return i.list != 0 && i.list & 0x8000 == 0
        default:
            return false
        }
    }

    /// The data transfers a translated instruction makes (the execution record's beats),
    /// their size, and whether they are writes.
    static func transfers(_ i: Instruction) -> (beats: UInt32, bytes: UInt32, write: Bool) {
        switch i.op {
        case .ldm: return (UInt32(i.list.nonzeroBitCount), 4, false)
        case .stm, .stmdb: return (UInt32(i.list.nonzeroBitCount), 4, true)
        case .ldrImm, .ldrt, .ldrReg, .ldrLit: return (1, 4, false)
        case .strImm, .strt, .strReg: return (1, 4, true)
        case .ldrhImm, .ldrht, .ldrhReg, .ldrshImm, .ldrsht, .ldrshReg: return (1, 2, false)
        case .strhImm, .strht, .strhReg: return (1, 2, true)
        case .ldrbImm, .ldrbt, .ldrsbImm, .ldrsbt, .ldrbReg, .ldrsbReg: return (1, 1, false)
        case .strbImm, .strbt, .strbReg: return (1, 1, true)
        default: return (0, 0, false)
        }
    }

    /// Shifted register operands the translator reproduces exactly.
    static func shiftSupported(_ i: Instruction) -> Bool {
        switch i.shiftType {
        case .lsl: return i.shiftAmount < 32
        case .lsr, .asr: return i.shiftAmount >= 1 && i.shiftAmount < 32
        case .ror: return i.shiftAmount >= 1 && i.shiftAmount < 32
        case .rrx: return false
        }
    }

    // MARK: Block

    /// Translate `block` (at least one instruction, all `canTranslate`); `fallthrough` is
    /// where the guest goes after the last one if it does not branch.
    /// The code, valid until the translator's code buffer is written again.
    mutating func translate(_ block: [TranslatableInstruction], fallthroughPC: UInt32) -> UnsafeRawBufferPointer? {
        self.block = block
        if let allocateSites, block.contains(where: { $0.beats != 0 }) {
            sites = allocateSites(block.count * AccessSite.stride)
        }
        prologue()
        let segments = findSegments()
        var done: HostLabel?
        var lastPC: UInt32 = block[0].pc &- 4  // r15 as the previous instruction left it: unknown before the first
        for (k, t) in block.enumerated() {
            current = k
            let before: Int? = k > 0 ? k - 1 : nil
            if k > 0 {
                // The hot loop's test before every instruction (inside an IT block too, as
                // `runITBlock` tests).
                a.alu64(.cmp, Self.now, HostMem(Self.ctx, C.nextEvent))
                a.jcc(.ae, exit(t.pc, .next, r15: lastPC &+ 4, retired: before, itState: t.itState, chain: false))
            }
            if let end = segments[k], let allocateSegment {
                let memo = allocateSegment((k..<end).map { (block[$0].timing, UInt8(block[$0].beats)) })
                segment = (k..<end, memo)
                done = wholeRun(k..<end, memo: memo)
                current = k
            } else if segment != nil {
                rejoin(k)
            }
            let bail = exit(t.pc, .interpret, r15: k == 0 ? t.pc &+ 4 : lastPC &+ 4, retired: before, itState: t.itState)
            if t.itState != 0 {
                // In an IT block: the condition decides, and a skipped instruction retires
                // as skipped. (A group with a branch is never translated.)
                let skip = a.newLabel(), join = a.newLabel()
                condition(bits: t.itState >> 4, falseLabel: skip)
                _ = emit(t, bail: bail)
                retire(branched: false)
                a.jmp(join)
                a.bind(skip)
                retire(branched: false, executed: false)
                a.bind(join)
            } else {
                guard emit(t, bail: bail) else { break }  // a branch retires itself on each path
                retire(branched: false)
            }
            if let o = segment, k == o.range.upperBound - 1 {
                a.bind(done!)
                segment = nil
                staticFetches = nil
            }
            lastPC = t.pc
            if k == block.count - 1 {
                a.jmp(exit(fallthroughPC, .next, r15: t.pc &+ 4, retired: k))
            }
        }
        emitExits()
        guard a.resolve() else { return nil }
        return a.bytes
    }

    // MARK: Segments (Cortex-M7)

    /// The runs of instructions a `SegmentMemo` can time: inside the block (not its first
    /// instruction, whose bubble depends on how control came), not branches, not
    /// conditional; two or more in a row. Start index → end index.
    private func findSegments() -> [Int: Int] {
        guard allocateSegment != nil else { return [:] }
        func eligible(_ k: Int) -> Bool {
            let t = block[k]
            return k > 0 && t.itState == 0 && t.timing.unit & CoreTimer.m7BranchUnit == 0
                && !(t.inst.op == .ldm && t.inst.list & 0x8000 != 0)
        }
        var result: [Int: Int] = [:]
        var k = 0
        while k < block.count {
            guard eligible(k) else { k += 1; continue }
            var e = k
            while e < block.count && eligible(e) { e += 1 }
            if e - k >= 2 { result[k] = e }
            k = e
        }
        return result
    }

    /// A segment's whole run: when the state token is the entry of one of the memo's two
    /// variants and the run ends before the next event, the instructions with their fetch
    /// and data look-ups only, then the variant's total; any bubble, stall or bail leaves
    /// for the one-by-one code at that instruction, with the state before it
    /// (`SegmentMemo.Step`). A token that misses both variants twice in a row gets a memo
    /// (the helper; it replaces the older variant). Emitted after the first instruction's
    /// event test; binds the one-by-one code's entry, which follows, and returns the label
    /// after the segment (`translate` binds it).
    private mutating func wholeRun(_ range: Range<Int>, memo: UnsafeMutableRawPointer) -> HostLabel {
        typealias S = SegmentMemo
        let oneByOne = a.newLabel(), done = a.newLabel(), hit = a.newLabel(), build = a.newLabel()
        let memoAddress = UInt64(UInt(bitPattern: memo))
        for k in range { resume[k] = (a.newLabel(), a.newLabel(), a.newLabel()) }
        let variant = Int32(S.variantBytes(range.count)), second = a.newLabel()
        // rax: the state token; rdx: the first variant. Falls through when neither entry is it.
        func compareEntries(hit: HostLabel, second: HostLabel) {
            a.load32(.rax, HostMem(Self.ctx, C.token))
            a.movImm64(.rdx, memoAddress)
            a.alu(.cmp, .rax, HostMem(.rdx, Int32(S.header.entry)))
            a.jcc(.e, hit)
            a.alu(.cmp, .rax, HostMem(.rdx, variant + Int32(S.header.entry)))
            a.jcc(.e, second)
        }
        compareEntries(hit: hit, second: second)
        a.test(.rax, .rax)
        a.jcc(.e, oneByOne)
        a.alu(.cmp, .rax, HostMem(.rdx, Int32(S.header.lastMiss)))
        a.jcc(.e, build)
        a.store32(HostMem(.rdx, Int32(S.header.lastMiss)), .rax)
        a.jmp(oneByOne)
        a.bind(build)
        a.mov64(.rdi, Self.ctx)
        a.mov64(.rsi, .rdx)
        a.load64(.rax, HostMem(Self.ctx, C.segmentHelper))
        a.call(.rax)
        compareEntries(hit: hit, second: second)
        a.jmp(oneByOne)
        a.bind(second)
        a.alu64(.add, .rdx, imm: variant)
        a.bind(hit)
        // rdx: the variant whose entry is the state; the run's end and leaves take theirs.
        a.store64(HostMem(Self.ctx, C.segmentVariant), .rdx)
        a.load32(.rcx, HostMem(.rdx, Int32(S.header.lastPrefix)))
        a.alu64(.add, .rcx, Self.now)
        a.alu64(.cmp, .rcx, HostMem(Self.ctx, C.nextEvent))
        a.jcc(.ae, oneByOne)
        staticFetches = staticFetchCounts(range)
        fetchGuards(fail: oneByOne)
        // From here to the end r13 holds the cycle count when the run began (or would
        // have begun, after a run that came back in the middle: `rejoin`).
        var leaves: [(HostLabel, Int, HostLabel, bail: Bool)] = []  // (label, instruction, where it goes)
        var lastPC = block[range.lowerBound - 1].pc
        for k in range {
            current = k
            let t = block[k], r = resume[k]!
            a.bind(r.whole)
            let bail = a.newLabel()
            leaves.append((bail, k, exit(t.pc, .interpret, r15: lastPC &+ 4, retired: k - 1), true))
            _ = emit(t, bail: bail)
            // No execution count: the memo's run counters give it (`foldSegment`).
            if k > range.lowerBound && t.pc / Self.fetchBlock != lastPC / Self.fetchBlock, let path = fetchPath,
               staticFetches != nil {
                let fetchMiss = a.newLabel()
                staticFetch(t.pc, path, miss: fetchMiss)
                leaves.append((fetchMiss, k, r.fetch, false))
            } else if k == range.lowerBound || t.pc / Self.fetchBlock != lastPC / Self.fetchBlock {
                let inWindow = a.newLabel(), fetchMiss = a.newLabel()
                compareFetchWindow(t.pc)
                a.jcc(.b, inWindow)
                inlineFetch(t.pc, miss: fetchMiss)
                a.bind(inWindow)
                leaves.append((fetchMiss, k, r.fetch, false))
            }
            if t.beats != 0 {
                let free = a.newLabel(), stall = a.newLabel()
                dataStall(t, free: free)
                a.test(.rax, .rax)
                a.jcc(.ne, stall)
                leaves.append((stall, k, r.stall, false))
                a.bind(free)
                a.load64(.r8, HostMem(Self.ctx, t.write ? C.regionWrites : C.regionReads))
                a.alu64(.add, HostMem(.r8, index: .rbp, scale: 8), imm: Int32(t.beats))
            }
            lastPC = t.pc
        }
        takeMemoState(0, token: S.header.out, cycles: S.header.total, count: S.header.hits)
        staticFetchesDone(through: range.upperBound - 1)
        a.jmp(done)
        for (label, k, to, bail) in leaves {
            // The state before instruction k (rax, a stall, survives).
            a.bind(label)
            takeMemoState(stepOffset(k), token: S.step.token, cycles: S.step.prefix, count: S.step.left)
            // A stall leaves after k's fetch; a bail or a fetch miss before it.
            staticFetchesDone(through: to == resume[k]!.stall ? k : k - 1)
            if !bail {
                // The one-by-one code times instruction k with its memo: its execution is
                // counted with it, so that the memo's counters are flushed (`foldSegment`).
                a.movImm64(.rcx, block[k].executions)
                a.inc64(HostMem(.rcx))
            }
            a.jmp(to)
        }
        a.bind(oneByOne)
        return done
    }

    // MARK: Static fetches (Cortex-M7 whole runs)

    /// The fetch look-ups of a whole run after its first instruction, with constants: when
    /// the fetch path (as translated) is an I-cache whose lines are the fetch blocks and
    /// holds every instruction of the run, each block the run enters is outside the window
    /// the one before it left (a window of one block), so its look-up is a compare of the
    /// MRU way's tag with the block's line (no call, no window or counter stores: the run's
    /// end or leave stores the window of the last block looked up and counts them all).
    /// Per instruction of `range`, the blocks looked up after the first instruction up to
    /// and including it; nil when the run cannot be timed so.
    private func staticFetchCounts(_ range: Range<Int>) -> [Int: Int]? {
        guard let p = fetchPath, p.tags != nil, p.mru != nil, p.counter != nil, p.sectored == 0, p.span != 0,
              p.windowMask &+ 1 == Self.fetchBlock else { return nil }
        var counts: [Int: Int] = [:], n = 0
        for k in range {
            let pc = block[k].pc
            guard pc &- p.lo < p.span, pc &+ UInt32(block[k].inst.size) &- 1 &- p.lo < p.span else { return nil }
            if k > range.lowerBound && pc / Self.fetchBlock != block[k - 1].pc / Self.fetchBlock { n += 1 }
            counts[k] = n
        }
        return n > 0 ? counts : nil
    }

    /// What a whole run's fetch look-ups assume, at its entry and at a rejoin.
    private mutating func fetchGuards(fail: HostLabel) {
        fetchBlocksGuard(fail: fail)
        if staticFetches != nil { staticFetchGuard(fail: fail) }
    }

    /// Jump to `fail` unless the context's fetch path is the one translated (its region
    /// range and cache) and the fetch window is one block (the first instruction's own
    /// fetch keeps it so).
    private mutating func staticFetchGuard(fail: HostLabel) {
        typealias P = CoreTimer.TranslatedFetchPath
        let p = fetchPath!
        a.movImm64(.rax, UInt64(p.span) << 32 | UInt64(p.lo))
        a.alu64(.cmp, .rax, HostMem(Self.ctx, C.fetchPath + Int32(MemoryLayout<P>.offset(of: \P.lo)!)))
        a.jcc(.ne, fail)
        a.movImm64(.rax, UInt64(UInt(bitPattern: p.tags!)))
        a.alu64(.cmp, .rax, HostMem(Self.ctx, C.fetchPath + Int32(MemoryLayout<P>.offset(of: \P.tags)!)))
        a.jcc(.ne, fail)
        a.load32(.rax, HostMem(Self.ctx, C.fetchSpan))
        a.alu(.cmp, .rax, imm: Self.fetchBlock)
        a.jcc(.ne, fail)
    }

    /// The look-up of the block of `pc`: a hit in the MRU way of its set, else `miss`.
    /// Clobbers rax, rcx, rdx.
    private mutating func staticFetch(_ pc: UInt32, _ p: CoreTimer.TranslatedFetchPath, miss: HostLabel) {
        let line = pc >> p.lineShift, set = line & p.setMask
        a.movImm64(.rax, UInt64(UInt(bitPattern: p.mru! + Int(set))))
        a.load32(.rax, HostMem(.rax))
        a.movImm64(.rdx, UInt64(UInt(bitPattern: p.tags!)))
        a.movImm32(.rcx, line)
        a.alu(.cmp, .rcx, HostMem(.rdx, index: .rax, scale: 4))
        a.jcc(.ne, miss)
    }

    /// The static look-ups up to and including instruction k of the open segment, done:
    /// the window of the last block looked up, and the fetch counts. Clobbers rcx (rax
    /// survives).
    private mutating func staticFetchesDone(through k: Int) {
        guard let counts = staticFetches, let n = counts[k], n > 0, let p = fetchPath else { return }
        a.storeImm32(HostMem(Self.ctx, C.fetchLo), block[k].pc & ~(Self.fetchBlock - 1))
        a.storeImm32(HostMem(Self.ctx, C.fetchSpan), Self.fetchBlock)
        countStaticFetches(Int32(n), p)
    }

    /// `n` I-cache hits of the path's region (`emitFetchStub` counts one per hit).
    private mutating func countStaticFetches(_ n: Int32, _ p: CoreTimer.TranslatedFetchPath) {
        a.movImm64(.rcx, UInt64(UInt(bitPattern: p.counter!)))
        a.alu64(.add, HostMem(.rcx), imm: n)
        a.alu64(.add, HostMem(Self.ctx, C.fetchHits), imm: n)
    }

    /// The fetch blocks of a whole run: an instruction in the same aligned block as the one
    /// before it needs no fetch look-up when the fetch window is made of whole blocks (the
    /// previous instruction's fetch left its block inside the window). The I-cache line
    /// of the Cortex-M7 (TRM 5.1: 32-byte lines).
    static let fetchBlock: UInt32 = 32

    /// Jump to `fail` unless the fetch window is whole `fetchBlock`s and any window the
    /// inline fetch opens will be too (`fetchBlocks`, kept by `Machine.refreshFetchPath`):
    /// then a whole run needs a fetch look-up only where it enters a new block.
    private mutating func fetchBlocksGuard(fail: HostLabel) {
        a.load32(.rax, HostMem(Self.ctx, C.fetchLo))
        a.alu(.or, .rax, HostMem(Self.ctx, C.fetchSpan))
        a.testImm(.rax, Self.fetchBlock - 1)
        a.jcc(.ne, fail)
        a.load32(.rax, HostMem(Self.ctx, C.fetchSpan))
        a.alu(.and, .rax, HostMem(Self.ctx, C.fetchBlocks))
        a.jcc(.e, fail)
    }

    /// The pipeline state the whole run's memo variant (`C.segmentVariant`) holds at
    /// `offset`: its token at offset `token` becomes the context's, its cycles at `cycles`
    /// are added, and its counter at `count` counts one more. Clobbers rcx and rdx (rax
    /// survives).
    private mutating func takeMemoState(_ offset: Int32, token: Int, cycles: Int, count: Int) {
        a.load64(.rdx, HostMem(Self.ctx, C.segmentVariant))
        a.load32(.rcx, HostMem(.rdx, offset + Int32(token)))
        a.store32(HostMem(Self.ctx, C.token), .rcx)
        a.load32(.rcx, HostMem(.rdx, offset + Int32(cycles)))
        a.alu64(.add, Self.now, .rcx)
        a.inc64(HostMem(.rdx, offset + Int32(count)))
    }

    /// Where instruction k's step lies in a variant of the open segment's memo.
    private func stepOffset(_ k: Int) -> Int32 {
        Int32(SegmentMemo.stepsOffset + (k - segment!.range.lowerBound) * SegmentMemo.stepStride)
    }

    /// The address of instruction k's step in the open segment's first variant.
    private func stepAddress(_ k: Int) -> UInt64 {
        UInt64(UInt(bitPattern: segment!.memo)) &+ UInt64(stepOffset(k))
    }

    /// Before instruction k of the open segment, one by one: when the state is the one a
    /// variant's run has there, and the run would end before the next event, go back to the
    /// whole run (the cycle count taken back to when that run would have begun).
    private mutating func rejoin(_ k: Int) {
        typealias S = SegmentMemo
        let no = a.newLabel(), found = a.newLabel()
        let toHeader = -stepOffset(k), variant = Int32(S.variantBytes(segment!.range.count))
        a.load32(.rax, HostMem(Self.ctx, C.token))
        a.movImm64(.rdx, stepAddress(k))
        a.alu(.cmp, .rax, HostMem(.rdx, Int32(S.step.token)))
        a.jcc(.e, found)
        a.alu(.cmp, .rax, HostMem(.rdx, variant + Int32(S.step.token)))
        a.jcc(.ne, no)
        a.alu64(.add, .rdx, imm: variant)
        a.bind(found)
        // rdx: the step in the variant whose state this is.
        a.load32(.rcx, HostMem(.rdx, Int32(S.step.prefix)))
        a.load32(.rax, HostMem(.rdx, toHeader + Int32(S.header.lastPrefix)))
        a.alu64(.add, .rax, Self.now)
        a.alu64(.sub, .rax, .rcx)
        a.alu64(.cmp, .rax, HostMem(Self.ctx, C.nextEvent))
        a.jcc(.ae, no)
        fetchGuards(fail: no)
        a.alu64(.sub, Self.now, .rcx)
        a.inc64(HostMem(.rdx, Int32(S.step.rejoined)))
        a.alu64(.add, .rdx, imm: toHeader)
        a.store64(HostMem(Self.ctx, C.segmentVariant), .rdx)
        if let counts = staticFetches, let n = counts[k - 1], n > 0 {
            // The run's end or leave counts the look-ups from its first instruction: those
            // before k were not made by it.
            countStaticFetches(-Int32(n), fetchPath!)
        }
        a.jmp(resume[k]!.whole)
        a.bind(no)
    }

    private mutating func prologue() {
        for r in [HostReg.rbx, .rbp, .r12, .r13, .r14, .r15] { a.push(r) }
        a.alu64(.sub, .rsp, imm: 8)  // keep rsp 16-byte aligned for calls
        a.mov64(Self.ctx, .rdi)
        a.load64(Self.now, HostMem(Self.ctx, C.now))
        a.load64(Self.pages, HostMem(Self.ctx, C.pages))
        a.load64(Self.regions, HostMem(Self.ctx, C.regions))
    }

    /// The length of every block's prologue: a block that jumps to another (`emitChain`)
    /// enters it right after, with the frame, the context and the cycle count in their
    /// registers.
    static let prologueBytes: Int32 = {
        var t = BlockTranslator(model: .placeholder)
        t.prologue()
        return Int32(t.a.count)
    }()

    /// Layout of `TranslationCache.Entry`.
    private static let entryStride = Int32(MemoryLayout<TranslationCache.Entry>.stride)
    private static let entryPC = Int32(MemoryLayout<TranslationCache.Entry>.offset(of: \TranslationCache.Entry.pc)!)
    private static let entryFunction = Int32(MemoryLayout<TranslationCache.Entry>.offset(of: \TranslationCache.Entry.function)!)
    private static let entryCode = Int32(MemoryLayout<TranslationCache.Entry>.offset(of: \TranslationCache.Entry.code)!)

    /// Leaving for the guest address in esi (after the exit's stores): when the next event
    /// is still ahead and that address's block is translated, in this block's function,
    /// jump into it as the dispatcher would have called it (nothing the dispatcher does
    /// between two such blocks changes anything: the context holds the state, the
    /// profile stays with the function); else return to the dispatcher.
    private mutating func emitChain(_ chaining: Chaining) {
        a.alu64(.cmp, Self.now, HostMem(Self.ctx, C.nextEvent))
        a.jcc(.ae, epilogue)
        a.mov32(.rax, .rsi)
        a.shift(.shr, .rax, 1)
        a.alu(.and, .rax, imm: chaining.entryMask)
        a.imul(.rax, .rax, imm: Self.entryStride)
        a.movImm64(.rcx, UInt64(UInt(bitPattern: chaining.entries)))
        a.alu64(.add, .rax, .rcx)
        a.alu(.cmp, .rsi, HostMem(.rax, Self.entryPC))
        a.jcc(.ne, epilogue)
        a.loadU16(.rcx, HostMem(.rax, Self.entryFunction))
        a.alu(.cmp, .rcx, imm: UInt32(chaining.function))
        a.jcc(.ne, epilogue)
        a.load64(.rax, HostMem(.rax, Self.entryCode))
        a.test64(.rax, .rax)
        a.jcc(.e, epilogue)
        a.alu64(.add, .rax, imm: Self.prologueBytes)
        a.jmp(.rax)
    }

    /// An exit to `pc`; `chain`: a `.next` exit may jump into the block at `pc` (an exit
    /// for the next event never can).
    private mutating func exit(_ pc: UInt32, _ reason: C.ExitReason, r15: UInt32, retired: Int?,
                               itState: UInt8 = 0, chain: Bool = true) -> HostLabel {
        let l = a.newLabel()
        exits.append((l, pc, reason, r15, retired, itState, chain && reason == .next && itState == 0))
        return l
    }

    /// Whether the instruction before the current one is known when translating: it is in
    /// the block and not conditional (the M4 rules look at it).
    private var previousIsStatic: Bool { current > 0 && block[current - 1].itState == 0 }

    /// The Cortex-M4 rules' memory of the last retired instruction, as `retireScalar`
    /// leaves it (a conditional instruction stored it itself).
    private mutating func leavePrevious(_ retired: Int?) {
        guard model == .m4, let retired, block[retired].itState == 0 else { return }
        a.movImm64(.rax, block[retired].previousInfo)
        a.store64(HostMem(Self.ctx, C.previous), .rax)
    }

    private mutating func emitExits() {
        for (l, pc, reason, r15, retired, itState, chain) in exits {
            a.bind(l)
            a.storeImm32(HostMem(Self.ctx, C.exitPC), pc)
            a.storeImm32(HostMem(Self.ctx, C.exitReason), reason.rawValue)
            a.storeImm32(HostMem(Self.ctx, C.regs + 60), r15)
            if itState != 0 { a.storeImm8(HostMem(Self.ctx, C.itState), itState) }
            leavePrevious(retired)
            if let chaining, chain {
                a.movImm32(.rsi, pc)
                emitChain(chaining)
            } else {
                a.jmp(epilogue)
            }
        }
        for (l, r15, retired) in dynamicExits {
            a.bind(l)
            a.store32(HostMem(Self.ctx, C.exitPC), .rsi)
            a.storeImm32(HostMem(Self.ctx, C.exitReason), C.ExitReason.next.rawValue)
            a.storeImm32(HostMem(Self.ctx, C.regs + 60), r15)
            leavePrevious(retired)
            if let chaining { emitChain(chaining) } else { a.jmp(epilogue) }
        }
        emitSiteMisses()
        for (setQ, back) in outOfLineQ {
            a.bind(setQ)
            a.storeImm8(flag(C.flagQ), 1)
            a.jmp(back)
        }
        a.bind(epilogue)
        a.store64(HostMem(Self.ctx, C.now), Self.now)
        a.alu64(.add, .rsp, imm: 8)
        for r in [HostReg.r15, .r14, .r13, .r12, .rbp, .rbx] { a.pop(r) }
        a.ret()
        if let fetchStub { emitFetchStub(fetchStub) }
    }

    /// The current instruction retires: its slot's execution count, and the cycles the
    /// timing model charges (`CoreTimer.retire`; `branched`: it wrote PC; not `executed`:
    /// an IT condition skipped it, so it made no transfers).
    private mutating func retire(branched: Bool, executed: Bool = true) {
        var t = block[current]
        let st = t.timing
        if !executed { t.beats = 0; t.write = false }
        a.movImm64(.rax, t.executions)
        a.inc64(HostMem(.rax))
        guard model != .placeholder else {
            a.alu64(.add, Self.now, imm: Int32(executed ? UInt32(st.cycles) + t.beats : UInt32(st.skippedCycles)))
            return
        }
        if model == .m7 {
            // The Cortex-M7 rules run as the interpreter runs them (`retireM7`, with its
            // memos), from an execution record the helper fills in. An instruction whose
            // pending branch (at a block's start) was predicted right, that fetches
            // inside the fetch window or from the most recently used way, and whose data
            // stall is small, has no dynamic input but the pipeline state: when one of its
            // memo's entries matches that, the code applies it here.
            let bits = (executed ? UInt32(ExecutionRecord.Bit.executed) : 0) | (branched ? UInt32(ExecutionRecord.Bit.branched) : 0)
                | (t.write && t.beats != 0 ? UInt32(ExecutionRecord.Bit.write) : 0)
            let slow = a.newLabel(), slowWithStall = a.newLabel(), done = a.newLabel()
            do {
                let layout = CoreTimer.memoLayout
                // Only a block's first instruction can follow a branch (every branch ends
                // a block).
                if current == 0 { resolvePendingBranch(nextPC: t.pc, mispredicted: slow) }
                // A fetch outside the window that hits the most recently used way is
                // timed here (no stall; the branch before it, if any, is resolved); any
                // other is the slow path's.
                let inWindow = a.newLabel()
                if let r = resume[current] { a.bind(r.fetch) }
                compareFetchWindow(t.pc)
                a.jcc(.b, inWindow)
                inlineFetch(t.pc, miss: slow)
                a.bind(inWindow)
                // The data stall (r11), looked up here once: the slow path is told it.
                a.movImm64(.r11, 0)
                if t.beats != 0 {
                    let free = a.newLabel()
                    dataStall(t, free: free)
                    if let r = resume[current] { a.bind(r.stall) }
                    a.mov64(.r11, .rax)
                    a.alu64(.cmp, .rax, imm: 255)
                    a.jcc(.a, slowWithStall)
                    a.bind(free)
                }
                // key = token | stall << 40 | beats and record bits << 48 (no bubble)
                a.load32(.rax, HostMem(Self.ctx, C.token))
                a.movImm64(.rcx, UInt64(t.beats | bits << 8) << 48)
                a.alu64(.or, .rax, .rcx)
                a.mov64(.rcx, .r11)
                a.shift64(.shl, .rcx, 40)
                a.alu64(.or, .rax, .rcx)
                // rdx: the memo entry whose key matches, the first or the second.
                let hit = a.newLabel()
                a.movImm64(.rdx, t.memo &+ UInt64(layout.first))
                a.alu64(.cmp, .rax, HostMem(.rdx, Int32(layout.key)))
                a.jcc(.e, hit)
                a.alu64(.add, .rdx, imm: Int32(layout.second - layout.first))
                a.alu64(.cmp, .rax, HostMem(.rdx, Int32(layout.key)))
                a.jcc(.ne, slowWithStall)
                a.bind(hit)
                a.load32(.rax, HostMem(.rdx, Int32(layout.delta)))  // the stall included
                a.alu64(.add, Self.now, .rax)
                a.load32(.rax, HostMem(.rdx, Int32(layout.out)))
                a.store32(HostMem(Self.ctx, C.token), .rax)
                let pending = CoreTimer.translatedPendingKind(after: st, branched: branched)
                if pending != 0 {
                    // The branch waits for the next instruction (`retireM7`).
                    a.storeImm32(HostMem(Self.ctx, C.pendingKind), pending)
                    a.storeImm32(HostMem(Self.ctx, C.pendingPC), t.pc)
                    a.storeImm32(HostMem(Self.ctx, C.pendingFallthrough), t.pc &+ UInt32(t.inst.size))
                }
                if t.beats != 0 {
                    a.load64(.r8, HostMem(Self.ctx, t.write ? C.regionWrites : C.regionReads))
                    a.alu64(.add, HostMem(.r8, index: .rbp, scale: 8), imm: Int32(t.beats))
                }
                a.load32(.rax, HostMem(.rdx, Int32(layout.hits)))
                a.alu(.add, .rax, imm: 1)
                a.store32(HostMem(.rdx, Int32(layout.hits)), .rax)
                a.jcc(.ne, done)
                a.mov64(.rdi, Self.ctx)
                a.mov64(.rsi, .rdx)
                a.load64(.rax, HostMem(Self.ctx, C.wrapHelper))
                a.call(.rax)
                a.jmp(done)
            }
            // r9 (the helper's sixth argument): the data stall when the fast path looked it
            // up, else UInt64.max.
            a.bind(slow)
            a.movImm64(.r9, UInt64.max)
            let call = a.newLabel()
            a.jmp(call)
            a.bind(slowWithStall)
            a.mov64(.r9, .r11)
            a.bind(call)
            a.store64(HostMem(Self.ctx, C.now), Self.now)
            a.mov64(.rdi, Self.ctx)
            a.movImm64(.rsi, UInt64(UInt(bitPattern: t.slot)))  // the slot: its timing and memo
            a.movImm32(.rdx, t.pc)
            if t.beats != 0 {
                a.mov32(.rcx, .r12)
                a.mov32(.r8, .rbp)
                a.alu(.or, .r8, imm: t.beats << 8 | t.beatBytes << 16 | bits << 24)
            } else {
                a.movImm32(.rcx, 0)
                a.movImm32(.r8, UInt32(ExecutionRecord.noRegion) | bits << 24)
            }
            a.load64(.rax, HostMem(Self.ctx, C.retireHelper))
            a.call(.rax)
            a.mov64(Self.now, .rax)
            a.bind(done)
            return
        }
        // retireScalar. The fetch window first: its helper reads the cycle count before
        // this instruction.
        let inWindow = a.newLabel(), lookUp = a.newLabel()
        compareFetchWindow(t.pc)
        a.jcc(.b, inWindow)
        inlineFetch(t.pc, miss: lookUp)
        a.jmp(inWindow)
        a.bind(lookUp)
        fetchHelperCall(t.pc)
        a.alu64(.add, Self.now, .rax)
        a.bind(inWindow)
        if !executed {
            a.alu64(.add, Self.now, imm: Int32(st.skippedCycles))
            a.alu64(.add, HostMem(Self.ctx, C.skipped), imm: 1)
            if model == .m4 {
                a.movImm64(.rax, CoreTimer.skippedPrevious(flags: st.flags))
                a.store64(HostMem(Self.ctx, C.previous), .rax)
            }
            return
        }
        var base = Int32(st.cycles) + Int32(t.beats)
        if model == .m4 {
            if current == 0 {
                // A branch target: a 32-bit instruction that is not word-aligned needs one
                // more fetch ("P ranges from 1 to 3").
                if st.flags & TimingFlags.wide != 0 && t.pc & 2 != 0 {
                    let no = a.newLabel()
                    a.alu8(.cmp, HostMem(Self.ctx, C.branchTarget), imm: 0)
                    a.jcc(.e, no)
                    a.alu64(.add, Self.now, imm: 1)
                    a.alu64(.add, HostMem(Self.ctx, C.stallBranch), imm: 1)
                    a.bind(no)
                }
                a.storeImm8(HostMem(Self.ctx, C.branchTarget), 0)
            }
            if t.beats != 0 { base = m4LoadStore(t, base) }
            if st.unit & CoreTimer.m4FoldingIT != 0 { base = m4FoldIT(base) }
            if t.itState != 0 {
                // What follows reads it from the context (`previousIsStatic`).
                a.movImm64(.rax, t.previousInfo)
                a.store64(HostMem(Self.ctx, C.previous), .rax)
            }
        }
        a.alu64(.add, Self.now, imm: base)
        if t.beats != 0 {
            // The data stall of a region that is not free (`memory.data`).
            let free = a.newLabel()
            dataStall(t, free: free)
            a.alu64(.add, Self.now, .rax)
            a.bind(free)
        }
        if branched {
            let p = Int32(st.refill)
            if p != 0 {
                a.alu64(.add, Self.now, imm: p)
                a.alu64(.add, HostMem(Self.ctx, C.stallBranch), imm: p)
            }
            if model == .m4 { a.storeImm8(HostMem(Self.ctx, C.branchTarget), 1) }
        }
    }

    /// The pending branch, if any, resolved for the instruction at `nextPC` as
    /// `CoreTimer.resolveBranch` does when the predictor was right: the predictor trained,
    /// no bubble, nothing pending. A misprediction jumps to `mispredicted` with everything
    /// left as it was (the helper resolves it and charges the penalty). Clobbers rax, rcx,
    /// rdx, rsi, rdi, r8.
    private mutating func resolvePendingBranch(nextPC: UInt32, mispredicted: HostLabel) {
        let none = a.newLabel(), resolved = a.newLabel(), indirect = a.newLabel(), taken = a.newLabel()
        a.load32(.rax, HostMem(Self.ctx, C.pendingKind))
        a.test(.rax, .rax)
        a.jcc(.e, none)
        // rdx: the predictor entry; rsi, r8: the tag and counter tables; edi: nextPC.
        a.load32(.rcx, HostMem(Self.ctx, C.pendingPC))
        a.mov32(.rdx, .rcx)
        a.shift(.shr, .rdx, 1)
        a.alu(.and, .rdx, imm: UInt32(CoreTimer.branchPredictorEntries - 1))
        a.load64(.rsi, HostMem(Self.ctx, C.predictorTags))
        a.load64(.r8, HostMem(Self.ctx, C.predictorCounters))
        a.movImm32(.rdi, nextPC)
        a.alu(.cmp, .rax, imm: CoreTimer.translatedDirectBranch)
        a.jcc(.ne, indirect)
        // Direct (`BranchPredictor.direct`): predicted taken when the entry is the branch's
        // and its counter is 2 or 3.
        a.alu(.cmp, .rdi, HostMem(Self.ctx, C.pendingFallthrough))
        a.jcc(.ne, taken)
        // Not taken: right unless predicted taken; a counter of 1 counts down.
        a.alu(.cmp, .rcx, HostMem(.rsi, index: .rdx, scale: 4))
        a.jcc(.ne, resolved)
        a.loadU8(.rax, HostMem(.r8, index: .rdx))
        a.alu(.cmp, .rax, imm: 2)
        a.jcc(.ae, mispredicted)
        a.test(.rax, .rax)
        a.jcc(.e, resolved)
        a.storeImm8(HostMem(.r8, index: .rdx), 0)
        a.jmp(resolved)
        a.bind(taken)
        // Taken: right when predicted taken; the counter saturates at 3.
        a.alu(.cmp, .rcx, HostMem(.rsi, index: .rdx, scale: 4))
        a.jcc(.ne, mispredicted)
        a.loadU8(.rax, HostMem(.r8, index: .rdx))
        a.alu(.cmp, .rax, imm: 2)
        a.jcc(.b, mispredicted)
        a.storeImm8(HostMem(.r8, index: .rdx), 3)
        a.jmp(resolved)
        a.bind(indirect)
        // Indirect (`BranchPredictor.indirect`): not taken is right and trains nothing;
        // taken is right when the entry is the branch's with this target, and sets the
        // counter to 3.
        a.alu(.cmp, .rdi, HostMem(Self.ctx, C.pendingFallthrough))
        a.jcc(.e, resolved)
        a.alu(.cmp, .rcx, HostMem(.rsi, index: .rdx, scale: 4))
        a.jcc(.ne, mispredicted)
        a.load64(.rsi, HostMem(Self.ctx, C.predictorTargets))
        a.alu(.cmp, .rdi, HostMem(.rsi, index: .rdx, scale: 4))
        a.jcc(.ne, mispredicted)
        a.storeImm8(HostMem(.r8, index: .rdx), 3)
        a.bind(resolved)
        a.storeImm32(HostMem(Self.ctx, C.pendingKind), 0)
        a.bind(none)
    }

    /// The fetch of `pc`, outside the fetch window, when the context's fetch path
    /// (`CoreTimer.TranslatedFetchPath`) finds its line in the most recently used way of
    /// its set: no stall; the window moves to the line, and the region's fetch counter and
    /// the cache's hits count it. Anything else jumps to `miss` (the helper's). The look-up
    /// is one subroutine per block (`emitFetchStub`), which keeps the code small.
    private mutating func inlineFetch(_ pc: UInt32, miss: HostLabel) {
        if fetchStub == nil { fetchStub = a.newLabel() }
        a.movImm32(.rdi, pc)
        a.call(fetchStub!)
        a.test(.rax, .rax)
        a.jcc(.ne, miss)
    }

    /// The subroutine of `inlineFetch`: the pc in edi; eax 0 when it hit (and did what a
    /// hit does), else 1. Clobbers rcx, rdx, rsi, r8.
    private mutating func emitFetchStub(_ stub: HostLabel) {
        typealias P = CoreTimer.TranslatedFetchPath
        func field(_ k: PartialKeyPath<P>) -> HostMem {
            HostMem(Self.ctx, C.fetchPath + Int32(MemoryLayout<P>.offset(of: k)!))
        }
        let miss = a.newLabel(), whole = a.newLabel()
        a.bind(stub)
        a.mov32(.rax, .rdi)
        a.alu(.sub, .rax, field(\P.lo))
        a.alu(.cmp, .rax, field(\P.span))
        a.jcc(.ae, miss)
        a.load32(.rcx, field(\P.lineShift))
        a.mov32(.rax, .rdi)
        a.shiftCL(.shr, .rax)                                  // the line
        a.mov32(.rdx, .rax)
        a.alu(.and, .rdx, field(\P.setMask))
        a.load64(.rsi, field(\P.mru))
        a.load32(.rdx, HostMem(.rsi, index: .rdx, scale: 4))   // the set's MRU way
        a.load64(.rsi, field(\P.tags))
        a.alu(.cmp, .rax, HostMem(.rsi, index: .rdx, scale: 4))
        a.jcc(.ne, miss)
        a.load32(.r8, field(\P.sectored))
        a.test(.r8, .r8)
        a.jcc(.e, whole)
        // XIP: the sector's valid bit too.
        a.load32(.rcx, field(\P.sectorShift))
        a.mov32(.rax, .rdi)
        a.shiftCL(.shr, .rax)
        a.alu(.and, .rax, field(\P.sectorIndexMask))
        a.mov32(.rcx, .rax)
        a.movImm32(.rax, 1)
        a.shiftCL(.shl, .rax)
        a.load64(.rsi, field(\P.valid))
        a.loadU8(.rcx, HostMem(.rsi, index: .rdx))
        a.test(.rcx, .rax)
        a.jcc(.e, miss)
        a.bind(whole)
        a.load32(.rax, field(\P.windowMask))
        a.mov32(.rcx, .rax)
        a.not32(.rcx)
        a.alu(.and, .rcx, .rdi)
        a.store32(HostMem(Self.ctx, C.fetchLo), .rcx)
        a.alu(.add, .rax, imm: 1)
        a.store32(HostMem(Self.ctx, C.fetchSpan), .rax)
        a.load64(.rsi, field(\P.counter))
        a.inc64(HostMem(.rsi))
        a.inc64(HostMem(Self.ctx, index: .r8, scale: 8, C.fetchHits))
        a.movImm32(.rax, 0)
        a.ret()
        a.bind(miss)
        a.movImm32(.rax, 1)
        a.ret()
    }

    /// A transfer that lies in one D-cache line, the most recently used way of its set, in
    /// a region the D-cache serves: a hit with no stall (`CoreTimer.TranslatedDataPath`),
    /// counted, then a jump to `hit`; anything else falls through to the helper. Needs the
    /// address in r12d and the region index in ebp; clobbers rcx, rdx, rsi, r8 (not r11).
    private mutating func inlineDataCacheHit(_ t: TranslatableInstruction, hit: HostLabel) {
        typealias P = CoreTimer.TranslatedDataPath
        func field(_ k: PartialKeyPath<P>) -> HostMem {
            HostMem(Self.ctx, C.dataPath + Int32(MemoryLayout<P>.offset(of: k)!))
        }
        let helper = a.newLabel()
        a.load64(.r8, field(\P.cached))
        a.alu8(.cmp, HostMem(.r8, index: .rbp), imm: 0)
        a.jcc(.e, helper)
        a.load32(.rcx, field(\P.lineShift))
        a.mov32(.rdx, .r12)
        a.alu(.add, .rdx, imm: UInt32(t.beats) * UInt32(t.beatBytes) - 1)
        a.shiftCL(.shr, .rdx)                                   // the last byte's line
        a.mov32(.rsi, .r12)
        a.shiftCL(.shr, .rsi)                                   // the first byte's line
        a.alu(.cmp, .rsi, .rdx)
        a.jcc(.ne, helper)
        a.alu(.and, .rdx, field(\P.setMask))
        a.load64(.r8, field(\P.mru))
        a.load32(.rdx, HostMem(.r8, index: .rdx, scale: 4))     // the set's MRU way
        a.load64(.r8, field(\P.tags))
        a.alu(.cmp, .rsi, HostMem(.r8, index: .rdx, scale: 4))
        a.jcc(.ne, helper)
        a.inc64(HostMem(Self.ctx, C.dataHits))
        a.jmp(hit)
        a.bind(helper)
    }

    /// The fetch stall of `pc`, outside the fetch window, into rax (`translatedFetch`; it
    /// reads the cycle count before this instruction from the context).
    private mutating func fetchHelperCall(_ pc: UInt32) {
        a.store64(HostMem(Self.ctx, C.now), Self.now)
        a.mov64(.rdi, Self.ctx)
        a.movImm32(.rsi, pc)
        a.load64(.rax, HostMem(Self.ctx, C.fetchHelper))
        a.call(.rax)
    }

    /// Compare `pc` with the fetch window as `CoreTimer` does (`pc &- fetchLo` against
    /// `fetchSpan`): below (`.b`), the fetch is free; at or above (`.ae`), it must be timed.
    private mutating func compareFetchWindow(_ pc: UInt32) {
        a.movImm32(.rax, pc)
        a.alu(.sub, .rax, HostMem(Self.ctx, C.fetchLo))
        a.alu(.cmp, .rax, HostMem(Self.ctx, C.fetchSpan))
    }

    /// The data stall of `t`'s transfers into rax (`memory.data` through the helper), or a
    /// jump to `free` when the region has no wait states. Needs the address in r12d and
    /// the region index in ebp (`translateAddress`).
    private mutating func dataStall(_ t: TranslatableInstruction, free: HostLabel) {
        a.load64(.r8, HostMem(Self.ctx, C.dataFree))
        a.alu8(.cmp, HostMem(.r8, index: .rbp), imm: 0)
        a.jcc(.ne, free)
        inlineDataCacheHit(t, hit: free)
        a.mov64(.rdi, Self.ctx)
        a.mov32(.rsi, .r12)
        a.mov32(.rdx, .rbp)
        a.alu(.or, .rdx, imm: t.beats << 8 | t.beatBytes << 16 | (t.write ? 1 << 24 : 0))
        a.load64(.rax, HostMem(Self.ctx, C.dataHelper))
        a.call(.rax)
    }

    /// [M4] 3.3.2 single load/store timings and the address-generation interlock
    /// (`CoreTimer.m4LoadStore`): the rules against the previous instruction are decided
    /// here when it is in the block, emitted as tests of the context's copy when not.
    private mutating func m4LoadStore(_ t: TranslatableInstruction, _ base: Int32) -> Int32 {
        let st = t.timing
        var b = base
        let memOp = st.flags & (TimingFlags.memSingle | TimingFlags.multiple) != 0
        guard memOp else { return b }
        let div = UInt32(OpClass.div.rawValue)
        if previousIsStatic {
            let prev = block[current - 1].timing
            if prev.writes & st.early != 0 && UInt32(prev.opClass) <= div {
                b += 1
                a.alu64(.add, HostMem(Self.ctx, C.stallInterlock), imm: 1)
            }
        } else if st.early != 0 {
            let no = a.newLabel()
            a.loadU16(.rax, HostMem(Self.ctx, C.previous + 2))  // writes
            a.testImm(.rax, UInt32(st.early))
            a.jcc(.e, no)
            a.loadU8(.rax, HostMem(Self.ctx, C.previous))       // class
            a.alu(.cmp, .rax, imm: div)
            a.jcc(.a, no)
            a.alu64(.add, Self.now, imm: 1)
            a.alu64(.add, HostMem(Self.ctx, C.stallInterlock), imm: 1)
            a.bind(no)
        }
        guard st.flags & TimingFlags.memSingle != 0 else { return b }
        if st.flags & TimingFlags.storeImmediate != 0 {
            b = 1 + (b - base)  // "always one cycle" (plus the interlock above)
        } else if previousIsStatic {
            let prev = block[current - 1].timing
            if prev.flags & TimingFlags.loadLike != 0 && prev.loaded & st.early == 0 { b -= 1 }
        } else {
            let no = a.newLabel()
            a.loadU8(.rax, HostMem(Self.ctx, C.previous + 1))   // flags
            a.testImm(.rax, UInt32(TimingFlags.loadLike))
            a.jcc(.e, no)
            a.loadU16(.rax, HostMem(Self.ctx, C.previous + 4))  // loaded
            a.testImm(.rax, UInt32(st.early))
            a.jcc(.ne, no)
            a.alu64(.sub, Self.now, imm: 1)
            a.bind(no)
        }
        // Unaligned word or halfword: +1, or +2 for a byte-aligned word.
        if t.beatBytes > 1 {
            let done = a.newLabel()
            a.mov32(.rax, .r12)
            a.alu(.and, .rax, imm: t.beatBytes - 1)
            a.jcc(.e, done)
            a.alu64(.add, Self.now, imm: 1)
            if t.beatBytes == 4 {
                a.alu(.and, .rax, imm: 1)
                a.jcc(.e, done)
                a.alu64(.add, Self.now, imm: 1)
            }
            a.bind(done)
        }
        return b
    }

    /// [M4] An IT instruction folds onto a preceding 16-bit instruction that was not a
    /// hint (`retireScalar`): no cycles of its own.
    private mutating func m4FoldIT(_ base: Int32) -> Int32 {
        let hint = OpClass.hint.rawValue
        if previousIsStatic {
            let prev = block[current - 1].timing
            return prev.flags & TimingFlags.wide == 0 && prev.opClass != hint ? 0 : base
        }
        // The previous instruction from the context: class in byte 0, flags in byte 1.
        let keep = a.newLabel()
        a.loadU8(.rax, HostMem(Self.ctx, C.previous + 1))
        a.testImm(.rax, UInt32(TimingFlags.wide))
        a.jcc(.ne, keep)
        a.loadU8(.rax, HostMem(Self.ctx, C.previous))
        a.alu(.cmp, .rax, imm: UInt32(hint))
        a.jcc(.e, keep)
        a.alu64(.sub, Self.now, imm: base)
        a.bind(keep)
        return base
    }

    // MARK: Guest registers and flags

    private mutating func get(_ h: HostReg, _ g: Reg, _ pc: UInt32) {
        if g == .pc { a.movImm32(h, pc &+ 4) } else { a.load32(h, HostMem(Self.ctx, C.regs + Int32(g.rawValue) * 4)) }
    }

    /// Write a data-processing result (never PC; SP is word-aligned as `setReg` does).
    /// Clobbers the host flags.
    private mutating func put(_ g: Reg, _ h: HostReg) {
        if g == .sp { a.alu(.and, h, imm: ~3) }
        a.store32(HostMem(Self.ctx, C.regs + Int32(g.rawValue) * 4), h)
    }

    /// Write a loaded value (no SP alignment: `loadResult` stores it as it is).
    private mutating func putLoaded(_ g: Reg, _ h: HostReg) {
        a.store32(HostMem(Self.ctx, C.regs + Int32(g.rawValue) * 4), h)
    }

    private mutating func flag(_ offset: Int32) -> HostMem { HostMem(Self.ctx, offset) }

    /// N and Z from the host flags of an operation whose SF/ZF describe the result.
    private mutating func setNZ() {
        a.setcc(.s, flag(C.flagN))
        a.setcc(.e, flag(C.flagZ))
    }

    private func setsFlags(_ i: Instruction) -> Bool {
        // The 16-bit "outside IT" forms set flags outside IT blocks only.
        i.flags.contains(.setFlags) || (i.flags.contains(.setFlagsOutsideIT) && block[current].itState == 0)
    }

    /// The shifted register operand into `h` (Shift, A7.4.2); with `carry`, C becomes
    /// the shifter's carry out when the shift moves bits.
    private mutating func shifted(_ h: HostReg, _ i: Instruction, _ pc: UInt32, carry: Bool, of source: Reg? = nil) {
        get(h, source ?? i.rm, pc)
        let n = i.shiftAmount
        guard n != 0 else { return }
        switch i.shiftType {
        case .lsl: a.shift(.shl, h, n)
        case .lsr: a.shift(.shr, h, n)
        case .asr: a.shift(.sar, h, n)
        case .ror: a.shift(.ror, h, n)
        case .rrx: return
        }
        if carry { a.setcc(.b, flag(C.flagC)) }
    }

    // MARK: Instructions

    /// Emit one instruction; false when it ended the block (a branch).
    private mutating func emit(_ t: TranslatableInstruction, bail: HostLabel) -> Bool {
        let i = t.inst, pc = t.pc
        let next = pc &+ UInt32(i.size)
        switch i.op {
        // Branches
        case .b:
            let target = pc &+ 4 &+ i.imm
            if i.cond != .al {
                let notTaken = a.newLabel()
                condition(i.cond, falseLabel: notTaken)
                retire(branched: true)
                a.jmp(exit(target, .next, r15: pc &+ 4, retired: current))
                a.bind(notTaken)
                retire(branched: false)
                a.jmp(exit(next, .next, r15: pc &+ 4, retired: current))
                return false
            }
            retire(branched: true)
            a.jmp(exit(target, .next, r15: pc &+ 4, retired: current))
            return false
        case .bl:
            a.storeImm32(HostMem(Self.ctx, C.regs + 14 * 4), next | 1)
            retire(branched: true)
            a.jmp(exit(pc &+ 4 &+ i.imm, .next, r15: pc &+ 4, retired: current))
            return false
        case .cbz, .cbnz:
            get(.rax, i.rn, pc)
            a.test(.rax, .rax)
            let taken = a.newLabel()
            a.jcc(i.op == .cbz ? .e : .ne, taken)
            retire(branched: false)
            a.jmp(exit(next, .next, r15: pc &+ 4, retired: current))
            a.bind(taken)
            retire(branched: true)
            a.jmp(exit(pc &+ 4 &+ i.imm, .next, r15: pc &+ 4, retired: current))
            return false
        case .bx, .blx:
            get(.rax, i.rm, pc)
            bailUnlessThumbTarget(.rax, scratch: .rcx, bail: bail)
            if i.op == .blx { a.storeImm32(HostMem(Self.ctx, C.regs + 14 * 4), next | 1) }
            a.alu(.and, .rax, imm: ~1)
            a.mov32(.rbp, .rax)  // `retire` uses rax and the caller-saved registers
            retire(branched: true)
            a.mov32(.rsi, .rbp)
            let l = a.newLabel()
            dynamicExits.append((l, pc &+ 4, current))
            a.jmp(l)
            return false

        // Data processing, immediate
        case .movImm: logicalImm(i, pc) { _ in }
        case .mvnImm: logicalImm(i, pc) { $0.a.not32(.rax) }
        case .andImm: logicalImm(i, pc, rn: true) { $0.a.alu(.and, .rax, imm: i.imm) }
        case .orrImm: logicalImm(i, pc, rn: true) { $0.a.alu(.or, .rax, imm: i.imm) }
        case .eorImm: logicalImm(i, pc, rn: true) { $0.a.alu(.xor, .rax, imm: i.imm) }
        case .bicImm: logicalImm(i, pc, rn: true) { $0.a.alu(.and, .rax, imm: ~i.imm) }
        case .ornImm: logicalImm(i, pc, rn: true) { $0.a.alu(.or, .rax, imm: ~i.imm) }
        case .addImm, .subImm, .rsbImm, .adcImm, .sbcImm, .cmpImm, .cmnImm:
            a.movImm32(.rcx, i.imm)
            arith(i, pc, y: .rcx)
        case .tstImm, .teqImm:
            get(.rax, i.rn, pc)
            a.alu(i.op == .tstImm ? .and : .xor, .rax, imm: i.imm)
            setNZ()
            immCarry(i)
        case .movt:
            get(.rax, i.rd, pc)
            a.alu(.and, .rax, imm: 0xFFFF)
            a.alu(.or, .rax, imm: i.imm << 16)
            put(i.rd, .rax)
        case .adr:
            a.movImm32(.rax, ((pc &+ 4) & ~3) &+ i.imm)
            put(i.rd, .rax)

        // Data processing, register
        case .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .mvnReg, .movReg, .tstReg, .teqReg:
            let s = setsFlags(i) || i.op == .tstReg || i.op == .teqReg
            shifted(.rcx, i, pc, carry: s)
            switch i.op {
            case .movReg: a.mov32(.rax, .rcx)
            case .mvnReg: a.mov32(.rax, .rcx); a.not32(.rax)
            default:
                get(.rax, i.rn, pc)
                switch i.op {
                case .andReg, .tstReg: a.alu(.and, .rax, .rcx)
                case .eorReg, .teqReg: a.alu(.xor, .rax, .rcx)
                case .orrReg: a.alu(.or, .rax, .rcx)
                case .ornReg: a.not32(.rcx); a.alu(.or, .rax, .rcx)
                default: a.not32(.rcx); a.alu(.and, .rax, .rcx)  // bic
                }
            }
            if s {
                a.test(.rax, .rax)
                setNZ()
            }
            if i.op != .tstReg && i.op != .teqReg { put(i.rd, .rax) }
        case .addReg, .adcReg, .subReg, .sbcReg, .rsbReg, .cmpReg, .cmnReg:
            shifted(.rcx, i, pc, carry: false)
            arith(i, pc, y: .rcx)
        case .shiftReg:
            shiftByRegister(i, pc)
        case .ssat, .usat:
            saturate(i, pc)
        case .nop, .it:  // IT: its block's conditions are the translator's (`itState`)
            break

        // Multiplies
        case .mul:
            get(.rax, i.rn, pc)
            get(.rcx, i.rm, pc)
            a.imul(.rax, .rcx)
            if setsFlags(i) {
                a.test(.rax, .rax)
                setNZ()
            }
            put(i.rd, .rax)
        case .mla:
            get(.rax, i.rn, pc)
            get(.rcx, i.rm, pc)
            a.imul(.rax, .rcx)
            get(.rcx, i.ra, pc)
            a.alu(.add, .rax, .rcx)
            put(i.rd, .rax)
        case .smlad, .smuad, .smlsd, .smusd:
            get(.rcx, i.rn, pc)
            get(.rdx, i.rm, pc)
            if i.flags.contains(.swap) { a.shift(.ror, .rdx, 16) }
            // The halves sign-extended to 64 bits: the products and their sum need no
            // further extension.
            a.sx16to64(.rsi, .rcx)
            a.sx16to64(.rdi, .rdx)
            a.imul64(.rsi, .rdi)        // p1
            a.shift(.sar, .rcx, 16)
            a.shift(.sar, .rdx, 16)
            a.imul(.rcx, .rdx)          // p2 (fits 32 bits)
            a.sx32to64(.rcx, .rcx)
            let sub = i.op == .smlsd || i.op == .smusd
            a.alu64(sub ? .sub : .add, .rsi, .rcx)
            if i.op == .smlad || i.op == .smlsd {
                a.sx32to64(.rax, HostMem(Self.ctx, C.regs + Int32(i.ra.rawValue) * 4))
                a.alu64(.add, .rsi, .rax)
            }
            // Q: the 64-bit sum does not fit 32 bits (rare: set out of line, so that the
            // flag is not a chain of read-modify-writes through memory).
            let setQ = a.newLabel(), back = a.newLabel()
            a.sx32to64(.rdx, .rsi)
            a.alu64(.cmp, .rdx, .rsi)
            a.jcc(.ne, setQ)
            a.bind(back)
            outOfLineQ.append((setQ, back))
            put(i.rd, .rsi)

        case .smull, .umull, .smlal, .umlal:
            // RdHi:RdLo (= or +=) Rn * Rm, 64 bits (`writeLong`: RdLo, then RdHi).
            get(.rax, i.rn, pc)
            get(.rcx, i.rm, pc)
            if i.op == .smull || i.op == .smlal {
                a.sx32to64(.rax, .rax)
                a.sx32to64(.rcx, .rcx)
            }
            a.imul64(.rax, .rcx)
            if i.op == .smlal || i.op == .umlal {
                get(.rdx, i.ra, pc)  // RdHi
                a.shift64(.shl, .rdx, 32)
                get(.rsi, i.rd, pc)  // RdLo, zero-extended
                a.alu64(.or, .rdx, .rsi)
                a.alu64(.add, .rax, .rdx)
            }
            putLoaded(i.rd, .rax)
            a.shift64(.shr, .rax, 32)
            putLoaded(i.ra, .rax)
        case .qadd, .qsub:
            // Rd = SignedSat(Rm ± Rn, 32); Q set when it saturates.
            get(.rax, i.rm, pc)
            get(.rcx, i.rn, pc)
            a.sx32to64(.rax, .rax)
            a.sx32to64(.rcx, .rcx)
            a.alu64(i.op == .qadd ? .add : .sub, .rax, .rcx)
            let fits = a.newLabel()
            a.sx32to64(.rdx, .rax)
            a.alu64(.cmp, .rdx, .rax)
            a.jcc(.e, fits)
            a.mov64(.rdx, .rax)
            a.shift64(.sar, .rdx, 63)
            a.alu(.xor, .rdx, imm: 0x7FFF_FFFF)
            a.mov32(.rax, .rdx)
            a.storeImm8(flag(C.flagQ), 1)
            a.bind(fits)
            put(i.rd, .rax)

        // Extends
        case .sxtb16, .sxtab16:
            get(.rcx, i.rm, pc)
            if i.imm2 != 0 { a.shift(.ror, .rcx, i.imm2) }
            a.sx8(.rax, .rcx)
            a.shift(.shr, .rcx, 16)
            a.sx8(.rcx, .rcx)
            if i.op == .sxtab16 {
                get(.rdx, i.rn, pc)
                a.alu(.add, .rax, .rdx)
                a.shift(.shr, .rdx, 16)
                a.alu(.add, .rcx, .rdx)
            }
            a.zx16(.rax, .rax)
            a.shift(.shl, .rcx, 16)
            a.alu(.or, .rax, .rcx)
            put(i.rd, .rax)
        case .sxtb, .sxth, .uxtb, .uxth, .uxtab:
            get(.rcx, i.rm, pc)
            if i.imm2 != 0 { a.shift(.ror, .rcx, i.imm2) }
            switch i.op {
            case .sxtb: a.sx8(.rax, .rcx)
            case .sxth: a.sx16(.rax, .rcx)
            case .uxth: a.zx16(.rax, .rcx)
            default: a.zx8(.rax, .rcx)
            }
            if i.op == .uxtab {
                get(.rcx, i.rn, pc)
                a.alu(.add, .rax, .rcx)
            }
            put(i.rd, .rax)

        // Loads and stores
        case .ldrImm, .ldrt, .ldrbImm, .ldrbt, .ldrsbImm, .ldrsbt, .ldrhImm, .ldrht, .ldrshImm, .ldrsht:
            immAddress(i, pc)
            let kind: AccessKind = switch i.op {
            case .ldrImm, .ldrt: .word
            case .ldrhImm, .ldrht: .half
            case .ldrshImm, .ldrsht: .signedHalf
            case .ldrsbImm, .ldrsbt: .signedByte
            default: .byte
            }
            load(kind, bail: bail)
            if i.flags.contains(.wback) { a.store32(HostMem(Self.ctx, C.regs + Int32(i.rn.rawValue) * 4), .r9) }
            putLoaded(i.rd, .rax)
        case .strImm, .strt, .strbImm, .strbt, .strhImm, .strht:
            immAddress(i, pc)
            get(.r10, i.rd, pc)
            store(i.op == .strImm || i.op == .strt ? .word : i.op == .strhImm || i.op == .strht ? .half : .byte, bail: bail)
            if i.flags.contains(.wback) { a.store32(HostMem(Self.ctx, C.regs + Int32(i.rn.rawValue) * 4), .r9) }
        case .ldrReg, .ldrbReg, .ldrsbReg, .ldrhReg, .ldrshReg:
            regAddress(i, pc)
            let kind: AccessKind = switch i.op {
            case .ldrReg: .word
            case .ldrhReg: .half
            case .ldrshReg: .signedHalf
            case .ldrsbReg: .signedByte
            default: .byte
            }
            load(kind, bail: bail)
            putLoaded(i.rd, .rax)
        case .strReg, .strbReg, .strhReg:
            regAddress(i, pc)
            get(.r10, i.rd, pc)
            store(i.op == .strReg ? .word : i.op == .strhReg ? .half : .byte, bail: bail)
        case .ldrLit:
            let base = (pc &+ 4) & ~3
            a.movImm32(.rax, i.flags.contains(.add) ? base &+ i.imm : base &- i.imm)
            load(.word, bail: bail)
            putLoaded(i.rd, .rax)
        case .ldm where i.list & 0x8000 != 0:
            // POP {..., pc}: `multiple` leaves the target in the context's exit PC.
            multiple(i, pc, bail: bail)
            retire(branched: true)
            a.load32(.rsi, HostMem(Self.ctx, C.exitPC))
            let l = a.newLabel()
            dynamicExits.append((l, pc &+ 4, current))
            a.jmp(l)
            return false
        case .ldm, .stm, .stmdb:
            multiple(i, pc, bail: bail)

        default:
            preconditionFailure("BlockTranslator: \(i.op) passed canTranslate but has no emitter")
        }
        return true
    }

    /// LSL/LSR/ASR/ROR by register (Shift_C, A7.4.2): the amount is Rm's bottom byte, so
    /// shifts of 32 and more happen; x86 masks its count, so the value is shifted in 64
    /// bits with the amount clamped where the result no longer changes.
    private mutating func shiftByRegister(_ i: Instruction, _ pc: UInt32) {
        get(.rax, i.rn, pc)
        get(.rcx, i.rm, pc)
        a.alu(.and, .rcx, imm: 0xFF)
        a.mov32(.rdi, .rcx)  // the amount as written, for the carry's "amount != 0"
        // LSL and LSR by 33 or more give 0 with carry 0; ASR by 32 or more the sign.
        let clamp: UInt32 = i.shiftType == .asr ? 32 : i.shiftType == .ror ? 0xFF : 33
        if i.shiftType != .ror {
            let small = a.newLabel()
            a.alu(.cmp, .rcx, imm: clamp)
            a.jcc(.be, small)
            a.movImm32(.rcx, clamp)
            a.bind(small)
        }
        switch i.shiftType {
        case .lsl:
            // Result in bits 0–31, carry out in bit 32.
            a.shift64CL(.shl, .rax)
            a.mov64(.rdx, .rax)
            a.shift64(.shr, .rdx, 32)
        case .lsr, .asr:
            // The value in bits 32–63: result in 32–63, carry out in bit 31.
            a.shift64(.shl, .rax, 32)
            a.shift64CL(i.shiftType == .lsr ? .shr : .sar, .rax)
            a.mov64(.rdx, .rax)
            a.shift(.shr, .rdx, 31)
            a.shift64(.shr, .rax, 32)
        default:  // ror: by the amount mod 32; the carry is the result's bit 31
            a.shiftCL(.ror, .rax)
            a.mov32(.rdx, .rax)
            a.shift(.shr, .rdx, 31)
        }
        a.mov32(.rax, .rax)
        if setsFlags(i) {
            a.alu(.and, .rdx, imm: 1)
            let keep = a.newLabel()
            a.test(.rdi, .rdi)
            a.jcc(.e, keep)
            a.store8(flag(C.flagC), .rdx)
            a.bind(keep)
            a.test(.rax, .rax)
            setNZ()
        }
        put(i.rd, .rax)
    }

    /// SSAT/USAT (A7.7.145, A7.7.213): the shifted operand saturated to `imm2` bits; Q
    /// is set when it saturates.
    private mutating func saturate(_ i: Instruction, _ pc: UInt32) {
        shifted(.rax, i, pc, carry: false, of: i.rn)
        a.sx32to64(.rax, .rax)
        let bits = UInt32(i.imm2)
        let hi: Int32, lo: Int32
        if i.op == .ssat {
            hi = Int32(truncatingIfNeeded: (Int64(1) << (bits - 1)) - 1)
            lo = Int32(truncatingIfNeeded: -(Int64(1) << (bits - 1)))
        } else {
            hi = Int32(truncatingIfNeeded: (Int64(1) << bits) - 1)
            lo = 0
        }
        let done = a.newLabel(), low = a.newLabel(), sat = a.newLabel()
        a.alu64(.cmp, .rax, imm: lo)
        a.jcc(.l, low)
        a.alu64(.cmp, .rax, imm: hi)
        a.jcc(.le, done)
        a.movImm32(.rax, UInt32(bitPattern: hi))
        a.jmp(sat)
        a.bind(low)
        a.movImm32(.rax, UInt32(bitPattern: lo))
        a.bind(sat)
        a.storeImm8(flag(C.flagQ), 1)
        a.bind(done)
        put(i.rd, .rax)
    }

    /// BXWritePC (A2.3.1) for the target in `v`: an EXC_RETURN value or an ARM-state
    /// target (bit 0 clear) is the interpreter's.
    private mutating func bailUnlessThumbTarget(_ v: HostReg, scratch: HostReg, bail: HostLabel) {
        a.mov32(scratch, v)
        a.shift(.shr, scratch, 28)
        a.alu(.cmp, scratch, imm: 0xF)
        a.jcc(.e, bail)
        a.testImm(v, 1)
        a.jcc(.e, bail)
    }

    private mutating func immCarry(_ i: Instruction) {
        if i.flags.contains(.immCarryValid) { a.storeImm8(flag(C.flagC), i.flags.contains(.immCarry) ? 1 : 0) }
    }

    /// MOV/MVN/AND/ORR/EOR/BIC/ORN (immediate): `op` turns eax (Rn, or nothing) into the result.
    private mutating func logicalImm(_ i: Instruction, _ pc: UInt32, rn: Bool = false,
                                     _ op: (inout BlockTranslator) -> Void) {
        if rn { get(.rax, i.rn, pc) } else { a.movImm32(.rax, i.imm) }
        op(&self)
        if setsFlags(i) {
            a.test(.rax, .rax)
            setNZ()
            immCarry(i)
        }
        put(i.rd, .rax)
    }

    /// ADD/SUB/RSB/ADC/SBC/CMP/CMN with the second operand in `y` (AddWithCarry, A2.2.1).
    private mutating func arith(_ i: Instruction, _ pc: UInt32, y: HostReg) {
        var flags = setsFlags(i)
        var write = true
        let subtract: Bool
        switch i.op {
        case .cmpImm, .cmpReg:
            flags = true; write = false
            get(.rax, i.rn, pc)
            a.alu(.sub, .rax, y)
            subtract = true
        case .cmnImm, .cmnReg:
            flags = true; write = false
            get(.rax, i.rn, pc)
            a.alu(.add, .rax, y)
            subtract = false
        case .addImm, .addReg:
            get(.rax, i.rn, pc)
            a.alu(.add, .rax, y)
            subtract = false
        case .subImm, .subReg:
            get(.rax, i.rn, pc)
            a.alu(.sub, .rax, y)
            subtract = true
        case .rsbImm, .rsbReg:
            get(.rdx, i.rn, pc)
            a.mov32(.rax, y)
            a.alu(.sub, .rax, .rdx)
            subtract = true
        case .adcImm, .adcReg:
            get(.rax, i.rn, pc)
            a.loadU8(.rdx, flag(C.flagC))
            a.neg32(.rdx)                // CF = C
            a.alu(.adc, .rax, y)
            subtract = false
        default:  // sbc: x + ~y + C = x - y - !C
            get(.rax, i.rn, pc)
            a.loadU8(.rdx, flag(C.flagC))
            a.alu(.sub, .rdx, imm: 1)    // CF = !C
            a.alu(.sbb, .rax, y)
            subtract = true
        }
        if flags {
            setNZ()
            a.setcc(subtract ? .ae : .b, flag(C.flagC))
            a.setcc(.o, flag(C.flagV))
        }
        if write { put(i.rd, .rax) }
    }

    /// Jump to `falseLabel` unless the flags pass `cond` (ConditionPassed, A7.3.1).
    private mutating func condition(_ cond: Condition, falseLabel: HostLabel) {
        condition(bits: cond.rawValue, falseLabel: falseLabel)
    }

    /// `condition` for a 4-bit condition field (an IT block's).
    private mutating func condition(bits c: UInt8, falseLabel: HostLabel) {
        switch c >> 1 {
        case 0: a.loadU8(.rax, flag(C.flagZ))
        case 1: a.loadU8(.rax, flag(C.flagC))
        case 2: a.loadU8(.rax, flag(C.flagN))
        case 3: a.loadU8(.rax, flag(C.flagV))
        case 4:  // C && !Z
            a.loadU8(.rax, flag(C.flagZ))
            a.alu(.xor, .rax, imm: 1)
            a.loadU8(.rcx, flag(C.flagC))
            a.alu(.and, .rax, .rcx)
        case 5, 6:  // N == V (and !Z)
            a.loadU8(.rax, flag(C.flagN))
            a.loadU8(.rcx, flag(C.flagV))
            a.alu(.xor, .rax, .rcx)
            a.alu(.xor, .rax, imm: 1)
            if c >> 1 == 6 {
                a.loadU8(.rcx, flag(C.flagZ))
                a.alu(.xor, .rcx, imm: 1)
                a.alu(.and, .rax, .rcx)
            }
        default:
            return
        }
        a.test(.rax, .rax)
        a.jcc(c & 1 != 0 ? .ne : .e, falseLabel)
    }

    // MARK: Memory

    enum AccessKind { case word, half, signedHalf, byte, signedByte
        var bytes: UInt32 { switch self { case .word: 4; case .half, .signedHalf: 2; default: 1 } }
    }

    /// Address into eax, write-back value into r9d (`immAddress`).
    private mutating func immAddress(_ i: Instruction, _ pc: UInt32) {
        get(.rax, i.rn, pc)
        a.mov32(.r9, .rax)
        a.alu(i.flags.contains(.add) ? .add : .sub, .r9, imm: i.imm)
        if i.flags.contains(.index) { a.mov32(.rax, .r9) }
    }

    private mutating func regAddress(_ i: Instruction, _ pc: UInt32) {
        get(.rax, i.rn, pc)
        get(.rcx, i.rm, pc)
        if i.shiftAmount != 0 { a.shift(.shl, .rcx, i.shiftAmount) }
        a.alu(.add, .rax, .rcx)
    }

    /// What an instruction's accesses found last: the region, as its base, the offsets
    /// an access of the instruction's size may start at (0 ..< span), the host memory and
    /// the region's index. An access inside it needs no page-table look-up. Sites start
    /// empty (span 0) and are filled by the look-up; they are dropped with the translations
    /// (regions never move; a region that gains decoded code flushes them,
    /// `MemoryMap.codeChunk`, since a write site is filled only for a region without).
    enum AccessSite {
        static let lo: Int32 = 0, span: Int32 = 4, host: Int32 = 8, region: Int32 = 16
        static let stride = 32
    }

    /// The region of the access at eax (`bytes` long): rdx = host address, rsi = offset in
    /// the region, rcx and rbp = region index, r12 = the address; bails unless the bus fast
    /// path would take it. With sites, the instruction's site first.
    private mutating func translateAddress(bytes: UInt32, write: Bool, alignMask: Int32?, bail: HostLabel) {
        if let alignMask {
            a.test(.rax, HostMem(Self.ctx, alignMask))
            a.jcc(.ne, bail)
        }
        a.mov32(.r12, .rax)  // the address and region stay for the timing rules (`retire`)
        guard let sites else {
            lookUpRegion(bytes: bytes, write: write, bail: bail)
            return
        }
        let site = UInt64(UInt(bitPattern: sites)) &+ UInt64(current * AccessSite.stride)
        let miss = a.newLabel(), back = a.newLabel()
        a.movImm64(.rdi, site)
        a.mov32(.rsi, .rax)
        a.alu(.sub, .rsi, HostMem(.rdi, AccessSite.lo))
        a.alu(.cmp, .rsi, HostMem(.rdi, AccessSite.span))
        a.jcc(.ae, miss)
        a.load32(.rcx, HostMem(.rdi, AccessSite.region))
        a.mov32(.rbp, .rcx)
        a.load64(.rdx, HostMem(.rdi, AccessSite.host))
        a.alu64(.add, .rdx, .rsi)
        a.bind(back)
        siteMisses.append((miss, back, site, bytes, write, bail))
    }

    /// The region look-ups of accesses that missed their sites: as `lookUpRegion`, then
    /// the site holds the region (a write site only a region writes may take fast).
    private mutating func emitSiteMisses() {
        for m in siteMisses {
            a.bind(m.miss)
            lookUpRegion(bytes: m.bytes, write: m.write, bail: m.bail)
            // rdx: host address, rsi: offset, rcx: region index, r8: its RegionInfo.
            a.movImm64(.rdi, m.site)
            a.store32(HostMem(.rdi, AccessSite.region), .rcx)
            a.load32(.rcx, HostMem(.r8, layout.base))
            a.store32(HostMem(.rdi, AccessSite.lo), .rcx)
            a.load32(.rcx, HostMem(.r8, layout.size))
            a.alu(.sub, .rcx, imm: m.bytes - 1)
            a.store32(HostMem(.rdi, AccessSite.span), .rcx)
            a.load64(.rcx, HostMem(.r8, layout.memory))
            a.store64(HostMem(.rdi, AccessSite.host), .rcx)
            a.mov32(.rcx, .rbp)
            a.jmp(m.back)
        }
    }

    /// `translateAddress` through the page table (r12 already holds the address). Leaves
    /// the region's `RegionInfo` in r8.
    private mutating func lookUpRegion(bytes: UInt32, write: Bool, bail: HostLabel) {
        a.mov32(.rcx, .rax)
        a.shift(.shr, .rcx, 12)
        a.loadU8(.rcx, HostMem(Self.pages, index: .rcx))
        a.alu(.sub, .rcx, imm: 1)
        a.alu(.cmp, .rcx, imm: 0xFE)
        a.jcc(.ae, bail)
        a.mov32(.rbp, .rcx)
        a.imul(.rdx, .rcx, imm: layout.stride)
        a.alu64(.add, .rdx, Self.regions)
        a.mov32(.rsi, .rax)
        a.alu(.sub, .rsi, HostMem(.rdx, layout.base))
        a.load32(.rdi, HostMem(.rdx, layout.size))
        a.alu(.sub, .rdi, imm: bytes)
        a.alu(.cmp, .rsi, .rdi)
        a.jcc(.a, bail)
        if write {
            a.alu8(.cmp, HostMem(.rdx, layout.writable), imm: 0)
            a.jcc(.e, bail)
            a.alu64(.cmp, HostMem(.rdx, layout.code), imm: 0)
            a.jcc(.ne, bail)
        }
        a.mov64(.r8, .rdx)
        a.load64(.rdx, HostMem(.rdx, layout.memory))
        a.alu64(.add, .rdx, .rsi)
    }

    /// The transfer counters the timing model keeps per region (`countTransfers`).
    private mutating func countTransfer(write: Bool, beats: Int32) {
        if model == .m7 { return }  // `retireM7` counts them
        a.load64(.r8, HostMem(Self.ctx, write ? C.regionWrites : C.regionReads))
        a.alu64(.add, HostMem(.r8, index: .rcx, scale: 8), imm: beats)
    }

    /// Load from the address in eax into eax.
    private mutating func load(_ kind: AccessKind, bail: HostLabel) {
        translateAddress(bytes: kind.bytes, write: false,
                         alignMask: kind == .word ? C.alignMask32 : kind.bytes == 2 ? C.alignMask16 : nil, bail: bail)
        switch kind {
        case .word: a.load32(.rax, HostMem(.rdx))
        case .half: a.loadU16(.rax, HostMem(.rdx))
        case .signedHalf: a.loadS16(.rax, HostMem(.rdx))
        case .byte: a.loadU8(.rax, HostMem(.rdx))
        case .signedByte: a.loadS8(.rax, HostMem(.rdx))
        }
        countTransfer(write: false, beats: 1)
    }

    /// Store r10d at the address in eax.
    private mutating func store(_ kind: AccessKind, bail: HostLabel) {
        translateAddress(bytes: kind.bytes, write: true,
                         alignMask: kind == .word ? C.alignMask32 : kind == .half ? C.alignMask16 : nil, bail: bail)
        switch kind {
        case .word: a.store32(HostMem(.rdx), .r10)
        case .half: a.store16(HostMem(.rdx), .r10)
        default: a.store8(HostMem(.rdx), .r10)
        }
        countTransfer(write: true, beats: 1)
    }

    /// LDM / STM / STMDB (PUSH): every word in one region, checked before the first.
    private mutating func multiple(_ i: Instruction, _ pc: UInt32, bail: HostLabel) {
        let n = UInt32(i.list.nonzeroBitCount)
        get(.rax, i.rn, pc)
        a.mov32(.r9, .rax)
        if i.op == .stmdb {
            a.alu(.sub, .rax, imm: 4 * n)
            a.mov32(.r9, .rax)            // write-back value: the lowest address
        } else {
            a.alu(.add, .r9, imm: 4 * n)
        }
        a.mov32(.r11, .rax)
        a.alu(.and, .r11, imm: 3)
        a.jcc(.ne, bail)
        let write = i.op != .ldm
        translateAddress(bytes: 4 * n, write: write, alignMask: nil, bail: bail)
        if !write && i.list & 0x8000 != 0 {
            // LoadWritePC, decided before any register changes. The target waits in the
            // context (`retire` needs every scratch register).
            a.load32(.r10, HostMem(.rdx, 4 * Int32(n - 1)))
            bailUnlessThumbTarget(.r10, scratch: .r11, bail: bail)
            a.alu(.and, .r10, imm: ~1)
            a.store32(HostMem(Self.ctx, C.exitPC), .r10)
        }
        var list = i.list & 0x7FFF
        var k: Int32 = 0
        while list != 0 {
            let r = Int32(list.trailingZeroBitCount)
            if write {
                a.load32(.r10, HostMem(Self.ctx, C.regs + r * 4))
                a.store32(HostMem(.rdx, 4 * k), .r10)
            } else {
                a.load32(.r10, HostMem(.rdx, 4 * k))
                a.store32(HostMem(Self.ctx, C.regs + r * 4), .r10)
            }
            k += 1
            list &= list &- 1
        }
        if i.flags.contains(.wback) { a.store32(HostMem(Self.ctx, C.regs + Int32(i.rn.rawValue) * 4), .r9) }
        countTransfer(write: write, beats: Int32(n))
    }
}
