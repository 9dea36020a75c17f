// A direct interpreter of verified kernel IR over a flat little-endian memory. It is
// the executable definition of the IR (docs/kernel-ir.md) — the compiler's tests
// compare compiled code on the emulated cores against it. It is not a model of any
// TFLite kernel: kernels are checked against the QuantModel reference.

public struct InterpreterError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var location: SourcePosition?
    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}

/// Byte-addressed memory: one contiguous region starting at `base`.
public final class FlatMemory {
    public let base: UInt32
    public var bytes: [UInt8]

    public init(base: UInt32, size: Int) {
        self.base = base
        self.bytes = [UInt8](repeating: 0, count: size)
    }

    func index(_ address: UInt32, _ n: Int) -> Int? {
        let off = Int64(address) - Int64(base)
        guard off >= 0, off + Int64(n) <= Int64(bytes.count) else { return nil }
        return Int(off)
    }

    public func read(_ address: UInt32, _ n: Int) -> UInt32? {
        guard let i = index(address, n) else { return nil }
        var v: UInt32 = 0
        for k in 0..<n { v |= UInt32(bytes[i + k]) << UInt32(8 * k) }
        return v
    }

    @discardableResult
    public func write(_ address: UInt32, _ n: Int, _ value: UInt32) -> Bool {
        guard let i = index(address, n) else { return false }
        for k in 0..<n { bytes[i + k] = UInt8(truncatingIfNeeded: value >> UInt32(8 * k)) }
        return true
    }

    public func load(_ data: [UInt8], at address: UInt32) -> Bool {
        guard let i = index(address, data.count) else { return false }
        bytes.replaceSubrange(i..<(i + data.count), with: data)
        return true
    }
}

public final class Interpreter {
    public let module: VerifiedModule
    public let memory: FlatMemory
    /// Where each table constant lives in `memory`.
    public private(set) var tableAddresses: [String: UInt32] = [:]
    /// The core feature switch for `if @dsp` (the result must not depend on it).
    public var dsp: Bool
    /// Statements executed, and the budget that stops runaway loops.
    public private(set) var steps = 0
    public var stepLimit = 50_000_000

    /// Tables are copied into `memory` from `tableBase` upward.
    public init(module: VerifiedModule, memory: FlatMemory, tableBase: UInt32, dsp: Bool = true) throws(InterpreterError) {
        self.module = module
        self.memory = memory
        self.dsp = dsp
        var address = tableBase
        for c in module.module.constants {
            guard case let .table(e, values) = c.value else { continue }
            address = (address + 3) & ~3
            tableAddresses[c.name] = address
            for v in values {
                guard memory.write(address, e.byteSize, UInt32(truncatingIfNeeded: v)) else {
                    throw InterpreterError(message: "table \(c.name) does not fit in memory at 0x\(String(address, radix: 16))")
                }
                address += UInt32(e.byteSize)
            }
        }
    }

    struct Frame {
        var values: [String: UInt32] = [:]
        let kernel: Kernel
        let types: [String: ValueType]
    }

    struct Return: Error { var value: UInt32? }

    /// Runs a kernel with word arguments; returns its result (0 for kernels without one).
    public func run(_ name: String, _ arguments: [UInt32]) throws(InterpreterError) -> UInt32 {
        guard let k = module.module.kernel(named: name), let info = module.info[name] else {
            throw InterpreterError(message: "no kernel named \(name)")
        }
        guard k.parameters.count == arguments.count else {
            throw InterpreterError(message: "\(name) takes \(k.parameters.count) arguments, given \(arguments.count)")
        }
        var frame = Frame(kernel: k, types: info.types)
        for (p, a) in zip(k.parameters, arguments) { frame.values[p.name] = a }
        do {
            try execute(k.body, &frame)
        } catch let r as Return {
            return r.value ?? 0
        } catch let e as InterpreterError {
            throw e
        } catch {
            throw InterpreterError(message: "\(error)")
        }
        return 0
    }

    func value(_ o: Operand, _ f: Frame) -> UInt32 {
        switch o {
        case let .constant(v, _): return UInt32(truncatingIfNeeded: v)
        case let .variable(n, _):
            if let v = f.values[n] { return v }
            if let a = tableAddresses[n] { return a }
            if case let .scalar(v)? = module.module.constant(named: n)?.value { return UInt32(truncatingIfNeeded: v) }
            return 0
        }
    }

    func pointee(_ name: String, _ f: Frame) -> Pointee {
        if case let .table(e, _)? = module.module.constant(named: name)?.value { return .element(e) }
        if case let .pointer(p)? = f.types[name] { return p }
        return .element(.i32)
    }

    static func size(of p: Pointee) -> Int {
        switch p {
        case let .element(e): e.byteSize
        case .pointer, .structure: 4
        }
    }

    func address(_ a: Address, _ f: inout Frame, packed: Bool) -> (UInt32, Pointee) {
        let p = pointee(a.pointer, f)
        let size = Interpreter.size(of: p)
        switch a {
        case let .indexed(ptr, index, offset):
            let base = value(.variable(ptr, SourcePosition(file: "", line: 0, column: 0)), f)
            let i = value(index, f) &+ UInt32(truncatingIfNeeded: offset)
            return (base &+ i &* UInt32(size), p)
        case let .postIncrement(ptr):
            let base = f.values[ptr] ?? 0
            f.values[ptr] = base &+ UInt32(packed ? 4 : size)
            return (base, p)
        }
    }

    func read(_ address: UInt32, _ n: Int, _ loc: SourcePosition) throws(InterpreterError) -> UInt32 {
        guard let v = memory.read(address, n) else {
            throw InterpreterError(message: "load of \(n) bytes at 0x\(String(address, radix: 16)) is outside memory", location: loc)
        }
        return v
    }

    func tick(_ loc: SourcePosition) throws(InterpreterError) {
        steps += 1
        if steps > stepLimit { throw InterpreterError(message: "step limit \(stepLimit) reached", location: loc) }
    }

    func execute(_ stmts: [Statement], _ f: inout Frame) throws {
        for s in stmts {
            try tick(s.location)
            switch s {
            case let .assign(name, expr, loc):
                f.values[name] = try evaluate(expr, &f, loc)
            case let .store(addr, v, loc):
                let (a, p) = address(addr, &f, packed: false)
                let n = Interpreter.size(of: p)
                guard memory.write(a, n, value(v, f)) else {
                    throw InterpreterError(message: "store of \(n) bytes at 0x\(String(a, radix: 16)) is outside memory", location: loc)
                }
            case let .storeField(p, field, v, loc):
                let a = try fieldAddress(p, field, f)
                guard memory.write(a, 4, value(v, f)) else {
                    throw InterpreterError(message: "store to \(p).\(field) at 0x\(String(a, radix: 16)) is outside memory", location: loc)
                }
            case let .call(callee, args, _):
                _ = try run(callee, args.map { value($0, f) })
            case let .forLoop(variable, start, end, step, body, loc):
                let e = Semantics.s(value(end, f))
                let st = value(step, f)
                var i = value(start, f)
                if let v = variable {
                    while Semantics.s(i) < e {
                        f.values[v] = i
                        try execute(body, &f)
                        try tick(loc)
                        i = i &+ st
                    }
                } else {
                    var count = Int64(e) - Int64(Semantics.s(i))
                    while count > 0 {
                        try execute(body, &f)
                        try tick(loc)
                        count -= 1
                    }
                }
            case let .ifThen(pred, then, els, _):
                if Semantics.compare(pred.comparison, value(pred.lhs, f), value(pred.rhs, f)) {
                    try execute(then, &f)
                } else {
                    try execute(els, &f)
                }
            case let .ifFeature(_, then, els, _):
                try execute(dsp ? then : els, &f)
            case let .ret(v, _):
                throw Return(value: v.map { value($0, f) })
            }
        }
    }

    func fieldAddress(_ p: String, _ field: String, _ f: Frame) throws(InterpreterError) -> UInt32 {
        guard case let .pointer(.structure(sname))? = f.types[p], let s = module.module.structure(named: sname),
              let off = s.offset(of: field) else {
            throw InterpreterError(message: "\(p).\(field) is not a struct field")
        }
        return (f.values[p] ?? 0) &+ UInt32(off)
    }

    func evaluate(_ e: Expression, _ f: inout Frame, _ loc: SourcePosition) throws -> UInt32 {
        switch e {
        case let .copy(o): return value(o, f)
        case let .load(addr):
            let (a, p) = address(addr, &f, packed: false)
            let n = Interpreter.size(of: p)
            let raw = try read(a, n, loc)
            if case let .element(k) = p, k.isSigned, n < 4 {
                return n == 1 ? Semantics.u(Int32(Int8(truncatingIfNeeded: raw))) : Semantics.u(Int32(Int16(truncatingIfNeeded: raw)))
            }
            return raw
        case let .loadPacked(addr):
            let (a, _) = address(addr, &f, packed: true)
            return try read(a, 4, loc)
        case let .field(p, field):
            return try read(try fieldAddress(p, field, f), 4, loc)
        case let .call(callee, args):
            return try run(callee, args.map { value($0, f) })
        case let .op(op, operands, _):
            let args = operands.map { value($0, f) }
            if op == .offset, let name = operands[0].variableName {
                return args[0] &+ args[1] &* UInt32(Interpreter.size(of: pointee(name, f)))
            }
            return Semantics.evaluate(op, args)
        }
    }
}
