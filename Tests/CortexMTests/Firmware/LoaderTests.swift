import BoardProfiles
import ELFFile
import Testing
@testable import CortexM

/// Placing an image into a board's memories: clear errors that name the segment, its
/// address and the region.
@Suite struct LoaderTests {
    @Test func segmentLargerThanItsRegion() throws {
        let board = TestBoards.named("stm32f746")
        let itcm = try #require(board.memory.first { $0.base == 0 })
        let image = FirmwareImage(segments: [
            .init(address: 0, bytes: [UInt8](repeating: 0, count: Int(itcm.size) + 100), executable: true, writable: false, name: "#0"),
        ], origin: "big.elf")
        let m = try Machine(board: board)
        let error = #expect(throws: MachineError.self) { try m.load(image) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("big.elf: segment #0 at 0x00000000 needs \(itcm.size + 100) bytes but region \(itcm.name) ends at"),
                "\(text)")
        #expect(text.contains("100 bytes over its \(itcm.size)-byte size"))
    }

    @Test func segmentOutsideEveryRegion() throws {
        let image = FirmwareImage(segments: [.init(address: 0x3000_0000, bytes: [1, 2, 3, 4], executable: false, writable: true, name: "#2")],
                                  origin: "far.elf")
        let m = try Machine(board: TestBoards.named("nano33ble"))
        let error = #expect(throws: MachineError.self) { try m.load(image) }
        #expect(error?.description.hasPrefix("far.elf: segment #2 at 0x30000000 (4 bytes) is outside every memory region of nano33ble") == true)
    }

    /// .bss: memory size beyond the file bytes is zero-filled.
    @Test func bssIsZeroed() throws {
        let m = try Machine(board: TestBoards.named("nano33ble"))
        m.poke(0x2000_0000, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let image = FirmwareImage(segments: [.init(address: 0x2000_0000, bytes: [7], memorySize: 8, executable: false, writable: true, name: "#1")])
        try m.load(image, reset: false)
        #expect(m.peek(0x2000_0000, count: 8) == [7, 0, 0, 0, 0, 0, 0, 0])
    }

    /// No usable vector table: a clear error, not a run from address 0.
    @Test func emptyVectorTable() throws {
        let m = try Machine(board: TestBoards.named("nano33ble"))
        let image = FirmwareImage(segments: [.init(address: 0x2000_0000, bytes: [1], executable: false, writable: true, name: "#0")])
        let error = #expect(throws: MachineError.self) { try m.load(image) }
        #expect(error?.description.contains("reset vector 0x00000000") == true)
    }
}
