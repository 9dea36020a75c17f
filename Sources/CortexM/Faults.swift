import ThumbISA

/// What went wrong in guest code. Faults are the guest's, not sersim's: they are reported,
/// never trapped.
public enum FaultKind: String, Sendable, Equatable {
    /// An instruction the core does not implement (UsageFault UNDEFINSTR), including
    /// encodings of a newer architecture (an ARMv7-M instruction on a Cortex-M0+).
    case undefinedInstruction = "undefined instruction"
    /// An access to an address no memory region or peripheral covers (BusFault).
    case busError = "bus error"
    /// A write to read-only memory (flash while running, ROM).
    case writeToReadOnly = "write to read-only memory"
    /// Execution from memory that is not executable.
    case executeNever = "execute from non-executable memory"
    /// An unaligned access the architecture does not allow (UsageFault UNALIGNED).
    case unalignedAccess = "unaligned access"
    /// An interworking branch to an even address: ARM state (UsageFault INVSTATE).
    case invalidState = "branch to ARM state"
    /// A bad EXC_RETURN value (UsageFault INVPC).
    case invalidExceptionReturn = "invalid exception return"
    /// SP left the RAM it started in (a push or exception stacking below the region).
    case stackOverflow = "stack overflow"
    /// Integer divide by zero with CCR.DIV_0_TRP set.
    case divideByZero = "divide by zero"
    /// A fault while in HardFault or NMI (the core locks up).
    case lockup = "lockup"
    /// The run went past its cycle budget (--max-cycles).
    case runaway = "cycle limit reached"
    /// The core waits forever: a branch to itself, or WFI/WFE with nothing to wake it.
    case hang = "hang"
    /// No usable vector table (reset SP/PC not in memory).
    case badVectorTable = "bad vector table"
}

/// A fault raised while executing an instruction (internal: carries what the executor
/// knows; the machine turns it into a `FaultReport` with the full context).
public struct GuestFault: Error, Sendable {
    public var kind: FaultKind
    /// The data address involved, if any.
    public var address: UInt32?
    public var detail: String
    /// The fault happened fetching the instruction, not accessing data (sets IBUSERR
    /// rather than PRECISERR in the CFSR).
    public var onFetch: Bool

    public init(_ kind: FaultKind, address: UInt32? = nil, _ detail: String = "", onFetch: Bool = false) {
        self.kind = kind
        self.address = address
        self.detail = detail
        self.onFetch = onFetch
    }
}

/// A fault that stopped a run: everything a user needs to find it.
public struct FaultReport: Error, Sendable, CustomStringConvertible {
    public var kind: FaultKind
    public var detail: String
    /// Address of the faulting instruction.
    public var pc: UInt32
    /// Raw encoding (one or two halfwords) and its disassembly.
    public var encoding: [UInt16]
    public var disassembly: String
    /// r0–r15 at the fault, and xPSR.
    public var registers: [UInt32]
    public var xpsr: UInt32
    /// The function containing pc ("name+0x1c"), if the image has symbols.
    public var symbol: String?
    public var dataAddress: UInt32?
    public var cycles: UInt64
    public var instructions: UInt64
    /// A fault that was delivered to the guest's HardFault handler earlier in the run
    /// and led here (e.g. the handler spun in a loop).
    public var earlierFault: String?

    public var description: String {
        var s = "fault: \(kind.rawValue)"
        if !detail.isEmpty { s += " — \(detail)" }
        s += "\n  at pc 0x\(hex(pc))"
        if let symbol { s += " <\(symbol)>" }
        let enc = encoding.map { hex16($0) }.joined(separator: " ")
        s += ": \(enc.isEmpty ? "" : enc + "  ")\(disassembly)"
        if let dataAddress { s += "\n  data address 0x\(hex(dataAddress))" }
        s += "\n  after \(instructions) instructions, \(cycles) cycles"
        s += "\n  registers:"
        for row in 0..<4 {
            s += "\n   "
            for col in 0..<4 {
                let i = row * 4 + col
                let name = Reg(i).description
                s += " " + name + String(repeating: " ", count: max(0, 3 - name.count)) + "= 0x" + hex(registers[i])
            }
        }
        s += "\n    xPSR = 0x\(hex(xpsr))"
        if let earlierFault { s += "\n  earlier: \(earlierFault)" }
        return s
    }
}

@inline(__always) func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

@inline(__always) func hex16(_ v: UInt16) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 4 - s.count) + s
}

extension Machine {
    /// GNU-syntax text of an instruction for reports.
    func disassemble(_ inst: Instruction, at address: UInt32) -> String {
        Disassembler.text(inst, address: address)
    }
}
