import ThumbISA

// Arithmetic helpers of the ARM ARM pseudocode (A2.2, A2.3, A7.4.2), in the forms the
// executor needs.

/// AddWithCarry (A2.2.1): result, carry out, overflow.
@inline(__always)
func addWithCarry(_ x: UInt32, _ y: UInt32, _ carryIn: Bool) -> (UInt32, Bool, Bool) {
    let wide = UInt64(x) &+ UInt64(y) &+ (carryIn ? 1 : 0)
    let result = UInt32(truncatingIfNeeded: wide)
    let overflow = ((x ^ result) & (y ^ result)) >> 31 != 0
    return (result, wide >> 32 != 0, overflow)
}

/// Shift_C (A7.4.2): shift with carry out. `amount` is the decoded amount (1...32 for
/// LSR/ASR immediates, any value for register shifts).
@inline(__always)
func shiftC(_ value: UInt32, _ type: ShiftType, _ amount: UInt32, _ carryIn: Bool) -> (UInt32, Bool) {
    if type == .rrx {
        return ((carryIn ? 0x8000_0000 : 0) | value >> 1, value & 1 != 0)
    }
    if amount == 0 { return (value, carryIn) }
    switch type {
    case .lsl:
        if amount < 32 { return (value << amount, (value >> (32 - amount)) & 1 != 0) }
        return (0, amount == 32 ? value & 1 != 0 : false)
    case .lsr:
        if amount < 32 { return (value >> amount, (value >> (amount - 1)) & 1 != 0) }
        return (0, amount == 32 ? value >> 31 != 0 : false)
    case .asr:
        if amount < 32 {
            return (UInt32(bitPattern: Int32(bitPattern: value) >> Int32(amount)), (value >> (amount - 1)) & 1 != 0)
        }
        let fill: UInt32 = value >> 31 != 0 ? 0xFFFF_FFFF : 0
        return (fill, fill != 0)
    case .ror:
        let m = amount & 31
        let result = m == 0 ? value : (value >> m | value << (32 - m))
        return (result, result >> 31 != 0)
    case .rrx:
        return (value, carryIn)  // handled above
    }
}

/// Shift without carry (A7.4.2 Shift).
@inline(__always)
func shift(_ value: UInt32, _ type: ShiftType, _ amount: UInt32, _ carryIn: Bool) -> UInt32 {
    shiftC(value, type, amount, carryIn).0
}

@inline(__always)
func ror(_ v: UInt32, _ n: UInt32) -> UInt32 {
    let m = n & 31
    return m == 0 ? v : (v >> m | v << (32 - m))
}

/// SignedSatQ (A2.2.3): saturate to `bits` (1...32) signed bits.
@inline(__always)
func signedSat(_ v: Int64, _ bits: Int) -> (UInt32, Bool) {
    let maxV = (Int64(1) << (bits - 1)) - 1
    let minV = -(Int64(1) << (bits - 1))
    if v > maxV { return (UInt32(truncatingIfNeeded: maxV), true) }
    if v < minV { return (UInt32(truncatingIfNeeded: minV), true) }
    return (UInt32(truncatingIfNeeded: v), false)
}

/// UnsignedSatQ (A2.2.3): saturate to `bits` (0...31) unsigned bits.
@inline(__always)
func unsignedSat(_ v: Int64, _ bits: Int) -> (UInt32, Bool) {
    let maxV = (Int64(1) << bits) - 1
    if v > maxV { return (UInt32(truncatingIfNeeded: maxV), true) }
    if v < 0 { return (0, true) }
    return (UInt32(truncatingIfNeeded: v), false)
}

@inline(__always) func sext16(_ v: UInt32) -> Int32 { Int32(Int16(truncatingIfNeeded: v)) }
@inline(__always) func sext8(_ v: UInt32) -> Int32 { Int32(Int8(truncatingIfNeeded: v)) }
@inline(__always) func s32(_ v: UInt32) -> Int64 { Int64(Int32(bitPattern: v)) }

extension Machine {
    /// ConditionPassed (A7.3.1).
    @inline(__always)
    func conditionPassed(_ cond: UInt8) -> Bool {
        let result: Bool
        switch cond >> 1 {
        case 0: result = flagZ
        case 1: result = flagC
        case 2: result = flagN
        case 3: result = flagV
        case 4: result = flagC && !flagZ
        case 5: result = flagN == flagV
        case 6: result = flagN == flagV && !flagZ
        default: return true
        }
        return cond & 1 != 0 ? !result : result
    }

    /// ITAdvance (A7.3.2).
    @inline(__always)
    func advanceIT() {
        itState = Machine.itAdvance(itState)
    }

    /// ITSTATE after an instruction of an IT block.
    @inline(__always)
    static func itAdvance(_ state: UInt8) -> UInt8 {
        state & 7 == 0 ? 0 : (state & 0xE0) | ((state << 1) & 0x1F)
    }

    /// Does this instruction set the flags here (resolving the 16-bit "outside IT" rule)?
    @inline(__always)
    func setsFlags(_ i: IRef) -> Bool {
        let f = i.flags.rawValue
        return f & InstructionFlags.setFlags.rawValue != 0
            || (f & InstructionFlags.setFlagsOutsideIT.rawValue != 0 && itState == 0)
    }

    @inline(__always)
    func setNZ(_ v: UInt32) {
        flagN = v >> 31 != 0
        flagZ = v == 0
    }
}
