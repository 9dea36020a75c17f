/// The fixed point of a bit-vector dataflow problem over basic blocks, each block's sets a
/// row of `width` words in one flat array (the iteration copies no sets):
///
///     joined[b]      = the union of transferred[e] over the blocks e in edges[b]
///     transferred[b] = gen[b] | (joined[b] & ~kill[b])
///
/// Returns `joined`. Liveness is the backward problem (edges = successors, gen = uses
/// before a def, kill = defs: `joined` is live-out); reaching definitions the forward one
/// (edges = predecessors: `joined` is the set entering the block). `order` is the order
/// the blocks are swept in: any order reaches the same fixed point, the problem's own
/// direction in fewer sweeps.
func dataflowFixedPoint(edges: [[Int]], gen: [UInt64], kill: [UInt64], width w: Int, order: some Collection<Int>) -> [UInt64] {
    var joined = [UInt64](repeating: 0, count: edges.count * w)
    var transferred = joined
    var changed = true
    while changed {
        changed = false
        for b in order {
            let row = b * w
            for k in 0..<w {
                var j: UInt64 = 0
                for e in edges[b] { j |= transferred[e * w + k] }
                let t = (j & ~kill[row + k]) | gen[row + k]
                if j != joined[row + k] || t != transferred[row + k] {
                    joined[row + k] = j
                    transferred[row + k] = t
                    changed = true
                }
            }
        }
    }
    return joined
}
