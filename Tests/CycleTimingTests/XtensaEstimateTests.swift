import BoardProfiles
import CycleTiming
import Testing
import ThumbISA
@testable import CortexM

/// The ESP32 / ESP32-S3 estimates: labelled as estimates, and their calibrated constants
/// (docs/timing-validation.md) applied as the table says.
@Suite struct XtensaEstimateTests {
    func rig(_ core: CoreKind, _ code: [Instruction]) throws -> TimingRig {
        let r = try TimingRig(TimingRig.board(core), code: code)
        r.machine.setRegister(1, TimingRig.data)
        r.jump(to: 0)
        return r
    }

    @Test func boardsGetTheEstimateModels() throws {
        for (core, kind) in [(CoreKind.xtensaLX6, TimingModelKind.xtensaLX6), (.xtensaLX7, .xtensaLX7)] {
            let r = try rig(core, [nop])
            #expect(r.machine.timer.kind == kind)
            #expect(r.machine.timer.isEstimate)
            #expect(kind.provenance.hasPrefix("estimate"))
        }
    }

    @Test func calibratedCosts() throws {
        // LX6: loads 2 + the transfer, taken branches 1 + 3; LX7: loads 1 + the transfer,
        // taken branches 1 + 2; stores one cycle; ALU one cycle.
        let code = [ldr(.r0, .r1), str(.r0, .r1, 4), add(.r2, .r2, .r0), Instruction(.b, imm: 0), nop, nop]
        #expect(try rig(.xtensaLX6, code).cycles(4) == 3 + 1 + 1 + 4)
        #expect(try rig(.xtensaLX7, code).cycles(4) == 2 + 1 + 1 + 3)
    }
}
