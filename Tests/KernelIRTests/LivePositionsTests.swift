@testable import KernelIR
import Testing
import ThumbISA

/// The allocator's live positions (bit rows filled per live stretch) equal what marking
/// every position and sorting the lists gives — the way the allocator computed them
/// before — for every bundled kernel, before and after each round of spill code.
@Suite struct LivePositionsTests {
    @Test(arguments: [ArchLevel.v6m, .v7em])
    func sameRunsAsSortedPointLists(arch: ArchLevel) throws {
        let library = try KernelLibrary.bundled()
        let names = try KernelCompiler.reachable(from: library.module.kernels.map(\.name), in: library.module, arch: arch)
            .filter { library.module.kernel(named: $0)?.isInline == false }
        var rounds = 0
        for name in names {
            let kernel = try #require(library.module.kernel(named: name))
            let fn = WebSplitter.split(try Lowering.lower(library.verified, kernel, arch: arch, files: FileTable()), arch: arch)
            var ra = RegisterAllocator(arch: arch, code: fn.code, nextVReg: fn.nextVReg, kernelName: fn.name)
            ra.preferences = fn.preferences
            for _ in 0..<64 {
                compare(ra, kernel: name)
                rounds += 1
                let (_, spilled) = try ra.scan()
                if spilled.isEmpty { break }
                ra.rewrite(spilling: spilled)
            }
        }
        #expect(rounds > names.count)  // some kernels spill, so spill code is covered too
    }

    func compare(_ ra: RegisterAllocator, kernel: String) {
        let positions = ra.livePositions()
        let points = naivePoints(ra)
        var probes: [(Int, Int)] = []
        for v in 0..<ra.nextVReg {
            let expected = merged(points[v].sorted())
            let got = positions.runs(v)
            #expect(got.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] }, "\(kernel): v\(v)")
            probes += got
        }
        // The fixed registers' rows answer "live anywhere in s...e?" as a search of the
        // sorted list does.
        for r in 0..<16 {
            let sorted = points[r].sorted()
            for (s, e) in probes.prefix(400) {
                let expected = sorted.contains { $0 >= s && $0 <= e }
                #expect(positions.any(r, s, e) == expected, "\(kernel): r\(r) in \(s)...\(e)")
            }
        }
    }

    /// Every live position of every register, marked one by one.
    func naivePoints(_ ra: RegisterAllocator) -> [[Int]] {
        let (ranges, liveOut) = ra.liveness()
        var points = [[Int]](repeating: [], count: ra.nextVReg)
        for (b, r) in ranges.enumerated() {
            var live = liveOut[b]
            for i in r.reversed() {
                live.forEach { v in points[v] += [2 * i + 1, 2 * i + 2] }
                for v in ra.code[i].defs {
                    live.remove(v)
                    points[v].append(2 * i + 1)
                }
                for v in ra.code[i].uses {
                    live.insert(v)
                    points[v].append(2 * i)
                }
            }
            if b == 0 { live.forEach { v in points[v].append(0) } }
        }
        return points
    }

    func merged(_ pts: [Int]) -> [(Int, Int)] {
        guard let first = pts.first else { return [] }
        var out: [(Int, Int)] = []
        var s0 = first, e0 = first
        for p in pts.dropFirst() {
            if p <= e0 + 1 { e0 = max(e0, p) } else { out.append((s0, e0)); s0 = p; e0 = p }
        }
        out.append((s0, e0))
        return out
    }
}
