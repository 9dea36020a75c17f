// Semihosting (BKPT 0xAB), as specified by Arm's "Semihosting for AArch32 and AArch64"
// (version 2.0): the operations newlib's rdimon library uses, so firmware linked with
// `--specs=rdimon.specs` runs unchanged. r0 = operation, r1 = parameter (usually a
// pointer to a block of words); the result goes back in r0.

/// The firmware's console: what it printed, and what it may read.
public final class SemihostingIO {
    /// Everything written to handle 1/2 (stdout/stderr, ":tt" opened for writing).
    public private(set) var stdout: [UInt8] = []
    public private(set) var stderr: [UInt8] = []
    /// Bytes SYS_READ hands out first.
    public var stdin: [UInt8] = []
    var stdinOffset = 0
    /// Called when the firmware reads past `stdin`: more input (e.g. from the host's
    /// standard input), empty at end of input. Read lazily, so that a firmware that never
    /// reads does not wait for input.
    public var readInput: (() -> [UInt8])?
    /// Called as output appears (stream number 1 or 2, bytes), for live console output.
    public var onOutput: ((Int, [UInt8]) -> Void)?
    /// Opened pseudo-files by handle.
    var handles: [UInt32: OpenFile] = [:]
    var nextHandle: UInt32 = 1

    enum OpenFile {
        case console(stream: Int)  // 0 = stdin, 1 = stdout, 2 = stderr
        case features(offset: Int)
    }

    public init() {}

    /// At least `n` unread input bytes if there are any more (fetching from `readInput`).
    func available(_ n: Int) -> Int {
        while stdin.count - stdinOffset < n, let more = readInput?(), !more.isEmpty {
            stdin = Array(stdin[stdinOffset...]) + more
            stdinOffset = 0
            if more.contains(UInt8(ascii: "\n")) { break }  // a console hands out a line at a time
        }
        return stdin.count - stdinOffset
    }

    func write(_ stream: Int, _ bytes: [UInt8]) {
        if stream == 2 { stderr += bytes } else { stdout += bytes }
        onOutput?(stream, bytes)
    }
}

/// The ":semihosting-features" pseudo-file (semihosting v2.0, 5.1): magic "SHFB" and one
/// feature byte: bit 0 SH_EXT_EXIT_EXTENDED, bit 1 SH_EXT_STDOUT_STDERR.
private let featureBytes: [UInt8] = [0x53, 0x48, 0x46, 0x42, 0x03]

extension Machine {
    enum SemihostingOp {
        static let open: UInt32 = 0x01, close: UInt32 = 0x02, writec: UInt32 = 0x03, write0: UInt32 = 0x04
        static let write: UInt32 = 0x05, read: UInt32 = 0x06, readc: UInt32 = 0x07, iserror: UInt32 = 0x08
        static let istty: UInt32 = 0x09, seek: UInt32 = 0x0A, flen: UInt32 = 0x0C, remove: UInt32 = 0x0E
        static let clock: UInt32 = 0x10, time: UInt32 = 0x11, errno: UInt32 = 0x13
        static let getCmdline: UInt32 = 0x15, heapinfo: UInt32 = 0x16, exit: UInt32 = 0x18
        static let exitExtended: UInt32 = 0x20, elapsed: UInt32 = 0x30, tickfreq: UInt32 = 0x31
    }

    /// ADP_Stopped_ApplicationExit: the reason code of a normal exit.
    static let applicationExit: UInt32 = 0x20026

    func semihostingCall() throws {
        let op = r[0], param = r[1]
        func arg(_ k: UInt32) throws -> UInt32 { try read32(param &+ 4 &* k) }
        var result: UInt32 = 0
        switch op {
        case SemihostingOp.open:
            let name = try readString(try arg(0), length: try arg(2))
            let mode = try arg(1)
            if name == ":tt" {
                // Modes 0–3 read, 4–7 write, 8–11 append (stderr by convention).
                let stream = mode < 4 ? 0 : (mode < 8 ? 1 : 2)
                result = semihosting.open(.console(stream: stream))
            } else if name == ":semihosting-features" && mode < 4 {
                result = semihosting.open(.features(offset: 0))
            } else {
                result = 0xFFFF_FFFF  // no host file system
            }
        case SemihostingOp.close:
            semihosting.handles[try arg(0)] = nil
        case SemihostingOp.writec:
            semihosting.write(1, [UInt8(try read8(param))])
        case SemihostingOp.write0:
            var bytes: [UInt8] = []
            var a = param
            while bytes.count < 1 << 20 {
                let b = UInt8(try read8(a))
                if b == 0 { break }
                bytes.append(b)
                a &+= 1
            }
            semihosting.write(1, bytes)
        case SemihostingOp.write:
            let handle = try arg(0), ptr = try arg(1), len = try arg(2)
            let bytes = try readBytes(ptr, count: len)
            switch semihosting.handles[handle] {
            case let .console(stream) where stream > 0:
                semihosting.write(stream, bytes)
                result = 0
            default:
                result = len  // nothing written
            }
        case SemihostingOp.read:
            let handle = try arg(0), ptr = try arg(1), len = try arg(2)
            switch semihosting.handles[handle] {
            case .console(stream: 0):
                let n = min(Int(len), semihosting.available(Int(len)))
                for k in 0..<n {
                    try write8(ptr &+ UInt32(k), UInt32(semihosting.stdin[semihosting.stdinOffset + k]))
                }
                semihosting.stdinOffset += n
                result = len - UInt32(n)
            case let .features(offset):
                let n = min(Int(len), featureBytes.count - offset)
                for k in 0..<max(0, n) { try write8(ptr &+ UInt32(k), UInt32(featureBytes[offset + k])) }
                semihosting.handles[handle] = .features(offset: offset + max(0, n))
                result = len - UInt32(max(0, n))
            default:
                result = len
            }
        case SemihostingOp.readc:
            if semihosting.available(1) > 0 {
                result = UInt32(semihosting.stdin[semihosting.stdinOffset])
                semihosting.stdinOffset += 1
            } else {
                result = 0xFFFF_FFFF
            }
        case SemihostingOp.iserror:
            result = Int32(bitPattern: try arg(0)) < 0 ? 1 : 0
        case SemihostingOp.istty:
            if case .console = semihosting.handles[try arg(0)] { result = 1 } else { result = 0 }
        case SemihostingOp.seek:
            let handle = try arg(0), pos = try arg(1)
            if case .features = semihosting.handles[handle] {
                semihosting.handles[handle] = .features(offset: Int(min(pos, UInt32(featureBytes.count))))
            }
            result = 0
        case SemihostingOp.flen:
            if case .features = semihosting.handles[try arg(0)] { result = UInt32(featureBytes.count) } else { result = 0 }
        case SemihostingOp.remove:
            result = 0xFFFF_FFFF
        case SemihostingOp.clock:
            // Centiseconds of simulated time since reset (deterministic).
            result = UInt32(truncatingIfNeeded: UInt64(Double(timer.cycles) / clockHz * 100))
        case SemihostingOp.time:
            // Seconds of simulated time: runs are reproducible, so no host wall clock.
            result = UInt32(truncatingIfNeeded: UInt64(Double(timer.cycles) / clockHz))
        case SemihostingOp.errno:
            result = 0
        case SemihostingOp.getCmdline:
            // An empty command line.
            let buf = try arg(0)
            if try arg(1) > 0 { try write8(buf, 0) }
            try write32(param &+ 4, 0)
        case SemihostingOp.heapinfo:
            // Zeros: newlib's crt0 then uses the linker script's heap and stack symbols.
            let block = try read32(param)
            for k in 0..<4 { try write32(block &+ UInt32(k * 4), 0) }
        case SemihostingOp.exit:
            // AArch32: r1 holds the reason code itself.
            stop = .exited(code: param == Machine.applicationExit ? 0 : 1)
            requestEventCheck()
        case SemihostingOp.exitExtended:
            let reason = try arg(0), code = try arg(1)
            stop = .exited(code: reason == Machine.applicationExit ? Int32(bitPattern: code) : 1)
            requestEventCheck()
        case SemihostingOp.elapsed:
            // 64-bit tick count (ticks = core cycles; SYS_TICKFREQ gives the clock).
            let c = timer.cycles
            try write32(param, UInt32(truncatingIfNeeded: c))
            try write32(param &+ 4, UInt32(truncatingIfNeeded: c >> 32))
            result = 0
        case SemihostingOp.tickfreq:
            result = UInt32(min(clockHz, Double(UInt32.max)))
        default:
            throw GuestFault(.undefinedInstruction, "semihosting operation 0x\(String(op, radix: 16)) is not supported "
                             + "(supported: open/close/write/read of :tt, WRITEC, WRITE0, CLOCK, TIME, ELAPSED, "
                             + "TICKFREQ, HEAPINFO, GET_CMDLINE, EXIT, EXIT_EXTENDED)")
        }
        r[0] = result
    }

    func readBytes(_ address: UInt32, count: UInt32) throws -> [UInt8] {
        guard count <= 1 << 24 else { throw GuestFault(.busError, address: address, "semihosting buffer of \(count) bytes") }
        var out = [UInt8]()
        out.reserveCapacity(Int(count))
        for k in 0..<count { out.append(UInt8(try read8(address &+ k))) }
        return out
    }

    func readString(_ address: UInt32, length: UInt32) throws -> String {
        String(decoding: try readBytes(address, count: min(length, 4096)), as: UTF8.self)
    }
}

extension SemihostingIO {
    func open(_ f: OpenFile) -> UInt32 {
        let h = nextHandle
        nextHandle += 1
        handles[h] = f
        return h
    }
}
