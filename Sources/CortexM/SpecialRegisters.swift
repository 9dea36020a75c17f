import ThumbISA

// MRS and MSR (ARMv7-M B5.2.2, B5.2.3; ARMv6-M B4.2).

extension Machine {
    func readSpecial(_ sysm: UInt8) -> UInt32 {
        switch sysm {
        case 0...7:
            var v: UInt32 = 0
            if sysm & 1 != 0 { v |= ipsr & 0x1FF }  // IPSR part
            if sysm & 4 == 0 {  // APSR part
                v |= xpsr & 0xF800_0000
                if arch == .v7em { v |= (ge & 0xF) << 16 }
            }
            return v  // EPSR reads as zero
        case 8: return ipsr == 0 && control & 2 != 0 ? bankedSP : r[13]  // MSP
        case 9: return ipsr == 0 && control & 2 != 0 ? r[13] : bankedSP  // PSP
        case 16: return primask ? 1 : 0
        case 17, 18: return arch == .v6m ? 0 : UInt32(basepri)
        case 19: return arch == .v6m ? 0 : (faultmask ? 1 : 0)
        case 20: return ipsr == 0 ? control & 3 : control & 1
        default: return 0
        }
    }

    func writeSpecial(_ sysm: UInt8, mask: UInt32, _ v: UInt32) throws {
        switch sysm {
        case 0...3:
            // APSR_nzcvq (mask bit 1) and APSR_g (mask bit 0, ARMv7E-M).
            if mask & 2 != 0 || arch == .v6m {
                flagN = v & (1 << 31) != 0
                flagZ = v & (1 << 30) != 0
                flagC = v & (1 << 29) != 0
                flagV = v & (1 << 28) != 0
                if arch != .v6m { flagQ = v & (1 << 27) != 0 }
            }
            if mask & 1 != 0 && arch == .v7em { ge = (v >> 16) & 0xF }
        case 8:  // MSP
            if ipsr == 0 && control & 2 != 0 { bankedSP = v & ~3 } else { r[13] = v & ~3 }
        case 9:  // PSP
            if ipsr == 0 && control & 2 != 0 { r[13] = v & ~3 } else { bankedSP = v & ~3 }
        case 16:
            primask = v & 1 != 0
            requestEventCheck()
        case 17 where arch != .v6m:
            basepri = UInt8(v & 0xFF)
            requestEventCheck()
        case 18 where arch != .v6m:  // BASEPRI_MAX: raise only
            let nv = UInt8(v & 0xFF)
            if nv != 0 && (basepri == 0 || nv < basepri) { basepri = nv }
        case 19 where arch != .v6m:
            if ipsr != ExceptionNumber.nmi { faultmask = v & 1 != 0 }
            requestEventCheck()
        case 20:
            // CONTROL.nPRIV and, in thread mode, SPSEL (switching the active stack).
            if ipsr == 0 {
                let newSPSEL = v & 2
                if newSPSEL != control & 2 {
                    let cur = r[13]
                    r[13] = bankedSP
                    bankedSP = cur
                }
                control = (control & ~3) | (v & 3)
            } else {
                control = (control & ~1) | (v & 1)
            }
        default:
            break
        }
    }
}
