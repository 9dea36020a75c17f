// The encoding table: every Thumb encoding sersim knows, as data.
//
// Sources: ARMv7-M Architecture Reference Manual (DDI 0403E.e), chapters A5 (encoding
// tables) and A7 (instruction descriptions, encodings T1–T4); ARMv6-M Architecture
// Reference Manual (DDI 0419E), chapter A6. Row names give the ARM ARM instruction and
// encoding number. Patterns are written as in the manual, first halfword first; a space
// separates the halfwords. Letters are fields; their meaning is given by the row's
// operand specs (`OperandSpec`).
//
// Conventions for letters: d/n/m/t/a registers (t = Rt → rd, T = Rt2 → ra, l/h = RdLo/RdHi
// → rd/ra), i/j immediates, S the S bit, c a condition, r a register list or rotation,
// y a shift type, P/U/W addressing bits, s saturate position, w msb/width.

public enum EncodingTable {
    /// `Instruction.row` value meaning "let the encoder choose".
    public static let auto: UInt16 = .max

    /// All rows. Order matters only to the encoder: for an `Op`, 16-bit rows are tried
    /// before 32-bit ones, and within a width the earlier row wins; the order reproduces
    /// GNU as's choices (checked by EncoderChoiceTests).
    public static let rows: [EncodingRow] = thumb16 + thumb32

    /// Look up a row by its name (tests and the kernel compiler use this to force an
    /// encoding, e.g. "MOV (immediate) T3" for MOVW).
    public static func row(named name: String) -> UInt16? {
        rowIndexByName[name]
    }

    private static let rowIndexByName: [String: UInt16] = {
        var map: [String: UInt16] = [:]
        for (i, r) in rows.enumerated() { map[r.name] = UInt16(i) }
        return map
    }()
}

// MARK: - Shorthands for operand specs

private let D = OperandSpec.reg("d", .rd)
private let N = OperandSpec.reg("n", .rn)
private let M = OperandSpec.reg("m", .rm)
private let A = OperandSpec.reg("a", .ra)
private let T = OperandSpec.reg("t", .rd)
private let T2 = OperandSpec.reg("T", .ra)
private let Dn = OperandSpec.reg("d", .rn)  // Rdn: the same field is also the first operand
private let Dm = OperandSpec.reg("d", .rm)  // Rdm
private let lo = OperandSpec.reg("l", .rd)  // RdLo
private let hi = OperandSpec.reg("h", .ra)  // RdHi
private let spN = OperandSpec.fixedReg(.rn, .sp)
private let spD = OperandSpec.fixedReg(.rd, .sp)
private let pcN = OperandSpec.fixedReg(.rn, .pc)
private let noShift = OperandSpec.shiftType(.lsl)
private let offset = OperandSpec.flags([.index, .add])
private let pux = OperandSpec.indexAddWback(p: "P", u: "U", w: "W")

private func ex(_ terms: (Character, UInt32)...) -> FieldCondition { FieldCondition(terms) }
private let sp: UInt8 = 13, pc: UInt8 = 15
private let spOrPC: [UInt8] = [13, 15]

// MARK: - 16-bit encodings (A5.2)

private let thumb16: [EncodingRow] = [
    // Shift (immediate), add, subtract, move and compare (A5.2.1)
    // Encoder preference follows GNU as: MOV (register) T1 before LSL #0 (inside IT
    // blocks both write MOV without flags), and ADD/SUB (immediate) T2 before T1 when
    // Rd == Rn.
    EncodingRow(.movReg, "MOV (register) T1", "01000110dmmmmddd", .v6m, [D, M, noShift]),
    EncodingRow(.movReg, "LSL (immediate) T1", "00000iiiiimmmddd", .v6m, [D, M, .shiftFixedType(.lsl, amount: "i")], s: .outsideIT),
    EncodingRow(.movReg, "LSR (immediate) T1", "00001iiiiimmmddd", .v6m, [D, M, .shiftFixedType(.lsr, amount: "i")], s: .outsideIT),
    EncodingRow(.movReg, "ASR (immediate) T1", "00010iiiiimmmddd", .v6m, [D, M, .shiftFixedType(.asr, amount: "i")], s: .outsideIT),
    EncodingRow(.addReg, "ADD (register) T1", "0001100mmmnnnddd", .v6m, [D, N, M, noShift], s: .outsideIT),
    EncodingRow(.subReg, "SUB (register) T1", "0001101mmmnnnddd", .v6m, [D, N, M, noShift], s: .outsideIT),
    EncodingRow(.addImm, "ADD (immediate) T2", "00110dddiiiiiiii", .v6m, [D, Dn, .imm("i")], s: .outsideIT),
    EncodingRow(.subImm, "SUB (immediate) T2", "00111dddiiiiiiii", .v6m, [D, Dn, .imm("i")], s: .outsideIT),
    EncodingRow(.addImm, "ADD (immediate) T1", "0001110iiinnnddd", .v6m, [D, N, .imm("i")], s: .outsideIT),
    EncodingRow(.subImm, "SUB (immediate) T1", "0001111iiinnnddd", .v6m, [D, N, .imm("i")], s: .outsideIT),
    EncodingRow(.movImm, "MOV (immediate) T1", "00100dddiiiiiiii", .v6m, [D, .imm("i")], s: .outsideIT),
    EncodingRow(.cmpImm, "CMP (immediate) T1", "00101nnniiiiiiii", .v6m, [N, .imm("i")], s: .always),

    // Data processing (A5.2.2)
    EncodingRow(.andReg, "AND (register) T1", "0100000000mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.eorReg, "EOR (register) T1", "0100000001mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.shiftReg, "LSL (register) T1", "0100000010mmmddd", .v6m, [D, Dn, M, .shiftType(.lsl)], s: .outsideIT),
    EncodingRow(.shiftReg, "LSR (register) T1", "0100000011mmmddd", .v6m, [D, Dn, M, .shiftType(.lsr)], s: .outsideIT),
    EncodingRow(.shiftReg, "ASR (register) T1", "0100000100mmmddd", .v6m, [D, Dn, M, .shiftType(.asr)], s: .outsideIT),
    EncodingRow(.adcReg, "ADC (register) T1", "0100000101mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.sbcReg, "SBC (register) T1", "0100000110mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.shiftReg, "ROR (register) T1", "0100000111mmmddd", .v6m, [D, Dn, M, .shiftType(.ror)], s: .outsideIT),
    EncodingRow(.tstReg, "TST (register) T1", "0100001000mmmnnn", .v6m, [N, M, noShift], s: .always),
    EncodingRow(.rsbImm, "RSB (immediate) T1", "0100001001nnnddd", .v6m, [D, N, .fixedImm(0)], s: .outsideIT),
    EncodingRow(.cmpReg, "CMP (register) T1", "0100001010mmmnnn", .v6m, [N, M, noShift], s: .always),
    EncodingRow(.cmnReg, "CMN (register) T1", "0100001011mmmnnn", .v6m, [N, M, noShift], s: .always),
    EncodingRow(.orrReg, "ORR (register) T1", "0100001100mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.mul, "MUL T1", "0100001101nnnddd", .v6m, [D, N, Dm], s: .outsideIT),
    EncodingRow(.bicReg, "BIC (register) T1", "0100001110mmmddd", .v6m, [D, Dn, M, noShift], s: .outsideIT),
    EncodingRow(.mvnReg, "MVN (register) T1", "0100001111mmmddd", .v6m, [D, M, noShift], s: .outsideIT),

    // Special data instructions and branch and exchange (A5.2.3)
    EncodingRow(.addReg, "ADD (register) T2", "01000100dmmmmddd", .v6m, [D, Dn, M, noShift],
                except: [ex(("d", 0b1101)), ex(("m", 0b1101))],
                unpredictable: [.when(ex(("d", 15), ("m", 15)))]),
    EncodingRow(.addReg, "ADD (SP plus register) T1", "01000100d1101ddd", .v6m, [D, spN, Dm, noShift]),
    EncodingRow(.addReg, "ADD (SP plus register) T2", "010001001mmmm101", .v6m, [spD, spN, M, noShift],
                except: [ex(("m", 0b1101))]),
    EncodingRow(.cmpReg, "CMP (register) T2", "01000101nmmmmnnn", .v6m, [N, M, noShift], s: .always,
                unpredictable: [.reg("n", [15]), .reg("m", [15]), .when(ex(("n", 0), ("m", 0)))]),
    EncodingRow(.bx, "BX T1", "010001110mmmm000", .v6m, [M]),
    EncodingRow(.blx, "BLX (register) T1", "010001111mmmm000", .v6m, [M], unpredictable: [.reg("m", [15])]),

    // LDR (literal) T1
    EncodingRow(.ldrLit, "LDR (literal) T1", "01001tttiiiiiiii", .v6m, [T, pcN, .imm("i", shift: 2), offset]),

    // Load/store single data item (A5.2.4)
    EncodingRow(.strReg, "STR (register) T1", "0101000mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.strhReg, "STRH (register) T1", "0101001mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.strbReg, "STRB (register) T1", "0101010mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.ldrsbReg, "LDRSB (register) T1", "0101011mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.ldrReg, "LDR (register) T1", "0101100mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.ldrhReg, "LDRH (register) T1", "0101101mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.ldrbReg, "LDRB (register) T1", "0101110mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.ldrshReg, "LDRSH (register) T1", "0101111mmmnnnttt", .v6m, [T, N, M, noShift, offset]),
    EncodingRow(.strImm, "STR (immediate) T1", "01100iiiiinnnttt", .v6m, [T, N, .imm("i", shift: 2), offset]),
    EncodingRow(.ldrImm, "LDR (immediate) T1", "01101iiiiinnnttt", .v6m, [T, N, .imm("i", shift: 2), offset]),
    EncodingRow(.strbImm, "STRB (immediate) T1", "01110iiiiinnnttt", .v6m, [T, N, .imm("i"), offset]),
    EncodingRow(.ldrbImm, "LDRB (immediate) T1", "01111iiiiinnnttt", .v6m, [T, N, .imm("i"), offset]),
    EncodingRow(.strhImm, "STRH (immediate) T1", "10000iiiiinnnttt", .v6m, [T, N, .imm("i", shift: 1), offset]),
    EncodingRow(.ldrhImm, "LDRH (immediate) T1", "10001iiiiinnnttt", .v6m, [T, N, .imm("i", shift: 1), offset]),
    EncodingRow(.strImm, "STR (immediate) T2", "10010tttiiiiiiii", .v6m, [T, spN, .imm("i", shift: 2), offset]),
    EncodingRow(.ldrImm, "LDR (immediate) T2", "10011tttiiiiiiii", .v6m, [T, spN, .imm("i", shift: 2), offset]),

    // PC- and SP-relative address generation
    EncodingRow(.adr, "ADR T1", "10100dddiiiiiiii", .v6m, [D, pcN, .imm("i", shift: 2)]),
    EncodingRow(.addImm, "ADD (SP plus immediate) T1", "10101dddiiiiiiii", .v6m, [D, spN, .imm("i", shift: 2)]),

    // Miscellaneous 16-bit instructions (A5.2.5)
    EncodingRow(.addImm, "ADD (SP plus immediate) T2", "101100000iiiiiii", .v6m, [spD, spN, .imm("i", shift: 2)]),
    EncodingRow(.subImm, "SUB (SP minus immediate) T1", "101100001iiiiiii", .v6m, [spD, spN, .imm("i", shift: 2)]),
    EncodingRow(.cbz, "CBZ T1", "101100i1iiiiinnn", .v7m, [N, .cbzOffset("i")], unpredictable: [.insideIT]),
    EncodingRow(.cbnz, "CBNZ T1", "101110i1iiiiinnn", .v7m, [N, .cbzOffset("i")], unpredictable: [.insideIT]),
    EncodingRow(.sxth, "SXTH T1", "1011001000mmmddd", .v6m, [D, M]),
    EncodingRow(.sxtb, "SXTB T1", "1011001001mmmddd", .v6m, [D, M]),
    EncodingRow(.uxth, "UXTH T1", "1011001010mmmddd", .v6m, [D, M]),
    EncodingRow(.uxtb, "UXTB T1", "1011001011mmmddd", .v6m, [D, M]),
    EncodingRow(.stmdb, "PUSH T1", "1011010Mrrrrrrrr", .v6m,
                [spN, .list("r", extra: [.init("M", 14)]), .flags(.wback)],
                unpredictable: [.listCountBelow(1)]),
    // I and F form a 2-bit immediate (I = 2, F = 1); neither set is UNPREDICTABLE.
    EncodingRow(.cps, "CPS T1", "10110110011m00ii", .v6m, [.flag("m", .disable), .imm("i")],
                unpredictable: [.insideIT, .when(ex(("i", 0)))]),
    EncodingRow(.rev, "REV T1", "1011101000mmmddd", .v6m, [D, M]),
    EncodingRow(.rev16, "REV16 T1", "1011101001mmmddd", .v6m, [D, M]),
    EncodingRow(.revsh, "REVSH T1", "1011101011mmmddd", .v6m, [D, M]),
    EncodingRow(.ldm, "POP T1", "1011110Prrrrrrrr", .v6m,
                [spN, .list("r", extra: [.init("P", 15)]), .flags(.wback)],
                unpredictable: [.listCountBelow(1), .insideITNotLast]),
    EncodingRow(.bkpt, "BKPT T1", "10111110iiiiiiii", .v6m, [.imm("i")]),
    EncodingRow(.it, "IT T1", "10111111ccccmmmm", .v7m, [.itBlock(cond: "c", mask: "m")],
                except: [ex(("m", 0))],
                unpredictable: [.reg("c", [15]), .when(ex(("c", 14))), .insideIT]),
    EncodingRow(.nop, "NOP T1", "1011111100000000", .v6m),
    EncodingRow(.yield, "YIELD T1", "1011111100010000", .v6m),
    EncodingRow(.wfe, "WFE T1", "1011111100100000", .v6m),
    EncodingRow(.wfi, "WFI T1", "1011111100110000", .v6m),
    EncodingRow(.sev, "SEV T1", "1011111101000000", .v6m),

    // Load/store multiple
    EncodingRow(.stm, "STM T1", "11000nnnrrrrrrrr", .v6m, [N, .list("r"), .flags(.wback)],
                unpredictable: [.listCountBelow(1)]),
    EncodingRow(.ldm, "LDM T1", "11001nnnrrrrrrrr", .v6m, [N, .list("r"), .wbackUnlessBaseListed],
                unpredictable: [.listCountBelow(1)]),

    // Conditional branch, and supervisor call (A5.2.6)
    EncodingRow(.b, "B T1", "1101cccciiiiiiii", .v6m, [.cond("c"), .branchT1("i")],
                except: [ex(("c", 14)), ex(("c", 15))], unpredictable: [.insideIT]),
    EncodingRow(.udf, "UDF T1", "11011110iiiiiiii", .v6m, [.imm("i")]),
    EncodingRow(.svc, "SVC T1", "11011111iiiiiiii", .v6m, [.imm("i")]),
    EncodingRow(.b, "B T2", "11100iiiiiiiiiii", .v6m, [.branchT2("i")], unpredictable: [.insideITNotLast]),
]

// MARK: - 32-bit encodings (A5.3)

private let reserved = ex(("d", 15), ("S", 1))  // Rd == PC with S set: the compare forms
private let viaSP = ex(("n", 13))
private let viaPC = ex(("n", 15))
private let rt15 = ex(("t", 15))
private let pw00 = ex(("P", 0), ("W", 0))
private let unprivileged = ex(("P", 1), ("U", 1), ("W", 0))
private let hintImm8 = ex(("t", 15), ("P", 1), ("U", 0), ("W", 0))

/// Data processing (modified immediate), A5.3.1.
private let modifiedImmediate: [EncodingRow] = [
    EncodingRow(.andImm, "AND (immediate) T1", "11110i00000Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [reserved], unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: true),
    EncodingRow(.tstImm, "TST (immediate) T1", "11110i000001nnnn 0iii1111iiiiiiii", .v7m, [N, .modifiedImm("i")], s: .always,
                unpredictable: [.reg("n", spOrPC)], wide: true),
    EncodingRow(.bicImm, "BIC (immediate) T1", "11110i00001Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: true),
    EncodingRow(.orrImm, "ORR (immediate) T1", "11110i00010Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [viaPC], unpredictable: [.reg("d", spOrPC), .reg("n", [13])], wide: true),
    EncodingRow(.movImm, "MOV (immediate) T2", "11110i00010S1111 0iiiddddiiiiiiii", .v7m, [D, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC)], wide: true),
    EncodingRow(.ornImm, "ORN (immediate) T1", "11110i00011Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [viaPC], unpredictable: [.reg("d", spOrPC), .reg("n", [13])]),
    EncodingRow(.mvnImm, "MVN (immediate) T1", "11110i00011S1111 0iiiddddiiiiiiii", .v7m, [D, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC)], wide: true),
    EncodingRow(.eorImm, "EOR (immediate) T1", "11110i00100Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [reserved], unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: true),
    EncodingRow(.teqImm, "TEQ (immediate) T1", "11110i001001nnnn 0iii1111iiiiiiii", .v7m, [N, .modifiedImm("i")], s: .always,
                unpredictable: [.reg("n", spOrPC)]),
    EncodingRow(.addImm, "ADD (immediate) T3", "11110i01000Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [reserved, viaSP], unpredictable: [.reg("d", spOrPC), .reg("n", [15])], wide: true),
    EncodingRow(.addImm, "ADD (SP plus immediate) T3", "11110i01000S1101 0iiiddddiiiiiiii", .v7m, [D, spN, .modifiedImm("i")], s: .sBit,
                except: [reserved], unpredictable: [.reg("d", [15])], wide: true),
    EncodingRow(.cmnImm, "CMN (immediate) T1", "11110i010001nnnn 0iii1111iiiiiiii", .v7m, [N, .modifiedImm("i")], s: .always,
                unpredictable: [.reg("n", [15])], wide: true),
    EncodingRow(.adcImm, "ADC (immediate) T1", "11110i01010Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: true),
    EncodingRow(.sbcImm, "SBC (immediate) T1", "11110i01011Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: true),
    EncodingRow(.subImm, "SUB (immediate) T3", "11110i01101Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                except: [reserved, viaSP], unpredictable: [.reg("d", spOrPC), .reg("n", [15])], wide: true),
    EncodingRow(.subImm, "SUB (SP minus immediate) T2", "11110i01101S1101 0iiiddddiiiiiiii", .v7m, [D, spN, .modifiedImm("i")], s: .sBit,
                except: [reserved], unpredictable: [.reg("d", [15])], wide: true),
    EncodingRow(.cmpImm, "CMP (immediate) T2", "11110i011011nnnn 0iii1111iiiiiiii", .v7m, [N, .modifiedImm("i")], s: .always,
                unpredictable: [.reg("n", [15])], wide: true),
    EncodingRow(.rsbImm, "RSB (immediate) T2", "11110i01110Snnnn 0iiiddddiiiiiiii", .v7m, [D, N, .modifiedImm("i")], s: .sBit,
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)], wide: false),
]

/// Data processing (plain binary immediate), A5.3.3.
private let plainImmediate: [EncodingRow] = [
    EncodingRow(.addImm, "ADD (immediate) T4", "11110i100000nnnn 0iiiddddiiiiiiii", .v7m, [D, N, .imm("i")],
                except: [viaPC, viaSP], unpredictable: [.reg("d", spOrPC)], mnemonic: "addw"),
    EncodingRow(.addImm, "ADD (SP plus immediate) T4", "11110i1000001101 0iiiddddiiiiiiii", .v7m, [D, spN, .imm("i")],
                unpredictable: [.reg("d", [15])], mnemonic: "addw"),
    EncodingRow(.adr, "ADR T3", "11110i1000001111 0iiiddddiiiiiiii", .v7m, [D, pcN, .imm("i")],
                unpredictable: [.reg("d", spOrPC)]),
    EncodingRow(.movImm, "MOV (immediate) T3", "11110i100100jjjj 0iiiddddiiiiiiii", .v7m, [D, .imm16(hi: "j", lo: "i")],
                unpredictable: [.reg("d", spOrPC)], mnemonic: "movw"),
    EncodingRow(.subImm, "SUB (immediate) T4", "11110i101010nnnn 0iiiddddiiiiiiii", .v7m, [D, N, .imm("i")],
                except: [viaPC, viaSP], unpredictable: [.reg("d", spOrPC)], mnemonic: "subw"),
    EncodingRow(.subImm, "SUB (SP minus immediate) T3", "11110i1010101101 0iiiddddiiiiiiii", .v7m, [D, spN, .imm("i")],
                unpredictable: [.reg("d", [15])], mnemonic: "subw"),
    EncodingRow(.adr, "ADR T2", "11110i1010101111 0iiiddddiiiiiiii", .v7m, [D, pcN, .immNegated("i")],
                unpredictable: [.reg("d", spOrPC)]),
    EncodingRow(.movt, "MOVT T1", "11110i101100jjjj 0iiiddddiiiiiiii", .v7m, [D, .imm16(hi: "j", lo: "i")],
                unpredictable: [.reg("d", spOrPC)]),
    EncodingRow(.ssat, "SSAT T1", "1111001100h0nnnn 0iiiddddii0sssss", .v7m,
                [D, N, .imm2("s", bias: 1), .shiftImm(amount: "i", type: "h")],
                except: [ex(("h", 1), ("i", 0))], unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
    EncodingRow(.ssat16, "SSAT16 T1", "111100110010nnnn 0000dddd0000ssss", .v7em, [D, N, .imm2("s", bias: 1)],
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
    EncodingRow(.sbfx, "SBFX T1", "111100110100nnnn 0iiiddddii0wwwww", .v7m, [D, N, .imm("i"), .imm2("w")],
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
    EncodingRow(.bfi, "BFI T1", "111100110110nnnn 0iiiddddii0wwwww", .v7m, [D, N, .imm("i"), .imm2("w")],
                except: [viaPC], unpredictable: [.reg("d", spOrPC), .reg("n", [13]), .fieldLess("w", than: ["i"])]),
    EncodingRow(.bfc, "BFC T1", "1111001101101111 0iiiddddii0wwwww", .v7m, [D, .imm("i"), .imm2("w")],
                unpredictable: [.reg("d", spOrPC), .fieldLess("w", than: ["i"])]),
    EncodingRow(.usat, "USAT T1", "1111001110h0nnnn 0iiiddddii0sssss", .v7m,
                [D, N, .imm2("s"), .shiftImm(amount: "i", type: "h")],
                except: [ex(("h", 1), ("i", 0))], unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
    EncodingRow(.usat16, "USAT16 T1", "111100111010nnnn 0000dddd0000ssss", .v7em, [D, N, .imm2("s")],
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
    EncodingRow(.ubfx, "UBFX T1", "111100111100nnnn 0iiiddddii0wwwww", .v7m, [D, N, .imm("i"), .imm2("w")],
                unpredictable: [.reg("d", spOrPC), .reg("n", spOrPC)]),
]

/// Branches and miscellaneous control, A5.3.4.
private let branchesAndControl: [EncodingRow] = [
    EncodingRow(.b, "B T3", "11110Scccciiiiii 10J0Kjjjjjjjjjjj", .v7m, [.cond("c"), .branchT3],
                except: [ex(("c", 14)), ex(("c", 15))], unpredictable: [.insideIT], wide: true),
    EncodingRow(.b, "B T4", "11110Siiiiiiiiii 10J1Kjjjjjjjjjjj", .v7m, [.branchT4],
                unpredictable: [.insideITNotLast], wide: true),
    EncodingRow(.bl, "BL T1", "11110Siiiiiiiiii 11J1Kjjjjjjjjjjj", .v6m, [.branchT4],
                unpredictable: [.insideITNotLast]),
    EncodingRow(.msr, "MSR T1", "111100111000nnnn 1000kk00ssssssss", .v6m, [N, .imm("k"), .imm2("s")],
                unpredictable: [.reg("n", spOrPC), .when(ex(("k", 0)))]),
    EncodingRow(.mrs, "MRS T1", "1111001111101111 1000ddddssssssss", .v6m, [D, .imm2("s")],
                unpredictable: [.reg("d", spOrPC)]),
    EncodingRow(.nop, "NOP T2", "1111001110101111 1000000000000000", .v7m, wide: true),
    EncodingRow(.yield, "YIELD T2", "1111001110101111 1000000000000001", .v7m, wide: true),
    EncodingRow(.wfe, "WFE T2", "1111001110101111 1000000000000010", .v7m, wide: true),
    EncodingRow(.wfi, "WFI T2", "1111001110101111 1000000000000011", .v7m, wide: true),
    EncodingRow(.sev, "SEV T2", "1111001110101111 1000000000000100", .v7m, wide: true),
    EncodingRow(.clrex, "CLREX T1", "1111001110111111 1000111100101111", .v7m),
    EncodingRow(.dsb, "DSB T1", "1111001110111111 100011110100iiii", .v6m, [.imm("i")]),
    EncodingRow(.dmb, "DMB T1", "1111001110111111 100011110101iiii", .v6m, [.imm("i")]),
    EncodingRow(.isb, "ISB T1", "1111001110111111 100011110110iiii", .v6m, [.imm("i")]),
    EncodingRow(.udf, "UDF T2", "111101111111jjjj 1010iiiiiiiiiiii", .v6m, [.imm16(hi: "j", lo: "i")], wide: true),
]

/// Load/store multiple, A5.3.5.
private let loadStoreMultiple: [EncodingRow] = [
    EncodingRow(.stm, "STM T2", "1110100010W0nnnn 0M0rrrrrrrrrrrrr", .v7m,
                [N, .list("r", extra: [.init("M", 14)]), .flag("W", .wback)],
                unpredictable: [.reg("n", [15]), .listCountBelow(2), .listHasBaseWithWriteback], wide: true),
    EncodingRow(.ldm, "LDM T2", "1110100010W1nnnn PM0rrrrrrrrrrrrr", .v7m,
                [N, .list("r", extra: [.init("M", 14), .init("P", 15)]), .flag("W", .wback)],
                except: [ex(("W", 1), ("n", 13))],
                unpredictable: [.reg("n", [15]), .listCountBelow(2), .listHasPCAndLR, .listHasBaseWithWriteback,
                                .insideITNotLast], wide: true),
    EncodingRow(.ldm, "POP T2", "1110100010111101 PM0rrrrrrrrrrrrr", .v7m,
                [spN, .list("r", extra: [.init("M", 14), .init("P", 15)]), .flags(.wback)],
                unpredictable: [.listCountBelow(2), .listHasPCAndLR, .insideITNotLast], wide: true),
    EncodingRow(.ldmdb, "LDMDB T1", "1110100100W1nnnn PM0rrrrrrrrrrrrr", .v7m,
                [N, .list("r", extra: [.init("M", 14), .init("P", 15)]), .flag("W", .wback)],
                unpredictable: [.reg("n", [15]), .listCountBelow(2), .listHasPCAndLR, .listHasBaseWithWriteback,
                                .insideITNotLast]),
    EncodingRow(.stmdb, "STMDB T1", "1110100100W0nnnn 0M0rrrrrrrrrrrrr", .v7m,
                [N, .list("r", extra: [.init("M", 14)]), .flag("W", .wback)],
                except: [ex(("W", 1), ("n", 13))],
                unpredictable: [.reg("n", [15]), .listCountBelow(2), .listHasBaseWithWriteback]),
    EncodingRow(.stmdb, "PUSH T2", "1110100100101101 0M0rrrrrrrrrrrrr", .v7m,
                [spN, .list("r", extra: [.init("M", 14)]), .flags(.wback)],
                unpredictable: [.listCountBelow(2)], wide: false),
]

/// Load/store dual or exclusive, table branch, A5.3.6.
private let dualExclusiveTable: [EncodingRow] = [
    EncodingRow(.strex, "STREX T1", "111010000100nnnn ttttddddiiiiiiii", .v7m,
                [.reg("d", .rm), T, N, .imm("i", shift: 2)],
                unpredictable: [.reg("d", spOrPC), .reg("t", spOrPC), .reg("n", [15]),
                                .regsEqual("d", "n"), .regsEqual("d", "t")]),
    EncodingRow(.ldrex, "LDREX T1", "111010000101nnnn tttt1111iiiiiiii", .v7m, [T, N, .imm("i", shift: 2)],
                unpredictable: [.reg("t", spOrPC), .reg("n", [15])]),
    EncodingRow(.strd, "STRD (immediate) T1", "1110100PU1W0nnnn ttttTTTTiiiiiiii", .v7m,
                [T, T2, N, .imm("i", shift: 2), pux],
                except: [pw00], unpredictable: [.reg("n", [15]), .reg("t", spOrPC), .reg("T", spOrPC),
                                                 .wbackAndRegsEqual("n", "t"), .wbackAndRegsEqual("n", "T")]),
    EncodingRow(.ldrd, "LDRD (immediate) T1", "1110100PU1W1nnnn ttttTTTTiiiiiiii", .v7m,
                [T, T2, N, .imm("i", shift: 2), pux],
                except: [pw00, viaPC], unpredictable: [.reg("t", spOrPC), .reg("T", spOrPC), .regsEqual("t", "T"),
                                                        .wbackAndRegsEqual("n", "t"), .wbackAndRegsEqual("n", "T")]),
    EncodingRow(.ldrdLit, "LDRD (literal) T1", "1110100PU1W11111 ttttTTTTiiiiiiii", .v7m,
                [T, T2, pcN, .imm("i", shift: 2), pux],
                except: [pw00], unpredictable: [.reg("t", spOrPC), .reg("T", spOrPC), .regsEqual("t", "T"),
                                                 .when(ex(("W", 1)))]),
    EncodingRow(.strexb, "STREXB T1", "111010001100nnnn tttt11110100dddd", .v7m, [.reg("d", .rm), T, N],
                unpredictable: [.reg("d", spOrPC), .reg("t", spOrPC), .reg("n", [15]),
                                .regsEqual("d", "n"), .regsEqual("d", "t")]),
    EncodingRow(.strexh, "STREXH T1", "111010001100nnnn tttt11110101dddd", .v7m, [.reg("d", .rm), T, N],
                unpredictable: [.reg("d", spOrPC), .reg("t", spOrPC), .reg("n", [15]),
                                .regsEqual("d", "n"), .regsEqual("d", "t")]),
    EncodingRow(.tbb, "TBB T1", "111010001101nnnn 111100000000mmmm", .v7m, [N, M],
                unpredictable: [.reg("n", [13]), .reg("m", spOrPC), .insideITNotLast]),
    EncodingRow(.tbh, "TBH T1", "111010001101nnnn 111100000001mmmm", .v7m, [N, M],
                unpredictable: [.reg("n", [13]), .reg("m", spOrPC), .insideITNotLast]),
    EncodingRow(.ldrexb, "LDREXB T1", "111010001101nnnn tttt111101001111", .v7m, [T, N],
                unpredictable: [.reg("t", spOrPC), .reg("n", [15])]),
    EncodingRow(.ldrexh, "LDREXH T1", "111010001101nnnn tttt111101011111", .v7m, [T, N],
                unpredictable: [.reg("t", spOrPC), .reg("n", [15])]),
]

/// Single loads and stores, A5.3.7–A5.3.10. Generated per width so that the many "SEE"
/// cases (literal, unprivileged, preload hints) are written once.
private func singleDataRows(
    load: Bool, width: String, signed: Bool, sizeBits: String,
    imm: Op, reg: Op, lit: Op?, unpriv: Op
) -> [EncodingRow] {
    let s = signed ? "1" : "0"
    let l = load ? "1" : "0"
    let name = (load ? "LDR" : "STR") + (signed ? "S" : "") + width
    let word = width == ""
    // Byte and halfword loads with Rt == PC are preload or unallocated hints.
    let hintExcept: [FieldCondition] = (load && !word) ? [rt15] : []
    let hintExceptT4: [FieldCondition] = (load && !word) ? [hintImm8] : []
    // Loads may not target SP (bytes/halfwords) and stores may not store PC.
    let badT: [Unpredictable] = load ? (word ? [] : [.reg("t", [13])]) : [.reg("t", [15])]
    let (immT, immT4) = word ? (3, 4) : (signed ? (1, 2) : (2, 3))
    var t4except: [FieldCondition] = [viaPC] + hintExceptT4 + [unprivileged, pw00]
    if word {
        // POP T3 / PUSH T3: a single register via SP with post-increment / pre-decrement.
        t4except.append(load ? ex(("n", 13), ("P", 0), ("U", 1), ("W", 1), ("i", 4))
                             : ex(("n", 13), ("P", 1), ("U", 0), ("W", 1), ("i", 4)))
    }
    var rows = [
        EncodingRow(imm, "\(name) (immediate) T\(immT)", "1111100\(s)1\(sizeBits)\(l)nnnn ttttiiiiiiiiiiii", .v7m,
                    [T, N, .imm("i"), offset], except: [viaPC] + hintExcept, unpredictable: badT, wide: true),
        // Byte and halfword loads to PC with writeback are UNPREDICTABLE (LDRB/LDRH/LDRSB/LDRSH (immediate) T3/T2: t == 15 && W == 1).
        EncodingRow(imm, "\(name) (immediate) T\(immT4)", "1111100\(s)0\(sizeBits)\(l)nnnn tttt1PUWiiiiiiii", .v7m,
                    [T, N, .imm("i"), pux], except: t4except,
                    unpredictable: badT + [.wbackAndRegsEqual("n", "t")]
                        + (load && !word ? [.when(ex(("t", 15), ("W", 1)))] : []), wide: true),
        EncodingRow(unpriv, "\(name)T T1", "1111100\(s)0\(sizeBits)\(l)nnnn tttt1110iiiiiiii", .v7m,
                    [T, N, .imm("i"), offset], except: [viaPC], unpredictable: [.reg("t", spOrPC)]),
        EncodingRow(reg, "\(name) (register) T2", "1111100\(s)0\(sizeBits)\(l)nnnn tttt000000ssmmmm", .v7m,
                    [T, N, M, .lslAmount("s"), offset], except: [viaPC] + hintExcept,
                    unpredictable: badT + [.reg("m", spOrPC)], wide: true),
    ]
    if let lit {
        rows.append(EncodingRow(lit, "\(name) (literal) T\(word && !signed ? 2 : 1)",
                                "1111100\(s)U\(sizeBits)\(l)1111 ttttiiiiiiiiiiii", .v7m,
                                [T, pcN, .imm("i"), .addBit("U")], except: hintExcept,
                                unpredictable: badT, wide: true))
    }
    return rows
}

private let singleLoadsStores: [EncodingRow] =
    singleDataRows(load: true, width: "", signed: false, sizeBits: "10", imm: .ldrImm, reg: .ldrReg, lit: .ldrLit, unpriv: .ldrt)
    + singleDataRows(load: true, width: "B", signed: false, sizeBits: "00", imm: .ldrbImm, reg: .ldrbReg, lit: .ldrbLit, unpriv: .ldrbt)
    + singleDataRows(load: true, width: "B", signed: true, sizeBits: "00", imm: .ldrsbImm, reg: .ldrsbReg, lit: .ldrsbLit, unpriv: .ldrsbt)
    + singleDataRows(load: true, width: "H", signed: false, sizeBits: "01", imm: .ldrhImm, reg: .ldrhReg, lit: .ldrhLit, unpriv: .ldrht)
    + singleDataRows(load: true, width: "H", signed: true, sizeBits: "01", imm: .ldrshImm, reg: .ldrshReg, lit: .ldrshLit, unpriv: .ldrsht)
    + singleDataRows(load: false, width: "", signed: false, sizeBits: "10", imm: .strImm, reg: .strReg, lit: nil, unpriv: .strt)
    + singleDataRows(load: false, width: "B", signed: false, sizeBits: "00", imm: .strbImm, reg: .strbReg, lit: nil, unpriv: .strbt)
    + singleDataRows(load: false, width: "H", signed: false, sizeBits: "01", imm: .strhImm, reg: .strhReg, lit: nil, unpriv: .strht)
    + [
        EncodingRow(.ldrImm, "POP T3", "1111100001011101 tttt101100000100", .v7m,
                    [T, spN, .fixedImm(4), .flags([.add, .wback])], unpredictable: [.reg("t", [13])], wide: true),
        EncodingRow(.strImm, "PUSH T3", "1111100001001101 tttt110100000100", .v7m,
                    [T, spN, .fixedImm(4), .flags([.index, .wback])], unpredictable: [.reg("t", spOrPC)], wide: true),
        // Preload hints (A7.7.98–A7.7.101): PLD/PLI, immediate, literal and register forms.
        EncodingRow(.pld, "PLD (immediate) T1", "111110001001nnnn 1111iiiiiiiiiiii", .v7m, [N, .imm("i"), offset], except: [viaPC]),
        EncodingRow(.pld, "PLD (immediate) T2", "111110000001nnnn 11111100iiiiiiii", .v7m, [N, .imm("i"), .flags(.index)], except: [viaPC]),
        EncodingRow(.pld, "PLD (literal) T1", "11111000U0011111 1111iiiiiiiiiiii", .v7m, [pcN, .imm("i"), .addBit("U")]),
        EncodingRow(.pld, "PLD (register) T1", "111110000001nnnn 1111000000ssmmmm", .v7m, [N, M, .lslAmount("s"), offset],
                    except: [viaPC], unpredictable: [.reg("m", spOrPC)]),
        EncodingRow(.pli, "PLI (immediate) T1", "111110011001nnnn 1111iiiiiiiiiiii", .v7m, [N, .imm("i"), offset], except: [viaPC]),
        EncodingRow(.pli, "PLI (immediate) T2", "111110010001nnnn 11111100iiiiiiii", .v7m, [N, .imm("i"), .flags(.index)], except: [viaPC]),
        EncodingRow(.pli, "PLI (literal) T3", "11111001U0011111 1111iiiiiiiiiiii", .v7m, [pcN, .imm("i"), .addBit("U")]),
        EncodingRow(.pli, "PLI (register) T1", "111110010001nnnn 1111000000ssmmmm", .v7m, [N, M, .lslAmount("s"), offset],
                    except: [viaPC], unpredictable: [.reg("m", spOrPC)]),
    ]

/// Data processing (shifted register), A5.3.11.
private let shiftedRegister: [EncodingRow] = {
    let sh = OperandSpec.shiftImm(amount: "i", type: "y")
    let body = "0iiiddddiiyymmmm"
    let cmpBody = "0iii1111iiyymmmm"
    let dnm: [Unpredictable] = [.reg("d", spOrPC), .reg("n", spOrPC), .reg("m", spOrPC)]
    return [
        EncodingRow(.andReg, "AND (register) T2", "11101010000Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [reserved], unpredictable: dnm, wide: true),
        EncodingRow(.tstReg, "TST (register) T2", "111010100001nnnn \(cmpBody)", .v7m, [N, M, sh], s: .always,
                    unpredictable: [.reg("n", spOrPC), .reg("m", spOrPC)], wide: true),
        EncodingRow(.bicReg, "BIC (register) T2", "11101010001Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    unpredictable: dnm, wide: true),
        EncodingRow(.orrReg, "ORR (register) T2", "11101010010Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [viaPC], unpredictable: [.reg("d", spOrPC), .reg("n", [13]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.movReg, "MOV (register) T3", "11101010010S1111 \(body)", .v7m, [D, M, sh], s: .sBit,
                    unpredictable: [.reg("d", [15]), .reg("m", [15]), .when(ex(("d", 13), ("m", 13))),
                                    .reg("d", [13]), .reg("m", [13])], wide: true),
        EncodingRow(.ornReg, "ORN (register) T1", "11101010011Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [viaPC], unpredictable: [.reg("d", spOrPC), .reg("n", [13]), .reg("m", spOrPC)]),
        EncodingRow(.mvnReg, "MVN (register) T2", "11101010011S1111 \(body)", .v7m, [D, M, sh], s: .sBit,
                    unpredictable: [.reg("d", spOrPC), .reg("m", spOrPC)], wide: true),
        EncodingRow(.eorReg, "EOR (register) T2", "11101010100Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [reserved], unpredictable: dnm, wide: true),
        EncodingRow(.teqReg, "TEQ (register) T1", "111010101001nnnn \(cmpBody)", .v7m, [N, M, sh], s: .always,
                    unpredictable: [.reg("n", spOrPC), .reg("m", spOrPC)]),
        EncodingRow(.pkh, "PKHBT, PKHTB T1", "111010101100nnnn 0iiiddddiiT0mmmm", .v7em,
                    [D, N, M, .shiftImm(amount: "i", type: "T"), .flag("T", .tb)], unpredictable: dnm),
        EncodingRow(.addReg, "ADD (register) T3", "11101011000Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [reserved, viaSP], unpredictable: [.reg("d", spOrPC), .reg("n", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.addReg, "ADD (SP plus register) T3", "11101011000S1101 \(body)", .v7m, [D, spN, M, sh], s: .sBit,
                    except: [reserved], unpredictable: [.reg("d", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.cmnReg, "CMN (register) T2", "111010110001nnnn \(cmpBody)", .v7m, [N, M, sh], s: .always,
                    unpredictable: [.reg("n", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.adcReg, "ADC (register) T2", "11101011010Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    unpredictable: dnm, wide: true),
        EncodingRow(.sbcReg, "SBC (register) T2", "11101011011Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    unpredictable: dnm, wide: true),
        EncodingRow(.subReg, "SUB (register) T2", "11101011101Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    except: [reserved, viaSP], unpredictable: [.reg("d", spOrPC), .reg("n", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.subReg, "SUB (SP minus register) T1", "11101011101S1101 \(body)", .v7m, [D, spN, M, sh], s: .sBit,
                    except: [reserved], unpredictable: [.reg("d", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.cmpReg, "CMP (register) T3", "111010111011nnnn \(cmpBody)", .v7m, [N, M, sh], s: .always,
                    unpredictable: [.reg("n", [15]), .reg("m", spOrPC)], wide: true),
        EncodingRow(.rsbReg, "RSB (register) T1", "11101011110Snnnn \(body)", .v7m, [D, N, M, sh], s: .sBit,
                    unpredictable: dnm),
    ]
}()

/// Data processing (register), A5.3.12, and miscellaneous operations, A5.3.14.
private let registerOps: [EncodingRow] = {
    let dnm: [Unpredictable] = [.reg("d", spOrPC), .reg("n", spOrPC), .reg("m", spOrPC)]
    let dm: [Unpredictable] = [.reg("d", spOrPC), .reg("m", spOrPC)]
    var rows: [EncodingRow] = [
        EncodingRow(.shiftReg, "LSL (register) T2", "11111010000Snnnn 1111dddd0000mmmm", .v7m, [D, N, M, .shiftType(.lsl)], s: .sBit, unpredictable: dnm, wide: true),
        EncodingRow(.shiftReg, "LSR (register) T2", "11111010001Snnnn 1111dddd0000mmmm", .v7m, [D, N, M, .shiftType(.lsr)], s: .sBit, unpredictable: dnm, wide: true),
        EncodingRow(.shiftReg, "ASR (register) T2", "11111010010Snnnn 1111dddd0000mmmm", .v7m, [D, N, M, .shiftType(.asr)], s: .sBit, unpredictable: dnm, wide: true),
        EncodingRow(.shiftReg, "ROR (register) T2", "11111010011Snnnn 1111dddd0000mmmm", .v7m, [D, N, M, .shiftType(.ror)], s: .sBit, unpredictable: dnm, wide: true),
    ]
    // Extends, with and without add (A7.7.182–A7.7.193, A7.7.221–A7.7.227).
    let extends: [(Op, Op, String, String, ArchLevel)] = [
        (.sxtah, .sxth, "000", "SXTH", .v7m), (.uxtah, .uxth, "001", "UXTH", .v7m),
        (.sxtab16, .sxtb16, "010", "SXTB16", .v7em), (.uxtab16, .uxtb16, "011", "UXTB16", .v7em),
        (.sxtab, .sxtb, "100", "SXTB", .v7m), (.uxtab, .uxtb, "101", "UXTB", .v7m),
    ]
    for (addOp, op, bits, name, arch) in extends {
        let addName = String(name.prefix(3)) + "A" + String(name.dropFirst(3))
        rows.append(EncodingRow(addOp, "\(addName) T1", "111110100\(bits)nnnn 1111dddd10rrmmmm", .v7em,
                                [D, N, M, .rotation("r")], except: [viaPC],
                                unpredictable: [.reg("d", spOrPC), .reg("n", [13]), .reg("m", spOrPC)]))
        rows.append(EncodingRow(op, "\(name) T\(arch == .v7em ? 1 : 2)", "111110100\(bits)1111 1111dddd10rrmmmm", arch,
                                [D, M, .rotation("r")], unpredictable: dm, wide: arch == .v7m))
    }
    // SIMD add/subtract (A5.3.13/A5.3.15): op1 selects the operation, U:op2 the prefix.
    let kinds: [(ParallelOp.Kind, String)] = [(.add8, "000"), (.add16, "001"), (.asx, "010"),
                                              (.sub8, "100"), (.sub16, "101"), (.sax, "110")]
    let prefixes: [(ParallelOp.Prefix, String)] = [(.s, "000"), (.q, "001"), (.sh, "010"),
                                                   (.u, "100"), (.uq, "101"), (.uh, "110")]
    for (kind, op1) in kinds {
        for (prefix, uop2) in prefixes {
            let p = ParallelOp(prefix, kind)
            rows.append(EncodingRow(.parallel, p.mnemonic.uppercased() + " T1",
                                    "111110101\(op1)nnnn 1111dddd0\(uop2)mmmm", .v7em,
                                    [D, N, M, .parallelOp(p)], unpredictable: dnm))
        }
    }
    rows += [
        EncodingRow(.qadd, "QADD T1", "111110101000nnnn 1111dddd1000mmmm", .v7em, [D, N, M], unpredictable: dnm),
        EncodingRow(.qdadd, "QDADD T1", "111110101000nnnn 1111dddd1001mmmm", .v7em, [D, N, M], unpredictable: dnm),
        EncodingRow(.qsub, "QSUB T1", "111110101000nnnn 1111dddd1010mmmm", .v7em, [D, N, M], unpredictable: dnm),
        EncodingRow(.qdsub, "QDSUB T1", "111110101000nnnn 1111dddd1011mmmm", .v7em, [D, N, M], unpredictable: dnm),
        EncodingRow(.rev, "REV T2", "111110101001MMMM 1111dddd1000mmmm", .v7m, [D, M, .reg("M", .rm)],
                    unpredictable: dm + [.fieldsDiffer("m", "M")], wide: true),
        EncodingRow(.rev16, "REV16 T2", "111110101001MMMM 1111dddd1001mmmm", .v7m, [D, M, .reg("M", .rm)],
                    unpredictable: dm + [.fieldsDiffer("m", "M")], wide: true),
        EncodingRow(.rbit, "RBIT T1", "111110101001MMMM 1111dddd1010mmmm", .v7m, [D, M, .reg("M", .rm)],
                    unpredictable: dm + [.fieldsDiffer("m", "M")]),
        EncodingRow(.revsh, "REVSH T2", "111110101001MMMM 1111dddd1011mmmm", .v7m, [D, M, .reg("M", .rm)],
                    unpredictable: dm + [.fieldsDiffer("m", "M")], wide: true),
        EncodingRow(.sel, "SEL T1", "111110101010nnnn 1111dddd1000mmmm", .v7em, [D, N, M], unpredictable: dnm),
        EncodingRow(.clz, "CLZ T1", "111110101011MMMM 1111dddd1000mmmm", .v7m, [D, M, .reg("M", .rm)],
                    unpredictable: dm + [.fieldsDiffer("m", "M")]),
    ]
    return rows
}()

/// Multiply, multiply-accumulate and absolute difference, A5.3.16; long multiply and
/// divide, A5.3.17.
private let multiplies: [EncodingRow] = {
    let dnm: [Unpredictable] = [.reg("d", spOrPC), .reg("n", spOrPC), .reg("m", spOrPC)]
    let dnma = dnm + [.reg("a", [13])]
    let noAcc = ex(("a", 15))
    let long: [Unpredictable] = [.reg("l", spOrPC), .reg("h", spOrPC), .reg("n", spOrPC), .reg("m", spOrPC),
                                 .regsEqual("l", "h")]
    let nm: [OperandSpec] = [.flag("N", .nHigh), .flag("M", .mHigh)]
    return [
        EncodingRow(.mla, "MLA T1", "111110110000nnnn aaaadddd0000mmmm", .v7m, [D, N, M, A], except: [noAcc], unpredictable: dnma),
        EncodingRow(.mul, "MUL T2", "111110110000nnnn 1111dddd0000mmmm", .v7m, [D, N, M], unpredictable: dnm, wide: true),
        EncodingRow(.mls, "MLS T1", "111110110000nnnn aaaadddd0001mmmm", .v7m, [D, N, M, A], unpredictable: dnm + [.reg("a", spOrPC)]),
        EncodingRow(.smlaxy, "SMLABB, SMLABT, SMLATB, SMLATT T1", "111110110001nnnn aaaadddd00NMmmmm", .v7em, [D, N, M, A] + nm,
                    except: [noAcc], unpredictable: dnma),
        EncodingRow(.smulxy, "SMULBB, SMULBT, SMULTB, SMULTT T1", "111110110001nnnn 1111dddd00NMmmmm", .v7em, [D, N, M] + nm,
                    unpredictable: dnm),
        EncodingRow(.smlad, "SMLAD T1", "111110110010nnnn aaaadddd000Xmmmm", .v7em, [D, N, M, A, .flag("X", .swap)],
                    except: [noAcc], unpredictable: dnma),
        EncodingRow(.smuad, "SMUAD T1", "111110110010nnnn 1111dddd000Xmmmm", .v7em, [D, N, M, .flag("X", .swap)], unpredictable: dnm),
        EncodingRow(.smlawy, "SMLAWB, SMLAWT T1", "111110110011nnnn aaaadddd000Mmmmm", .v7em, [D, N, M, A, .flag("M", .mHigh)],
                    except: [noAcc], unpredictable: dnma),
        EncodingRow(.smulwy, "SMULWB, SMULWT T1", "111110110011nnnn 1111dddd000Mmmmm", .v7em, [D, N, M, .flag("M", .mHigh)],
                    unpredictable: dnm),
        EncodingRow(.smlsd, "SMLSD T1", "111110110100nnnn aaaadddd000Xmmmm", .v7em, [D, N, M, A, .flag("X", .swap)],
                    except: [noAcc], unpredictable: dnma),
        EncodingRow(.smusd, "SMUSD T1", "111110110100nnnn 1111dddd000Xmmmm", .v7em, [D, N, M, .flag("X", .swap)], unpredictable: dnm),
        EncodingRow(.smmla, "SMMLA T1", "111110110101nnnn aaaadddd000Rmmmm", .v7em, [D, N, M, A, .flag("R", .round)],
                    except: [noAcc], unpredictable: dnma),
        EncodingRow(.smmul, "SMMUL T1", "111110110101nnnn 1111dddd000Rmmmm", .v7em, [D, N, M, .flag("R", .round)], unpredictable: dnm),
        EncodingRow(.smmls, "SMMLS T1", "111110110110nnnn aaaadddd000Rmmmm", .v7em, [D, N, M, A, .flag("R", .round)],
                    unpredictable: dnm + [.reg("a", spOrPC)]),
        EncodingRow(.usada8, "USADA8 T1", "111110110111nnnn aaaadddd0000mmmm", .v7em, [D, N, M, A], except: [noAcc], unpredictable: dnma),
        EncodingRow(.usad8, "USAD8 T1", "111110110111nnnn 1111dddd0000mmmm", .v7em, [D, N, M], unpredictable: dnm),

        EncodingRow(.smull, "SMULL T1", "111110111000nnnn llllhhhh0000mmmm", .v7m, [lo, hi, N, M], unpredictable: long),
        EncodingRow(.sdiv, "SDIV T1", "111110111001nnnn 1111dddd1111mmmm", .v7m, [D, N, M], unpredictable: dnm),
        EncodingRow(.umull, "UMULL T1", "111110111010nnnn llllhhhh0000mmmm", .v7m, [lo, hi, N, M], unpredictable: long),
        EncodingRow(.udiv, "UDIV T1", "111110111011nnnn 1111dddd1111mmmm", .v7m, [D, N, M], unpredictable: dnm),
        EncodingRow(.smlal, "SMLAL T1", "111110111100nnnn llllhhhh0000mmmm", .v7m, [lo, hi, N, M], unpredictable: long),
        EncodingRow(.smlalxy, "SMLALBB, SMLALBT, SMLALTB, SMLALTT T1", "111110111100nnnn llllhhhh10NMmmmm", .v7em,
                    [lo, hi, N, M] + nm, unpredictable: long),
        EncodingRow(.smlald, "SMLALD T1", "111110111100nnnn llllhhhh110Xmmmm", .v7em, [lo, hi, N, M, .flag("X", .swap)],
                    unpredictable: long),
        EncodingRow(.smlsld, "SMLSLD T1", "111110111101nnnn llllhhhh110Xmmmm", .v7em, [lo, hi, N, M, .flag("X", .swap)],
                    unpredictable: long),
        EncodingRow(.umlal, "UMLAL T1", "111110111110nnnn llllhhhh0000mmmm", .v7m, [lo, hi, N, M], unpredictable: long),
        EncodingRow(.umaal, "UMAAL T1", "111110111110nnnn llllhhhh0110mmmm", .v7em, [lo, hi, N, M], unpredictable: long),
    ]
}()

private let thumb32: [EncodingRow] =
    modifiedImmediate + plainImmediate + branchesAndControl + loadStoreMultiple + dualExclusiveTable
    + singleLoadsStores + shiftedRegister + registerOps + multiplies
