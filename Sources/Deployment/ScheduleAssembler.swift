import ThumbISA

/// A small assembler for the code sersim generates around the compiled kernels: the
/// reset handler and the layer schedule. It knows labels, BL to absolute addresses and
/// `ldr rN, =value` with literal pools, and encodes every instruction through
/// `ThumbEncoder` for ARMv6-M — the common subset, so one schedule runs on every core.
struct ScheduleAssembler {
    enum Item {
        case inst(Instruction)
        /// `bl <address>`.
        case bl(UInt32)
        /// `ldr rN, =value` (a PC-relative load from the next literal pool).
        case ldrValue(Reg, UInt32)
        case label(String)
        /// `b <label>` (16-bit unconditional branch).
        case branch(String)
    }

    private(set) var items: [Item] = []
    private var pendingLiterals = 0

    /// Literal loads reach at most 1020 bytes forward; a pool is flushed (behind a branch
    /// over it) after this many loads, which keeps every load in range.
    static let literalsPerPool = 32

    mutating func emit(_ i: Instruction) { items.append(.inst(i)) }
    mutating func label(_ name: String) { items.append(.label(name)) }
    mutating func bl(_ address: UInt32) { items.append(.bl(address)) }
    mutating func branch(to label: String) { items.append(.branch(label)) }

    mutating func load(_ r: Reg, _ value: UInt32) {
        items.append(.ldrValue(r, value))
        pendingLiterals += 1
        if pendingLiterals == Self.literalsPerPool {
            let over = "$pool\(items.count)"
            items.append(.branch(over))
            items.append(.label("$flush"))
            items.append(.label(over))
            pendingLiterals = 0
        }
    }

    struct Output {
        var bytes: [UInt8]
        var labels: [String: UInt32]
        /// [start, end) of each literal pool (data inside code, for `$d` mapping symbols).
        var pools: [(UInt32, UInt32)]
    }

    /// Lay out and encode at `base`. Sizes do not depend on addresses, so a first call
    /// with any base gives the final size.
    func assemble(at base: UInt32) throws -> Output {
        // Pass 1: addresses of items, labels and pools.
        struct Slot { var address: UInt32; var size: Int }
        var layout: [Slot] = []
        var labels: [String: UInt32] = [:]
        var pools: [(start: UInt32, values: [UInt32], loads: [Int])] = []
        var current: [(Int, UInt32)] = []  // (item index, value) waiting for a pool
        var pc = base
        func flushPool() {
            guard !current.isEmpty else { return }
            let start = (pc + 3) & ~3
            pools.append((start, current.map(\.1), current.map(\.0)))
            pc = start + UInt32(current.count * 4)
            current = []
        }
        for (k, item) in items.enumerated() {
            switch item {
            case .inst(let i):
                let size = try ThumbEncoder.encode(i, arch: .v6m).size
                layout.append(Slot(address: pc, size: size))
                pc += UInt32(size)
            case .bl:
                layout.append(Slot(address: pc, size: 4))
                pc += 4
            case .ldrValue(_, let v):
                layout.append(Slot(address: pc, size: 2))
                current.append((k, v))
                pc += 2
            case .label(let name):
                layout.append(Slot(address: pc, size: 0))
                if name == "$flush" {
                    flushPool()
                } else {
                    labels[name] = pc
                }
            case .branch:
                layout.append(Slot(address: pc, size: 2))
                pc += 2
            }
        }
        flushPool()
        // Where each literal load finds its value.
        var literalAddress: [Int: UInt32] = [:]
        for pool in pools {
            for (n, k) in pool.loads.enumerated() { literalAddress[k] = pool.start + UInt32(n * 4) }
        }

        // Pass 2: encode.
        var bytes = [UInt8](repeating: 0, count: Int(pc - base))
        func put(_ e: EncodedInstruction, at address: UInt32) {
            let off = Int(address - base)
            for (n, b) in e.bytes.enumerated() { bytes[off + n] = b }
        }
        for (k, item) in items.enumerated() {
            let at = layout[k].address
            switch item {
            case .inst(let i):
                put(try ThumbEncoder.encode(i, arch: .v6m), at: at)
            case .bl(let target):
                put(try ThumbEncoder.encode(Instruction(.bl, imm: (target & ~1) &- (at &+ 4)), arch: .v6m), at: at)
            case .ldrValue(let r, _):
                let literal = literalAddress[k]!
                let offset = literal &- ((at &+ 4) & ~3)
                guard offset <= 1020 else {
                    throw DeploymentError.build("literal pool out of reach at 0x\(String(at, radix: 16))")
                }
                put(try ThumbEncoder.encode(Instruction(.ldrLit, rd: r, rn: .pc, imm: offset, flags: [.index, .add]),
                                            arch: .v6m), at: at)
            case .label:
                break
            case .branch(let name):
                guard let target = labels[name] else { throw DeploymentError.build("undefined label \(name)") }
                put(try ThumbEncoder.encode(Instruction(.b, imm: target &- (at &+ 4)), arch: .v6m), at: at)
            }
        }
        for pool in pools {
            for (n, v) in pool.values.enumerated() {
                let off = Int(pool.start - base) + n * 4
                for b in 0..<4 { bytes[off + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
            }
        }
        return Output(bytes: bytes, labels: labels,
                      pools: pools.map { ($0.start, $0.start + UInt32($0.values.count * 4)) })
    }
}

public enum DeploymentError: Error, CustomStringConvertible, Sendable {
    case build(String)
    case input(String)
    case run(String)
    case verification(String)

    public var description: String {
        switch self {
        case let .build(s): "cannot build the firmware: \(s)"
        case let .input(s), let .run(s): s
        case let .verification(s): s
        }
    }
}
