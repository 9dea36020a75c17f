import Foundation
import SerSim
import Testing

/// Reports name the timing model's assumptions that bear on their board and run
/// (docs/timing.md), for model deployments and for plain ELF firmware alike.
@Suite struct ApproximationsTests {
    /// An STM32L476 run names the ART's assumed associativity and its fill rule; an
    /// STM32F746 run names neither (no ART on its timed path) but the AXI latency.
    @Test func modelReportsNameTheirBoardsAssumptions() throws {
        let model = Checkout.path(Checkout.serModel)
        let l4 = try Deployment(model: model, board: "stm32l476").run().approximations
        #expect(l4.contains("an ART miss copies one 8-byte flash read, not the 32-byte line"))
        #expect(l4.contains("ART associativity not published: assumed fully associative"))
        #expect(!l4.contains { $0.contains("AXI") })
        let f7 = try Deployment(model: model, board: "stm32f746").run().approximations
        #expect(f7.contains("no AXI bridge latency (none cited)"))
        #expect(!f7.contains { $0.contains("ART") })
    }

    /// Plain firmware: the divide rule appears only when the run divided.
    @Test func firmwareRunsNameTheirAssumptions() throws {
        let fixtures = "Tests/CortexMTests/Fixtures/firmware/"
        let divides = try FirmwareRun.run(elf: Checkout.path(fixtures + "benchmac-m4-O2-nrf52840.elf"), board: "nano33ble")
        #expect(divides.approximations.contains { $0.hasPrefix("SDIV/UDIV") })
        #expect(divides.text().contains("approximations (docs/timing.md): SDIV/UDIV"))
        let m0 = try FirmwareRun.run(elf: Checkout.path(fixtures + "benchmac-m0plus-O2-rp2040.elf"), board: "nano-rp2040")
        #expect(!m0.approximations.contains { $0.hasPrefix("SDIV/UDIV") })
        #expect(m0.approximations.contains("LRU replacement"))
    }
}
