import BoardProfiles
import CycleTiming
import ThumbISA

/// One decoded instruction in the decode cache, with what the timing model precomputed.
/// `inst.size == 0` marks an empty slot.
struct DecodedSlot {
    var inst: Instruction
    var timing: StaticTiming
    /// Index of the function symbol containing the instruction (profiles).
    var function: UInt16
}

/// A memory region as the hot loop sees it: plain values and raw pointers, no ARC.
struct RegionInfo {
    var base: UInt32
    var size: UInt32
    var memory: UnsafeMutableRawPointer
    var writable: Bool
    var executable: Bool
    /// Decode cache for code executed from this region (one slot per halfword),
    /// allocated on first execution.
    var code: UnsafeMutablePointer<DecodedSlot>?
}

/// The guest address space: the board's regions in raw buffers, a 4 KiB-page lookup
/// table from address to region, and the System Control Space as MMIO.
final class MemoryMap {
    /// Page index (address >> 12) → region index + 1; 0 = nothing mapped (or MMIO).
    let pages: UnsafeMutablePointer<UInt8>
    let regions: UnsafeMutablePointer<RegionInfo>
    let regionCount: Int
    let specs: [MemoryRegion]

    static let pageShift: UInt32 = 12
    static let pageCount = 1 << 20

    init(board: Board) {
        specs = board.memory
        regionCount = specs.count
        pages = .allocate(capacity: MemoryMap.pageCount)
        pages.initialize(repeating: 0, count: MemoryMap.pageCount)
        regions = .allocate(capacity: max(1, specs.count))
        for (i, spec) in specs.enumerated() {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: Int(spec.size) + 8, alignment: 16)
            memory.initializeMemory(as: UInt8.self, repeating: 0, count: Int(spec.size) + 8)
            (regions + i).initialize(to: RegionInfo(
                base: spec.base, size: spec.size, memory: memory, writable: spec.writable,
                executable: spec.executable, code: nil))
            // Regions are page-aligned on every board we know; a region that is not gets
            // its partial pages resolved by the slow path's linear search (marker 0xFF).
            let first = Int(spec.base >> MemoryMap.pageShift)
            let last = Int((spec.end - 1) >> UInt64(MemoryMap.pageShift))
            for p in first...last {
                let pageStart = UInt64(p) << UInt64(MemoryMap.pageShift)
                let pageEnd = pageStart + (1 << UInt64(MemoryMap.pageShift))
                let whole = pageStart >= UInt64(spec.base) && pageEnd <= spec.end
                pages[p] = (whole && pages[p] == 0) ? UInt8(i + 1) : 0xFF
            }
        }
    }

    deinit {
        for i in 0..<regionCount {
            regions[i].memory.deallocate()
            if let code = regions[i].code {
                code.deinitialize(count: Int(regions[i].size / 2))
                code.deallocate()
            }
        }
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

    /// The decode cache of a region, allocating it on first use.
    func codeCache(_ i: Int) -> UnsafeMutablePointer<DecodedSlot> {
        if let code = regions[i].code { return code }
        let n = Int(regions[i].size / 2) + 2
        let code = UnsafeMutablePointer<DecodedSlot>.allocate(capacity: n)
        code.initialize(repeating: DecodedSlot(inst: Instruction(.undefined, size: 0), timing: StaticTiming(), function: 0),
                        count: n)
        regions[i].code = code
        return code
    }

    /// Drop all decoded instructions (after loading code, or changing the timing model).
    func invalidateCode() {
        for i in 0..<regionCount {
            if let code = regions[i].code {
                code.deinitialize(count: Int(regions[i].size / 2) + 2)
                code.deallocate()
                regions[i].code = nil
            }
        }
    }

    /// Loader access: write bytes regardless of the region's write permission.
    func load(_ bytes: [UInt8], at address: UInt32) -> Bool {
        guard !bytes.isEmpty else { return true }
        guard let i = regionIndex(address, bytes: UInt32(bytes.count)) else { return false }
        let off = Int(address &- regions[i].base)
        bytes.withUnsafeBytes { src in
            (regions[i].memory + off).copyMemory(from: src.baseAddress!, byteCount: bytes.count)
        }
        return true
    }

    /// Host-side read for tools (no timing, no faults): nil if unmapped.
    func peek(_ address: UInt32, count: Int) -> [UInt8]? {
        guard count > 0, let i = regionIndex(address, bytes: UInt32(count)) else { return count == 0 ? [] : nil }
        let off = Int(address &- regions[i].base)
        return Array(UnsafeRawBufferPointer(start: regions[i].memory + off, count: count))
    }
}
