import BoardProfiles
import CycleTiming
import ELFFile
import Foundation
import Testing
@testable import CortexM

/// Small C programs (Fixtures/kernels.c, built by scripts/timing/make-fixtures with
/// arm-none-eabi-gcc -O2) whose cycle counts follow from the TRM rules. The expected counts
/// are derived by hand from the listings checked in beside the ELFs
/// (Fixtures/kernels-<cpu>.lst), zero wait states.
@Suite struct CompiledKernelTests {
    static let data: UInt32 = 0x2000_0000
    static let a: [Int16] = (0..<16).map { Int16($0 * 3 - 20) }
    static let b: [Int16] = (0..<16).map { Int16(7 - $0 * 2) }

    func machine(_ cpu: String, _ core: CoreKind, fastMultiplier: Bool = true) throws -> (Machine, FirmwareImage) {
        guard let url = Bundle.module.url(forResource: "kernels-\(cpu)", withExtension: "elf", subdirectory: "Fixtures") else {
            throw FixtureMissing(name: "kernels-\(cpu).elf")
        }
        let image = try ELFReader.read(path: url.path)
        let m = try Machine(board: TimingRig.board(core, fastMultiplier: fastMultiplier, flashBase: 0))
        try m.load(image, reset: false)
        // Arguments: 16 words 1...16 at `data`, and two halfword vectors after them.
        var bytes: [UInt8] = []
        for k in 1...16 { bytes += withUnsafeBytes(of: UInt32(k).littleEndian, Array.init) }
        for v in Self.a + Self.b { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        m.poke(Self.data, bytes)
        return (m, image)
    }

    func address(_ image: FirmwareImage, _ name: String) throws -> UInt32 {
        guard let s = image.symbols.first(where: { $0.name == name }) else { throw FixtureMissing(name: name) }
        return s.address
    }

    var expectedDot: UInt32 { UInt32(bitPattern: Int32(zip(Self.a, Self.b).map { Int32($0) * Int32($1) }.reduce(0, +))) }

    @Test func cortexM0PlusSum() throws {
        // sum: cmp, ble (not taken), lsls, movs, adds, movs = 6; per element ldmia (1 + 1),
        // adds, cmp, bne taken (2) = 6, the last bne not taken (1); bx lr 2: 6n + 7.
        let (m, image) = try machine("cortex-m0plus", .cortexM0plus)
        let before = m.cycles
        let r = try m.call(try address(image, "sum"), arguments: [Self.data, 16], stackTop: 0x2000_F000)
        #expect(r == 136)
        #expect(m.cycles - before == 6 * 16 + 7)
    }

    @Test func cortexM0PlusDot() throws {
        // dot: push {r4-r7, lr} (1 + 5), movs, cmp, ble, movs, movs, lsls = 12; per element
        // ldrsh 2, ldrsh 2, adds, muls (1, or 32 with the small multiplier), adds, cmp,
        // bne 2 = 10 (last 9); pop {r4-r7, pc} 3 + 5: 10n + 19.
        for fast in [true, false] {
            let (m, image) = try machine("cortex-m0plus", .cortexM0plus, fastMultiplier: fast)
            let before = m.cycles
            let r = try m.call(try address(image, "dot"), arguments: [Self.data + 64, Self.data + 96, 16],
                               stackTop: 0x2000_F000)
            #expect(r == expectedDot)
            #expect(m.cycles - before == (fast ? 10 * 16 + 19 : 41 * 16 + 19))
        }
    }

    @Test func cortexM4Sum() throws {
        // sum: cmp, ble (not taken), subs, add.w, movs = 5; per element ldr.w with
        // write-back 2 (not pipelined: after a branch), cmp, add, bne taken 1 + P (P = 1,
        // word-aligned 32-bit target) = 6, the last 5; bx lr 1 + 2: 6n + 7.
        let (m, image) = try machine("cortex-m4", .cortexM4)
        let before = m.cycles
        let r = try m.call(try address(image, "sum"), arguments: [Self.data, 16], stackTop: 0x2000_F000)
        #expect(r == 136)
        #expect(m.cycles - before == 6 * 16 + 7)
    }

    @Test func cortexM4Dot() throws {
        // dot: cmp, ble, push {lr} (1 + 1), subs, subs, add.w, movs = 8; per element
        // ldrh.w 2, ldrh.w 1 (pipelined: its base r1 is not the previous load's result),
        // cmp, smlabb 1, bne 2 = 7 (last 6); ldr.w pc, [sp], #4: 2 + a 3-cycle reload:
        // 7n + 12.
        let (m, image) = try machine("cortex-m4", .cortexM4)
        let before = m.cycles
        let r = try m.call(try address(image, "dot"), arguments: [Self.data + 64, Self.data + 96, 16],
                           stackTop: 0x2000_F000)
        #expect(r == expectedDot)
        #expect(m.cycles - before == 7 * 16 + 12)
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    var name: String
    var description: String { "test fixture \(name) is missing" }
}
