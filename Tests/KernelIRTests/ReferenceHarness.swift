import BoardProfiles
import KernelIR
import QuantModel
import ThumbISA

/// The bundled kernel library compiled once per architecture for the reference tests.
enum BundledKernels {
    static let library: Result<KernelLibrary, KernelIRError> = Result { () throws(KernelIRError) in try KernelLibrary.bundled() }
    static let v6m = compile(.v6m)
    static let v7em = compile(.v7em)

    static func compile(_ arch: ArchLevel) -> Result<CompiledModule, KernelIRError> {
        Result { () throws(KernelIRError) in try library.get().compile(for: arch) }
    }

    static func module(for board: Board) throws -> CompiledModule {
        try (TestBoards.arch(board) == .v6m ? v6m : v7em).get()
    }
}

/// The kernel library on a board, with bindings placing their constants in RAM.
final class KernelBench {
    let runner: KernelRunner
    let board: Board

    init(board: Board) throws {
        self.board = board
        runner = try KernelRunner(board: board, compiled: try BundledKernels.module(for: board))
    }

    var module: Module { runner.compiled.module }
    var place: PlaceConstant { { [runner] bytes, _ in runner.put(bytes) } }

    func run(_ call: KernelCall, maxCycles: UInt64 = 400_000_000) throws {
        try runner.call(call.kernel, [call.block], maxCycles: maxCycles)
    }

    func put(_ v: TensorValues) -> UInt32 { runner.put(v.littleEndianBytes) }
    func output(_ count: Int, _ type: ElementType) -> UInt32 { runner.allocate(count * type.byteSize + 4) }

    func read(_ address: UInt32, _ count: Int, _ type: ElementType) -> TensorValues {
        TensorValues(littleEndian: runner.read(address, count * type.byteSize), type: type, count: count)!
    }
}

extension Rng {
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }
    /// A float uniform in log scale between lo and hi.
    mutating func logUniform(_ lo: Double, _ hi: Double) -> Float {
        let u = Double(next() >> 11) / Double(1 << 53)
        return Float(lo * pow(hi / lo, u))
    }
    mutating func int16s(_ n: Int) -> [Int16] { (0..<n).map { _ in Int16(truncatingIfNeeded: next()) } }
}

import Foundation
