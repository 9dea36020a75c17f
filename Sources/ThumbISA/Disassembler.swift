// GNU-syntax disassembly of one decoded instruction, as `arm-none-eabi-objdump -d` (GNU
// binutils 2.40) prints it: the same mnemonics (condition suffix inside IT blocks, "s"
// for 16-bit flag setting outside them, ".w"/".n" where objdump writes them), the same
// operand order and number formats, and objdump's "@" comments (immediates above 32 in
// hex, literal addresses, UNPREDICTABLE notes).
//
// The operand values come from the decoded `Instruction`; the row tells which encoding
// was used (16 or 32 bits, which form), because objdump's text depends on it: "adds r0,
// #1" (ADD T2) but "adds r0, r0, #1" (ADD T1), "lsl.w r0, r1, r2" but "mov.w r0, r1,
// lsl #2".

/// Where an instruction sits in an IT block (A7.3.3): the condition it executes under and
/// whether it is the block's last instruction.
public struct ITPosition: Sendable, Hashable {
    public var condition: Condition
    public var isLast: Bool
    public init(condition: Condition, isLast: Bool) {
        self.condition = condition
        self.isLast = isLast
    }
}

/// One disassembled instruction in objdump's three parts.
public struct DisassembledText: Sendable, Hashable, CustomStringConvertible {
    public var mnemonic: String
    public var operands: String
    /// objdump's trailing comment without the "@ " (hex value, literal address...).
    public var comment: String?
    /// objdump prints the tab after the mnemonic even though no operand follows (CPS
    /// with neither I nor F).
    public var emptyOperandField: Bool

    public init(mnemonic: String, operands: String = "", comment: String? = nil, emptyOperandField: Bool = false) {
        self.mnemonic = mnemonic
        self.operands = operands
        self.comment = comment
        self.emptyOperandField = emptyOperandField
    }

    /// The text as objdump prints it after the address: mnemonic, tab, operands, then a tab
    /// and "@ comment".
    public var description: String {
        var s = mnemonic
        if !operands.isEmpty || emptyOperandField { s += "\t" + operands }
        // objdump's MOV r8, r8 line has the comment after three tabs.
        if let comment { s += (operands.isEmpty && comment == "(mov r8, r8)" ? "\t\t\t@ " : "\t@ ") + comment }
        return s
    }

    /// Mnemonic and operands only, separated by a space (for messages and fault reports).
    public var plain: String { operands.isEmpty ? mnemonic : mnemonic + " " + operands }
}

public enum Disassembler {
    /// Names an address for branch targets and literal loads (objdump's " <main+0x1c>").
    public typealias Symbolizer = (UInt32) -> String?

    /// Mnemonic and operands of one instruction at `address`, on one line ("adds r0, r1,
    /// #1"). `itCondition` is the condition it executes under inside an IT block, if any.
    /// An undefined instruction reads "<undefined>", or names the encoding and the
    /// architecture it needs when the core is too old for it.
    public static func text(_ inst: Instruction, address: UInt32, itCondition: Condition? = nil) -> String {
        if inst.op == .undefined {
            guard let row = inst.encodingRow else { return "<undefined>" }
            return "<undefined: \(row.name) needs \(row.arch)>"
        }
        let it = itCondition.map { ITPosition(condition: $0, isLast: true) }
        return format(inst, address: address, it: it).plain
    }

    /// The objdump text of a decoded instruction at `address`. `it` places it in an IT
    /// block; `symbolize` names branch and literal targets (without it, targets print as
    /// "0x..." like objdump's for a file without symbols).
    public static func format(
        _ inst: Instruction, address: UInt32, it: ITPosition? = nil, symbolize: Symbolizer? = nil
    ) -> DisassembledText {
        guard inst.op != .undefined, let row = inst.encodingRow else {
            return DisassembledText(mnemonic: "", comment: "<UNDEFINED> instruction")
        }
        var f = Formatter(inst: inst, row: row, address: address, it: it, symbolize: symbolize)
        f.run()
        return DisassembledText(mnemonic: f.mnemonic, operands: f.operands, comment: f.comment,
                                emptyOperandField: f.operands.isEmpty && inst.op == .cps)
    }
}

// MARK: - The formatter

private struct Formatter {
    let i: Instruction
    let row: EncodingRow
    let address: UInt32
    let it: ITPosition?
    let symbolize: Disassembler.Symbolizer?

    var mnemonic = ""
    var operands = ""
    var comments: [String] = []
    /// objdump's `value_in_comment`: printed in hex when above 32 or below -16.
    var value: Int64 = 0

    init(inst: Instruction, row: EncodingRow, address: UInt32, it: ITPosition?, symbolize: Disassembler.Symbolizer?) {
        self.i = inst
        self.row = row
        self.address = address
        self.it = it
        self.symbolize = symbolize
    }

    var comment: String? {
        var all = comments
        if value > 32 || value < -16 { all.append("0x" + String(UInt64(bitPattern: value), radix: 16)) }
        return all.isEmpty ? nil : all.joined(separator: "\t@ ")
    }

    var narrow: Bool { row.size == 2 }
    var cond: String { it.map { $0.condition.description } ?? "" }

    /// stem + "s" + condition + ".w": objdump's order of suffixes.
    mutating func mn(_ stem: String, s: Bool = false, wide: Bool? = nil, n: Bool = false) {
        mnemonic = stem + (s ? "s" : "") + cond + ((wide ?? row.wide) ? ".w" : "") + (n ? ".n" : "")
    }

    /// The 16-bit data-processing rule: "s" outside an IT block, the condition inside.
    mutating func mn16(_ stem: String) {
        switch row.setFlags {
        case .outsideIT: mnemonic = stem + (it == nil ? "s" : cond)
        default: mnemonic = stem + cond
        }
    }

    /// Mnemonic for 32-bit data processing with an S bit.
    mutating func mnS(_ stem: String) { mn(stem, s: i.flags.contains(.setFlags)) }

    func r(_ reg: Reg) -> String { reg.description }

    func imm(_ v: UInt32) -> String { "#\(v)" }

    /// A branch or literal address: "805c <main+0x1c>" with symbols, "0x805c" without a
    /// symbol table (as objdump prints both).
    func target(_ a: UInt32) -> String {
        let hex = String(a, radix: 16)
        guard let symbolize else { return "0x" + hex }
        if let name = symbolize(a) { return hex + " <" + name + ">" }
        return hex
    }

    /// ", lsl #3" and friends for a shifted register operand (objdump's %S).
    var shiftSuffix: String {
        switch i.shiftType {
        case .lsl: return i.shiftAmount == 0 ? "" : ", lsl #\(i.shiftAmount)"
        case .lsr: return ", lsr #\(i.shiftAmount)"
        case .asr: return ", asr #\(i.shiftAmount)"
        case .ror: return ", ror #\(i.shiftAmount)"
        case .rrx: return ", rrx"
        }
    }

    var rotationSuffix: String { i.imm2 == 0 ? "" : ", ror #\(i.imm2)" }

    func list(_ bits: UInt16) -> String {
        "{" + (0..<16).filter { bits & (1 << $0) != 0 }.map { Reg($0).description }.joined(separator: ", ") + "}"
    }

    /// "@ unpredictable <IT:eq>" for instructions that may not be in an IT block (%X).
    mutating func notInIT() {
        if let it { comments.append("unpredictable <IT:\(it.condition)>") }
    }

    /// "@ unpredictable branch in IT block" for branches that must be last (%x).
    mutating func lastInIT() {
        if let it, !it.isLast { comments.append("unpredictable branch in IT block\n") }
    }

    var name: String { row.name }

    mutating func run() {
        switch i.op {
        case .undefined:
            break

        // MARK: Data processing, immediate
        case .andImm, .eorImm, .orrImm, .ornImm, .bicImm, .adcImm, .sbcImm, .rsbImm, .addImm, .subImm:
            dataImmediate()
        case .tstImm, .teqImm, .cmpImm, .cmnImm:
            let stem = ["tst", "teq", "cmp", "cmn"][Int(i.op.rawValue - Op.tstImm.rawValue)]
            mn(stem)
            operands = "\(r(i.rn)), \(imm(i.imm))"
            value = Int64(i.imm)
        case .movImm:
            if narrow {
                mn16("mov")
            } else if let m = row.mnemonic {
                mn(m)
            } else {
                mnS("mov")
            }
            operands = "\(r(i.rd)), \(imm(i.imm))"
            value = Int64(i.imm)
        case .mvnImm:
            mnS("mvn")
            operands = "\(r(i.rd)), \(imm(i.imm))"
            value = Int64(i.imm)
        case .movt:
            mn("movt")
            operands = "\(r(i.rd)), \(imm(i.imm))"
            value = Int64(i.imm)
        case .adr:
            let base = (address &+ 4) & ~3
            if narrow {
                // ADR T1: objdump writes the ADD form and the address in a comment.
                mn("add")
                operands = "\(r(i.rd)), pc, \(imm(i.imm))"
                comments.append("(adr \(r(i.rd)), \(target(base &+ i.imm)))")
            } else {
                let negative = Int32(bitPattern: i.imm) < 0
                mn(negative ? "subw" : "addw")
                let magnitude = negative ? 0 &- i.imm : i.imm
                operands = "\(r(i.rd)), pc, \(imm(magnitude))"
                value = Int64(magnitude)
            }

        // MARK: Data processing, register
        case .andReg, .eorReg, .orrReg, .ornReg, .bicReg, .addReg, .adcReg, .subReg, .sbcReg, .rsbReg:
            dataRegister()
        case .tstReg, .teqReg, .cmpReg, .cmnReg:
            let stem = ["tst", "teq", "cmp", "cmn"][Int(i.op.rawValue - Op.tstReg.rawValue)]
            mn(stem)
            operands = "\(r(i.rn)), \(r(i.rm))" + (narrow ? "" : shiftSuffix)
        case .movReg:
            moveRegister()
        case .mvnReg:
            if narrow { mn16("mvn") } else { mnS("mvn") }
            operands = "\(r(i.rd)), \(r(i.rm))" + (narrow ? "" : shiftSuffix)
        case .shiftReg:
            let stem = ["lsl", "lsr", "asr", "ror", "rrx"][Int(i.shiftType.rawValue)]
            if narrow {
                mn16(stem)
                operands = "\(r(i.rd)), \(r(i.rm))"
            } else {
                mnS(stem)
                operands = "\(r(i.rd)), \(r(i.rn)), \(r(i.rm))"
            }

        // MARK: Multiply and divide
        case .mul:
            if narrow {
                mn16("mul")
                operands = "\(r(i.rd)), \(r(i.rn))"
            } else {
                mn("mul")
                operands = "\(r(i.rd)), \(r(i.rn)), \(r(i.rm))"
            }
        case .mla, .mls:
            mn(i.op == .mla ? "mla" : "mls")
            operands = threeRegs + ", \(r(i.ra))"
        case .smull, .umull, .smlal, .umlal, .umaal:
            mn(["smull", "umull", "smlal", "umlal", "umaal"][Int(i.op.rawValue - Op.smull.rawValue)])
            operands = longRegs
        case .sdiv, .udiv:
            mn(i.op == .sdiv ? "sdiv" : "udiv")
            operands = threeRegs
        case .smlaxy:
            mn("smla" + halves)
            operands = threeRegs + ", \(r(i.ra))"
        case .smulxy:
            mn("smul" + halves)
            operands = threeRegs
        case .smlawy:
            mn("smlaw" + (i.flags.contains(.mHigh) ? "t" : "b"))
            operands = threeRegs + ", \(r(i.ra))"
        case .smulwy:
            mn("smulw" + (i.flags.contains(.mHigh) ? "t" : "b"))
            operands = threeRegs
        case .smlalxy:
            mn("smlal" + halves)
            operands = longRegs
        case .smlad, .smlsd:
            mn((i.op == .smlad ? "smlad" : "smlsd") + (i.flags.contains(.swap) ? "x" : ""))
            operands = threeRegs + ", \(r(i.ra))"
        case .smuad, .smusd:
            mn((i.op == .smuad ? "smuad" : "smusd") + (i.flags.contains(.swap) ? "x" : ""))
            operands = threeRegs
        case .smlald, .smlsld:
            mn((i.op == .smlald ? "smlald" : "smlsld") + (i.flags.contains(.swap) ? "x" : ""))
            operands = longRegs
        case .smmul:
            mn("smmul" + (i.flags.contains(.round) ? "r" : ""))
            operands = threeRegs
        case .smmla, .smmls:
            mn((i.op == .smmla ? "smmla" : "smmls") + (i.flags.contains(.round) ? "r" : ""))
            operands = threeRegs + ", \(r(i.ra))"
        case .usad8:
            mn("usad8")
            operands = threeRegs
        case .usada8:
            mn("usada8")
            operands = threeRegs + ", \(r(i.ra))"

        // MARK: SIMD, saturation, packing, extension, bit operations
        case .parallel:
            mn(ParallelOp(rawValue: i.imm2).mnemonic)
            operands = threeRegs
        case .ssat, .usat:
            mn(i.op == .ssat ? "ssat" : "usat")
            var shift = ""
            if i.shiftType == .asr { shift = ", asr #\(i.shiftAmount)" }
            else if i.shiftAmount != 0 { shift = ", lsl #\(i.shiftAmount)" }
            operands = "\(r(i.rd)), #\(i.imm2), \(r(i.rn))" + shift
            value = Int64(i.imm2)
        case .ssat16, .usat16:
            mn(i.op == .ssat16 ? "ssat16" : "usat16")
            operands = "\(r(i.rd)), #\(i.imm2), \(r(i.rn))"
            value = Int64(i.imm2)
        case .qadd, .qsub, .qdadd, .qdsub:
            // objdump prints QADD <Rd>, <Rm>, <Rn> (the ARM ARM operand order).
            mn(["qadd", "qsub", "qdadd", "qdsub"][Int(i.op.rawValue - Op.qadd.rawValue)])
            operands = "\(r(i.rd)), \(r(i.rm)), \(r(i.rn))"
        case .sxtb, .sxth, .uxtb, .uxth, .sxtb16, .uxtb16:
            let stems: [Op: String] = [.sxtb: "sxtb", .sxth: "sxth", .uxtb: "uxtb", .uxth: "uxth",
                                       .sxtb16: "sxtb16", .uxtb16: "uxtb16"]
            mn(stems[i.op] ?? "")
            operands = "\(r(i.rd)), \(r(i.rm))" + rotationSuffix
        case .sxtab, .sxtah, .uxtab, .uxtah, .sxtab16, .uxtab16:
            let stems: [Op: String] = [.sxtab: "sxtab", .sxtah: "sxtah", .uxtab: "uxtab", .uxtah: "uxtah",
                                       .sxtab16: "sxtab16", .uxtab16: "uxtab16"]
            mn(stems[i.op] ?? "")
            operands = threeRegs + rotationSuffix
        case .bfc:
            mn("bfc")
            operands = "\(r(i.rd)), #\(i.imm), #\(bitfieldWidth)"
        case .bfi:
            mn("bfi")
            operands = "\(r(i.rd)), \(r(i.rn)), #\(i.imm), #\(bitfieldWidth)"
        case .sbfx, .ubfx:
            mn(i.op == .sbfx ? "sbfx" : "ubfx")
            operands = "\(r(i.rd)), \(r(i.rn)), #\(i.imm), #\(UInt32(i.imm2) + 1)"
        case .clz, .rbit, .rev, .rev16, .revsh:
            mn(["clz", "rbit", "rev", "rev16", "revsh"][Int(i.op.rawValue - Op.clz.rawValue)])
            operands = "\(r(i.rd)), \(r(i.rm))"
        case .sel:
            mn("sel")
            operands = threeRegs
        case .pkh:
            mn(i.flags.contains(.tb) ? "pkhtb" : "pkhbt")
            operands = threeRegs + shiftSuffix

        // MARK: Loads and stores
        case .ldrImm, .ldrbImm, .ldrhImm, .ldrsbImm, .ldrshImm, .strImm, .strbImm, .strhImm:
            singleImmediate()
        case .ldrReg, .ldrbReg, .ldrhReg, .ldrsbReg, .ldrshReg, .strReg, .strbReg, .strhReg:
            mn(loadStoreStem)
            operands = "\(r(i.rt)), [\(r(i.rn)), \(r(i.rm))" + (i.shiftAmount == 0 ? "" : ", lsl #\(i.shiftAmount)") + "]"
        case .ldrLit, .ldrbLit, .ldrhLit, .ldrsbLit, .ldrshLit:
            literal()
        case .ldrt, .ldrbt, .ldrht, .ldrsbt, .ldrsht, .strt, .strbt, .strht:
            mn(loadStoreStem)
            operands = "\(r(i.rt)), [\(r(i.rn))" + (i.imm == 0 ? "" : ", #\(i.imm)") + "]"
        case .ldrd, .strd, .ldrdLit:
            doubleword()
        case .ldrex:
            mn("ldrex")
            operands = "\(r(i.rt)), [\(r(i.rn))" + (i.imm == 0 ? "" : ", #\(i.imm)") + "]"
            value = Int64(i.imm)
        case .strex:
            mn("strex")
            operands = "\(r(i.rm)), \(r(i.rt)), [\(r(i.rn))" + (i.imm == 0 ? "" : ", #\(i.imm)") + "]"
            value = Int64(i.imm)
        case .ldrexb, .ldrexh:
            mn(i.op == .ldrexb ? "ldrexb" : "ldrexh")
            operands = "\(r(i.rt)), [\(r(i.rn))]"
        case .strexb, .strexh:
            mn(i.op == .strexb ? "strexb" : "strexh")
            operands = "\(r(i.rm)), \(r(i.rt)), [\(r(i.rn))]"
        case .clrex:
            mn("clrex")
        case .pld, .pli:
            preload()

        // MARK: Load/store multiple
        case .ldm, .ldmdb, .stm, .stmdb:
            multiple()

        // MARK: Branches
        case .b:
            let dest = address &+ 4 &+ i.imm
            if name == "B T1" || name == "B T3" {
                mnemonic = "b" + i.cond.description + (narrow ? ".n" : ".w")
                operands = target(dest)
                notInIT()
            } else {
                mn("b", n: narrow)
                operands = target(dest)
                lastInIT()
            }
        case .bl:
            mn("bl")
            operands = target(address &+ 4 &+ i.imm)
            lastInIT()
        case .bx, .blx:
            mn(i.op == .bx ? "bx" : "blx")
            operands = r(i.rm)
            lastInIT()
        case .cbz, .cbnz:
            mnemonic = i.op == .cbz ? "cbz" : "cbnz"
            operands = "\(r(i.rn)), " + target(address &+ 4 &+ i.imm)
            notInIT()
        case .tbb:
            mn("tbb")
            operands = "[\(r(i.rn)), \(r(i.rm))]"
            lastInIT()
        case .tbh:
            mn("tbh")
            operands = "[\(r(i.rn)), \(r(i.rm)), lsl #1]"
            lastInIT()

        // MARK: Control, hints and system
        case .it:
            // The then/else letters: each mask bit above the terminating 1 compared with
            // firstcond[0] (A7.7.38).
            var letters = ""
            let g = UInt32(i.cond.rawValue) << 4 | UInt32(i.list & 0xF)
            var t = g << 1
            while t & 0xF != 0 {
                letters += (g ^ t) & 0x10 != 0 ? "e" : "t"
                t <<= 1
            }
            mnemonic = "it" + letters
            operands = i.cond.description
            notInIT()
        case .nop, .yield, .wfe, .wfi, .sev:
            mn(["nop", "yield", "wfe", "wfi", "sev"][Int(i.op.rawValue - Op.nop.rawValue)])
        case .dmb, .dsb, .isb:
            barrier()
        case .mrs:
            mn("mrs")
            operands = "\(r(i.rd)), " + mrsName
        case .msr:
            mn("msr")
            operands = msrName + ", \(r(i.rn))"
        case .cps:
            mnemonic = i.flags.contains(.disable) ? "cpsid" : "cpsie"
            operands = (i.imm & 2 != 0 ? "i" : "") + (i.imm & 1 != 0 ? "f" : "")
            notInIT()
        case .svc:
            mn("svc")
            operands = "\(i.imm)"
            value = Int64(i.imm)
        case .bkpt:
            mnemonic = "bkpt"
            let hex = String(i.imm, radix: 16)
            operands = "0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        case .udf:
            mn("udf")
            operands = "#\(i.imm)"
            value = Int64(i.imm)
        }
    }

    // MARK: Groups

    static let movR8Comment = "(mov r8, r8)"

    var threeRegs: String { "\(r(i.rd)), \(r(i.rn)), \(r(i.rm))" }
    var longRegs: String { "\(r(i.rdLo)), \(r(i.rdHi)), \(r(i.rn)), \(r(i.rm))" }
    var halves: String { (i.flags.contains(.nHigh) ? "t" : "b") + (i.flags.contains(.mHigh) ? "t" : "b") }
    /// msb - lsb + 1, as objdump computes it (modulo 2^32 for the UNPREDICTABLE msb < lsb).
    var bitfieldWidth: UInt32 { UInt32(i.imm2) &- i.imm &+ 1 }

    static let dataStems: [Op: String] = [
        .andImm: "and", .eorImm: "eor", .orrImm: "orr", .ornImm: "orn", .bicImm: "bic",
        .addImm: "add", .adcImm: "adc", .subImm: "sub", .sbcImm: "sbc", .rsbImm: "rsb",
        .andReg: "and", .eorReg: "eor", .orrReg: "orr", .ornReg: "orn", .bicReg: "bic",
        .addReg: "add", .adcReg: "adc", .subReg: "sub", .sbcReg: "sbc", .rsbReg: "rsb",
    ]

    mutating func dataImmediate() {
        let stem = Formatter.dataStems[i.op] ?? ""
        value = Int64(i.imm)
        if narrow {
            switch name {
            case "RSB (immediate) T1":  // NEGS <Rd>, <Rm>
                mn16("neg")
                operands = "\(r(i.rd)), \(r(i.rn))"
                value = 0
            case "ADD (SP plus immediate) T2", "SUB (SP minus immediate) T1":
                mn(stem)
                operands = "sp, \(imm(i.imm))"
            case "ADD (SP plus immediate) T1":
                mn(stem)
                operands = "\(r(i.rd)), sp, \(imm(i.imm))"
            case "ADD (immediate) T2", "SUB (immediate) T2":
                mn16(stem)
                operands = "\(r(i.rd)), \(imm(i.imm))"
            default:
                mn16(stem)
                operands = "\(r(i.rd)), \(r(i.rn)), \(imm(i.imm))"
            }
            return
        }
        if let m = row.mnemonic { mn(m) } else { mnS(stem) }
        operands = "\(r(i.rd)), \(r(i.rn)), \(imm(i.imm))"
    }

    mutating func dataRegister() {
        let stem = Formatter.dataStems[i.op] ?? ""
        guard narrow else {
            mnS(stem)
            operands = threeRegs + shiftSuffix
            return
        }
        switch name {
        case "ADD (register) T1", "SUB (register) T1":
            mn16(stem)
            operands = threeRegs
        case "ADD (register) T2", "ADD (SP plus register) T2":
            mn(stem)
            operands = "\(r(i.rd)), \(r(i.rm))"
        case "ADD (SP plus register) T1":
            mn(stem)
            operands = "\(r(i.rd)), sp"
        default:  // two-operand 16-bit forms: ANDS <Rdn>, <Rm>
            mn16(stem)
            operands = "\(r(i.rd)), \(r(i.rm))"
        }
    }

    mutating func moveRegister() {
        if narrow {
            if name == "MOV (register) T1" && i.rd == .r8 && i.rm == .r8 {
                mn("nop")  // objdump's name for the ARMv4T no-op MOV r8, r8
                comments.append(Formatter.movR8Comment)
            } else if name == "MOV (register) T1" {
                mn("mov")
                operands = "\(r(i.rd)), \(r(i.rm))"
            } else if i.shiftType == .lsl && i.shiftAmount == 0 {
                mn16("mov")  // LSL #0 is MOVS <Rd>, <Rm> (A7.7.76 T2)
                operands = "\(r(i.rd)), \(r(i.rm))"
            } else {
                mn16(["lsl", "lsr", "asr", "ror", "rrx"][Int(i.shiftType.rawValue)])
                operands = "\(r(i.rd)), \(r(i.rm)), #\(i.shiftAmount)"
            }
            return
        }
        // MOV.W with a shift: objdump keeps the MOV form ("mov.w r0, r1, lsl #2").
        mnS("mov")
        operands = "\(r(i.rd)), \(r(i.rm))" + shiftSuffix
    }

    var loadStoreStem: String {
        switch i.op {
        case .ldrImm, .ldrReg, .ldrLit: "ldr"
        case .ldrbImm, .ldrbReg, .ldrbLit: "ldrb"
        case .ldrhImm, .ldrhReg, .ldrhLit: "ldrh"
        case .ldrsbImm, .ldrsbReg, .ldrsbLit: "ldrsb"
        case .ldrshImm, .ldrshReg, .ldrshLit: "ldrsh"
        case .strImm, .strReg: "str"
        case .strbImm, .strbReg: "strb"
        case .strhImm, .strhReg: "strh"
        case .ldrt: "ldrt"
        case .ldrbt: "ldrbt"
        case .ldrht: "ldrht"
        case .ldrsbt: "ldrsbt"
        case .ldrsht: "ldrsht"
        case .strt: "strt"
        case .strbt: "strbt"
        case .strht: "strht"
        default: ""
        }
    }

    mutating func singleImmediate() {
        mn(loadStoreStem)
        let base = r(i.rn)
        if narrow {
            // 16-bit forms always print the offset, even #0.
            operands = "\(r(i.rt)), [\(base), #\(i.imm)]"
            value = Int64(i.imm)
            return
        }
        let index = i.flags.contains(.index), add = i.flags.contains(.add), wback = i.flags.contains(.wback)
        let offset = Int64(i.imm)
        let signed = add ? offset : -offset
        if index && add && !wback && row.fields[UInt8(ascii: "i")]?.count == 12 {
            // T3: 12-bit positive offset, omitted when zero.
            operands = "\(r(i.rt)), [\(base)" + (offset == 0 ? "" : ", #\(offset)") + "]"
            value = offset
        } else if !index {
            operands = "\(r(i.rt)), [\(base)], #\(signed)"
        } else {
            operands = "\(r(i.rt)), [\(base)" + (signed == 0 ? "" : ", #\(signed)") + (wback ? "]!" : "]")
        }
    }

    mutating func literal() {
        mn(loadStoreStem)
        let base = (address &+ 4) & ~3
        let add = i.flags.contains(.add)
        let dest = add ? base &+ i.imm : base &- i.imm
        if narrow {
            operands = "\(r(i.rt)), [pc, #\(i.imm)]"
            comments.append("(\(target(dest)))")
            return
        }
        let signed = add ? Int64(i.imm) : -Int64(i.imm)
        operands = "\(r(i.rt)), [pc" + (signed == 0 ? "" : ", #\(signed)") + "]"
        comments.append(target(dest))
    }

    mutating func doubleword() {
        mn(i.op == .strd ? "strd" : "ldrd")
        let index = i.flags.contains(.index), add = i.flags.contains(.add), wback = i.flags.contains(.wback)
        let regs = "\(r(i.rt)), \(r(i.rt2)), "
        let sign = add ? "" : "-"
        if index && add && !wback && i.imm == 0 {
            operands = regs + "[\(r(i.rn))]"
        } else if index {
            operands = regs + "[\(r(i.rn)), #\(sign)\(i.imm)]" + (wback ? "!" : "")
            value = Int64(i.imm)
        } else {
            operands = regs + "[\(r(i.rn))], #\(sign)\(i.imm)"
            value = Int64(i.imm)
        }
        if i.op == .ldrdLit || i.rn == .pc {
            let base = address & ~3 &+ 4
            comments.append(target(add ? base &+ i.imm : base &- i.imm))
        }
    }

    mutating func preload() {
        mn(i.op == .pld ? "pld" : "pli")
        let add = i.flags.contains(.add)
        if i.rn == .pc {
            let base = (address &+ 4) & ~3
            let signed = add ? Int64(i.imm) : -Int64(i.imm)
            operands = "[pc" + (signed == 0 ? "" : ", #\(signed)") + "]"
            comments.append(target(add ? base &+ i.imm : base &- i.imm))
        } else if name.contains("(register)") {
            operands = "[\(r(i.rn)), \(r(i.rm))" + (i.shiftAmount == 0 ? "" : ", lsl #\(i.shiftAmount)") + "]"
        } else if add {
            operands = "[\(r(i.rn))" + (i.imm == 0 ? "" : ", #\(i.imm)") + "]"
            value = Int64(i.imm)
        } else {
            operands = "[\(r(i.rn))" + (i.imm == 0 ? "" : ", #-\(i.imm)") + "]"
        }
    }

    mutating func multiple() {
        let bang = i.flags.contains(.wback) ? "!" : ""
        switch name {
        case "PUSH T1":
            mn("push")
            operands = list(i.list)
        case "POP T1":
            mn("pop")
            operands = list(i.list)
        default:
            let stem: String
            switch i.op {
            case .ldm: stem = "ldmia"
            case .stm: stem = "stmia"
            case .ldmdb: stem = "ldmdb"
            default: stem = "stmdb"
            }
            mn(stem)
            operands = "\(r(i.rn))\(bang), " + list(i.list)
        }
    }

    mutating func barrier() {
        let option = i.imm & 0xF
        switch i.op {
        case .isb:
            mn("isb")
            operands = option == 0xF ? "sy" : "#\(option)"
        case .dsb where option == 0:
            mnemonic = "ssbb"  // objdump's names for DSB #0/#4 (later architectures' SSBB/PSSBB)
        case .dsb where option == 4:
            mnemonic = "pssbb"
        case .dsb where option == 0xC:
            mnemonic = "dfb"  // objdump names this reserved option after ARMv8-R's DFB
        default:
            mn(i.op == .dmb ? "dmb" : "dsb")
            let names: [UInt32: String] = [0xF: "sy", 0xE: "st", 0xD: "ld", 0xB: "ish", 0xA: "ishst", 0x9: "ishld",
                                           0x7: "un", 0x6: "unst", 0x5: "nshld", 0x3: "osh", 0x2: "oshst", 0x1: "oshld"]
            operands = names[option] ?? "#\(option)"
        }
    }

    /// objdump's names for MRS/MSR SYSm values (psr_name, and the A-profile banked names
    /// it falls back to for SYSm 0 and SYSm with bit 5 set).
    static func psrName(_ sysm: UInt32) -> String {
        switch sysm {
        case 0x0: "APSR"
        case 0x1: "IAPSR"
        case 0x2: "EAPSR"
        case 0x3: "PSR"
        case 0x5: "IPSR"
        case 0x6: "EPSR"
        case 0x7: "IEPSR"
        case 0x8: "MSP"
        case 0x9: "PSP"
        case 0xA: "MSPLIM"
        case 0xB: "PSPLIM"
        case 0x10: "PRIMASK"
        case 0x11: "BASEPRI"
        case 0x12: "BASEPRI_MAX"
        case 0x13: "FAULTMASK"
        case 0x14: "CONTROL"
        case 0x88: "MSP_NS"
        case 0x89: "PSP_NS"
        case 0x8A: "MSPLIM_NS"
        case 0x8B: "PSPLIM_NS"
        case 0x90: "PRIMASK_NS"
        case 0x91: "BASEPRI_NS"
        case 0x93: "FAULTMASK_NS"
        case 0x94: "CONTROL_NS"
        case 0x98: "SP_NS"
        default: "<unknown>"
        }
    }

    static func bankedName(_ sysm: UInt32) -> String {
        let names: [UInt32: String] = [
            15: "CPSR", 32: "R8_usr", 33: "R9_usr", 34: "R10_usr", 35: "R11_usr", 36: "R12_usr", 37: "SP_usr",
            38: "LR_usr", 40: "R8_fiq", 41: "R9_fiq", 42: "R10_fiq", 43: "R11_fiq", 44: "R12_fiq", 45: "SP_fiq",
            46: "LR_fiq", 48: "LR_irq", 49: "SP_irq", 50: "LR_svc", 51: "SP_svc", 52: "LR_abt", 53: "SP_abt",
            54: "LR_und", 55: "SP_und", 60: "LR_mon", 61: "SP_mon", 62: "ELR_hyp", 63: "SP_hyp", 79: "SPSR",
            110: "SPSR_fiq", 112: "SPSR_irq", 114: "SPSR_svc", 116: "SPSR_abt", 118: "SPSR_und", 124: "SPSR_mon",
            126: "SPSR_hyp",
        ]
        return names[sysm] ?? "(UNDEF: \(sysm))"
    }

    var mrsName: String {
        let sysm = UInt32(i.imm2)
        // SYSm 0 and SYSm with bit 5 set print as A-profile banked registers; bits 19:16
        // of MRS T1 are 1111 (A7.7.82).
        if sysm == 0 || sysm & 0x20 != 0 { return Formatter.bankedName(0xF | (sysm & 0x30)) }
        return Formatter.psrName(sysm)
    }

    var msrName: String {
        let sysm = UInt32(i.imm2), mask = i.imm & 3
        if sysm == 0 {
            // MSR APSR_<bits>: objdump uses the A-profile CPSR_<fields> spelling, with the
            // mask bits 11 and 10 as "f" and "s".
            return "CPSR_" + (mask & 2 != 0 ? "f" : "") + (mask & 1 != 0 ? "s" : "")
        }
        if sysm & 0x20 != 0 { return Formatter.bankedName(mask << 2 | (sysm & 0x30)) }
        return Formatter.psrName(sysm)
    }
}
