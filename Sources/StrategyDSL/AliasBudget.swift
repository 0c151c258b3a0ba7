import Yams

/// Finds, before the tree is walked, where alias expansion passes the node budget.
///
/// Yams resolves an alias by handing back the anchored node again, so a nine-level billion
/// laughs composes cheaply but would make any walk visit 9^9 nodes. Every copy of an anchored
/// node keeps the anchor's source mark, so subtree sizes memoised by mark cost one pass over
/// the distinct nodes: the budget is checked in microseconds however far the aliases expand.
/// Sizes count what `NodeWalker` visits (each node, and each mapping key once), so the key
/// reported is the one at which the walk would have stopped.
struct AliasBudget {
    private struct Identity: Hashable {
        var line: Int
        var column: Int
        var kind: Int
        var count: Int
    }

    private var sizes: [Identity: Int] = [:]
    private var keys: [Node] = []

    /// The innermost mapping key whose value takes the walk past `limit` nodes, or the node
    /// itself when no key encloses it; nil when the whole tree fits.
    static func firstOverflow(in root: Node, limit: Int) -> Node? {
        var budget = AliasBudget()
        var visited = 0
        return budget.overflow(root, limit: limit, visited: &visited)
    }

    private mutating func overflow(_ node: Node, limit: Int, visited: inout Int) -> Node? {
        let total = size(node)
        if visited + total <= limit {
            visited += total
            return nil
        }
        visited += 1
        if visited > limit { return keys.last ?? node }
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                visited += 1
                if visited > limit { return key }
                keys.append(key)
                defer { keys.removeLast() }
                if let found = overflow(value, limit: limit, visited: &visited) { return found }
            }
        case .sequence(let sequence):
            for item in sequence {
                if let found = overflow(item, limit: limit, visited: &visited) { return found }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }

    /// Nodes a walk visits under `node`, itself included; saturates instead of overflowing.
    private mutating func size(_ node: Node) -> Int {
        let identity: Identity?
        switch node {
        case .scalar, .alias:
            return 1
        case .mapping(let mapping):
            identity = node.mark.map { Identity(line: $0.line, column: $0.column, kind: 1, count: mapping.count) }
        case .sequence(let sequence):
            identity = node.mark.map { Identity(line: $0.line, column: $0.column, kind: 2, count: sequence.count) }
        }
        if let identity, let known = sizes[identity] { return known }
        var total = 1
        switch node {
        case .mapping(let mapping):
            for (_, value) in mapping { total = Self.add(total, Self.add(1, size(value))) }
        case .sequence(let sequence):
            for item in sequence { total = Self.add(total, size(item)) }
        case .scalar, .alias:
            break
        }
        if let identity { sizes[identity] = total }
        return total
    }

    private static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
