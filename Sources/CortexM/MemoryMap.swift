import BoardProfiles
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CycleTiming
import ThumbISA

/// One decoded instruction in the decode cache, with what the timing model precomputed.
/// `inst.size == 0` marks an empty slot.
struct DecodedSlot {
    var inst: Instruction
    var timing: StaticTiming
    /// Index of the function symbol containing the instruction (profiles).
    var function: UInt16
    /// Times the instruction retired since its count was last handed to the timing model
    /// (`Machine.collectExecutionCounts`): the instruction and per-class counts, kept per
    /// slot so that the hot loop updates one counter it already has in hand.
    var executions: UInt64 = 0

    /// Where `inst` sits in the slot: the executor reads it in place (`IRef`) at offset 0.
    static var instOffset: Int? { MemoryLayout<DecodedSlot>.offset(of: \DecodedSlot.inst) }
    /// Where `timing` sits in the slot (the hot loop's timing model reads it in place).
    @inline(__always) static var timingOffset: Int { MemoryLayout<DecodedSlot>.offset(of: \DecodedSlot.timing)! }
    /// Where `executions` sits in the slot (translated code counts it in place).
    static var executionsOffset: Int { MemoryLayout<DecodedSlot>.offset(of: \DecodedSlot.executions)! }

    /// Each slot's `TimingMemo` (the Cortex-M7 model's memo of its last issue) lies this
    /// many bytes after it, in a block of memos spaced as the slots (`allocate`): the M0+
    /// and M4 loops, which use none, keep one 48-byte slot per instruction, and the
    /// M7 loop finds the memo at a constant distance.
    static let memoDistance = (MemoryMap.slotsPerChunk + 1) * MemoryLayout<DecodedSlot>.stride

    /// The memo of a slot allocated by `allocate`.
    @inline(__always)
    static func memo(_ slot: UnsafeMutablePointer<DecodedSlot>) -> UnsafeMutablePointer<TimingMemo> {
        (UnsafeMutableRawPointer(slot) + memoDistance).assumingMemoryBound(to: TimingMemo.self)
    }

    /// `count` empty slots (at most `MemoryMap.slotsPerChunk + 1`) with their memos.
    /// Needs `MemoryLayout<TimingMemo>.size <= MemoryLayout<DecodedSlot>.stride`
    /// (checked by a test).
    static func allocate(count: Int) -> UnsafeMutablePointer<DecodedSlot> {
        let stride = MemoryLayout<DecodedSlot>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: memoDistance + count * stride, alignment: 64)
        let slots = raw.bindMemory(to: DecodedSlot.self, capacity: count)
        slots.initialize(repeating: DecodedSlot(inst: Instruction(.undefined, size: 0), timing: StaticTiming(), function: 0),
                         count: count)
        for k in 0..<count {
            (raw + memoDistance + k * stride).bindMemory(to: TimingMemo.self, capacity: 1).initialize(to: TimingMemo())
        }
        return slots
    }

    /// Free slots from `allocate` (the types are trivial: nothing to deinitialize).
    static func deallocate(_ slots: UnsafeMutablePointer<DecodedSlot>) {
        UnsafeMutableRawPointer(slots).deallocate()
    }
}

/// The decoded instruction in its decode-cache slot, read in place. Executing through a
/// reference rather than a copy keeps the 20-byte record out of registers: copying it
/// unpacked all 14 fields per instruction, and repacked them for every helper call.
struct IRef {
    let p: UnsafePointer<Instruction>
    @inline(__always) var op: Op { p.pointee.op }
    @inline(__always) var size: UInt8 { p.pointee.size }
    @inline(__always) var rd: Reg { p.pointee.rd }
    @inline(__always) var rn: Reg { p.pointee.rn }
    @inline(__always) var rm: Reg { p.pointee.rm }
    @inline(__always) var ra: Reg { p.pointee.ra }
    @inline(__always) var rt: Reg { p.pointee.rd }
    @inline(__always) var rt2: Reg { p.pointee.ra }
    @inline(__always) var rdLo: Reg { p.pointee.rd }
    @inline(__always) var rdHi: Reg { p.pointee.ra }
    @inline(__always) var shiftType: ShiftType { p.pointee.shiftType }
    @inline(__always) var shiftAmount: UInt8 { p.pointee.shiftAmount }
    @inline(__always) var cond: Condition { p.pointee.cond }
    /// `cond.rawValue` without a call to the enum's `rawValue` getter (`Condition`'s
    /// cases are declared in raw-value order 0...15, so its tag is its raw value).
    @inline(__always) var condBits: UInt8 { unsafeBitCast(p.pointee.cond, to: UInt8.self) }
    @inline(__always) var imm2: UInt8 { p.pointee.imm2 }
    @inline(__always) var flags: InstructionFlags { p.pointee.flags }
    @inline(__always) var list: UInt16 { p.pointee.list }
    @inline(__always) var imm: UInt32 { p.pointee.imm }
    var encodingRow: EncodingRow? { p.pointee.encodingRow }
}

/// A memory region as the hot loop sees it: plain values and raw pointers, no ARC.
struct RegionInfo {
    var base: UInt32
    var size: UInt32
    var memory: UnsafeMutableRawPointer
    var writable: Bool
    var executable: Bool
    /// Decode cache for code executed from this region: a table of chunks of
    /// `MemoryMap.chunkBytes` (one slot per halfword), each allocated when code in it
    /// first runs, so a 16 MiB XIP flash costs only what is executed. nil until the
    /// region executes code; the write fast path checks it to keep cached code coherent.
    var code: UnsafeMutablePointer<UnsafeMutablePointer<DecodedSlot>?>?
    var chunkCount: Int
}

/// The guest address space: the board's regions in raw buffers, a 4 KiB-page lookup
/// table from address to region, and the System Control Space as MMIO.
final class MemoryMap {
    /// Page index (address >> 12) → region index + 1; 0 = nothing mapped (or MMIO).
    let pages: UnsafeMutablePointer<UInt8>
    let regions: UnsafeMutablePointer<RegionInfo>
    let regionCount: Int
    let specs: [MemoryRegion]
    /// Advances whenever decoded instructions are dropped: translated blocks made from
    /// them are stale (`TranslationCache`).
    var codeGeneration: UInt64 = 0

    static let pageShift: UInt32 = 12
    static let pageCount = 1 << 20
    /// Decode-cache chunk: 16 KiB of code, 8192 slots.
    static let chunkShift: UInt32 = 14
    static let chunkBytes: UInt32 = 1 << chunkShift
    static let slotsPerChunk = Int(chunkBytes / 2)

    init(board: Board) throws {
        specs = board.memory
        regionCount = specs.count
        pages = .allocate(capacity: MemoryMap.pageCount)
        pages.initialize(repeating: 0, count: MemoryMap.pageCount)
        regions = .allocate(capacity: max(1, specs.count))
        for (i, spec) in specs.enumerated() {
            // calloc: large regions (16 MiB of XIP flash) cost only the pages touched.
            guard let memory = calloc(Int(spec.size) + 8, 1) else {
                for k in 0..<i { free(regions[k].memory) }
                regions.deinitialize(count: i)
                regions.deallocate()
                pages.deallocate()
                throw MachineError.cannotExecute("\(board.name): cannot allocate \(spec.size) bytes of host memory for region \(spec.name)")
            }
            (regions + i).initialize(to: RegionInfo(
                base: spec.base, size: spec.size, memory: memory, writable: spec.writable,
                executable: spec.executable, code: nil,
                chunkCount: Int((UInt64(spec.size) + UInt64(MemoryMap.chunkBytes) - 1) / UInt64(MemoryMap.chunkBytes))))
            // Regions are page-aligned on every board we know; a region that is not gets
            // its partial pages resolved by the slow path's linear search (marker 0xFF).
            guard spec.size > 0 else { continue }
            let first = Int(spec.base >> MemoryMap.pageShift)
            let last = Int((spec.end - 1) >> UInt64(MemoryMap.pageShift))
            for p in first...last {
                let pageStart = UInt64(p) << UInt64(MemoryMap.pageShift)
                let pageEnd = pageStart + (1 << UInt64(MemoryMap.pageShift))
                let whole = pageStart >= UInt64(spec.base) && pageEnd <= spec.end
                pages[p] = (whole && pages[p] == 0 && i < 0xFE) ? UInt8(i + 1) : 0xFF
            }
        }
    }

    deinit {
        invalidateCode()
        for i in 0..<regionCount { free(regions[i].memory) }
        regions.deinitialize(count: regionCount)
        regions.deallocate()
        pages.deallocate()
    }

    /// Region index containing [address, address + bytes), or nil.
    @inline(__always)
    func regionIndex(_ address: UInt32, bytes: UInt32) -> Int? {
        let p = pages[Int(address >> MemoryMap.pageShift)]
        if p != 0 && p != 0xFF {
            let i = Int(p) - 1
            let r = regions[i]
            if address &- r.base <= r.size &- bytes { return i }
            return nil
        }
        return p == 0xFF ? searchRegion(address, bytes: bytes) : nil
    }

    @inline(never)
    func searchRegion(_ address: UInt32, bytes: UInt32) -> Int? {
        for i in 0..<regionCount {
            let r = regions[i]
            if address >= r.base && UInt64(address) + UInt64(bytes) <= UInt64(r.base) + UInt64(r.size) {
                return i
            }
        }
        return nil
    }

    /// The decode-cache chunk holding `offset` of region `i`, allocated on first use:
    /// its slots, and the region offset and byte length it covers.
    func codeChunk(_ i: Int, offset: UInt32) -> (slots: UnsafeMutablePointer<DecodedSlot>, start: UInt32, bytes: UInt32) {
        if regions[i].code == nil {
            let table = UnsafeMutablePointer<UnsafeMutablePointer<DecodedSlot>?>.allocate(capacity: regions[i].chunkCount)
            table.initialize(repeating: nil, count: regions[i].chunkCount)
            regions[i].code = table
            // Translated writes to the region may no longer take the fast path, which an
            // access site may hold (`BlockTranslator.AccessSite`).
            codeGeneration &+= 1
        }
        let table = regions[i].code!
        let c = Int(offset >> MemoryMap.chunkShift)
        let start = UInt32(c) << MemoryMap.chunkShift
        let bytes = min(MemoryMap.chunkBytes, regions[i].size - start)
        if let slots = table[c] { return (slots, start, bytes) }
        // One spare slot past the end: a 32-bit instruction in the last halfword.
        let slots = DecodedSlot.allocate(count: MemoryMap.slotsPerChunk + 1)
        table[c] = slots
        return (slots, start, bytes)
    }

    /// Forget decoded instructions overlapping [offset, offset + count) of region `i`
    /// (a 32-bit instruction starting 2 bytes before the range overlaps it too).
    func invalidateCode(_ i: Int, offset: UInt32, count: UInt32) {
        guard let table = regions[i].code, count > 0 else { return }
        let first = offset >= 2 ? Int((offset - 2) >> 1) : 0
        let last = Int((UInt64(offset) + UInt64(count) - 1) >> 1)
        var slot = first
        while slot <= last {
            let c = slot / MemoryMap.slotsPerChunk
            let end = min(last, (c + 1) * MemoryMap.slotsPerChunk - 1)
            if c < regions[i].chunkCount, let slots = table[c] {
                for k in (slot - c * MemoryMap.slotsPerChunk)...(end - c * MemoryMap.slotsPerChunk)
                where slots[k].inst.size != 0 {
                    slots[k].inst.size = 0
                    codeGeneration &+= 1  // translated blocks may hold this instruction
                }
            }
            slot = end + 1
        }
    }

    /// Call `body` with every decoded-cache slot that holds an execution count, including
    /// slots invalidated since (they keep their timing and count until decoded again).
    func forEachCountedSlot(_ body: (UnsafeMutablePointer<DecodedSlot>) -> Void) {
        for i in 0..<regionCount {
            guard let table = regions[i].code else { continue }
            for c in 0..<regions[i].chunkCount {
                guard let slots = table[c] else { continue }
                for k in 0...MemoryMap.slotsPerChunk where slots[k].executions != 0 { body(slots + k) }
            }
        }
    }

    /// Drop all decoded instructions (after loading code, or changing the timing model).
    /// The machine collects their execution counts first.
    func invalidateCode() {
        codeGeneration &+= 1
        for i in 0..<regionCount {
            guard let table = regions[i].code else { continue }
            for c in 0..<regions[i].chunkCount {
                if let slots = table[c] { DecodedSlot.deallocate(slots) }
            }
            table.deallocate()
            regions[i].code = nil
        }
    }

    /// Loader access: write bytes regardless of the region's write permission, dropping
    /// decoded instructions they overwrite.
    func load(_ bytes: [UInt8], at address: UInt32) -> Bool {
        guard !bytes.isEmpty else { return true }
        guard let i = regionIndex(address, bytes: UInt32(bytes.count)) else { return false }
        let off = Int(address &- regions[i].base)
        bytes.withUnsafeBytes { src in
            (regions[i].memory + off).copyMemory(from: src.baseAddress!, byteCount: bytes.count)
        }
        invalidateCode(i, offset: UInt32(off), count: UInt32(bytes.count))
        return true
    }

    /// Host-side read for tools (no timing, no faults): nil if unmapped.
    func peek(_ address: UInt32, count: Int) -> [UInt8]? {
        guard count > 0, let i = regionIndex(address, bytes: UInt32(count)) else { return count == 0 ? [] : nil }
        let off = Int(address &- regions[i].base)
        return Array(UnsafeRawBufferPointer(start: regions[i].memory + off, count: count))
    }
}
