import ThumbISA

// Machine IR: Thumb instructions over virtual registers, between lowering and register
// allocation. Virtual register numbers 0...15 are the physical registers r0...r15
// (used where the calling convention fixes a register); numbers from 16 up are virtual.

typealias VReg = Int
let noReg: VReg = -1
let firstVirtual: VReg = 16

/// What an instruction may do to the condition flags.
enum FlagPolicy {
    /// Either: the encoder picks the smallest encoding, flag-setting or not.
    case dontCare
    /// Must set N, Z, C, V (a branch or an ADC reads them next).
    case set
    /// Must leave them alone (between a compare and its branch).
    case preserve
}

/// Operand slots of an `Instruction`, as bit positions in the masks below.
enum SlotBit {
    static let rd: UInt8 = 1, rn: UInt8 = 2, rm: UInt8 = 4, ra: UInt8 = 8
}

/// The four operand slots of an `MInst` (rd, rn, rm, ra), stored inline: every pass
/// copies and rewrites instructions, and an array here cost an allocation each.
struct RegSlots: RandomAccessCollection, MutableCollection, Equatable {
    var rd: VReg, rn: VReg, rm: VReg, ra: VReg

    init(_ rd: VReg = noReg, _ rn: VReg = noReg, _ rm: VReg = noReg, _ ra: VReg = noReg) {
        self.rd = rd
        self.rn = rn
        self.rm = rm
        self.ra = ra
    }

    var startIndex: Int { 0 }
    var endIndex: Int { 4 }
    func index(after i: Int) -> Int { i + 1 }
    func index(before i: Int) -> Int { i - 1 }

    subscript(k: Int) -> VReg {
        get {
            switch k {
            case 0: rd
            case 1: rn
            case 2: rm
            default: ra
            }
        }
        set {
            switch k {
            case 0: rd = newValue
            case 1: rn = newValue
            case 2: rm = newValue
            default: ra = newValue
            }
        }
    }
}

struct MInst {
    enum Kind: Equatable {
        /// `inst` with its registers from `regs`.
        case op
        /// regs[0] = regs[1] (MOV, no flags; removed when both get the same register).
        case copy
        /// regs[0] = a constant (MOV/MOVW/MOVT or a literal, chosen when emitting).
        case loadConst(UInt32)
        /// regs[0] = the address of a table or kernel in the module (PC-relative).
        case loadAddress(String)
        case label(Int)
        case jump(Int)
        /// B<cond>: follows the instruction that set the flags.
        case branch(ThumbISA.Condition, Int)
        /// if cond { regs[0] = regs[1] } (IT block on ARMv7-M, a short branch on ARMv6-M).
        case condMove(ThumbISA.Condition)
        /// BL to a kernel; `implicitUses` are the argument registers, `implicitDefs` the
        /// registers AAPCS lets the callee change.
        case call(String)
        /// Return (the epilogue is emitted here).
        case ret
        /// regs[0] = stack slot n / stack slot n = regs[1] (inserted by the allocator).
        case spillLoad(Int)
        case spillStore(Int)
        /// regs[0] = incoming argument n (n ≥ 4, passed on the stack).
        case stackArg(Int)
        /// outgoing argument n (n ≥ 4) = regs[1].
        case outArg(Int)
    }

    var kind: Kind
    var inst = Instruction(.nop)
    /// rd, rn, rm, ra.
    var regs = RegSlots()
    var defMask: UInt8 = 0
    var useMask: UInt8 = 0
    /// ARMv6-M: slots that must be r0–r7.
    var lowMask: UInt8 = 0
    var implicitUses: [VReg] = []
    var implicitDefs: [VReg] = []
    var flags: FlagPolicy = .dontCare
    /// IR source line (0: compiler-generated code with no line of its own).
    var line: Int
    /// Loop nesting depth, for spill costs.
    var depth: Int

    init(_ kind: Kind, line: Int, depth: Int) {
        self.kind = kind
        self.line = line
        self.depth = depth
    }

    var defs: [VReg] {
        var out: [VReg] = []
        forEachDef { out.append($0) }
        return out
    }

    var uses: [VReg] {
        var out: [VReg] = []
        forEachUse { out.append($0) }
        return out
    }

    /// The registers `defs` lists, in its order, without building the array.
    @inline(__always)
    func forEachDef(_ body: (VReg) throws -> Void) rethrows {
        for k in 0..<4 where defMask & (1 << UInt8(k)) != 0 && regs[k] != noReg { try body(regs[k]) }
        for v in implicitDefs { try body(v) }
    }

    /// The registers `uses` lists, in its order, without building the array.
    @inline(__always)
    func forEachUse(_ body: (VReg) throws -> Void) rethrows {
        for k in 0..<4 where useMask & (1 << UInt8(k)) != 0 && regs[k] != noReg { try body(regs[k]) }
        for v in implicitUses { try body(v) }
    }

    var isLabel: Bool { if case .label = kind { return true } else { return false } }

    /// Control does not continue to the next instruction.
    var isBarrier: Bool {
        switch kind {
        case .jump, .ret: true
        default: false
        }
    }

    var branchTarget: Int? {
        switch kind {
        case let .jump(l), let .branch(_, l): l
        default: nil
        }
    }
}

/// A function in machine IR, ready for register allocation.
struct MFunction {
    var name: String
    var code: [MInst]
    var nextVReg: VReg
    var nextLabel: Int
    /// Incoming arguments passed on the stack (beyond r0–r3).
    var stackParameters: Int
    /// Largest number of stack-passed arguments of any call it makes.
    var outgoingStackWords: Int
    var makesCalls: Bool
    /// Line of the kernel declaration (for prologue and epilogue).
    var declarationLine: Int
    var file: String
    /// Pairs of virtual registers that should share a physical register when their live
    /// ranges allow (one variable's successive values that web splitting separated).
    var preferences: [(VReg, VReg)] = []
}
