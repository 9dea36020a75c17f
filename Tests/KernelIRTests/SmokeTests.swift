import KernelIR
import Testing

@Suite struct SmokeTests {
    let source = """
    kernel sum_i8(p: ptr<i8>, n: i32) -> i32 {
      acc = 0
      for i in 0 ..< n {
        x = load p[i]
        acc = add acc, x
      }
      return acc
    }
    """

    @Test(arguments: TestBoards.all.map(\.name))
    func sumOfBytes(board: String) throws {
        let r = try KernelRunner(board: TestBoards.named(board), source: source)
        let data: [Int8] = [1, -2, 3, 100, -128, 127, 5]
        let p = r.put(data)
        let got = Int32(bitPattern: try r.call("sum_i8", [p, UInt32(data.count)]))
        #expect(got == data.reduce(0) { $0 + Int32($1) })
    }
}
