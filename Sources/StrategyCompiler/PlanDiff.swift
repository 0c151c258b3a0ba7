/// What a reload changes: the new plan's nodes compared with the running plan's, node by node.
///
/// A node is the same when its role, parameters and inputs are the same (its `identity`) and,
/// for features and signals, nothing it reads changed: a feature keeps its indicator windows only
/// if every feature upstream of it kept theirs. PortfolioRisk, Execution and Compliance hold
/// state about the account (positions, open orders, the audit chain), not about their inputs'
/// values, so they keep it unless their own settings change. Everything else is rebuilt and
/// warmed up.
public struct PlanDiff: Sendable, Equatable, CustomStringConvertible {
    /// Nodes that keep their state.
    public var unchanged: [String]
    /// Nodes present in both plans that must be rebuilt, with why.
    public var changed: [(name: String, reason: String)]
    public var added: [String]
    public var removed: [String]

    public var isEmpty: Bool { changed.isEmpty && added.isEmpty && removed.isEmpty }

    public static func == (lhs: PlanDiff, rhs: PlanDiff) -> Bool {
        lhs.unchanged == rhs.unchanged && lhs.added == rhs.added && lhs.removed == rhs.removed
            && lhs.changed.map(\.name) == rhs.changed.map(\.name) && lhs.changed.map(\.reason) == rhs.changed.map(\.reason)
    }

    public init(from old: Plan, to new: Plan) {
        self.init(from: old.nodes, to: new.nodes)
    }

    public init(from old: [PlanNode], to new: [PlanNode]) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var rebuilt: [String: String] = [:]
        let added = new.map(\.name).filter { before[$0] == nil }
        for node in new {
            if let previous = before[node.name], previous.identity != node.identity {
                rebuilt[node.name] = Self.reason(previous, node)
            }
        }
        // Then what reads a rebuilt or new node is rebuilt too, until nothing more changes
        // (an ensemble may read a signal declared after it, so one pass is not enough).
        var spreading = true
        while spreading {
            spreading = false
            for node in new where before[node.name] != nil && rebuilt[node.name] == nil
                && (node.role == .feature || node.role == .signal) {
                if let input = node.inputs.first(where: { rebuilt[$0] != nil || added.contains($0) }) {
                    rebuilt[node.name] = "reads \(input), which changed"
                    spreading = true
                }
            }
        }
        let names = Set(new.map(\.name))
        unchanged = new.map(\.name).filter { before[$0] != nil && rebuilt[$0] == nil }
        changed = new.compactMap { node in rebuilt[node.name].map { (node.name, $0) } }
        self.added = added
        removed = old.map(\.name).filter { !names.contains($0) }
    }

    static func reason(_ old: PlanNode, _ new: PlanNode) -> String {
        let keys = Set(old.parameters.keys).union(new.parameters.keys).sorted()
        let differing = keys.filter { old.parameters[$0] != new.parameters[$0] }
        if !differing.isEmpty { return "\(differing.joined(separator: ", ")) changed" }
        if old.inputs != new.inputs { return "inputs changed" }
        return "role changed"
    }

    /// One line per node that changes, for logs, `/status` and the audit log.
    public var description: String {
        var lines: [String] = []
        lines += added.map { "+ \($0)" }
        lines += removed.map { "- \($0)" }
        lines += changed.map { "~ \($0.name): \($0.reason)" }
        lines.append("\(unchanged.count) node\(unchanged.count == 1 ? "" : "s") unchanged")
        return lines.joined(separator: "\n")
    }
}
