import Foundation
@testable import KernelIR
import Testing
import ThumbISA

/// What the compiler promises about the code it emits, beyond its being correct: loop heads
/// the Cortex-M4 can branch to without a penalty, spill reloads forwarded from registers,
/// and the same code in every process.
@Suite struct CodeQualityTests {
    /// Every backward branch of the bundled kernels compiled for ARMv7E-M lands on a
    /// word-aligned address when the instruction there is 32-bit (Cortex-M4 TRM Table 3-1:
    /// a branch to a misaligned 32-bit instruction takes a cycle more).
    @Test func loopHeadsOfThirtyTwoBitInstructionsAreWordAligned() throws {
        let compiled = try KernelLibrary.bundled().compile(for: .v7em)
        var checked = 0
        for sym in compiled.symbols where sym.kind == .kernel {
            let lines = try #require(compiled.disassembly(kernel: sym.name))
            var sizeAt: [UInt32: Int] = [:]
            for l in lines { sizeAt[l.address] = l.bytes.count }
            for l in lines where l.text.hasPrefix("b") {
                // "bne.n\t0x1c0", "b.w\t0x2a4": the target is the last operand.
                guard let hex = l.text.split(whereSeparator: { $0 == "\t" || $0 == " " }).last,
                      hex.hasPrefix("0x"), let target = UInt32(hex.dropFirst(2), radix: 16),
                      target < l.address, sizeAt[target] == 4 else { continue }
                #expect(target % 4 == 0, "\(sym.name): loop head 0x\(String(target, radix: 16)) is a misaligned 32-bit instruction")
                checked += 1
            }
        }
        #expect(checked > 10, "expected the bundled kernels to have loops with 32-bit heads")
    }

    /// A reload of a stack slot whose value is still in a register becomes a MOV or
    /// disappears; a label (another path may hold another value) and a call (r0–r3, r12,
    /// lr clobbered) end what is known.
    @Test func reloadsAreForwardedWithinABlock() {
        func spillStore(_ slot: Int, from r: VReg) -> MInst {
            var m = MInst(.spillStore(slot), line: 0, depth: 0)
            m.regs[1] = r
            m.useMask = SlotBit.rn
            return m
        }
        func spillLoad(_ slot: Int, into r: VReg) -> MInst {
            var m = MInst(.spillLoad(slot), line: 0, depth: 0)
            m.regs[0] = r
            m.defMask = SlotBit.rd
            return m
        }
        func call(_ f: String) -> MInst {
            var m = MInst(.call(f), line: 0, depth: 0)
            m.implicitDefs = Lowering.callerSaved
            return m
        }
        func define(_ r: VReg) -> MInst {
            var m = MInst(.loadConst(7), line: 0, depth: 0)
            m.regs[0] = r
            m.defMask = SlotBit.rd
            return m
        }
        let code: [MInst] = [
            spillStore(0, from: 5),
            spillLoad(0, into: 5),  // already in r5: dropped
            spillLoad(0, into: 6),  // in r5: MOV r6, r5
            define(5),
            spillLoad(0, into: 7),  // r5 overwritten, still in r6: MOV r7, r6
            call("f"),
            spillLoad(0, into: 4),  // r6 and r7 survive the call: MOV r4, r6
            spillStore(1, from: 2),
            call("g"),
            spillLoad(1, into: 2),  // r2 clobbered by the call: a real load
            MInst(.label(1), line: 0, depth: 0),
            spillLoad(0, into: 4),  // after a label nothing is known: a real load
        ]
        let out = RegisterAllocator.forwardSpillSlots(code, [:])
        let kinds = out.map { m -> String in
            switch m.kind {
            case .spillLoad(let s): "load\(s)->r\(m.regs[0])"
            case .spillStore(let s): "store\(s)<-r\(m.regs[1])"
            case .copy: "mov r\(m.regs[0]), r\(m.regs[1])"
            case .call(let f): "call \(f)"
            case .label: "label"
            case .loadConst: "def r\(m.regs[0])"
            default: "other"
            }
        }
        #expect(kinds == ["store0<-r5", "mov r6, r5", "def r5", "mov r7, r6", "call f", "mov r4, r6",
                          "store1<-r2", "call g", "load1->r2", "label", "load0->r4"])
    }

    /// The same kernels compile to the same bytes in separate processes. (Iterating a
    /// `Set` in the allocator once numbered spill temporaries in a per-process order, and
    /// cycle counts changed from run to run.)
    @Test(arguments: ["cortex-m4", "cortex-m0plus"])
    func separateProcessesCompileIdenticalCode(core: String) throws {
        var listings: Set<String> = []
        for _ in 0..<4 {
            let r = try DisasmCLITests.sersim(["disasm", "--kernel", "lstm_s8", "--core", core])
            #expect(r.status == 0, "\(r.stderr)")
            listings.insert(r.stdout)
        }
        #expect(listings.count == 1, "sersim disasm --kernel lstm_s8 --core \(core) differed between processes")
    }
}
