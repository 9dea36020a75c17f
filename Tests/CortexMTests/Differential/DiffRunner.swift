import BoardProfiles
import ELFFile
import Foundation
import ThumbISA
@testable import CortexM

/// The repository root, from this file's path (Tests/CortexMTests/Differential/...).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// CRC-32 (IEEE 802.3, as Python's zlib.crc32) of a byte buffer.
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc = crc32Table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8)
    }
    return ~crc
}

private let crc32Table: [UInt32] = (0..<256).map { i -> UInt32 in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// State after one step: r0–r15, xPSR, CRC of the data window.
struct StepState: Equatable {
    var regs: [UInt32]
    var xpsr: UInt32
    var windowCRC: UInt32
}

struct CaseOutcome {
    /// Address of each executed instruction (sersim's trace; Unicorn stops at the same).
    var trace: [UInt32] = []
    var states: [StepState]
    /// The step at which the run stopped with a fault, and why.
    var fault: String?
    /// SRAM outside the data window is still all zero at the end.
    var ramClean: Bool
}

enum OracleError: Error, CustomStringConvertible {
    case unavailable(String)
    case protocolError(String)
    var description: String {
        switch self {
        case let .unavailable(s), let .protocolError(s): s
        }
    }
}

/// Unicorn, driven through scripts/difftest/unicorn_oracle.py (one process, one JSON
/// line per case each way).
final class UnicornOracle {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var buffer = Data()

    init() throws {
        let script = repositoryRoot.appendingPathComponent("scripts/difftest/unicorn_oracle.py").path
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import unicorn"]
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { throw OracleError.unavailable("python3 not found: \(error)") }
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            throw OracleError.unavailable("python3 cannot import unicorn; run scripts/ensure-deps test (pip install unicorn)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Run a case, stopping after each of `stops` (sersim's PCs after each step).
    func run(_ c: DiffCase, stops: [UInt32]) throws -> CaseOutcome {
        let t = c.target
        let hex = { (b: [UInt8]) in b.map { String(format: "%02x", $0) }.joined() }
        let object: [String: Any] = [
            "cpu": t.unicornCPU,
            "regions": [[Int(t.codeBase), 0x1_0000], [Int(t.ramBase), Int(t.ramSize)]],
            "writes": [[Int(t.codeStart), hex(c.code)], [Int(t.windowBase), hex(c.window)]],
            "regs": c.regs.map(Int.init),
            "xpsr": Int(c.xpsr),
            "stops": stops.map(Int.init),
            "window": [Int(t.windowBase), Int(t.windowSize)],
            "clean_regions": [[Int(t.ramBase), Int(t.windowBase - t.ramBase)],
                              [Int(t.windowBase + t.windowSize), Int(t.ramBase + t.ramSize - t.windowBase - t.windowSize)]],
        ]
        var line = try JSONSerialization.data(withJSONObject: object)
        line.append(0x0A)
        input.fileHandleForWriting.write(line)
        let reply = try readLine()
        guard let obj = try JSONSerialization.jsonObject(with: reply) as? [String: Any],
              let steps = obj["steps"] as? [[Int]] else {
            throw OracleError.protocolError("bad oracle reply: \(String(decoding: reply, as: UTF8.self))")
        }
        let states = steps.map { s in
            StepState(regs: s[0..<16].map { UInt32(truncatingIfNeeded: $0) }, xpsr: UInt32(truncatingIfNeeded: s[16]),
                      windowCRC: UInt32(truncatingIfNeeded: s[17]))
        }
        return CaseOutcome(states: states, fault: obj["error"] as? String, ramClean: (obj["ram_clean"] as? Bool) ?? false)
    }

    private func readLine() throws -> Data {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<nl]
                buffer = Data(buffer[(nl + 1)...])
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw OracleError.protocolError("the Unicorn oracle exited") }
            buffer.append(chunk)
        }
    }
}

/// sersim running cases for one target (one machine, reused).
final class SersimDiffRunner {
    let target: DiffTarget
    let machine: Machine
    let zeros: [UInt8]

    init(target: DiffTarget, engine: ExecutionEngine = .interpret) throws {
        self.target = target
        var options = MachineOptions(deliverFaultsToGuest: false, profileFunctions: false)
        options.engine = engine
        options.translateAfter = 0  // every block translated at once: the translator is what is compared
        machine = try Machine(board: target.board, options: options)
        zeros = [UInt8](repeating: 0, count: Int(target.ramSize))
    }

    /// Load a case's code, memory, registers and xPSR.
    func prepare(_ c: DiffCase) {
        let t = target
        machine.poke(t.codeStart, [UInt8](repeating: 0, count: 4096))
        machine.poke(t.codeStart, c.code)
        machine.poke(t.ramBase, zeros)
        machine.poke(t.windowBase, c.window)
        for k in 0..<16 { machine.setRegister(k, c.regs[k]) }
        machine.setXPSR(c.xpsr)
        machine.exclusiveMonitor = false
    }

    func run(_ c: DiffCase) -> CaseOutcome {
        let t = target
        prepare(c)
        var states: [StepState] = []
        var fault: String?
        var windowCRC = c.window.withUnsafeBytes { crc32($0) }
        var trace: [UInt32] = []
        // Run until the PC reaches the end of the code; branches only go forward, so a
        // step limit is a safeguard, not a policy.
        for k in 0..<400 where machine.register(15) != c.end {
            trace.append(machine.register(15))
            do {
                try machine.step()
            } catch {
                fault = "step \(k): \(error)"
                break
            }
            // The window changes only through stores: recompute its CRC after those.
            if machine.record.write && machine.record.beats > 0 { windowCRC = self.windowCRC() }
            states.append(StepState(regs: (0..<16).map { machine.register($0) }, xpsr: machine.xpsr, windowCRC: windowCRC))
        }
        // Stores go to the window only; the rest of SRAM must still be zero.
        let outside = [(t.ramBase, t.windowBase - t.ramBase),
                       (t.windowBase + t.windowSize, t.ramBase + t.ramSize - t.windowBase - t.windowSize)]
        let clean = outside.allSatisfy { base, size in
            guard let bytes = machine.peek(base, count: Int(size)) else { return false }
            return bytes.withUnsafeBytes { p in zeros.withUnsafeBytes { z in memcmp(p.baseAddress!, z.baseAddress!, p.count) == 0 } }
        }
        return CaseOutcome(trace: trace, states: states, fault: fault, ramClean: clean)
    }

    /// Run a case whole, as `run(maxCycles:)` runs firmware (with the block translator
    /// unless the engine says otherwise), to the BKPT at its end: the final state, or the
    /// fault.
    func runWhole(_ c: DiffCase) -> (state: StepState?, fault: String?) {
        prepare(c)
        let stop: StopReason
        do {
            stop = try machine.run(maxCycles: machine.cycles + 100_000)
        } catch {
            return (nil, "\(error)")
        }
        guard stop == .breakpoint(1) else { return (nil, "stopped with \(stop) instead of at the end's BKPT") }
        var regs = (0..<16).map { machine.register($0) }
        regs[15] = c.end
        return (StepState(regs: regs, xpsr: machine.xpsr, windowCRC: windowCRC()), nil)
    }

    func windowCRC() -> UInt32 {
        (machine.peek(target.windowBase, count: Int(target.windowSize)) ?? []).withUnsafeBytes { crc32($0) }
    }
}

/// Compare two outcomes; nil when they agree, else a description of the first difference.
func compare(_ c: DiffCase, sersim: CaseOutcome, unicorn: CaseOutcome) -> String? {
    let n = min(sersim.states.count, unicorn.states.count)
    for k in 0..<n {
        let a = sersim.states[k], b = unicorn.states[k]
        let diffs = stateDifferences(c, a, b)
        if !diffs.isEmpty {
            let before = k == 0 ? c.regs : sersim.states[k - 1].regs
            let label = sersim.trace.indices.contains(k) ? (c.instruction(at: sersim.trace[k])?.label ?? "?") : "?"
            return String(format: "after step %d at %08x (%@): ", k, sersim.trace.indices.contains(k) ? sersim.trace[k] : 0, label)
                + diffs.joined(separator: "; ")
                + "\n  registers before: " + before.map { String(format: "%08x", $0) }.joined(separator: " ")
                + "\n  xPSR before: " + String(format: "%08x", k == 0 ? c.xpsr : sersim.states[k - 1].xpsr)
        }
    }
    if sersim.states.count != unicorn.states.count || (sersim.fault == nil) != (unicorn.fault == nil) {
        return "sersim ran \(sersim.states.count) steps (\(sersim.fault ?? "no fault")), "
            + "unicorn \(unicorn.states.count) (\(unicorn.fault ?? "no fault"))"
    }
    if sersim.fault == nil && (!sersim.ramClean || !unicorn.ramClean) {
        return "SRAM outside the data window was written (sersim: \(!sersim.ramClean), unicorn: \(!unicorn.ramClean))"
    }
    return nil
}

/// A whole translated run's final state against Unicorn's; nil when they agree.
func compareFinal(_ c: DiffCase, translated: StepState?, fault: String?, unicorn b: StepState) -> String? {
    guard let a = translated else { return "the run failed: \(fault ?? "?")" }
    let diffs = stateDifferences(c, a, b)
    return diffs.isEmpty ? nil : "final state: " + diffs.joined(separator: "; ")
}

/// Where sersim's state `a` and Unicorn's `b` differ: registers, the flags both model, the
/// data window.
func stateDifferences(_ c: DiffCase, _ a: StepState, _ b: StepState) -> [String] {
    // N Z C V Q, IT, GE; ARMv6-M has only N Z C V.
    let mask: UInt32 = c.target.arch == .v6m ? 0xF000_0000 : 0xFE0F_FC00
    var diffs: [String] = []
    for r in 0..<16 where a.regs[r] != b.regs[r] {
        diffs.append(String(format: "%@: sersim 0x%08x, unicorn 0x%08x", Reg(r).description, a.regs[r], b.regs[r]))
    }
    if a.xpsr & mask != b.xpsr & mask {
        diffs.append(String(format: "xPSR: sersim 0x%08x, unicorn 0x%08x", a.xpsr & mask, b.xpsr & mask))
    }
    if a.windowCRC != b.windowCRC { diffs.append("data window differs") }
    return diffs
}
