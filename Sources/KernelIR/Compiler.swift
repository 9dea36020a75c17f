import Foundation
import ThumbISA

// The compiler's public face: verified IR in, a position-independent Thumb image out,
// with a symbol per kernel and table and a map from each instruction to its IR line.

/// The cores sersim compiles for, by the names the command line uses.
public enum KernelCore: String, Sendable, CaseIterable {
    case cortexM0plus = "cortex-m0plus"
    case cortexM3 = "cortex-m3"
    case cortexM4 = "cortex-m4"
    case cortexM7 = "cortex-m7"

    public var arch: ArchLevel {
        switch self {
        case .cortexM0plus: .v6m
        case .cortexM3: .v7m
        case .cortexM4, .cortexM7: .v7em
        }
    }
}

public struct CompiledSymbol: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case kernel, table }
    public var name: String
    /// Offset from the start of the image (kernels: even; add 1 for a Thumb address).
    public var offset: Int
    public var size: Int
    public var kind: Kind
}

/// Where one instruction (or literal-pool word) came from.
public struct LineEntry: Sendable, Equatable {
    public var offset: Int
    public var size: Int
    public var kernel: String
    public var file: String
    /// IR line; 0 for compiler-made code (pools, branches over pools).
    public var line: Int
    public var isData: Bool
}

/// What a kernel's prologue sets up.
public struct KernelFrame: Sendable, Equatable {
    /// Registers pushed (r4–r11, lr), in register order.
    public var savedRegisters: [Int]
    /// 32-bit stack slots holding spilled values.
    public var spillSlots: Int
    /// Bytes below the pushed registers (spills, outgoing arguments, alignment).
    public var frameBytes: Int
}

public struct DisassemblyLine: Sendable, Equatable {
    public var address: UInt32
    public var bytes: [UInt8]
    public var text: String
    public var irLine: Int
    /// The IR source text of `irLine`, when the module was compiled with sources.
    public var irText: String?
}

public struct CompiledModule: Sendable {
    public var arch: ArchLevel
    /// Code then tables; load at any 4-byte-aligned address (the code is position
    /// independent).
    public var image: [UInt8]
    public var symbols: [CompiledSymbol]
    public var lineMap: [LineEntry]
    /// The verified source module (kernel signatures, struct layouts).
    public var module: Module
    /// Source text by file name, for listings.
    public var sources: [String: String]
    /// Bytes of stack each kernel needs below its caller's SP, including its callees.
    public var stackUsage: [String: Int]
    /// Each kernel's own frame.
    public var frames: [String: KernelFrame]

    public func symbol(_ name: String) -> CompiledSymbol? { symbols.first { $0.name == name } }

    /// The layout of a parameter struct: field name → byte offset.
    public func structLayout(_ name: String) -> [(name: String, offset: Int, type: ValueType)]? {
        guard let s = module.structure(named: name) else { return nil }
        return s.fields.enumerated().map { ($0.element.name, $0.offset * 4, $0.element.type) }
    }

    /// A listing of one kernel loaded at `base`: address, bytes, disassembly and the IR
    /// line each instruction came from.
    public func disassembly(kernel name: String, base: UInt32 = 0) -> [DisassemblyLine]? {
        guard let sym = symbol(name), sym.kind == .kernel else { return nil }
        var out: [DisassemblyLine] = []
        var lines: [String: [Substring]] = [:]
        for (file, text) in sources { lines[file] = text.split(separator: "\n", omittingEmptySubsequences: false) }
        var itState: UInt8 = 0  // ITSTATE (ARMv7-M A7.3.2): firstcond:mask
        for e in lineMap where e.kernel == name {
            let bytes = Array(image[e.offset..<(e.offset + e.size)])
            let address = base &+ UInt32(e.offset)
            var text: String
            if e.isData {
                let w = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
                text = ".word\t0x" + String(w, radix: 16)
                itState = 0
            } else {
                let hw1 = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
                let hw2 = bytes.count == 4 ? UInt16(bytes[2]) | UInt16(bytes[3]) << 8 : 0
                let inst = ThumbDecoder.shared.decode(hw1, hw2, arch: arch)
                let cond = itState & 0xF != 0 ? ThumbISA.Condition(rawValue: itState >> 4) : nil
                text = Disassembler.text(inst, address: address, itCondition: cond)
                if itState & 0xF != 0 {
                    itState = itState & 0x7 == 0 ? 0 : (itState & 0xE0) | ((itState << 1) & 0x1F)
                } else if inst.op == .it {
                    itState = inst.cond.rawValue << 4 | UInt8(inst.list & 0xF)
                }
            }
            var irText: String?
            if e.line > 0, let fileLines = lines[e.file], e.line <= fileLines.count {
                irText = fileLines[e.line - 1].trimmingCharacters(in: " \t")
            }
            out.append(DisassemblyLine(address: address, bytes: bytes, text: text, irLine: e.line, irText: irText))
        }
        return out
    }
}

extension CompiledModule {
    /// An objdump -S style listing of one kernel: each run of instructions under the IR
    /// line it came from. Nil when the module has no such kernel.
    public func listing(kernel name: String, base: UInt32 = 0, showBytes: Bool = true) -> String? {
        guard let lines = disassembly(kernel: name, base: base), let sym = symbol(name) else { return nil }
        var out = String(format: "%08x", base &+ UInt32(sym.offset)) + " <\(name)>:\n"
        var lastLine = -1
        for l in lines {
            if l.irLine != lastLine {
                if l.irLine == 0 {
                    out += "; (compiler: loop-head alignment NOP, literal pool or branch over it)\n"
                } else if let entry = lineMap.first(where: { $0.offset == Int(l.address &- base) }) {
                    out += "; \(entry.file):\(l.irLine)  \(l.irText ?? "")\n"
                }
                lastLine = l.irLine
            }
            let bytes: String
            if l.bytes.count == 4 && !l.text.hasPrefix(".word") {
                bytes = String(format: "%04x %04x", UInt16(l.bytes[0]) | UInt16(l.bytes[1]) << 8,
                               UInt16(l.bytes[2]) | UInt16(l.bytes[3]) << 8)
            } else if l.bytes.count == 4 {
                bytes = String(format: "%08x", l.bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) })
            } else {
                bytes = String(format: "%04x     ", UInt16(l.bytes[0]) | UInt16(l.bytes[1]) << 8)
            }
            out += String(format: "%8x:\t", l.address) + (showBytes ? bytes + " \t" : "") + l.text + "\n"
        }
        return out
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

public enum KernelCompiler {
    /// Compiles `roots` and every kernel they call (all kernels when nil), with the
    /// tables they use. `sources` (file → text) is kept for listings.
    public static func compile(_ verified: VerifiedModule, arch: ArchLevel, roots: [String]? = nil,
                               sources: [String: String] = [:]) throws(KernelIRError) -> CompiledModule {
        let module = verified.module
        let names = try reachable(from: roots ?? module.kernels.map(\.name), in: module, arch: arch)
            .filter { module.kernel(named: $0)?.isInline == false }
        let files = FileTable()
        var placed: [PlacedFunction] = []
        var frames: [String: Int] = [:]
        var frameInfo: [String: KernelFrame] = [:]
        let memo = EncodingMemo()
        for name in names {
            let kernel = module.kernel(named: name)!
            let fn = WebSplitter.split(try Lowering.lower(verified, kernel, arch: arch, files: files), arch: arch)
            let alloc = try RegisterAllocator.allocate(fn, arch: arch)
            var emitter = FunctionEmitter(arch: arch, alloc: alloc, fn: fn, memo: memo)
            let items = try emitter.run()
            let p = try Layout(arch: arch).place(name: name, file: fn.file, items: items)
            if arch == .v6m && !emitter.pushLR && usesBLJump(p) {
                throw KernelIRError("'\(name)': a branch needs BL but the kernel keeps no frame")
            }
            placed.append(p)
            frames[name] = 4 * emitter.pushedWords + emitter.frameBytes
            frameInfo[name] = KernelFrame(savedRegisters: (emitter.savedLow + emitter.savedHigh + (emitter.pushLR ? [14] : [])).sorted(),
                                          spillSlots: alloc.spillSlots, frameBytes: emitter.frameBytes)
        }
        var stack: [String: Int] = [:]
        for name in names { stack[name] = try stackDepth(name, module, arch, frames, &stack, []) }
        var compiled = try Assembler(arch: arch, module: module, functions: placed, sources: sources, stackUsage: stack,
                                     files: files).assemble()
        compiled.frames = frameInfo
        return compiled
    }

    static func usesBLJump(_ p: PlacedFunction) -> Bool {
        for (i, f) in p.branchForm.enumerated() where f > 0 {
            if case let .branch(c, _, _) = p.items[i], (c == nil && f >= 1) || f >= 2 { return true }
        }
        return false
    }

    /// The kernels `stmts` call when compiled for `arch` (only the `if @dsp` branch it
    /// takes), or on any architecture when `arch` is nil.
    static func callees(_ stmts: [Statement], arch: ArchLevel? = nil) -> [String] {
        var out: [String] = []
        for s in stmts {
            switch s {
            case let .call(c, _, _): out.append(c)
            case let .assign(_, .call(c, _), _): out.append(c)
            case let .forLoop(_, _, _, _, body, _): out += callees(body, arch: arch)
            case let .ifThen(_, a, b, _): out += callees(a, arch: arch) + callees(b, arch: arch)
            case let .ifFeature(_, a, b, _):
                if let arch { out += callees(arch >= .v7em ? a : b, arch: arch) } else { out += callees(a) + callees(b) }
            default: break
            }
        }
        return out
    }

    static func reachable(from roots: [String], in module: Module, arch: ArchLevel) throws(KernelIRError) -> [String] {
        var seen: [String] = []
        var work = roots
        while let n = work.popLast() {
            guard !seen.contains(n) else { continue }
            guard let k = module.kernel(named: n) else { throw KernelIRError("no kernel named '\(n)'") }
            seen.append(n)
            work += callees(k.body, arch: arch)
        }
        return module.kernels.map(\.name).filter { seen.contains($0) }
    }

    static func stackDepth(_ name: String, _ module: Module, _ arch: ArchLevel, _ frames: [String: Int],
                           _ memo: inout [String: Int], _ path: [String]) throws(KernelIRError) -> Int {
        if let d = memo[name] { return d }
        guard !path.contains(name) else {
            throw KernelIRError("'\(name)' is recursive (\((path + [name]).joined(separator: " → "))); its stack use has no bound")
        }
        var deepest = 0
        for c in Set(callees(module.kernel(named: name)?.body ?? [], arch: arch)) {
            deepest = max(deepest, try stackDepth(c, module, arch, frames, &memo, path + [name]))
        }
        let d = (frames[name] ?? 0) + deepest
        memo[name] = d
        return d
    }
}

/// Concatenates placed functions and tables and encodes what depended on final
/// addresses: branches, calls, literal pools.
struct Assembler {
    let arch: ArchLevel
    let module: Module
    let functions: [PlacedFunction]
    let sources: [String: String]
    let stackUsage: [String: Int]
    let files: FileTable

    func assemble() throws(KernelIRError) -> CompiledModule {
        var symbols: [CompiledSymbol] = []
        var offset = 0
        var starts: [Int] = []
        for f in functions {
            starts.append(offset)
            symbols.append(CompiledSymbol(name: f.name, offset: offset, size: f.size, kind: .kernel))
            offset += f.size
            offset = (offset + 3) & ~3
        }
        // Tables used by the compiled kernels.
        var data: [UInt8] = []
        let dataStart = offset
        for c in module.constants {
            guard case let .table(e, values) = c.value, usesTable(c.name) else { continue }
            while data.count % 4 != 0 { data.append(0) }
            let at = dataStart + data.count
            for v in values {
                for k in 0..<e.byteSize { data.append(UInt8(truncatingIfNeeded: v >> Int64(8 * k))) }
            }
            symbols.append(CompiledSymbol(name: c.name, offset: at, size: values.count * e.byteSize, kind: .table))
        }
        var symbolOffset: [String: Int] = [:]
        for s in symbols { symbolOffset[s.name] = s.offset }

        var image = [UInt8](repeating: 0, count: dataStart)
        var lineMap: [LineEntry] = []
        let layout = Layout(arch: arch)
        for (f, start) in zip(functions, starts) {
            // Addresses of every piece first (a pool may precede its ADD anchor).
            var pieceAddress: [Int] = []
            var itemAddress: [Int: Int] = [:]
            var labelAddress: [Int: Int] = [:]
            var anchorAddress: [Int: Int] = [:]
            var a = start
            for piece in f.pieces {
                switch piece {
                case let .item(i):
                    pieceAddress.append(a)
                    itemAddress[i] = a
                    switch f.items[i] {
                    case let .label(l): labelAddress[l] = a
                    case let .addPC(_, anchor, _): anchorAddress[anchor] = a
                    default: break
                    }
                    a += layout.itemSize(f.items[i], form: f.branchForm[i])
                case .skip, .alignNop:
                    pieceAddress.append(a)
                    a += 2
                case let .pool(values):
                    if a % 4 != 0 { a += 2 }
                    pieceAddress.append(a)
                    a += 4 * values.count
                }
            }
            func put(_ e: EncodedInstruction, at address: Int, line: Int) {
                for (k, b) in e.bytes.enumerated() { image[address + k] = b }
                let (file, l) = line == 0 ? (f.file, 0) : files.unpack(line)
                lineMap.append(LineEntry(offset: address, size: e.size, kernel: f.name, file: file, line: l, isData: false))
            }
            func enc(_ inst: Instruction, _ row: String, _ what: String) throws(KernelIRError) -> EncodedInstruction {
                var i = inst
                i.row = EncodingTable.row(named: row)!
                do {
                    return try ThumbEncoder.encode(i, arch: arch)
                } catch {
                    throw KernelIRError("'\(f.name)': \(what): \((error as? EncodingError)?.reason ?? "\(error)")")
                }
            }
            for (p, piece) in f.pieces.enumerated() {
                let at = pieceAddress[p]
                switch piece {
                case let .item(i):
                    switch f.items[i] {
                    case let .code(encs, line):
                        var x = at
                        for e in encs {
                            put(e, at: x, line: line)
                            x += e.size
                        }
                    case .label:
                        break
                    case let .branch(c, target, line):
                        guard let t = labelAddress[target] else { throw KernelIRError("'\(f.name)': missing label") }
                        let form = f.branchForm[i]
                        let thumb2 = arch >= .v7m
                        func off(_ from: Int) -> UInt32 { UInt32(bitPattern: Int32(t - (from + 4))) }
                        if c == nil {
                            if form == 0 {
                                put(try enc(Instruction(.b, imm: off(at)), "B T2", "branch"), at: at, line: line)
                            } else if thumb2 {
                                put(try enc(Instruction(.b, imm: off(at)), "B T4", "branch"), at: at, line: line)
                            } else {
                                put(try enc(Instruction(.bl, imm: off(at)), "BL T1", "long branch"), at: at, line: line)
                            }
                        } else if let c {
                            if form == 0 {
                                put(try enc(Instruction(.b, imm: off(at), cond: c), "B T1", "branch"), at: at, line: line)
                            } else if thumb2 {
                                put(try enc(Instruction(.b, imm: off(at), cond: c), "B T3", "branch"), at: at, line: line)
                            } else if form == 1 {
                                // B<!c> over a B to the target.
                                put(try enc(Instruction(.b, imm: 0, cond: c.inverted), "B T1", "branch"), at: at, line: line)
                                put(try enc(Instruction(.b, imm: off(at + 2)), "B T2", "branch"), at: at + 2, line: line)
                            } else {
                                put(try enc(Instruction(.b, imm: 2, cond: c.inverted), "B T1", "branch"), at: at, line: line)
                                put(try enc(Instruction(.bl, imm: off(at + 2)), "BL T1", "long branch"), at: at + 2, line: line)
                            }
                        }
                    case let .call(name, line):
                        guard let t = symbolOffset[name] else { throw KernelIRError("'\(f.name)' calls unknown '\(name)'") }
                        put(try enc(Instruction(.bl, imm: UInt32(bitPattern: Int32(t - (at + 4)))), "BL T1", "call"),
                            at: at, line: line)
                    case let .literal(r, _, line):
                        guard let (pieceIndex, slot) = f.literalSlot[i] else { throw KernelIRError("'\(f.name)': literal without pool") }
                        let target = pieceAddress[pieceIndex] + 4 * slot
                        let imm = target - ((at + 4) & ~3)
                        guard imm >= 0 && imm <= 1020 else {
                            throw KernelIRError("'\(f.name)': literal pool out of reach (\(imm) bytes)")
                        }
                        let row = r.isLow ? "LDR (literal) T1" : "LDR (literal) T2"
                        put(try enc(Instruction(.ldrLit, rd: r, rn: .pc, imm: UInt32(imm), flags: [.index, .add]), row,
                                    "literal load"), at: at, line: line)
                    case let .addPC(r, _, line):
                        put(try enc(Instruction(.addReg, rd: r, rn: r, rm: .pc), "ADD (register) T2", "address"), at: at, line: line)
                    }
                case .alignNop:
                    put(try enc(Instruction(.nop), "NOP T1", "alignment"), at: at, line: 0)
                case .skip:
                    // Branch to just past the following pool.
                    var end = at + 2
                    if case let .pool(values)? = f.pieces.dropFirst(p + 1).first {
                        if end % 4 != 0 { end += 2 }
                        end += 4 * values.count
                    }
                    put(try enc(Instruction(.b, imm: UInt32(bitPattern: Int32(end - (at + 4)))), "B T2", "branch"), at: at, line: 0)
                case let .pool(values):
                    if at > start, (at - start) % 4 == 0, image[at - 2] == 0, image[at - 1] == 0,
                       lineMap.last.map({ $0.offset + $0.size }) == at - 2 {
                        // Alignment padding before the pool: a NOP.
                        image[at - 2] = 0x00
                        image[at - 1] = 0xBF
                    }
                    for (k, v) in values.enumerated() {
                        let word: UInt32
                        switch v {
                        case let .word(w): word = w
                        case let .pcRelative(symbol, anchor):
                            guard let s = symbolOffset[symbol], let an = anchorAddress[anchor] else {
                                throw KernelIRError("'\(f.name)': unknown address of '\(symbol)'")
                            }
                            word = UInt32(bitPattern: Int32(s - (an + 4)))
                        }
                        let x = at + 4 * k
                        for b in 0..<4 { image[x + b] = UInt8(truncatingIfNeeded: word >> UInt32(8 * b)) }
                        lineMap.append(LineEntry(offset: x, size: 4, kernel: f.name, file: f.file, line: 0, isData: true))
                    }
                }
            }
        }
        image += data
        return CompiledModule(arch: arch, image: image, symbols: symbols, lineMap: lineMap.sorted { $0.offset < $1.offset },
                              module: module, sources: sources, stackUsage: stackUsage, frames: [:])
    }

    func usesTable(_ name: String) -> Bool {
        functions.contains { f in
            f.items.contains { item in
                if case let .literal(_, .pcRelative(symbol, _), _) = item { return symbol == name }
                return false
            }
        }
    }
}
