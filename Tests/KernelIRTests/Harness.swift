import BoardProfiles
import CortexM
import ELFFile
import KernelIR
import Testing
import ThumbISA

/// The boards the kernel tests run on, one per core, from the checkout's Boards/.
enum TestBoards {
    static func load(_ name: String) -> Board {
        do {
            return try BoardLibrary.load(name)
        } catch {
            fatalError("test board \(name): \(error)")
        }
    }
    static let m0plus = load("nano-rp2040")
    static let m4 = load("nano33ble")
    static let m7 = load("stm32f746")
    static let all: [Board] = [m0plus, m4, m7]

    static func named(_ name: String) -> Board { all.first { $0.name == name }! }

    static func arch(_ b: Board) -> ArchLevel {
        switch b.core.architecture {
        case .armv6m: .v6m
        case .armv7m: .v7m
        default: .v7em
        }
    }
}

/// A compiled module loaded on an emulated board: code in the first executable
/// read-only region, data and stack in the first RAM region.
final class KernelRunner {
    let board: Board
    let machine: Machine
    let compiled: CompiledModule
    let codeBase: UInt32
    let dataBase: UInt32
    let stackTop: UInt32
    private var next: UInt32

    init(board: Board, compiled: CompiledModule) throws {
        self.board = board
        self.compiled = compiled
        machine = try Machine(board: board, options: MachineOptions(deliverFaultsToGuest: false, profileFunctions: false))
        let code = board.memory.first { $0.executable && !$0.writable && $0.usable }!
        let ram = board.memory.filter { $0.writable && $0.kind != .itcm }.max { $0.size < $1.size }!
        codeBase = code.base
        dataBase = ram.base
        stackTop = ram.base &+ UInt32(min(ram.size, 192 << 10))
        next = dataBase
        let image = FirmwareImage(segments: [.init(address: codeBase, bytes: compiled.image, executable: true,
                                                   writable: false, name: "kernels")])
        try machine.load(image, reset: false)
    }

    convenience init(board: Board, source: String, roots: [String]? = nil) throws {
        let verified = try Verifier.verify(try Parser.parse(source, file: "test.kir"))
        let compiled = try KernelCompiler.compile(verified, arch: TestBoards.arch(board), roots: roots,
                                                  sources: ["test.kir": source])
        try self.init(board: board, compiled: compiled)
    }

    /// Reserve data memory (8-byte aligned) below the stack.
    func allocate(_ bytes: Int) -> UInt32 {
        let at = next
        next = (next &+ UInt32(bytes) &+ 7) & ~7
        precondition(next < stackTop &- 20 * 1024, "test data overflows the RAM set aside for it")
        return at
    }

    func put(_ bytes: [UInt8]) -> UInt32 {
        let at = allocate(max(bytes.count, 4))
        machine.poke(at, bytes)
        return at
    }

    func put<T: FixedWidthInteger>(_ values: [T]) -> UInt32 { put(Self.bytes(values)) }

    func read(_ address: UInt32, _ count: Int) -> [UInt8] { machine.peek(address, count: count) ?? [] }

    func read<T: FixedWidthInteger>(_ address: UInt32, count: Int, as: T.Type) -> [T] {
        let b = read(address, count * MemoryLayout<T>.size)
        return (0..<count).map { i in
            var v: T = 0
            for k in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: b[i * MemoryLayout<T>.size + k]) << (8 * k) }
            return v
        }
    }

    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    @discardableResult
    func call(_ kernel: String, _ args: [UInt32], maxCycles: UInt64 = 200_000_000) throws -> UInt32 {
        guard let s = compiled.symbol(kernel) else { throw TestFailure("no kernel \(kernel)") }
        return try machine.call(codeBase &+ UInt32(s.offset) | 1, arguments: args, stackTop: stackTop, maxCycles: maxCycles)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Deterministic random numbers for property tests (SplitMix64).
struct Rng {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ r: ClosedRange<Int>) -> Int {
        r.lowerBound + Int(next() % UInt64(r.upperBound - r.lowerBound + 1))
    }
    mutating func word() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    /// Words biased toward edge values (0, ±1, extremes, powers of two).
    mutating func interestingWord() -> UInt32 {
        switch int(0...5) {
        case 0: return [0, 1, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 0x4000_0000, 0xFFFF_8000, 0x7FFF][int(0...7)]
        case 1: return UInt32(1) << UInt32(int(0...31))
        case 2: return UInt32(bitPattern: Int32(int(-300...300)))
        default: return word()
        }
    }
    mutating func int8s(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: next()) } }
}

/// Runs IR on an emulated board and in the interpreter over identical memory, and
/// compares results and every byte of the data area.
final class Differential {
    let runner: KernelRunner
    let memory: FlatMemory
    let interpreter: Interpreter
    let board: Board

    init(board: Board, source: String) throws {
        self.board = board
        runner = try KernelRunner(board: board, source: source)
        let verified = try Verifier.verify(try Parser.parse(source, file: "test.kir"))
        memory = FlatMemory(base: runner.dataBase, size: Int(runner.stackTop - runner.dataBase))
        // The interpreter's tables go at the top of the area, above any test data.
        interpreter = try Interpreter(module: verified, memory: memory, tableBase: runner.stackTop - 16 * 1024,
                                      dsp: TestBoards.arch(board) >= .v7em)
    }

    func put(_ bytes: [UInt8]) -> UInt32 {
        let a = runner.put(bytes)
        _ = memory.load(bytes, at: a)
        return a
    }

    func put<T: FixedWidthInteger>(_ values: [T]) -> UInt32 { put(KernelRunner.bytes(values)) }

    func allocate(_ n: Int) -> UInt32 { put([UInt8](repeating: 0, count: n)) }

    /// Calls the kernel both ways; records an issue per difference. Returns the result.
    @discardableResult
    func check(_ kernel: String, _ args: [UInt32], region: (UInt32, Int)? = nil,
               sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> UInt32 {
        let got = try runner.call(kernel, args)
        let want = try interpreter.run(kernel, args)
        let returns = interpreter.module.module.kernel(named: kernel)?.returnType != nil
        #expect(!returns || got == want, "\(board.name): \(kernel) returned 0x\(String(got, radix: 16)), interpreter 0x\(String(want, radix: 16))",
                sourceLocation: sourceLocation)
        let (start, count) = region ?? (runner.dataBase, Int(runner.allocate(0) - runner.dataBase))
        let m = runner.read(start, count)
        let i = Array(memory.bytes[Int(start - memory.base)..<(Int(start - memory.base) + count)])
        if let k = zip(m, i).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(board.name): \(kernel) memory differs at 0x\(String(start + UInt32(k), radix: 16)): machine \(m[k]), interpreter \(i[k])",
                         sourceLocation: sourceLocation)
        }
        return got
    }
}
