import ThumbISA

// Instruction selection: verified IR → machine IR over virtual registers, per core
// architecture. ARMv7E-M uses Thumb-2 three-address forms and the DSP extension
// (SMLAD, SXTB16, SSAT, QADD, PKHBT, SADD16 — ARMv7-M ARM A7.7); ARMv6-M uses the
// 16-bit Thumb subset (ARMv6-M ARM A6.7): low registers, two-address ALU forms, no
// IT, no long multiplies, so the fixed-point helpers become longer sequences.

/// Source files of a compilation, so that a packed line (file index << 24 | line) can
/// name the file of inlined code.
final class FileTable {
    private(set) var names: [String] = []
    func index(_ name: String) -> Int {
        if let i = names.firstIndex(of: name) { return i }
        names.append(name)
        return names.count - 1
    }
    static func pack(_ file: Int, _ line: Int) -> Int { file << 24 | (line & 0xFF_FFFF) }
    func unpack(_ packed: Int) -> (file: String, line: Int) {
        let f = packed >> 24
        return (f < names.count ? names[f] : "", packed & 0xFF_FFFF)
    }
}

struct Lowering {
    /// Names, types and return target of the kernel whose body is being lowered: the
    /// kernel itself, or an inline kernel expanded into it.
    struct Scope {
        var kernel: Kernel
        var types: [String: ValueType]
        var prefix: String
        var returnLabel: Int?
        var result: VReg?
        /// Inline-kernel parameters bound to constant arguments (and never reassigned).
        var constants: [String: Int64] = [:]
    }

    let module: VerifiedModule
    let kernel: Kernel
    var scope: Scope
    var types: [String: ValueType] { scope.types }
    let arch: ArchLevel
    let files: FileTable
    var inlineCount = 0
    var inlineStack: [String] = []
    var code: [MInst] = []
    var vars: [String: VReg] = [:]
    var nextVReg = firstVirtual
    var nextLabel = 0
    var line = 0
    var depth = 0
    var outgoingStackWords = 0

    var thumb2: Bool { arch >= .v7m }
    var hasDSP: Bool { arch >= .v7em }

    init(module: VerifiedModule, kernel: Kernel, arch: ArchLevel, files: FileTable) {
        self.module = module
        self.kernel = kernel
        self.scope = Scope(kernel: kernel, types: module.info[kernel.name]?.types ?? [:], prefix: "")
        self.arch = arch
        self.files = files
    }

    mutating func setLine(_ loc: SourcePosition) { line = FileTable.pack(files.index(loc.file), loc.line) }

    static func lower(_ module: VerifiedModule, _ kernel: Kernel, arch: ArchLevel, files: FileTable) throws(KernelIRError) -> MFunction {
        var l = Lowering(module: module, kernel: kernel, arch: arch, files: files)
        l.setLine(kernel.location)
        for (k, p) in kernel.parameters.enumerated() {
            let v = l.variable(p.name)
            if k < 4 {
                l.copy(v, k)
            } else {
                var m = l.make(.stackArg(k))
                m.regs[0] = v
                m.defMask = SlotBit.rd
                l.code.append(m)
            }
        }
        try l.block(kernel.body)
        if case .ret? = kernel.body.last {} else {
            l.setLine(kernel.location)
            l.code.append(l.make(.ret))
        }
        return MFunction(
            name: kernel.name, code: l.code, nextVReg: l.nextVReg, nextLabel: l.nextLabel,
            stackParameters: max(0, kernel.parameters.count - 4), outgoingStackWords: l.outgoingStackWords,
            makesCalls: l.code.contains { if case .call = $0.kind { return true } else { return false } },
            declarationLine: FileTable.pack(files.index(kernel.location.file), kernel.location.line),
            file: kernel.location.file)
    }

    // MARK: Emission helpers

    func make(_ kind: MInst.Kind) -> MInst { MInst(kind, line: line, depth: depth) }

    mutating func newVReg() -> VReg {
        defer { nextVReg += 1 }
        return nextVReg
    }

    mutating func newLabel() -> Int {
        defer { nextLabel += 1 }
        return nextLabel
    }

    mutating func variable(_ name: String) -> VReg {
        let key = scope.prefix + name
        if let v = vars[key] { return v }
        let v = newVReg()
        vars[key] = v
        return v
    }

    mutating func label(_ l: Int) { code.append(make(.label(l))) }
    mutating func jump(_ l: Int) { code.append(make(.jump(l))) }
    mutating func branch(_ c: ThumbISA.Condition, _ l: Int) { code.append(make(.branch(c, l))) }

    mutating func copy(_ d: VReg, _ s: VReg) {
        guard d != s else { return }
        var m = make(.copy)
        m.regs[0] = d
        m.regs[1] = s
        m.defMask = SlotBit.rd
        m.useMask = SlotBit.rn
        code.append(m)
    }

    mutating func loadConst(_ d: VReg, _ value: UInt32) {
        var m = make(.loadConst(value))
        m.regs[0] = d
        m.defMask = SlotBit.rd
        m.lowMask = thumb2 ? 0 : SlotBit.rd
        code.append(m)
    }

    mutating func constant(_ value: UInt32) -> VReg {
        let v = newVReg()
        loadConst(v, value)
        return v
    }

    /// Emit one instruction over virtual registers. `defs` and `uses` default to rd and
    /// the other named slots; on ARMv6-M every named slot must be a low register unless
    /// `anyRegister` says otherwise.
    mutating func op(_ inst: Instruction, d: VReg = noReg, n: VReg = noReg, m: VReg = noReg, a: VReg = noReg,
                     defs: UInt8 = SlotBit.rd, uses: UInt8? = nil, anyRegister: UInt8 = 0,
                     flags: FlagPolicy = .dontCare) {
        var mi = make(.op)
        mi.inst = inst
        mi.regs = RegSlots(d, n, m, a)
        var present: UInt8 = 0
        for k in 0..<4 where mi.regs[k] != noReg { present |= 1 << UInt8(k) }
        mi.defMask = defs & present
        mi.useMask = (uses ?? (present & ~defs)) & present
        mi.lowMask = thumb2 ? 0 : present & ~anyRegister
        mi.flags = flags
        code.append(mi)
    }

    // MARK: Operands

    func constantValue(_ o: Operand) -> Int64? {
        switch o {
        case let .constant(v, _): return v
        case let .variable(name, _):
            if let v = scope.constants[name] { return v }
            if case let .scalar(v)? = module.module.constant(named: name)?.value { return v }
            return nil
        }
    }

    func word(_ v: Int64) -> UInt32 { UInt32(truncatingIfNeeded: v) }

    /// A register holding the operand's value (materialising constants and table
    /// addresses into fresh registers).
    mutating func reg(_ o: Operand) -> VReg {
        if let c = constantValue(o) { return constant(word(c)) }
        let name = o.variableName!
        if case .table? = module.module.constant(named: name)?.value {
            let v = newVReg()
            var m = make(.loadAddress(name))
            m.regs[0] = v
            m.defMask = SlotBit.rd
            m.lowMask = thumb2 ? 0 : SlotBit.rd
            code.append(m)
            return v
        }
        return variable(name)
    }

    func pointee(_ name: String) -> Pointee {
        if case let .table(e, _)? = module.module.constant(named: name)?.value { return .element(e) }
        if case let .pointer(p)? = types[name] { return p }
        return .element(.i32)
    }

    static func size(_ p: Pointee) -> Int { Interpreter.size(of: p) }

    // MARK: Immediates

    /// Whether `inst` (with placeholder low registers) has an encoding on this core.
    func encodes(_ inst: Instruction) -> Bool {
        for f: InstructionFlags in [[.setFlagsOutsideIT], []] {
            var i = inst
            i.flags.formUnion(f)
            if (try? ThumbEncoder.encode(i, arch: arch)) != nil { return true }
        }
        return false
    }

    // MARK: Statements

    mutating func block(_ stmts: [Statement]) throws(KernelIRError) {
        for s in stmts { try statement(s) }
    }

    mutating func statement(_ s: Statement) throws(KernelIRError) {
        setLine(s.location)
        switch s {
        case let .assign(name, expr, loc):
            try assign(variable(name), expr, loc)
        case let .store(addr, value, _):
            let v = reg(value)
            let p = pointee(addr.pointer)
            let e: ElementKind = p.elementKind ?? .i32
            memoryAccess(load: false, kind: e, packed: false, address: addr, value: v)
        case let .storeField(p, field, value, _):
            let v = reg(value)
            fieldAccess(load: false, pointer: p, field: field, value: v)
        case let .call(callee, args, _):
            try call(callee, args, result: nil)
        case let .forLoop(variable, start, end, step, body, _):
            try forLoop(variable, start, end, step, body)
        case let .ifThen(pred, then, els, _):
            if let a = constantValue(pred.lhs), let b = constantValue(pred.rhs) {
                // Decided when compiling (constants, or inline arguments bound to them).
                let taken = Semantics.compare(pred.comparison, word(a), word(b))
                try block(taken ? then : els)
                return
            }
            let elseLabel = newLabel()
            compare(pred, jumpIfFalseTo: elseLabel)
            try block(then)
            if els.isEmpty {
                label(elseLabel)
            } else {
                let end = newLabel()
                jump(end)
                label(elseLabel)
                try block(els)
                label(end)
            }
        case let .ifFeature(_, then, els, _):
            try block(hasDSP ? then : els)
        case let .ret(value, _):
            if let target = scope.returnLabel {
                // Inside an inline expansion: the value goes to the call's result.
                if let value, let r = scope.result { copy(r, reg(value)) }
                if case .ret? = scope.kernel.body.last, s == scope.kernel.body.last! {
                    return  // falls through to the label right after
                }
                jump(target)
                return
            }
            var m = make(.ret)
            if let value {
                let v = reg(value)
                copy(0, v)
                m.implicitUses = [0]
            }
            code.append(m)
        }
    }

    mutating func forLoop(_ variable: String?, _ start: Operand, _ end: Operand, _ step: Operand,
                          _ body: [Statement]) throws(KernelIRError) {
        let top = newLabel(), exit = newLabel()
        let loopLine = line
        let s0 = constantValue(start), e0 = constantValue(end)
        if let name = variable {
            let i = self.variable(name)
            if let s0 { loadConst(i, word(s0)) } else { copy(i, reg(start)) }
            if let s0, let e0 {
                if s0 >= e0 { jump(exit) }
            } else {
                compareValues(i, end, .ge)
                branch(.ge, exit)
            }
            label(top)
            depth += 1
            try block(body)
            line = loopLine
            // The increment and the test. With an end of 0 the add's own flags decide
            // (N: i < 0), a common form for loops over negative indices.
            if let e0, e0 == 0, let st = constantValue(step), st <= 255 {
                addImmediate(i, i, st, flags: .set)
                branch(.mi, top)
            } else {
                if let st = constantValue(step) { addImmediate(i, i, st, flags: .dontCare) } else { binary(.add, i, i, reg(step)) }
                compareValues(i, end, .lt)
                branch(.lt, top)
            }
            depth -= 1
            label(exit)
        } else {
            // `for _`: a hidden counter counts down to zero (SUBS + BNE).
            let c = newVReg()
            if let s0, let e0 {
                let n = e0 - s0
                if n <= 0 { return }
                loadConst(c, word(n))
            } else {
                if let s0, s0 == 0 {
                    copy(c, reg(end))
                } else {
                    binary(.sub, c, reg(end), reg(start))
                }
                compareValues(c, .constant(0, scope.kernel.location), .le)
                branch(.le, exit)
            }
            label(top)
            depth += 1
            try block(body)
            line = loopLine
            addImmediate(c, c, -1, flags: .set)
            branch(.ne, top)
            depth -= 1
            label(exit)
        }
    }

    // MARK: Comparisons

    static func condition(_ c: Comparison) -> ThumbISA.Condition {
        switch c {
        case .eq: .eq
        case .ne: .ne
        case .lt: .lt
        case .le: .le
        case .gt: .gt
        case .ge: .ge
        case .ltu: .cc
        case .leu: .ls
        case .gtu: .hi
        case .geu: .cs
        }
    }

    /// CMP lhs, rhs; the caller branches next on the returned sense of `c`.
    mutating func compareValues(_ lhs: VReg, _ rhs: Operand, _ c: Comparison) {
        if let k = constantValue(rhs) {
            let v = word(k)
            let neg = word(-k)
            if encodes(Instruction(.cmpImm, rn: .r1, imm: v)) {
                op(Instruction(.cmpImm, imm: v), n: lhs, defs: 0)
                return
            }
            if k != 0, encodes(Instruction(.cmnImm, rn: .r1, imm: neg)) {
                op(Instruction(.cmnImm, imm: neg), n: lhs, defs: 0)
                return
            }
        }
        let r = reg(rhs)
        op(Instruction(.cmpReg), n: lhs, m: r, defs: 0, anyRegister: SlotBit.rn | SlotBit.rm)
    }

    /// Compare and branch to `target` when the predicate is false.
    mutating func compare(_ p: Predicate, jumpIfFalseTo target: Int) {
        var lhs = p.lhs, rhs = p.rhs, cmp = p.comparison
        if constantValue(lhs) != nil && constantValue(rhs) == nil {
            swap(&lhs, &rhs)
            cmp = cmp.swapped
        }
        let l = reg(lhs)
        compareValues(l, rhs, cmp)
        branch(Lowering.condition(cmp.negated), target)
    }

    // MARK: Assignments

    mutating func assign(_ d: VReg, _ e: Expression, _ loc: SourcePosition) throws(KernelIRError) {
        switch e {
        case let .copy(o):
            if let c = constantValue(o) {
                loadConst(d, word(c))
            } else {
                copy(d, reg(o))
            }
        case let .load(addr):
            let p = pointee(addr.pointer)
            memoryAccess(load: true, kind: p.elementKind ?? .i32, packed: false, address: addr, value: d)
        case let .loadPacked(addr):
            let p = pointee(addr.pointer)
            memoryAccess(load: true, kind: p.elementKind ?? .i8, packed: true, address: addr, value: d)
        case let .field(p, field):
            fieldAccess(load: true, pointer: p, field: field, value: d)
        case let .call(callee, args):
            try call(callee, args, result: d)
        case let .op(opc, operands, _):
            try operation(opc, operands, into: d, loc)
        }
    }

    // MARK: Calls (AAPCS: r0–r3, then the stack; r0 returns; r0–r3, r12, lr clobbered)

    static let callerSaved: [VReg] = [0, 1, 2, 3, 12, 14]

    mutating func call(_ callee: String, _ args: [Operand], result: VReg?) throws(KernelIRError) {
        // Evaluate arguments into registers first, then move them into place, so that
        // materialising one argument cannot clobber another.
        if let k = module.module.kernel(named: callee), k.isInline {
            try expandInline(k, args, result: result)
            return
        }
        let values = args.map { reg($0) }
        for (k, v) in values.enumerated() where k >= 4 {
            var m = make(.outArg(k))
            m.regs[1] = v
            m.useMask = SlotBit.rn
            m.lowMask = thumb2 ? 0 : SlotBit.rn
            code.append(m)
        }
        outgoingStackWords = max(outgoingStackWords, args.count - 4)
        for (k, v) in values.prefix(4).enumerated() { copy(k, v) }
        var m = make(.call(callee))
        m.implicitUses = Array(0..<min(4, args.count))
        m.implicitDefs = Lowering.callerSaved
        code.append(m)
        if let result { copy(result, 0) }
    }

    /// An inline kernel's body in the caller: its names get a fresh prefix, its
    /// parameters are copies of the arguments, `return` jumps to the end.
    mutating func expandInline(_ k: Kernel, _ args: [Operand], result: VReg?) throws(KernelIRError) {
        guard !inlineStack.contains(k.name) else {
            throw KernelIRError("inline kernel '\(k.name)' calls itself", at: k.location)
        }
        let saved = scope
        let savedLine = line
        inlineCount += 1
        inlineStack.append(k.name)
        // Arguments are evaluated in the caller's scope first.
        let assigned = Lowering.assignedNames(k.body)
        var constants: [String: Int64] = [:]
        var values: [(String, VReg)] = []
        for (p, a) in zip(k.parameters, args) {
            if let c = constantValue(a), !assigned.contains(p.name) {
                constants[p.name] = c
            } else {
                values.append((p.name, reg(a)))
            }
        }
        scope = Scope(kernel: k, types: module.info[k.name]?.types ?? [:], prefix: "\(k.name)#\(inlineCount).",
                      returnLabel: newLabel(), result: result, constants: constants)
        for (name, v) in values { copy(variable(name), v) }
        try block(k.body)
        label(scope.returnLabel!)
        inlineStack.removeLast()
        scope = saved
        line = savedLine
    }

    /// Names a statement list assigns (including `p++`).
    static func assignedNames(_ stmts: [Statement]) -> Set<String> {
        var out: Set<String> = []
        func address(_ a: Address) { if case let .postIncrement(p) = a { out.insert(p) } }
        for s in stmts {
            switch s {
            case let .assign(n, e, _):
                out.insert(n)
                if case let .load(a) = e { address(a) }
                if case let .loadPacked(a) = e { address(a) }
            case let .store(a, _, _): address(a)
            case let .forLoop(v, _, _, _, body, _):
                if let v { out.insert(v) }
                out.formUnion(assignedNames(body))
            case let .ifThen(_, a, b, _), let .ifFeature(_, a, b, _):
                out.formUnion(assignedNames(a))
                out.formUnion(assignedNames(b))
            default: break
            }
        }
        return out
    }

    // MARK: Memory

    func log2(_ size: Int) -> UInt8 { size == 1 ? 0 : size == 2 ? 1 : 2 }

    static func loadOps(_ e: ElementKind) -> (imm: Op, reg: Op) {
        switch e {
        case .i8: (.ldrsbImm, .ldrsbReg)
        case .u8: (.ldrbImm, .ldrbReg)
        case .i16: (.ldrshImm, .ldrshReg)
        case .u16: (.ldrhImm, .ldrhReg)
        case .i32: (.ldrImm, .ldrReg)
        }
    }

    static func storeOps(_ size: Int) -> (imm: Op, reg: Op) {
        switch size {
        case 1: (.strbImm, .strbReg)
        case 2: (.strhImm, .strhReg)
        default: (.strImm, .strReg)
        }
    }

    /// ARMv6-M has no immediate-offset LDRSB/LDRSH: load unsigned and extend.
    func v6mUnsignedTwin(_ e: ElementKind) -> (ElementKind, Op?) {
        switch e {
        case .i8: (.u8, .sxtb)
        case .i16: (.u16, .sxth)
        default: (e, nil)
        }
    }

    mutating func memoryAccess(load: Bool, kind: ElementKind, packed: Bool, address: Address, value: VReg) {
        let size = kind.byteSize
        if packed && !thumb2 {
            packedLoadV6M(address: address, size: size, into: value)
            return
        }
        let e: ElementKind = packed ? .i32 : kind
        let ops = load ? Lowering.loadOps(e) : Lowering.storeOps(e.byteSize)
        let dataSlot: UInt8 = SlotBit.rd
        let defs: UInt8 = load ? dataSlot : 0
        switch address {
        case let .postIncrement(pName):
            let p = variable(pName)
            let step = UInt32(packed ? 4 : size)
            if thumb2 {
                // LDR/STR <Rt>, [<Rn>], #step (T4, post-indexed).
                op(Instruction(ops.imm, imm: step, flags: [.add, .wback]), d: value, n: p,
                   defs: defs | SlotBit.rn, uses: (load ? 0 : dataSlot) | SlotBit.rn)
            } else {
                accessImmV6M(load: load, kind: e, base: p, offset: 0, value: value)
                addImmediate(p, p, Int64(step), flags: .dontCare)
            }
        case let .indexed(pName, index, k):
            let base = reg(.variable(pName, scope.kernel.location))
            let scale = log2(size)
            if let ci = constantValue(index) {
                let total = (ci + k) * Int64(size)
                if thumb2 {
                    if total >= -255 && total <= 4095 {
                        var flags: InstructionFlags = [.index]
                        if total >= 0 { flags.insert(.add) }
                        op(Instruction(ops.imm, imm: UInt32(abs(total)), flags: flags), d: value, n: base, defs: defs,
                           uses: (load ? 0 : dataSlot) | SlotBit.rn)
                    } else {
                        let t = constant(word(total))
                        op(Instruction(ops.reg, flags: [.index, .add]), d: value, n: base, m: t, defs: defs,
                           uses: (load ? 0 : dataSlot) | SlotBit.rn | SlotBit.rm)
                    }
                } else {
                    accessImmV6M(load: load, kind: e, base: base, offset: total, value: value)
                }
                return
            }
            var b = base
            if k != 0 {
                b = newVReg()
                addImmediate(b, base, k * Int64(size), flags: .dontCare)
            }
            var idx = reg(index)
            var shift = scale
            if !thumb2 && scale > 0 {
                let t = newVReg()
                op(Instruction(.movReg, shift: .lsl, shiftAmount: scale), d: t, m: idx)
                idx = t
                shift = 0
            }
            op(Instruction(ops.reg, shift: .lsl, shiftAmount: shift, flags: [.index, .add]), d: value, n: b, m: idx,
               defs: defs, uses: (load ? 0 : dataSlot) | SlotBit.rn | SlotBit.rm)
        }
    }

    /// ARMv6-M access at [base, #offset]: immediate forms where they exist (LDR/STR
    /// #0–124, LDRH/STRH #0–62, LDRB/STRB #0–31), otherwise a register offset.
    mutating func accessImmV6M(load: Bool, kind: ElementKind, base: VReg, offset: Int64, value: VReg) {
        let size = kind.byteSize
        let limit = Int64(31 * size)
        if offset >= 0 && offset <= limit && offset % Int64(size) == 0 {
            if load {
                let (twin, ext) = v6mUnsignedTwin(kind)
                let ops = Lowering.loadOps(twin)
                op(Instruction(ops.imm, imm: UInt32(offset), flags: [.index, .add]), d: value, n: base)
                if let ext { op(Instruction(ext), d: value, m: value) }
            } else {
                let ops = Lowering.storeOps(size)
                op(Instruction(ops.imm, imm: UInt32(offset), flags: [.index, .add]), d: value, n: base, defs: 0,
                   uses: SlotBit.rd | SlotBit.rn)
            }
            return
        }
        let t = constant(word(offset))
        if load {
            op(Instruction(Lowering.loadOps(kind).reg, flags: [.index, .add]), d: value, n: base, m: t)
        } else {
            op(Instruction(Lowering.storeOps(size).reg, flags: [.index, .add]), d: value, n: base, m: t, defs: 0,
               uses: SlotBit.rd | SlotBit.rn | SlotBit.rm)
        }
    }

    /// ARMv6-M faults on unaligned word loads, so `ldpack` assembles the word from bytes.
    mutating func packedLoadV6M(address: Address, size: Int, into d: VReg) {
        var base: VReg
        var offset: Int64 = 0
        switch address {
        case let .postIncrement(pName):
            base = variable(pName)
        case let .indexed(pName, index, k):
            base = reg(.variable(pName, scope.kernel.location))
            if let ci = constantValue(index) {
                offset = (ci + k) * Int64(size)
            } else {
                var idx = reg(index)
                if size > 1 {
                    let t = newVReg()
                    op(Instruction(.movReg, shift: .lsl, shiftAmount: log2(size)), d: t, m: idx)
                    idx = t
                }
                let b = newVReg()
                op(Instruction(.addReg), d: b, n: base, m: idx)
                base = b
                offset = k * Int64(size)
            }
        }
        if offset < 0 || offset + 3 > 31 {
            let b = newVReg()
            addImmediate(b, base, offset, flags: .dontCare)
            base = b
            offset = 0
        }
        let acc = newVReg(), t = newVReg()
        op(Instruction(.ldrbImm, imm: UInt32(offset), flags: [.index, .add]), d: acc, n: base)
        for k in 1...3 {
            op(Instruction(.ldrbImm, imm: UInt32(offset) + UInt32(k), flags: [.index, .add]), d: t, n: base)
            op(Instruction(.movReg, shift: .lsl, shiftAmount: UInt8(8 * k)), d: t, m: t)
            twoAddress(.orrReg, acc, acc, t, commutative: true)
        }
        if case let .postIncrement(pName) = address {
            let p = variable(pName)
            addImmediate(p, p, 4, flags: .dontCare)
        }
        copy(d, acc)
    }

    mutating func fieldAccess(load: Bool, pointer: String, field: String, value: VReg) {
        guard case let .pointer(.structure(sname))? = types[pointer], let s = module.module.structure(named: sname),
              let off = s.offset(of: field) else { return }
        let p = variable(pointer)
        if !thumb2 {
            accessImmV6M(load: load, kind: .i32, base: p, offset: Int64(off), value: value)
            return
        }
        if load {
            op(Instruction(.ldrImm, imm: UInt32(off), flags: [.index, .add]), d: value, n: p)
        } else {
            op(Instruction(.strImm, imm: UInt32(off), flags: [.index, .add]), d: value, n: p, defs: 0,
               uses: SlotBit.rd | SlotBit.rn)
        }
    }

    // MARK: Arithmetic building blocks

    /// d = a + k (k may be negative), in the shortest form this core has.
    mutating func addImmediate(_ d: VReg, _ a: VReg, _ k: Int64, flags: FlagPolicy) {
        let (opc, mag): (Op, UInt32) = k >= 0 ? (.addImm, word(k)) : (.subImm, word(-k))
        if thumb2 {
            if encodes(Instruction(opc, rd: .r1, rn: .r2, imm: mag)) {
                op(Instruction(opc, imm: mag), d: d, n: a, flags: flags)
                return
            }
        } else {
            if mag <= 7 {
                op(Instruction(opc, imm: mag), d: d, n: a, flags: flags)
                return
            }
            if mag <= 255 {
                if d != a { copy(d, a) }
                op(Instruction(opc, imm: mag), d: d, n: d, flags: flags)
                return
            }
        }
        let c = constant(word(k))
        binary(.add, d, a, c, flags: flags)
    }

    enum Binary { case add, sub, and, or, xor, mul, bic }

    /// d = a (op) b on registers.
    mutating func binary(_ b: Binary, _ d: VReg, _ x: VReg, _ y: VReg, flags: FlagPolicy = .dontCare) {
        let opc: Op = switch b {
        case .add: .addReg
        case .sub: .subReg
        case .and: .andReg
        case .or: .orrReg
        case .xor: .eorReg
        case .mul: .mul
        case .bic: .bicReg
        }
        if thumb2 {
            op(Instruction(opc), d: d, n: x, m: y, flags: flags)
            return
        }
        switch b {
        case .add:
            if d == x || d == y {
                // ADD <Rdn>, <Rm> (T2): any registers, flags unchanged — accumulators may
                // live in r8–r12.
                let other = d == x ? y : x
                if flags == .set {
                    op(Instruction(opc), d: d, n: x, m: y, flags: flags)
                } else {
                    op(Instruction(opc), d: d, n: d, m: other, anyRegister: SlotBit.rd | SlotBit.rn | SlotBit.rm,
                       flags: flags)
                }
            } else {
                op(Instruction(opc), d: d, n: x, m: y, flags: flags)
            }
        case .sub:
            op(Instruction(opc), d: d, n: x, m: y, flags: flags)
        case .mul:
            // MULS <Rdm>, <Rn>, <Rdm> (T1).
            if d == y {
                op(Instruction(.mul), d: d, n: x, m: d, uses: SlotBit.rn | SlotBit.rm, flags: flags)
            } else if d == x {
                op(Instruction(.mul), d: d, n: y, m: d, uses: SlotBit.rn | SlotBit.rm, flags: flags)
            } else {
                copy(d, y)
                op(Instruction(.mul), d: d, n: x, m: d, uses: SlotBit.rn | SlotBit.rm, flags: flags)
            }
        case .and, .or, .xor:
            twoAddress(opc, d, x, y, commutative: true, flags: flags)
        case .bic:
            twoAddress(opc, d, x, y, commutative: false, flags: flags)
        }
    }

    /// ARMv6-M two-address form `<op>S <Rdn>, <Rm>`: d = x op y.
    mutating func twoAddress(_ opc: Op, _ d: VReg, _ x: VReg, _ y: VReg, commutative: Bool,
                             flags: FlagPolicy = .dontCare, shift: ShiftType = .lsl) {
        var x = x, y = y
        if d == y && d != x {
            if commutative {
                swap(&x, &y)
            } else {
                let t = newVReg()
                copy(t, x)
                op(Instruction(opc, shift: shift), d: t, n: t, m: y, flags: flags)
                copy(d, t)
                return
            }
        }
        if d != x { copy(d, x) }
        op(Instruction(opc, shift: shift), d: d, n: d, m: y, flags: flags)
    }

    /// d = x shifted by a constant 0–31.
    mutating func shiftImmediate(_ t: ShiftType, _ d: VReg, _ x: VReg, _ n: Int) {
        if n == 0 {
            copy(d, x)
            return
        }
        op(Instruction(.movReg, shift: t, shiftAmount: UInt8(n)), d: d, m: x)
    }

    /// d = x shifted by a register (ARM semantics: the bottom byte counts).
    mutating func shiftRegister(_ t: ShiftType, _ d: VReg, _ x: VReg, _ n: VReg) {
        if thumb2 {
            op(Instruction(.shiftReg, shift: t), d: d, n: x, m: n)
        } else {
            twoAddress(.shiftReg, d, x, n, commutative: false, shift: t)
        }
    }

    /// d = the larger (or smaller) of x and y.
    mutating func minMax(_ isMin: Bool, _ d: VReg, _ x: VReg, _ y: VReg) {
        let t = newVReg()
        copy(t, x)
        op(Instruction(.cmpReg), n: t, m: y, defs: 0, anyRegister: SlotBit.rn | SlotBit.rm)
        var m = make(.condMove(isMin ? .gt : .lt))
        m.regs[0] = t
        m.regs[1] = y
        m.defMask = SlotBit.rd
        m.useMask = SlotBit.rd | SlotBit.rn
        code.append(m)
        copy(d, t)
    }

    // MARK: Operations

    mutating func operation(_ opc: OpCode, _ o: [Operand], into d: VReg, _ loc: SourcePosition) throws(KernelIRError) {
        switch opc {
        case .add, .sub:
            if let k = constantValue(o[1]) {
                let a = reg(o[0])
                addImmediate(d, a, opc == .add ? k : -k, flags: .dontCare)
            } else if opc == .add, let k = constantValue(o[0]) {
                addImmediate(d, reg(o[1]), k, flags: .dontCare)
            } else if opc == .sub, let k = constantValue(o[0]) {
                let b = reg(o[1])
                if k == 0 {
                    op(Instruction(.rsbImm, imm: 0), d: d, n: b)
                } else if thumb2 && encodes(Instruction(.rsbImm, rd: .r1, rn: .r2, imm: word(k))) {
                    op(Instruction(.rsbImm, imm: word(k)), d: d, n: b)
                } else {
                    binary(.sub, d, constant(word(k)), b)
                }
            } else {
                let a = reg(o[0]), b = reg(o[1])
                binary(opc == .add ? .add : .sub, d, a, b)
            }
        case .mul:
            binary(.mul, d, reg(o[0]), reg(o[1]))
        case .mla:
            let a = reg(o[0]), b = reg(o[1]), c = reg(o[2])
            if thumb2 {
                op(Instruction(.mla), d: d, n: a, m: b, a: c)
            } else {
                let t = newVReg()
                binary(.mul, t, a, b)
                binary(.add, d, c, t)
            }
        case .neg:
            op(Instruction(.rsbImm, imm: 0), d: d, n: reg(o[0]))
        case .abs:
            let a = reg(o[0])
            let t = newVReg()
            if thumb2 {
                op(Instruction(.eorReg, shift: .asr, shiftAmount: 31), d: t, n: a, m: a)
                op(Instruction(.subReg, shift: .asr, shiftAmount: 31), d: d, n: t, m: a)
            } else {
                let s = newVReg()
                shiftImmediate(.asr, s, a, 31)
                binary(.xor, t, a, s)
                binary(.sub, d, t, s)
            }
        case .and, .or, .xor:
            let b: Binary = opc == .and ? .and : opc == .or ? .or : .xor
            let immOp: Op = opc == .and ? .andImm : opc == .or ? .orrImm : .eorImm
            if thumb2, let k = constantValue(o[1]) {
                let a = reg(o[0])
                if encodes(Instruction(immOp, rd: .r1, rn: .r2, imm: word(k))) {
                    op(Instruction(immOp, imm: word(k)), d: d, n: a)
                    return
                }
                if opc == .and, encodes(Instruction(.bicImm, rd: .r1, rn: .r2, imm: ~word(k))) {
                    op(Instruction(.bicImm, imm: ~word(k)), d: d, n: a)
                    return
                }
                binary(b, d, a, constant(word(k)))
                return
            }
            binary(b, d, reg(o[0]), reg(o[1]))
        case .not:
            op(Instruction(.mvnReg), d: d, m: reg(o[0]))
        case .shl, .asr, .lsr:
            let t: ShiftType = opc == .shl ? .lsl : opc == .asr ? .asr : .lsr
            let a = reg(o[0])
            if let k = constantValue(o[1]) {
                shiftImmediate(t, d, a, Int(k))
            } else {
                shiftRegister(t, d, a, reg(o[1]))
            }
        case .min, .max:
            minMax(opc == .min, d, reg(o[0]), reg(o[1]))
        case .clamp:
            let t = newVReg()
            minMax(false, t, reg(o[0]), reg(o[1]))
            minMax(true, d, t, reg(o[2]))
        case .sat, .usat:
            let bits = Int(constantValue(o[1]) ?? 32)
            let a = reg(o[0])
            if opc == .sat && bits == 32 {
                copy(d, a)
            } else if thumb2 {
                op(Instruction(opc == .sat ? .ssat : .usat, imm2: UInt8(bits)), d: d, n: a)
            } else {
                let lo: Int64 = opc == .sat ? -(Int64(1) << Int64(bits - 1)) : 0
                let hi: Int64 = opc == .sat ? (Int64(1) << Int64(bits - 1)) - 1 : (Int64(1) << Int64(bits)) - 1
                let t = newVReg()
                minMax(false, t, a, constant(word(lo)))
                minMax(true, d, t, constant(word(hi)))
            }
        case .qadd, .qsub:
            let a = reg(o[0]), b = reg(o[1])
            if hasDSP {
                // QADD <Rd>, <Rm>, <Rn> computes Rm + Rn; QSUB computes Rm - Rn (A7.7.86/91).
                op(Instruction(opc == .qadd ? .qadd : .qsub), d: d, n: b, m: a)
            } else {
                saturatingAddSubtract(opc == .qadd, d, a, b)
            }
        case .clz:
            let a = reg(o[0])
            if thumb2 {
                op(Instruction(.clz), d: d, m: a)
            } else {
                countLeadingZerosV6M(d, a)
            }
        case .sext8: op(Instruction(.sxtb), d: d, m: reg(o[0]))
        case .sext16: op(Instruction(.sxth), d: d, m: reg(o[0]))
        case .zext8: op(Instruction(.uxtb), d: d, m: reg(o[0]))
        case .zext16: op(Instruction(.uxth), d: d, m: reg(o[0]))
        case .srdhm:
            srdhm(d, reg(o[0]), reg(o[1]))
        case .rdivpot:
            let x = reg(o[0])
            if let e = constantValue(o[1]) {
                rdivpotConstant(d, x, Int(e))
            } else {
                rdivpotRegister(d, x, reg(o[1]))
            }
        case .mbqm:
            let x = reg(o[0]), m = reg(o[1])
            if let s = constantValue(o[2]) {
                if s > 0 {
                    let t = newVReg(), u = newVReg()
                    shiftImmediate(.lsl, t, x, Int(s))
                    srdhm(u, t, m)
                    copy(d, u)
                } else {
                    let t = newVReg()
                    srdhm(t, x, m)
                    rdivpotConstant(d, t, Int(-s))
                }
            } else {
                // left = max(shift, 0), right = left - shift (TFLite common.cc).
                let s = reg(o[2])
                let left = newVReg(), right = newVReg(), t = newVReg(), u = newVReg()
                minMax(false, left, s, constant(0))
                binary(.sub, right, left, s)
                shiftRegister(.lsl, t, x, left)
                srdhm(u, t, m)
                rdivpotRegister(d, u, right)
            }
        case .dmac:
            let a = reg(o[0]), b = reg(o[1]), c = reg(o[2])
            if hasDSP {
                op(Instruction(.smlad), d: d, n: a, m: b, a: c)
            } else {
                let al = newVReg(), bl = newVReg(), ah = newVReg(), bh = newVReg()
                op(Instruction(.sxth), d: al, m: a)
                op(Instruction(.sxth), d: bl, m: b)
                binary(.mul, al, al, bl)
                shiftImmediate(.asr, ah, a, 16)
                shiftImmediate(.asr, bh, b, 16)
                binary(.mul, ah, ah, bh)
                binary(.add, al, al, ah)
                // `acc = dmac x, y, acc` accumulates with ADD <Rdn>,<Rm>: acc may be high.
                binary(.add, d, c, al)
            }
        case .sxtb16:
            let v = reg(o[0])
            let rot = Int(o.count > 1 ? constantValue(o[1]) ?? 0 : 0)
            if hasDSP {
                op(Instruction(.sxtb16, imm2: UInt8(rot)), d: d, m: v)
            } else {
                // Byte at bit `rot` → low half, byte at bit (rot + 16) mod 32 → high half.
                let lo = newVReg(), hi = newVReg(), t = newVReg()
                extractSignedByte(lo, v, at: rot)
                op(Instruction(.uxth), d: lo, m: lo)
                extractSignedByte(hi, v, at: (rot + 16) % 32)
                shiftImmediate(.lsl, hi, hi, 16)
                binary(.or, t, lo, hi)
                copy(d, t)
            }
        case .dadd:
            let a = reg(o[0]), b = reg(o[1])
            if hasDSP {
                op(Instruction(.parallel, imm2: ParallelOp(.s, .add16).rawValue), d: d, n: a, m: b)
            } else {
                let lo = newVReg(), ha = newVReg(), hb = newVReg(), t = newVReg()
                binary(.add, lo, a, b)
                op(Instruction(.uxth), d: lo, m: lo)
                shiftImmediate(.lsr, ha, a, 16)
                shiftImmediate(.lsr, hb, b, 16)
                binary(.add, ha, ha, hb)
                shiftImmediate(.lsl, ha, ha, 16)
                binary(.or, t, lo, ha)
                copy(d, t)
            }
        case .pack:
            let lo = reg(o[0]), hi = reg(o[1])
            if hasDSP {
                op(Instruction(.pkh, shift: .lsl, shiftAmount: 16), d: d, n: lo, m: hi)
            } else {
                let l = newVReg(), h = newVReg(), t = newVReg()
                op(Instruction(.uxth), d: l, m: lo)
                shiftImmediate(.lsl, h, hi, 16)
                binary(.or, t, l, h)
                copy(d, t)
            }
        case .offset:
            let p = reg(o[0])
            let size = Lowering.size(pointee(o[0].variableName ?? ""))
            if let k = constantValue(o[1]) {
                addImmediate(d, p, k * Int64(size), flags: .dontCare)
            } else {
                let n = reg(o[1])
                if thumb2 {
                    op(Instruction(.addReg, shift: .lsl, shiftAmount: log2(size)), d: d, n: p, m: n)
                } else if size == 1 {
                    binary(.add, d, p, n)
                } else {
                    let t = newVReg()
                    shiftImmediate(.lsl, t, n, Int(log2(size)))
                    binary(.add, d, p, t)
                }
            }
        case .cast:
            copy(d, reg(o[0]))
        }
    }

    /// d = the signed byte of v at bit position `at` (0, 8, 16, 24), sign-extended.
    mutating func extractSignedByte(_ d: VReg, _ v: VReg, at: Int) {
        switch at {
        case 0: op(Instruction(.sxtb), d: d, m: v)
        case 24: shiftImmediate(.asr, d, v, 24)
        default:
            shiftImmediate(.lsl, d, v, 24 - at)
            shiftImmediate(.asr, d, d, 24)
        }
    }

    /// ARMv6-M QADD/QSUB: the add's V flag says it overflowed; the saturated value is
    /// INT32_MAX - (a >> 31), i.e. INT32_MIN for negative a.
    mutating func saturatingAddSubtract(_ isAdd: Bool, _ d: VReg, _ a: VReg, _ b: VReg) {
        let t = newVReg(), s = newVReg(), k = newVReg()
        let done = newLabel()
        op(Instruction(isAdd ? .addReg : .subReg), d: t, n: a, m: b, flags: .set)
        branch(.vc, done)
        shiftImmediate(.asr, s, a, 31)
        loadConst(k, 0x7FFF_FFFF)
        binary(.sub, t, k, s)
        label(done)
        copy(d, t)
    }

    /// ARMv6-M CLZ: binary search (16, 8, 4, 2, 1), 32 for zero.
    mutating func countLeadingZerosV6M(_ d: VReg, _ a: VReg) {
        let x = newVReg(), n = newVReg(), t = newVReg()
        let done = newLabel()
        copy(x, a)
        loadConst(n, 32)
        op(Instruction(.cmpImm, imm: 0), n: x, defs: 0)
        branch(.eq, done)
        loadConst(n, 0)
        for step in [16, 8, 4, 2, 1] {
            let skip = newLabel()
            shiftImmediate(.lsr, t, x, 32 - step)
            op(Instruction(.cmpImm, imm: 0), n: t, defs: 0)
            branch(.ne, skip)
            addImmediate(n, n, Int64(step), flags: .dontCare)
            shiftImmediate(.lsl, x, x, step)
            label(skip)
        }
        label(done)
        copy(d, n)
    }

    /// SaturatingRoundingDoublingHighMul: floor((a·b + 2^30) / 2^31), which equals
    /// gemmlowp's nudge-and-truncate, except INT32_MIN² which saturates to INT32_MAX.
    mutating func srdhm(_ d: VReg, _ a: VReg, _ b: VReg) {
        if thumb2 {
            // SMLAL lo:hi += a·b with lo:hi = 2^30; QADD hi, hi, hi doubles and saturates
            // (only INT32_MIN² reaches hi = 2^30); then OR in bit 31 of lo.
            let lo = newVReg(), hi = newVReg(), r = newVReg()
            loadConst(lo, 0x4000_0000)
            loadConst(hi, 0)
            op(Instruction(.smlal), d: lo, n: a, m: b, a: hi, defs: SlotBit.rd | SlotBit.ra,
               uses: SlotBit.rd | SlotBit.ra | SlotBit.rn | SlotBit.rm)
            if hasDSP {
                op(Instruction(.qadd), d: r, n: hi, m: hi)
            } else {
                // ARMv7-M without QADD: hi ≤ 2^30 here, so doubling overflows only then.
                op(Instruction(.addReg), d: r, n: hi, m: hi)
                let ok = newLabel()
                op(Instruction(.cmpImm, imm: 0x8000_0000), n: r, defs: 0)
                branch(.ne, ok)
                loadConst(r, 0x7FFF_FFFF)
                label(ok)
            }
            op(Instruction(.orrReg, shift: .lsr, shiftAmount: 31), d: d, n: r, m: lo)
            return
        }
        // ARMv6-M: the 64-bit product from four 16×16 MULS (a = ah·2^16 + al, al
        // unsigned), accumulated with ADDS/ADCS.
        let al = newVReg(), ah = newVReg(), bl = newVReg(), bh = newVReg()
        let lo = newVReg(), hi = newVReg(), t1 = newVReg(), t2 = newVReg(), u = newVReg()
        let k = newVReg(), z = newVReg(), r = newVReg(), s = newVReg()
        op(Instruction(.uxth), d: al, m: a)
        shiftImmediate(.asr, ah, a, 16)
        op(Instruction(.uxth), d: bl, m: b)
        shiftImmediate(.asr, bh, b, 16)
        binary(.mul, lo, al, bl)
        binary(.mul, t1, al, bh)
        binary(.mul, t2, bl, ah)
        binary(.mul, hi, ah, bh)
        loadConst(k, 0x4000_0000)
        loadConst(z, 0)
        for t in [t1, t2] {
            shiftImmediate(.lsl, u, t, 16)
            shiftImmediate(.asr, t, t, 16)
            op(Instruction(.addReg), d: lo, n: lo, m: u, flags: .set)
            op(Instruction(.adcReg), d: hi, n: hi, m: t, flags: .set)
        }
        op(Instruction(.addReg), d: lo, n: lo, m: k, flags: .set)
        op(Instruction(.adcReg), d: hi, n: hi, m: z, flags: .set)
        shiftImmediate(.lsr, lo, lo, 31)
        shiftImmediate(.lsl, r, hi, 1)
        binary(.or, r, r, lo)
        // r = 0x80000000 only for INT32_MIN²: r - 1 overflows exactly then.
        let ok = newLabel()
        op(Instruction(.subImm, imm: 1), d: s, n: r, flags: .set)
        branch(.vc, ok)
        copy(r, s)
        label(ok)
        copy(d, r)
    }

    /// RoundingDivideByPOT with a constant exponent: (x >> e) + ((x & mask) + 2^(e-1)
    /// - (x < 0)) >> e, which equals gemmlowp's remainder/threshold test.
    mutating func rdivpotConstant(_ d: VReg, _ x: VReg, _ e: Int) {
        if e == 0 {
            copy(d, x)
            return
        }
        let t = newVReg(), q = newVReg()
        if thumb2 {
            op(Instruction(.ubfx, imm: 0, imm2: UInt8(e - 1)), d: t, n: x)
            addImmediate(t, t, Int64(1) << Int64(e - 1), flags: .dontCare)
            op(Instruction(.subReg, shift: .lsr, shiftAmount: 31), d: t, n: t, m: x)
            shiftImmediate(.asr, q, x, e)
            op(Instruction(.addReg, shift: .lsr, shiftAmount: UInt8(e)), d: d, n: q, m: t)
            return
        }
        let s = newVReg()
        shiftImmediate(.lsl, t, x, 32 - e)
        shiftImmediate(.lsr, t, t, 32 - e)
        addImmediate(t, t, Int64(1) << Int64(e - 1), flags: .dontCare)
        shiftImmediate(.lsr, s, x, 31)
        binary(.sub, t, t, s)
        shiftImmediate(.asr, q, x, e)
        shiftImmediate(.lsr, t, t, e)
        binary(.add, q, q, t)
        copy(d, q)
    }

    /// RoundingDivideByPOT with a register exponent (0–31), as gemmlowp writes it:
    /// mask = 2^e - 1, threshold = mask/2 + (x < 0), add 1 when the remainder exceeds it.
    mutating func rdivpotRegister(_ d: VReg, _ x: VReg, _ e: VReg) {
        let mask = newVReg(), rem = newVReg(), thr = newVReg(), s = newVReg(), q = newVReg(), one = newVReg()
        loadConst(one, 1)
        shiftRegister(.lsl, mask, one, e)
        addImmediate(mask, mask, -1, flags: .dontCare)
        binary(.and, rem, x, mask)
        shiftImmediate(.lsr, thr, mask, 1)
        shiftImmediate(.asr, s, x, 31)
        binary(.sub, thr, thr, s)
        shiftRegister(.asr, q, x, e)
        // rem > thr ⇔ thr - rem < 0 (both in 0...2^31-1): add its sign bit.
        binary(.sub, thr, thr, rem)
        shiftImmediate(.lsr, thr, thr, 31)
        binary(.add, q, q, thr)
        copy(d, q)
    }
}
