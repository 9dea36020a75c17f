// A development board as data: identity, core, clock, memory map, memory system and power.
// Loaded from `Boards/<name>.json` (see docs/boards.md for the file schema); every number
// in a shipped file cites its source document.

/// The processor core a board's MCU uses, as sersim models it.
public enum CoreKind: String, Sendable, Codable, CaseIterable {
    case cortexM0plus = "cortex-m0plus"
    case cortexM4 = "cortex-m4"
    case cortexM7 = "cortex-m7"
    /// Espressif ESP32: Xtensa LX6. sersim runs its Thumb code on an approximate
    /// ARMv7E-M core with an LX6-calibrated timing table; every figure is an estimate.
    case xtensaLX6 = "xtensa-lx6"
    /// Espressif ESP32-S3: Xtensa LX7, approximated likewise.
    case xtensaLX7 = "xtensa-lx7"
    /// 8-bit AVR (ATmega328P): memory-fit verdicts only; sersim does not execute AVR.
    case avr = "avr"

    /// Whether sersim can execute code for this core, and with what instruction set.
    public var executes: Bool { self != .avr }

    /// Whether the core's figures are approximations of a different architecture.
    public var isApproximate: Bool { self == .xtensaLX6 || self == .xtensaLX7 }

    public var displayName: String {
        switch self {
        case .cortexM0plus: "Cortex-M0+"
        case .cortexM4: "Cortex-M4"
        case .cortexM7: "Cortex-M7"
        case .xtensaLX6: "Xtensa LX6 (approx.)"
        case .xtensaLX7: "Xtensa LX7 (approx.)"
        case .avr: "AVR"
        }
    }
}

/// The instruction-set architecture the emulated core decodes.
public enum Architecture: String, Sendable, Codable {
    case armv6m = "armv6-m"
    case armv7m = "armv7-m"
    case armv7em = "armv7e-m"
    /// Xtensa or AVR: not executed as such (see `CoreKind`).
    case xtensa, avr
}

public struct CoreSpec: Sendable, Equatable {
    public var kind: CoreKind
    /// The architecture sersim executes: for Xtensa cores the approximate Thumb core is
    /// ARMv7E-M.
    public var architecture: Architecture
    /// e.g. "fpv4-sp-d16"; nil when the core has no FPU.
    public var fpu: String?
    public var dsp: Bool
    /// Cortex-M0+ multiplier option: true = single-cycle, false = 32-cycle iterative.
    public var fastMultiplier: Bool

    public init(kind: CoreKind, architecture: Architecture, fpu: String? = nil, dsp: Bool, fastMultiplier: Bool = true) {
        self.kind = kind
        self.architecture = architecture
        self.fpu = fpu
        self.dsp = dsp
        self.fastMultiplier = fastMultiplier
    }
}

public struct ClockSpec: Sendable, Equatable {
    public var defaultHz: Double
    public var minHz: Double
    public var maxHz: Double
    public init(defaultHz: Double, minHz: Double, maxHz: Double) {
        self.defaultHz = defaultHz
        self.minHz = minHz
        self.maxHz = maxHz
    }
}

/// What a memory region is; decides its access rules and default timing.
public enum RegionKind: String, Sendable, Codable {
    /// On-chip flash: read/execute while running, written only by the loader.
    case flash
    /// Execute-in-place external flash behind a cache (RP2040, ESP32).
    case xipFlash = "xip-flash"
    /// Mask ROM (boot ROM): read/execute.
    case rom
    case sram
    /// Tightly coupled memories (Cortex-M7): zero wait state.
    case itcm, dtcm
}

/// Which address space a region lives in. Cortex-M and the approximate Xtensa core have
/// one unified space; AVR is Harvard (program flash and data SRAM both start near 0).
public enum AddressSpace: String, Sendable, Codable {
    case unified, program, data
}

public struct MemoryRegion: Sendable, Equatable {
    public var name: String
    public var kind: RegionKind
    public var base: UInt32
    public var size: UInt32
    public var readable: Bool
    public var writable: Bool
    public var executable: Bool
    /// Fixed wait states per access, when not given by the flash latency table.
    public var waitStates: Int
    /// The region's wait states follow `MemorySystem.flashLatency` at the chosen clock.
    public var usesFlashLatency: Bool
    /// Whether the application may place data here (false for regions like boot ROM).
    public var usable: Bool
    public var addressSpace: AddressSpace
    /// True when no source gives the region's wait states and sersim assumes `waitStates`
    /// (0); the timing report names the assumption.
    public var waitStatesAssumed: Bool

    public init(
        name: String, kind: RegionKind, base: UInt32, size: UInt32,
        readable: Bool = true, writable: Bool, executable: Bool,
        waitStates: Int = 0, usesFlashLatency: Bool = false, usable: Bool = true,
        addressSpace: AddressSpace = .unified, waitStatesAssumed: Bool = false
    ) {
        self.waitStatesAssumed = waitStatesAssumed
        self.name = name
        self.kind = kind
        self.base = base
        self.size = size
        self.readable = readable
        self.writable = writable
        self.executable = executable
        self.waitStates = waitStates
        self.usesFlashLatency = usesFlashLatency
        self.usable = usable
        self.addressSpace = addressSpace
    }

    /// One past the last byte (as UInt64: a region may end at 4 GiB).
    public var end: UInt64 { UInt64(base) + UInt64(size) }
    public func contains(_ address: UInt32) -> Bool {
        address >= base && UInt64(address) < end
    }
}

/// One step of a flash latency table: up to `maxHz`, the flash needs `waitStates`.
public struct LatencyStep: Sendable, Equatable {
    public var maxHz: Double
    public var waitStates: Int
    public init(maxHz: Double, waitStates: Int) {
        self.maxHz = maxHz
        self.waitStates = waitStates
    }
}

public struct CacheSpec: Sendable, Equatable {
    public var sizeBytes: Int
    public var ways: Int
    public var lineBytes: Int
    /// True when the source does not state the associativity and sersim assumes a fully
    /// associative cache (`ways` = number of lines); output names this approximation.
    public var assumedFullyAssociative: Bool
    /// Bytes per valid flag: a line that has one flag per sector fills a sector at a time
    /// (the RP2040 XIP cache: 8-byte lines, a flag per 32-bit half). `lineBytes` when the
    /// whole line fills at once.
    public var sectorBytes: Int
    public init(sizeBytes: Int, ways: Int, lineBytes: Int, assumedFullyAssociative: Bool = false, sectorBytes: Int? = nil) {
        self.sizeBytes = sizeBytes
        self.ways = ways
        self.lineBytes = lineBytes
        self.assumedFullyAssociative = assumedFullyAssociative
        self.sectorBytes = sectorBytes ?? lineBytes
    }

    public var lines: Int { lineBytes == 0 ? 0 : sizeBytes / lineBytes }
    public var sets: Int { ways == 0 || lineBytes == 0 ? 0 : sizeBytes / (ways * lineBytes) }
}

/// The memory system between core and memories: flash latency, prefetch, STM32's ART
/// accelerator, caches. Parameters only; the model that uses them is in CycleTiming.
public struct MemorySystem: Sendable, Equatable {
    /// Flash wait states as a function of the clock, ascending by `maxHz`.
    public var flashLatency: [LatencyStep]
    /// Flash read width in bytes (one flash access fetches this many bytes).
    public var flashLineBytes: Int
    public var prefetch: Bool
    /// STM32 ART accelerator: instruction cache lines in front of flash (count, bytes).
    public var art: CacheSpec?
    /// The ART's data (literal-pool) cache on STM32F4/L4, when the reference manual gives one.
    public var artData: CacheSpec?
    public var icache: CacheSpec?
    public var dcache: CacheSpec?
    /// XIP cache in front of external flash, and the cost of a miss in core cycles.
    public var xipCache: CacheSpec?
    public var xipMissCycles: Int
    /// Cortex-M7: cycles an access over the AXI master takes beyond the memory's own wait
    /// states (an uncached read, or the start of a cache line fill). 0 = none, which is
    /// also what sersim assumes when no source gives it (board file `axiBus.latencyCycles`).
    public var busLatencyCycles: Int
    /// Bytes per beat of the path that fills cache lines from SRAM behind the Cortex-M7's
    /// AXI master (board file `axiBus.widthBytes`; the STM32F7 bridges AXI to a 32-bit
    /// AHB bus matrix for its SRAMs: 4).
    public var busWidthBytes: Int

    public init(
        flashLatency: [LatencyStep] = [], flashLineBytes: Int = 16, prefetch: Bool = false,
        art: CacheSpec? = nil, icache: CacheSpec? = nil, dcache: CacheSpec? = nil,
        xipCache: CacheSpec? = nil, xipMissCycles: Int = 0, artData: CacheSpec? = nil,
        busLatencyCycles: Int = 0, busWidthBytes: Int = 4
    ) {
        self.artData = artData
        self.flashLatency = flashLatency
        self.flashLineBytes = flashLineBytes
        self.prefetch = prefetch
        self.art = art
        self.icache = icache
        self.dcache = dcache
        self.xipCache = xipCache
        self.xipMissCycles = xipMissCycles
        self.busLatencyCycles = busLatencyCycles
        self.busWidthBytes = busWidthBytes
    }

    /// The ART as sersim times it. The ART copies what one flash read brought in ("the
    /// line read is copied into the instruction cache memory", where a line read is one
    /// flash access: RM0440 §4.3.4, wording RM0351 shares), so a line that spans several
    /// reads (the STM32L4: 32-byte lines over 8-byte reads) fills one read's worth at a
    /// time: `sectorBytes` is the read width. Otherwise `art` as given.
    public var artAsTimed: CacheSpec? { filledByRead(art) }
    /// The ART's data cache as sersim times it: like `artAsTimed` (the manuals say it works
    /// as the instruction cache does), on the data reads the core makes from flash.
    public var artDataAsTimed: CacheSpec? { filledByRead(artData) }

    private func filledByRead(_ spec: CacheSpec?) -> CacheSpec? {
        guard var a = spec, a.lineBytes > flashLineBytes else { return spec }
        a.sectorBytes = flashLineBytes
        return a
    }

    /// Flash wait states at a clock: the first step whose `maxHz` covers it (the last
    /// step beyond the table).
    public func flashWaitStates(atHz hz: Double) -> Int {
        for step in flashLatency where hz <= step.maxHz { return step.waitStates }
        return flashLatency.last?.waitStates ?? 0
    }
}

public struct Board: Sendable {
    /// Short name used on the command line (the file name without .json).
    public var name: String
    public var displayName: String
    public var mcu: String
    public var vendor: String
    public var core: CoreSpec
    public var clock: ClockSpec
    public var memory: [MemoryRegion]
    public var memorySystem: MemorySystem
    /// Address of the vector table at reset (the boot memory as the default boot
    /// configuration maps it).
    public var vectorTable: UInt32
    /// Where the board came from (file path), for error messages.
    public var origin: String
    /// On-chip flash and SRAM as the datasheet's headline states them (e.g. 520 KB SRAM on
    /// the ESP32); `memory` says what an application can use.
    public var flashBytes: UInt64
    public var sramBytes: UInt64
    /// Product page of the board.
    public var url: String
    /// The documents the numbers come from.
    public var sources: [SourceDocument]
    /// Field path (as in the file, e.g. `memory[1].size`) → where its value comes from.
    public var citations: [String: String]
    /// Set when every figure for this board is an estimate (ESP32: Thumb code on an
    /// approximate core); says why.
    public var estimate: String?
    /// Run and sleep currents; nil when no cited power data exists for the board.
    public var power: PowerSpec?

    public init(
        name: String, displayName: String, mcu: String, vendor: String, core: CoreSpec,
        clock: ClockSpec, memory: [MemoryRegion], memorySystem: MemorySystem = MemorySystem(),
        vectorTable: UInt32? = nil, origin: String = "in memory",
        flashBytes: UInt64? = nil, sramBytes: UInt64? = nil, url: String = "",
        sources: [SourceDocument] = [], citations: [String: String] = [:],
        estimate: String? = nil, power: PowerSpec? = nil
    ) {
        self.vectorTable = vectorTable ?? memory.first(where: { $0.executable })?.base ?? 0
        self.name = name
        self.displayName = displayName
        self.mcu = mcu
        self.vendor = vendor
        self.core = core
        self.clock = clock
        self.memory = memory
        self.memorySystem = memorySystem
        self.origin = origin
        self.flashBytes = flashBytes
            ?? memory.filter { $0.kind == .flash || $0.kind == .xipFlash }.reduce(0) { $0 + UInt64($1.size) }
        self.sramBytes = sramBytes
            ?? memory.filter { $0.writable && $0.usable }.reduce(0) { $0 + UInt64($1.size) }
        self.url = url
        self.sources = sources
        self.citations = citations
        self.estimate = estimate
        self.power = power
    }

    /// Whether figures for this board are estimates (approximate core, or flagged in its file).
    public var isEstimate: Bool { estimate != nil || core.kind.isApproximate }

    /// The region containing an address, if any.
    public func region(containing address: UInt32) -> MemoryRegion? {
        memory.first { $0.contains(address) }
    }
}
