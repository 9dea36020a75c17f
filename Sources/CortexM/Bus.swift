import CycleTiming
import ThumbISA

// Data accesses of the executor. Fast path: page table → region → raw load/store, and a
// note in the execution record for the timing model. Everything else (MMIO, faults,
// alignment, writes into cached code) is out of line.

extension Machine {
    @inline(__always)
    func read32(_ a: UInt32) throws -> UInt32 {
        if a & alignMask32 == 0 {
            let p = memory.pages[Int(a >> MemoryMap.pageShift)]
            if p &- 1 < 0xFE {
                let ri = Int(p) &- 1
                let region = memory.regions + ri
                let off = a &- region.pointee.base
                if off <= region.pointee.size &- 4 {
                    record.noteAccess(a, bytes: 4, write: false, region: UInt8(truncatingIfNeeded: ri))
                    return region.pointee.memory.loadUnaligned(fromByteOffset: Int(off), as: UInt32.self)
                }
            }
        }
        return try readSlow(a, 4, aligned: false)
    }

    @inline(__always)
    func read16(_ a: UInt32) throws -> UInt32 {
        if a & alignMask16 == 0 {
            let p = memory.pages[Int(a >> MemoryMap.pageShift)]
            if p &- 1 < 0xFE {
                let ri = Int(p) &- 1
                let region = memory.regions + ri
                let off = a &- region.pointee.base
                if off <= region.pointee.size &- 2 {
                    record.noteAccess(a, bytes: 2, write: false, region: UInt8(truncatingIfNeeded: ri))
                    return UInt32(region.pointee.memory.loadUnaligned(fromByteOffset: Int(off), as: UInt16.self))
                }
            }
        }
        return try readSlow(a, 2, aligned: false)
    }

    @inline(__always)
    func read8(_ a: UInt32) throws -> UInt32 {
        let p = memory.pages[Int(a >> MemoryMap.pageShift)]
        if p &- 1 < 0xFE {
            let ri = Int(p) &- 1
            let region = memory.regions + ri
            let off = a &- region.pointee.base
            if off < region.pointee.size {
                record.noteAccess(a, bytes: 1, write: false, region: UInt8(truncatingIfNeeded: ri))
                return UInt32(region.pointee.memory.load(fromByteOffset: Int(off), as: UInt8.self))
            }
        }
        return try readSlow(a, 1, aligned: false)
    }

    /// Word read that must be word-aligned on every architecture (LDM, LDRD, LDREX,
    /// exception unstacking).
    @inline(__always)
    func read32Aligned(_ a: UInt32) throws -> UInt32 {
        if a & 3 != 0 { throw GuestFault(.unalignedAccess, address: a, "word access to unaligned address") }
        return try read32(a)
    }

    @inline(__always)
    func write32(_ a: UInt32, _ v: UInt32) throws {
        if a & alignMask32 == 0 {
            let p = memory.pages[Int(a >> MemoryMap.pageShift)]
            if p &- 1 < 0xFE {
                let ri = Int(p) &- 1
                let region = memory.regions + ri
                let off = a &- region.pointee.base
                if off <= region.pointee.size &- 4 && region.pointee.writable && region.pointee.code == nil {
                    record.noteAccess(a, bytes: 4, write: true, region: UInt8(truncatingIfNeeded: ri))
                    region.pointee.memory.storeBytes(of: v, toByteOffset: Int(off), as: UInt32.self)
                    return
                }
            }
        }
        try writeSlow(a, v, 4)
    }

    @inline(__always)
    func write16(_ a: UInt32, _ v: UInt32) throws {
        if a & alignMask16 == 0 {
            let p = memory.pages[Int(a >> MemoryMap.pageShift)]
            if p &- 1 < 0xFE {
                let ri = Int(p) &- 1
                let region = memory.regions + ri
                let off = a &- region.pointee.base
                if off <= region.pointee.size &- 2 && region.pointee.writable && region.pointee.code == nil {
                    record.noteAccess(a, bytes: 2, write: true, region: UInt8(truncatingIfNeeded: ri))
                    region.pointee.memory.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: Int(off), as: UInt16.self)
                    return
                }
            }
        }
        try writeSlow(a, v, 2)
    }

    @inline(__always)
    func write8(_ a: UInt32, _ v: UInt32) throws {
        let p = memory.pages[Int(a >> MemoryMap.pageShift)]
        if p &- 1 < 0xFE {
            let ri = Int(p) &- 1
            let region = memory.regions + ri
            let off = a &- region.pointee.base
            if off < region.pointee.size && region.pointee.writable && region.pointee.code == nil {
                record.noteAccess(a, bytes: 1, write: true, region: UInt8(truncatingIfNeeded: ri))
                region.pointee.memory.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: Int(off), as: UInt8.self)
                return
            }
        }
        try writeSlow(a, v, 1)
    }

    @inline(__always)
    func write32Aligned(_ a: UInt32, _ v: UInt32) throws {
        if a & 3 != 0 { throw GuestFault(.unalignedAccess, address: a, "word access to unaligned address") }
        try write32(a, v)
    }

    // MARK: Slow paths

    @inline(never)
    func readSlow(_ a: UInt32, _ bytes: UInt32, aligned: Bool) throws -> UInt32 {
        if a & (bytes - 1) != 0 && (bytes == 4 ? alignMask32 : alignMask16) != 0 {
            throw GuestFault(.unalignedAccess, address: a,
                             "\(bytes)-byte read from unaligned address" + (arch == .v6m ? " (ARMv6-M requires alignment)" : " (CCR.UNALIGN_TRP is set)"))
        }
        if let ri = memory.regionIndex(a, bytes: bytes) {
            let region = memory.regions[ri]
            guard board.memory[ri].readable else {
                throw GuestFault(.busError, address: a, "read from \(board.memory[ri].name), which is not readable")
            }
            record.noteAccess(a, bytes: UInt8(bytes), write: false, region: UInt8(ri))
            let off = Int(a &- region.base)
            switch bytes {
            case 1: return UInt32(region.memory.load(fromByteOffset: off, as: UInt8.self))
            case 2: return UInt32(region.memory.loadUnaligned(fromByteOffset: off, as: UInt16.self))
            default: return region.memory.loadUnaligned(fromByteOffset: off, as: UInt32.self)
            }
        }
        if a >= 0xE000_0000 && a < 0xE010_0000 {
            record.noteAccess(a, bytes: UInt8(bytes), write: false, region: ExecutionRecord.noRegion)
            return try readSystem(a, bytes)
        }
        throw unmappedFault(a, bytes, write: false)
    }

    @inline(never)
    func writeSlow(_ a: UInt32, _ v: UInt32, _ bytes: UInt32) throws {
        if a & (bytes - 1) != 0 && (bytes == 4 ? alignMask32 : alignMask16) != 0 {
            throw GuestFault(.unalignedAccess, address: a,
                             "\(bytes)-byte write to unaligned address" + (arch == .v6m ? " (ARMv6-M requires alignment)" : " (CCR.UNALIGN_TRP is set)"))
        }
        if let ri = memory.regionIndex(a, bytes: bytes) {
            let region = memory.regions[ri]
            guard region.writable else {
                throw GuestFault(.writeToReadOnly, address: a,
                                 "write to \(board.memory[ri].name) (\(board.memory[ri].kind.rawValue)), which is read-only while running")
            }
            record.noteAccess(a, bytes: UInt8(bytes), write: true, region: UInt8(ri))
            let off = Int(a &- region.base)
            switch bytes {
            case 1: region.memory.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: off, as: UInt8.self)
            case 2: region.memory.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: off, as: UInt16.self)
            default: region.memory.storeBytes(of: v, toByteOffset: off, as: UInt32.self)
            }
            if region.code != nil {
                // Self-modifying code or code written to RAM: drop the decoded slots that
                // overlap the write.
                memory.invalidateCode(ri, offset: UInt32(off), count: bytes)
            }
            return
        }
        if a >= 0xE000_0000 && a < 0xE010_0000 {
            record.noteAccess(a, bytes: UInt8(bytes), write: true, region: ExecutionRecord.noRegion)
            try writeSystem(a, v, bytes)
            return
        }
        throw unmappedFault(a, bytes, write: true)
    }

    func unmappedFault(_ a: UInt32, _ bytes: UInt32, write: Bool) -> GuestFault {
        let what = write ? "write to" : "read from"
        if a >= 0x4000_0000 && a < 0x6000_0000 {
            return GuestFault(.busError, address: a,
                              "\(bytes)-byte \(what) peripheral address 0x\(hex(a)): sersim models the core, "
                                  + "memories and System Control Space of \(board.name), not its peripherals")
        }
        // The stack ran out: an access below the start of a RAM region, near SP, while SP
        // itself is at (or past) that start. The chip reports a BusFault; the diagnosis
        // is the useful part.
        let sp = r[13]
        if let ram = board.memory.first(where: { $0.writable && a < $0.base && $0.base - a <= 0x1_0000 }),
           sp <= ram.base &+ 256, (sp > a ? sp - a : a - sp) <= 0x1_0000 {
            return GuestFault(.stackOverflow, address: a,
                              "\(bytes)-byte \(what) 0x\(hex(a)) below \(ram.name) (starts at 0x\(hex(ram.base))) "
                                  + "with SP = 0x\(hex(sp)): the stack grew past the start of RAM")
        }
        return GuestFault(.busError, address: a, "\(bytes)-byte \(what) unmapped address 0x\(hex(a))")
    }
}
