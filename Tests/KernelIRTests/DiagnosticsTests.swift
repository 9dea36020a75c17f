import KernelIR
import Testing
import ThumbISA

/// Parser and verifier errors name the file, line and column and say what is wrong; the
/// line map ties every instruction to the IR line it came from.
@Suite struct DiagnosticsTests {
    func error(_ text: String) -> KernelIRError? {
        do {
            _ = try Verifier.verify(try Parser.parse(text, file: "k.kir"))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("kernel f() {\n  x = 0x\n}", "k.kir:2:7: error: expected hexadecimal digits after 0x"),
        ("kernel f() {\n  x = 12ab\n}", "k.kir:2:7: error: malformed number: a letter follows the digits"),
        ("kernel f() {\n  x = 4294967296\n}", "k.kir:2:7: error: integer literal does not fit in 32 bits"),
        ("kernel f() {\n  x = $\n}", "k.kir:2:7: error: unexpected character '$'"),
        ("kernel f() {\n  x = frob a, b\n}", "k.kir:2:7: error: unknown operation 'frob'"),
        ("kernel f(a: i32) {\n  x = add a\n}", "k.kir:2:7: error: 'add' takes 2 operands, found 1"),
        ("kernel f() {\n  x = 1\n", "k.kir:3:1: error: missing '}' before the end of the file"),
        ("kernel f() {\n  for i in 0 .. 3 {\n  }\n}", "k.kir:2:14: error: expected '..<' (loops run from start up to, not including, end), found '.'"),
        ("kernel f(p: ptr<i8>) {\n  x = load p(1)\n}", "k.kir:2:13: error: expected '[' or '++' after the pointer, found '('"),
        ("kernel step() {\n}", "k.kir:1:8: error: 'step' is a reserved word and cannot name a kernel"),
        ("kernel f() {\n  y = add x, 1\n}", "k.kir:2:11: error: 'x' is used before it is assigned"),
        ("kernel f(n: i32) {\n  if n > 0 {\n    t = 1\n  }\n  u = t\n}",
         "k.kir:5:7: error: 't' is used outside the block that assigns it (assign it before the block to use it here)"),
        ("kernel f(p: ptr<i8>) {\n  x = 1\n  x = p\n}", "k.kir:3:3: error: 'x' is i32 but is assigned a ptr<i8> (a name keeps one type in a kernel)"),
        ("kernel f(n: i32) {\n  for i in 0 ..< n {\n    n = 3\n  }\n}", "k.kir:3:5: error: 'n' controls the loop at k.kir:2:3 and cannot be assigned inside it"),
        ("kernel f(n: i32) {\n  for i in 0 ..< n {\n    i = 3\n  }\n}", "k.kir:3:5: error: 'i' controls the loop at k.kir:2:3 and cannot be assigned inside it"),
        ("kernel f(n: i32) {\n  for i in 0 ..< n step 0 {\n  }\n}", "k.kir:2:25: error: a loop step must be positive, found 0"),
        ("kernel f(p: ptr<i16>) {\n  x = ldpack p[0]\n  y = load p[0]\n  z = ldpack x[0]\n}", "k.kir:4:3: error: 'x' is i32, not a pointer"),
        ("kernel f(p: ptr<i32>) {\n  x = ldpack p[0]\n}", "k.kir:2:3: error: ldpack reads 4 bytes as packed i8 or i16 elements; 'p' points to i32"),
        ("kernel f(a: i32) {\n  x = sat a, 40\n}", "k.kir:2:14: error: the saturation width must be in 1...32, found 40"),
        ("kernel f(a: i32) {\n  x = sxtb16 a, 4\n}", "k.kir:2:17: error: the rotation must be 0, 8, 16 or 24"),
        ("kernel f(a: i32, b: i32) {\n  x = shl a, 32\n}", "k.kir:2:14: error: a constant shift must be in 0...31, found 32"),
        ("kernel f(a: i32) -> i32 {\n  x = a\n}", "k.kir:1:8: error: kernel 'f' returns i32 but does not end with 'return'"),
        ("kernel f(a: i32) {\n  return a\n}", "k.kir:2:10: error: kernel 'f' has no return type but returns 'a'"),
        ("kernel f() {\n  return\n  x = 1\n}", "k.kir:3:3: error: statements after 'return' are never executed"),
        ("kernel f() {\n  call g(1)\n}", "k.kir:2:3: error: unknown kernel 'g'"),
        ("kernel g(a: i32) {\n}\nkernel f() {\n  call g(1, 2)\n}", "k.kir:4:3: error: 'g' takes 1 argument, found 2"),
        ("kernel g(a: ptr<i8>) {\n}\nkernel f() {\n  call g(1)\n}", "k.kir:4:10: error: argument 'a' of 'g' is ptr<i8>, '1' is i32"),
        ("struct s {\n  a: i32\n}\nkernel f(p: ptr<s>) {\n  x = p.b\n}", "k.kir:5:3: error: struct 's' has no field 'b' (fields: a)"),
        ("const t: i8[2] = [1, 2]\nkernel f() {\n  store t[0], 1\n}", "k.kir:3:3: error: table 't' is read-only"),
        ("const t: i8[2] = [1, 300]\nkernel f() {\n}", "k.kir:1:7: error: table 't' element 1 = 300 does not fit i8"),
        ("const t: i8[3] = [1, 2]\nkernel f() {\n}", "k.kir:1:13: error: table 't' declares 3 elements but lists 2"),
        ("kernel f() {\n}\nkernel f() {\n}", "k.kir:3:8: error: kernel 'f' is already declared at k.kir:1:8"),
        ("inline kernel f(a: i32) -> i32 {\n  r = call f(a)\n  return r\n}", "k.kir:1:15: error: inline kernel 'f' calls itself (f → f); make it a plain kernel"),
        ("kernel f() {\n  if @fpu {\n  }\n}", "k.kir:2:7: error: unknown feature '@fpu' (the IR knows @dsp)"),
    ])
    func errorsNameThePlaceAndTheProblem(text: String, expected: String) {
        #expect(error(text)?.description == expected)
    }

    /// Every instruction of a compiled kernel maps to a line of that kernel (or to 0 for
    /// pool words); the SMLAD instructions come from the `dmac` lines.
    @Test(arguments: [ArchLevel.v6m, .v7em])
    func lineMapPointsIntoTheKernel(arch: ArchLevel) throws {
        let source = """
        kernel dot(x: ptr<i8>, w: ptr<i8>, n: i32) -> i32 {
          acc = 0
          for _ in 0 ..< n {
            xv = ldpack x++
            wv = ldpack w++
            xl = sxtb16 xv
            wl = sxtb16 wv
            acc = dmac xl, wl, acc
            k = 0x12345678
            acc = xor acc, k
          }
          return acc
        }
        """
        let m = try KernelCompiler.compile(try Verifier.verify(try Parser.parse(source, file: "d.kir")), arch: arch,
                                           sources: ["d.kir": source])
        let lines = try #require(m.disassembly(kernel: "dot"))
        #expect(!lines.isEmpty)
        for l in lines {
            #expect(l.irLine == 0 || (1...13).contains(l.irLine), "\(l)")
            if l.irLine > 0 { #expect(l.irText != nil) }
        }
        let smlad = lines.filter { $0.text.hasPrefix("smlad") }
        #expect(arch == .v6m ? smlad.isEmpty : smlad.count == 1)
        if arch == .v7em { #expect(smlad.allSatisfy { $0.irLine == 8 && $0.irText == "acc = dmac xl, wl, acc" }) }
        // ARMv6-M loads the constant from a literal pool: a data word listed as such.
        if arch == .v6m { #expect(lines.contains { $0.text.hasPrefix(".word") && $0.irLine == 0 }) }
        let listing = try #require(m.listing(kernel: "dot"))
        #expect(listing.contains("; d.kir:8  acc = dmac xl, wl, acc"))
    }
}
