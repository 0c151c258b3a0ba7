/// Structural checks shared by the tree-ensemble parsers.
///
/// A model file is untrusted input: a child index that points back up the tree would make
/// evaluation loop forever. Each tree is walked once at load time so that evaluation can
/// follow child links without any checks.
enum TreeShape {
    /// Whether the nodes reachable from node 0 form a tree that reaches every node exactly once.
    ///
    /// - Parameters:
    ///   - nodeCount: the number of internal-or-leaf nodes addressed by `children`.
    ///   - children: the two children of a node, or nil for a leaf; a child is a node index.
    static func isTree(nodeCount: Int, children: (Int) -> (Int, Int)?) -> Bool {
        guard nodeCount > 0 else { return false }
        var seen = [Bool](repeating: false, count: nodeCount)
        var pending = [0]
        var visited = 0
        while let node = pending.popLast() {
            guard node >= 0, node < nodeCount, !seen[node] else { return false }
            seen[node] = true
            visited += 1
            if let (left, right) = children(node) { pending.append(left); pending.append(right) }
        }
        return visited == nodeCount
    }
}
