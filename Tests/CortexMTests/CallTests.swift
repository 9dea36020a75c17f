import BoardProfiles
import CycleTiming
import ELFFile
import Testing
import ThumbISA
@testable import CortexM

@Suite struct CallTests {
    /// Assemble instructions with the encoder into an image at the start of flash.
    func image(_ code: [Instruction], at base: UInt32) throws -> FirmwareImage {
        var bytes: [UInt8] = []
        for i in code { bytes += try ThumbEncoder.encode(i, arch: .v7em).bytes }
        return FirmwareImage(segments: [.init(address: base, bytes: bytes, executable: true, writable: false, name: "code")])
    }

    @Test func callRunsAFunctionAndReturnsR0() throws {
        // int f(int a, int b, int c, int d, int e) { return a + b * c - d + e; }
        let code: [Instruction] = [
            Instruction(.ldrImm, rd: .r12, rn: .sp, imm: 0, flags: [.index, .add]),   // e from the stack
            Instruction(.mla, rd: .r0, rn: .r1, rm: .r2, ra: .r0),
            Instruction(.subReg, rd: .r0, rn: .r0, rm: .r3),
            Instruction(.addReg, rd: .r0, rn: .r0, rm: .r12),
            Instruction(.bx, rm: .lr),
        ]
        let board = try BoardLibrary.load("stm32f746")
        let m = try Machine(board: board)
        try m.load(try image(code, at: 0x0800_0000), reset: false)
        let r = try m.call(0x0800_0001, arguments: [10, 3, 4, 5, 100], stackTop: 0x2000_1000)
        #expect(r == 10 + 12 - 5 + 100)
        #expect(m.instructions == 5)
    }
}

@Suite struct LayoutTests {
    /// The executor reads a slot's instruction through a pointer to the slot.
    @Test func instructionIsTheSlotsFirstField() {
        #expect(DecodedSlot.instOffset == 0)
    }

    /// Each slot's memo lies `memoDistance` after it, in a block spaced as the slots: a
    /// memo must fit in a slot's stride, or neighbouring memos would overlap.
    @Test func memoFitsASlotStride() {
        #expect(MemoryLayout<TimingMemo>.size <= MemoryLayout<DecodedSlot>.stride)
        #expect(MemoryLayout<DecodedSlot>.stride % MemoryLayout<TimingMemo>.alignment == 0)
        let slots = DecodedSlot.allocate(count: 3)
        defer { DecodedSlot.deallocate(slots) }
        #expect(UnsafeMutableRawPointer(DecodedSlot.memo(slots + 2)) - UnsafeMutableRawPointer(DecodedSlot.memo(slots + 1))
            == MemoryLayout<DecodedSlot>.stride)
    }
}
