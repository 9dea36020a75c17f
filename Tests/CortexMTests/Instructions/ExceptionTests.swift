import BoardProfiles
import ELFFile
import Testing
@testable import CortexM

/// Exception entry, return, tail-chaining, fault escalation, SysTick and the two stacks
/// (ARMv7-M B1.5). Programs are small hand-written images for the Cortex-M4 board
/// (vector table at 0): each listing is arm-none-eabi-as output.
@Suite struct ExceptionTests {
    /// An image: words (the vector table, literals) and halfwords at addresses.
    struct Program {
        var words: [UInt32: UInt32]
        var code: [UInt32: [UInt16]]

        func image() -> FirmwareImage {
            var bytes = [UInt8](repeating: 0, count: 0x200)
            for (a, w) in words { bytes.replaceSubrange(Int(a)..<Int(a) + 4, with: TestCore.bytes(word: w)) }
            for (a, hw) in code {
                let b = TestCore.bytes(hw)
                bytes.replaceSubrange(Int(a)..<Int(a) + b.count, with: b)
            }
            return FirmwareImage(segments: [.init(address: 0, bytes: bytes, executable: true, writable: false, name: "flash")],
                                 symbols: [.init(name: "reset", address: 0x100, size: 0, kind: .function)])
        }

        func machine(deliverFaults: Bool = true) throws -> Machine {
            let m = try Machine(board: TestBoards.named("nano33ble"), options: MachineOptions(deliverFaultsToGuest: deliverFaults))
            try m.load(image())
            return m
        }
    }

    /// SVC: the handler finds the SVC number through the stacked PC and returns a value in
    /// the stacked r0.
    @Test func svcEntryAndReturn() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0x2C: 0x109], code: [
            0x100: [0x2007,          // movs r0, #7
                    0xDF05,          // svc 5
                    0x3001,          // adds r0, #1
                    0xBE00],         // bkpt 0x0000
            // r0–r3 come back from the frame: the handler reports through r4–r6.
            0x108: [0xF3EF, 0x8405,  // svc_handler: mrs r4, IPSR
                    0x4675,          // mov r5, lr
                    0x9906,          // ldr r1, [sp, #24]      (stacked PC)
                    0xF811, 0x6C02,  // ldrb.w r6, [r1, #-2]   (the SVC's immediate)
                    0x9600,          // str r6, [sp, #0]       (stacked r0)
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run() == .breakpoint(0))
        #expect(m.register(0) == 6)
        #expect(m.register(6) == 5)
        #expect(m.register(4) == 11, "IPSR in the handler: SVCall")
        #expect(m.register(5) == 0xFFFF_FFF9, "EXC_RETURN: thread mode, main stack")
        #expect(m.register(13) == 0x2000_1000)
        // The frame: r0 r1 r2 r3 r12 lr pc xPSR, pc = the instruction after SVC.
        #expect(m.peek32(0x2000_1000 - 32) == 5)
        #expect(m.peek32(0x2000_1000 - 8) == 0x104)
        #expect(m.peek32(0x2000_1000 - 4) == 0x0100_0000)
    }

    /// UDF with a HardFault handler: the UsageFault escalates (HFSR.FORCED, CFSR.UNDEFINSTR);
    /// the handler skips the instruction and returns.
    @Test func undefinedInstructionEscalatesToHardFault() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0xC: 0x109, 0x118: 0xE000_ED28], code: [
            0x100: [0x2001,          // movs r0, #1
                    0xDE07,          // udf #7
                    0x3001,          // adds r0, #1
                    0xBE00],         // bkpt 0x0000
            0x108: [0x4903,          // hardfault: ldr r1, [pc, #12]   (=0xE000ED28)
                    0x680C,          // ldr r4, [r1, #0]              (CFSR)
                    0x684D,          // ldr r5, [r1, #4]              (HFSR)
                    0x9E06,          // ldr r6, [sp, #24]             (stacked PC)
                    0x1CB2,          // adds r2, r6, #2
                    0x9206,          // str r2, [sp, #24]
                    0x4677,          // mov r7, lr
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run() == .breakpoint(0))
        #expect(m.register(0) == 2)
        #expect(m.register(4) == 1 << 16, "CFSR.UNDEFINSTR")
        #expect(m.register(5) == 1 << 30, "HFSR.FORCED")
        #expect(m.register(6) == 0x102, "the faulting instruction is stacked")
        #expect(m.register(7) == 0xFFFF_FFF9)
    }

    /// An exception pended in a handler that pre-empts the return context is entered
    /// without unstacking (tail-chaining, B1.5.12).
    @Test func pendSVTailChains() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0x2C: 0x107, 0x38: 0x113, 0x11C: 0xE000_ED04], code: [
            0x100: [0xDF00,          // svc 0
                    0x4637,          // mov r7, r6
                    0xBE00],         // bkpt 0x0000
            0x106: [0x4805,          // svc_handler: ldr r0, [pc, #20]  (=0xE000ED04, ICSR)
                    0xF04F, 0x5180,  // mov.w r1, #0x10000000          (PENDSVSET)
                    0x6001,          // str r1, [r0, #0]
                    0x2501,          // movs r5, #1
                    0x4770],         // bx lr
            0x112: [0x1C6E,          // pendsv_handler: adds r6, r5, #1
                    0xF3EF, 0x8405,  // mrs r4, IPSR
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run() == .breakpoint(0))
        #expect(m.register(7) == 2)
        #expect(m.register(4) == 14, "PendSV ran")
        #expect(m.exceptions.tailChains == 1)
        #expect(m.exceptions.entries == 2)
        #expect(m.register(13) == 0x2000_1000)
    }

    /// SysTick with RVR = 99 on the processor clock wakes WFI every 100 cycles.
    @Test func sysTickWakesWFI() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0x3C: 0x11D, 0x120: 0xE000_E010], code: [
            0x100: [0x4807,          // ldr r0, [pc, #28]   (=0xE000E010)
                    0x2163,          // movs r1, #99
                    0x6041,          // str r1, [r0, #4]    (RVR)
                    0x2100,          // movs r1, #0
                    0x6081,          // str r1, [r0, #8]    (CVR)
                    0x2107,          // movs r1, #7
                    0x6001,          // str r1, [r0, #0]    (CSR: ENABLE, TICKINT, CLKSOURCE)
                    0x2400,          // movs r4, #0
                    0xBF30,          // loop: wfi
                    0x2C03,          // cmp r4, #3
                    0xDBFC,          // blt.n loop
                    0x2100,          // movs r1, #0
                    0x6001,          // str r1, [r0, #0]
                    0xBE00,          // bkpt 0x0000
                    0x3401,          // systick_handler: adds r4, #1
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run(maxCycles: 100_000) == .breakpoint(0))
        #expect(m.register(4) == 3)
        #expect(m.exceptions.entries == 3)
        // Three wraps of a 100-cycle period after the CSR write: the third fires at about
        // 300 cycles; the run cannot have slept much past it.
        #expect(m.cycles > 300 && m.cycles < 400)
    }

    /// Thread mode on the process stack: SVC stacks on PSP, the handler runs on MSP and
    /// returns with EXC_RETURN 0xFFFFFFFD.
    @Test func processStack() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0x2C: 0x11D, 0x128: 0x2000_0800], code: [
            0x100: [0x4809,          // ldr r0, [pc, #36]  (=0x20000800)
                    0xF380, 0x8809,  // msr PSP, r0
                    0x2002,          // movs r0, #2
                    0xF380, 0x8814,  // msr CONTROL, r0    (SPSEL = 1)
                    0xF3BF, 0x8F6F,  // isb sy
                    0x2009,          // movs r0, #9
                    0xDF01,          // svc 1
                    0xF3EF, 0x8109,  // mrs r1, PSP
                    0x466A,          // mov r2, sp
                    0xBE00],         // bkpt 0x0000
            0x11C: [0x4676,          // svc_handler: mov r6, lr
                    0x466C,          // mov r4, sp
                    0xF3EF, 0x8509,  // mrs r5, PSP
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run() == .breakpoint(0))
        #expect(m.register(6) == 0xFFFF_FFFD)
        #expect(m.register(4) == 0x2000_1000, "the handler runs on MSP")
        #expect(m.register(5) == 0x2000_07E0, "the frame went on PSP")
        #expect(m.register(1) == 0x2000_0800)
        #expect(m.register(2) == 0x2000_0800)
        #expect(m.peek32(0x2000_07E0) == 9, "stacked r0")
    }

    /// With CCR.STKALIGN (the reset value) the frame is 8-byte aligned and xPSR bit 9
    /// records the padding, which the return removes.
    @Test func stackAlignmentPadding() throws {
        let p = Program(words: [0: 0x2000_0FFC, 4: 0x101, 0x2C: 0x107], code: [
            0x100: [0xDF00,          // svc 0
                    0x4669,          // mov r1, sp
                    0xBE00],         // bkpt 0x0000
            0x106: [0x466D,          // svc_handler: mov r5, sp
                    0x9E07,          // ldr r6, [sp, #28]   (stacked xPSR)
                    0xF06F, 0x000A,  // mvn.w r0, #10       (0xFFFFFFF5)
                    0x2C01,          // cmp r4, #1
                    0xBF08,          // it eq
                    0x4700,          // bxeq r0
                    0x4770],         // bx lr
        ])
        let m = try p.machine()
        #expect(try m.run() == .breakpoint(0))
        #expect(m.register(5) == 0x2000_0FD8)
        #expect(m.register(6) == 0x0100_0200)
        #expect(m.register(1) == 0x2000_0FFC)
    }

    /// Returning with a reserved EXC_RETURN is an INVPC UsageFault; with no HardFault
    /// handler the run stops with a report.
    @Test func invalidExceptionReturn() throws {
        let p = Program(words: [0: 0x2000_0FFC, 4: 0x101, 0x2C: 0x107], code: [
            0x100: [0xDF00, 0x4669, 0xBE00],
            0x106: [0x466D, 0x9E07, 0xF06F, 0x000A, 0x2C01, 0xBF08, 0x4700, 0x4770],
        ])
        let m = try p.machine()
        m.setRegister(4, 1)
        let f = #expect(throws: FaultReport.self) { try m.run() }
        #expect(f?.kind == .invalidExceptionReturn)
        #expect(f?.pc == 0x112)
    }

    /// A fault inside the HardFault handler locks the core up: the report says so.
    @Test func faultInHardFaultIsLockup() throws {
        let p = Program(words: [0: 0x2000_1000, 4: 0x101, 0xC: 0x103], code: [
            0x100: [0xDE01,          // udf #1
                    0xDE02],         // hardfault: udf #2
        ])
        let m = try p.machine()
        let f = #expect(throws: FaultReport.self) { try m.run() }
        #expect(f?.kind == .lockup)
        #expect(f?.pc == 0x102)
        #expect(f?.earlierFault?.contains("undefined instruction") == true)
    }
}
