// The verifier: every rule of docs/kernel-ir.md "Rules" that can be checked before
// running — names, types, definite assignment, loop structure, pointer element types,
// constant ranges. It throws the first problem with its source location; the compiler
// and the interpreter only see verified modules.

/// What the verifier learned about a kernel: the one type of each of its names.
public struct KernelInfo: Sendable {
    public var types: [String: ValueType]
    /// Whether the kernel calls other kernels (it then saves LR and aligns its stack).
    public var makesCalls: Bool
}

public struct VerifiedModule: Sendable {
    public var module: Module
    public var info: [String: KernelInfo]
}

public enum Verifier {
    /// Checks a module. `externals` names kernels the module may call that live
    /// elsewhere (the runtime helpers); they are not part of `module`.
    public static func verify(_ module: Module) throws(KernelIRError) -> VerifiedModule {
        var names: [String: SourcePosition] = [:]
        func declare(_ name: String, _ loc: SourcePosition, _ what: String) throws(KernelIRError) {
            if let prev = names[name] {
                throw KernelIRError("\(what) '\(name)' is already declared at \(prev)", at: loc)
            }
            names[name] = loc
        }
        for c in module.constants {
            try declare(c.name, c.location, "constant")
            switch c.value {
            case let .scalar(v):
                try checkWord(v, c.location)
            case let .table(e, values):
                guard !values.isEmpty else { throw KernelIRError("table '\(c.name)' is empty", at: c.location) }
                let range: ClosedRange<Int64> = switch e {
                case .i8: -128...127
                case .u8: 0...255
                case .i16: -32768...32767
                case .u16: 0...65535
                case .i32: -0x8000_0000...0xFFFF_FFFF
                }
                if let bad = values.firstIndex(where: { !range.contains($0) }) {
                    throw KernelIRError("table '\(c.name)' element \(bad) = \(values[bad]) does not fit \(e.rawValue)", at: c.location)
                }
            }
        }
        for s in module.structs {
            try declare(s.name, s.location, "struct")
            var seen: Set<String> = []
            for f in s.fields {
                guard seen.insert(f.name).inserted else {
                    throw KernelIRError("struct '\(s.name)' has two fields named '\(f.name)'", at: f.location)
                }
                try checkType(f.type, module, f.location)
            }
            guard !s.fields.isEmpty else { throw KernelIRError("struct '\(s.name)' has no fields", at: s.location) }
        }
        for k in module.kernels {
            try declare(k.name, k.location, "kernel")
        }
        try checkInlineRecursion(module)
        var info: [String: KernelInfo] = [:]
        for k in module.kernels {
            var v = KernelVerifier(module: module, kernel: k)
            try v.run()
            info[k.name] = KernelInfo(types: v.types, makesCalls: v.makesCalls)
        }
        return VerifiedModule(module: module, info: info)
    }

    /// An inline kernel is expanded where it is called, so it cannot reach itself.
    static func checkInlineRecursion(_ module: Module) throws(KernelIRError) {
        func visit(_ name: String, _ path: [String]) throws(KernelIRError) {
            guard let k = module.kernel(named: name), k.isInline else { return }
            if path.contains(name) {
                throw KernelIRError("inline kernel '\(name)' calls itself (\((path + [name]).joined(separator: " → "))); "
                    + "make it a plain kernel", at: k.location)
            }
            for c in KernelCompiler.callees(k.body) { try visit(c, path + [name]) }
        }
        for k in module.kernels where k.isInline { try visit(k.name, []) }
    }

    static func checkWord(_ v: Int64, _ loc: SourcePosition) throws(KernelIRError) {
        guard v >= -0x8000_0000 && v <= 0xFFFF_FFFF else {
            throw KernelIRError("constant \(v) does not fit in 32 bits", at: loc)
        }
    }

    static func checkType(_ t: ValueType, _ module: Module, _ loc: SourcePosition) throws(KernelIRError) {
        guard case let .pointer(p) = t else { return }
        var pointee = p
        while case let .pointer(inner) = pointee { pointee = inner }
        if case let .structure(name) = pointee, module.structure(named: name) == nil {
            throw KernelIRError("unknown struct '\(name)' in \(t)", at: loc)
        }
    }
}

struct KernelVerifier {
    let module: Module
    let kernel: Kernel
    var types: [String: ValueType] = [:]
    var scopes: [Set<String>] = []
    /// Names that may not be assigned in the current loop bodies (induction variables
    /// and loop bounds), with the loop that protects them.
    var frozen: [String: SourcePosition] = [:]
    var makesCalls = false

    init(module: Module, kernel: Kernel) {
        self.module = module
        self.kernel = kernel
    }

    func error(_ message: String, _ loc: SourcePosition) -> KernelIRError { KernelIRError(message, at: loc) }

    mutating func run() throws(KernelIRError) {
        var params: Set<String> = []
        for p in kernel.parameters {
            guard params.insert(p.name).inserted else {
                throw error("kernel '\(kernel.name)' has two parameters named '\(p.name)'", p.location)
            }
            try Verifier.checkType(p.type, module, p.location)
            try checkNotGlobal(p.name, p.location)
            types[p.name] = p.type
        }
        if let r = kernel.returnType { try Verifier.checkType(r, module, kernel.location) }
        scopes = [params]
        try block(kernel.body)
        if kernel.returnType != nil {
            guard case .ret? = kernel.body.last else {
                throw error("kernel '\(kernel.name)' returns \(kernel.returnType!) but does not end with 'return'", kernel.location)
            }
        }
    }

    func checkNotGlobal(_ name: String, _ loc: SourcePosition) throws(KernelIRError) {
        if let c = module.constant(named: name) {
            throw error("'\(name)' is the constant declared at \(c.location); choose another name", loc)
        }
        if module.kernel(named: name) != nil || module.structure(named: name) != nil {
            throw error("'\(name)' names a kernel or struct; choose another name", loc)
        }
    }

    func isDefined(_ name: String) -> Bool { scopes.contains { $0.contains(name) } }

    mutating func block(_ stmts: [Statement]) throws(KernelIRError) {
        scopes.append([])
        defer { scopes.removeLast() }
        for (i, s) in stmts.enumerated() {
            if case .ret = s, i != stmts.count - 1 {
                throw error("statements after 'return' are never executed", stmts[i + 1].location)
            }
            try statement(s)
        }
    }

    /// The type of an operand; constants are i32.
    func operandType(_ o: Operand) throws(KernelIRError) -> ValueType {
        switch o {
        case let .constant(v, loc):
            try Verifier.checkWord(v, loc)
            return .i32
        case let .variable(name, loc):
            if let c = module.constant(named: name) {
                switch c.value {
                case .scalar: return .i32
                case let .table(e, _): return .pointer(.element(e))
                }
            }
            guard isDefined(name), let t = types[name] else {
                if types[name] != nil {
                    throw error("'\(name)' is used outside the block that assigns it (assign it before the block to use it here)", loc)
                }
                throw error("'\(name)' is used before it is assigned", loc)
            }
            return t
        }
    }

    func expectI32(_ o: Operand, _ what: String) throws(KernelIRError) {
        let t = try operandType(o)
        guard t == .i32 else { throw error("\(what) must be an i32, '\(o)' is \(t)", o.location) }
    }

    /// A constant operand, or nil when it is a variable (scalar constants resolve).
    func constantValue(_ o: Operand) -> Int64? {
        switch o {
        case let .constant(v, _): return v
        case let .variable(name, _):
            if case let .scalar(v)? = module.constant(named: name)?.value { return v }
            return nil
        }
    }

    func requireConstant(_ o: Operand, _ range: ClosedRange<Int64>, _ what: String) throws(KernelIRError) -> Int64 {
        guard let v = constantValue(o) else { throw error("\(what) must be a constant", o.location) }
        guard range.contains(v) else { throw error("\(what) must be in \(range.lowerBound)...\(range.upperBound), found \(v)", o.location) }
        return v
    }

    mutating func assign(_ name: String, _ type: ValueType, _ loc: SourcePosition) throws(KernelIRError) {
        try checkNotGlobal(name, loc)
        if let f = frozen[name] {
            throw error("'\(name)' controls the loop at \(f) and cannot be assigned inside it", loc)
        }
        if let existing = types[name] {
            guard existing == type else {
                throw error("'\(name)' is \(existing) but is assigned a \(type) (a name keeps one type in a kernel)", loc)
            }
        } else {
            types[name] = type
        }
        if !isDefined(name) { scopes[scopes.count - 1].insert(name) }
    }

    /// The element a pointer operand addresses, checking it can be loaded (or stored).
    mutating func elementPointer(_ name: String, _ loc: SourcePosition, store: Bool, postIncrement: Bool) throws(KernelIRError) -> Pointee {
        if let c = module.constant(named: name) {
            guard case .table = c.value else { throw error("'\(name)' is a scalar constant, not a table", loc) }
            if store { throw error("table '\(name)' is read-only", loc) }
            if postIncrement { throw error("table '\(name)' is constant and cannot be incremented; copy it to a variable first", loc) }
        }
        let t = try operandType(.variable(name, loc))
        guard case let .pointer(p) = t else { throw error("'\(name)' is \(t), not a pointer", loc) }
        if case .structure = p {
            throw error("'\(name)' points to struct \(p); read its fields with \(name).field", loc)
        }
        if postIncrement { try assign(name, t, loc) }
        return p
    }

    mutating func address(_ a: Address, _ loc: SourcePosition, store: Bool) throws(KernelIRError) -> Pointee {
        switch a {
        case let .indexed(p, index, offset):
            let pointee = try elementPointer(p, loc, store: store, postIncrement: false)
            try expectI32(index, "an index")
            guard offset >= -4096 && offset <= 4095 else {
                throw error("index offset \(offset) is out of range (-4096...4095)", loc)
            }
            return pointee
        case let .postIncrement(p):
            return try elementPointer(p, loc, store: store, postIncrement: true)
        }
    }

    mutating func statement(_ s: Statement) throws(KernelIRError) {
        switch s {
        case let .assign(name, expr, loc):
            let t = try expression(expr, loc)
            try assign(name, t, loc)
        case let .store(addr, value, loc):
            let pointee = try address(addr, loc, store: true)
            let vt = try operandType(value)
            switch pointee {
            case .element:
                guard vt == .i32 else { throw error("stored value must be an i32, '\(value)' is \(vt)", value.location) }
            case let .pointer(inner):
                guard vt == .pointer(inner) || vt == .i32 else {
                    throw error("stored value must be a ptr<\(inner)>, '\(value)' is \(vt)", value.location)
                }
            case .structure:
                break  // rejected in elementPointer
            }
        case let .storeField(p, field, value, loc):
            let ft = try fieldType(p, field, loc)
            let vt = try operandType(value)
            guard vt == ft else { throw error("field '\(field)' is \(ft), the value is \(vt)", value.location) }
        case let .call(callee, args, loc):
            _ = try call(callee, args, loc, needsResult: false)
        case let .forLoop(variable, start, end, step, body, loc):
            try expectI32(start, "a loop start")
            try expectI32(end, "a loop end")
            try expectI32(step, "a loop step")
            if let c = constantValue(step), c <= 0 {
                throw error("a loop step must be positive, found \(c)", step.location)
            }
            if variable == nil, constantValue(step) != 1 {
                throw error("a counted loop ('for _') steps by 1; name the variable to use another step", step.location)
            }
            var protected: [String] = []
            for o in [end, step] { if let n = o.variableName, module.constant(named: n) == nil { protected.append(n) } }
            scopes.append([])
            if let v = variable {
                try assign(v, .i32, loc)
                protected.append(v)
            }
            let saved = frozen
            for n in protected where frozen[n] == nil { frozen[n] = loc }
            try block(body)
            frozen = saved
            scopes.removeLast()
        case let .ifThen(pred, then, els, _):
            let lt = try operandType(pred.lhs)
            let rt = try operandType(pred.rhs)
            guard lt == rt || (lt.isPointer && rt.isPointer) else {
                throw error("cannot compare \(lt) with \(rt)", pred.rhs.location)
            }
            try block(then)
            try block(els)
        case let .ifFeature(_, then, els, _):
            try block(then)
            try block(els)
        case let .ret(value, loc):
            switch (value, kernel.returnType) {
            case (nil, nil): break
            case (nil, let t?): throw error("kernel '\(kernel.name)' must return a \(t)", loc)
            case (let v?, nil): throw error("kernel '\(kernel.name)' has no return type but returns '\(v)'", v.location)
            case let (v?, t?):
                let vt = try operandType(v)
                guard vt == t else { throw error("kernel '\(kernel.name)' returns \(t), '\(v)' is \(vt)", v.location) }
            }
        }
    }

    func fieldType(_ p: String, _ field: String, _ loc: SourcePosition) throws(KernelIRError) -> ValueType {
        let t = try operandType(.variable(p, loc))
        guard case let .pointer(.structure(sname)) = t, let s = module.structure(named: sname) else {
            throw error("'\(p)' is \(t), not a pointer to a struct", loc)
        }
        guard let f = s.fields.first(where: { $0.name == field }) else {
            throw error("struct '\(sname)' has no field '\(field)' (fields: \(s.fields.map(\.name).joined(separator: ", ")))", loc)
        }
        return f.type
    }

    mutating func call(_ callee: String, _ args: [Operand], _ loc: SourcePosition, needsResult: Bool) throws(KernelIRError) -> ValueType? {
        guard let k = module.kernel(named: callee) else { throw error("unknown kernel '\(callee)'", loc) }
        guard k.parameters.count == args.count else {
            throw error("'\(callee)' takes \(k.parameters.count) argument\(k.parameters.count == 1 ? "" : "s"), found \(args.count)", loc)
        }
        for (p, a) in zip(k.parameters, args) {
            let at = try operandType(a)
            guard at == p.type else {
                throw error("argument '\(p.name)' of '\(callee)' is \(p.type), '\(a)' is \(at)", a.location)
            }
        }
        if needsResult && k.returnType == nil {
            throw error("'\(callee)' returns nothing", loc)
        }
        makesCalls = true
        return k.returnType
    }

    mutating func expression(_ e: Expression, _ loc: SourcePosition) throws(KernelIRError) -> ValueType {
        switch e {
        case let .copy(o):
            return try operandType(o)
        case let .load(addr):
            switch try address(addr, loc, store: false) {
            case .element: return .i32
            case let .pointer(inner): return .pointer(inner)
            case .structure: return .i32  // rejected in elementPointer
            }
        case let .loadPacked(addr):
            let p = try address(addr, loc, store: false)
            guard case let .element(e) = p, e.byteSize < 4 else {
                throw error("ldpack reads 4 bytes as packed i8 or i16 elements; '\(addr.pointer)' points to \(p)", loc)
            }
            return .i32
        case let .field(p, field):
            return try fieldType(p, field, loc)
        case let .call(callee, args):
            return try call(callee, args, loc, needsResult: true)!
        case let .op(op, operands, castTo):
            return try operation(op, operands, castTo, loc)
        }
    }

    mutating func operation(_ op: OpCode, _ o: [Operand], _ castTo: ValueType?, _ loc: SourcePosition) throws(KernelIRError) -> ValueType {
        switch op {
        case .offset:
            let t = try operandType(o[0])
            guard case let .pointer(p) = t else { throw error("offset needs a pointer, '\(o[0])' is \(t)", o[0].location) }
            if case .structure = p { throw error("offset works on element pointers, not ptr<\(p)>", o[0].location) }
            try expectI32(o[1], "an offset")
            return t
        case .cast:
            _ = try operandType(o[0])
            try Verifier.checkType(castTo!, module, loc)
            return castTo!
        case .shl, .asr, .lsr:
            try expectI32(o[0], "a shifted value")
            try expectI32(o[1], "a shift amount")
            if constantValue(o[1]) != nil { _ = try requireConstant(o[1], 0...31, "a constant shift") }
        case .sat:
            try expectI32(o[0], "a saturated value")
            _ = try requireConstant(o[1], 1...32, "the saturation width")
        case .usat:
            try expectI32(o[0], "a saturated value")
            _ = try requireConstant(o[1], 0...31, "the saturation width")
        case .sxtb16:
            try expectI32(o[0], "the unpacked value")
            if o.count == 2 {
                let r = try requireConstant(o[1], 0...24, "the rotation")
                guard r % 8 == 0 else { throw error("the rotation must be 0, 8, 16 or 24", o[1].location) }
            }
        case .rdivpot:
            try expectI32(o[0], "the divided value")
            try expectI32(o[1], "the exponent")
            if constantValue(o[1]) != nil { _ = try requireConstant(o[1], 0...31, "the exponent") }
        case .mbqm:
            for x in o { try expectI32(x, "an operand of mbqm") }
            if constantValue(o[2]) != nil { _ = try requireConstant(o[2], -31...30, "the shift") }
        default:
            for x in o { try expectI32(x, "an operand of \(op.rawValue)") }
        }
        return .i32
    }
}
