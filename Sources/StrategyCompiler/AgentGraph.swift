/// The plan's agents and the topics between them, for `stratum graph --agents`: an edge joins
/// two nodes when one emits a topic the other consumes, labelled with those topics.
public struct AgentGraph: Sendable {
    public struct Edge: Sendable, Hashable {
        public var from: String
        public var to: String
        public var topics: [String]
    }

    public var nodes: [PlanNode]
    public var edges: [Edge]

    public init(_ plan: Plan) {
        nodes = plan.nodes
        var edges: [Edge] = []
        for source in plan.nodes {
            for target in plan.nodes where target.name != source.name {
                let topics = source.emits.filter(target.consumes.contains)
                if !topics.isEmpty { edges.append(Edge(from: source.name, to: target.name, topics: topics)) }
            }
        }
        self.edges = edges
    }

    public func dot() -> String {
        var lines = ["digraph agents {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for node in nodes {
            lines.append("  \"\(node.name)\" [label=\"\(node.name)\\n\(node.role.rawValue)\(node.warmup > 0 ? "\\nwarm-up \(node.warmup)" : "")\"];")
        }
        for edge in edges {
            lines.append("  \"\(edge.from)\" -> \"\(edge.to)\" [label=\"\(edge.topics.joined(separator: "\\n"))\"];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    public func mermaid() -> String {
        let ids = Dictionary(nodes.enumerated().map { ($1.name, "a\($0)") }, uniquingKeysWith: { a, _ in a })
        var lines = ["flowchart LR"]
        for node in nodes {
            lines.append("  \(ids[node.name]!)[\"\(node.name)<br/>\(node.role.rawValue)\"]")
        }
        for edge in edges {
            lines.append("  \(ids[edge.from]!) -- \"\(edge.topics.joined(separator: ", "))\" --> \(ids[edge.to]!)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let nodeText = nodes.map { node in
            "{\"name\":\(quoted(node.name)),\"role\":\(quoted(node.role.rawValue)),\"identity\":\(quoted(node.identity)),"
                + "\"warmup\":\(node.warmup),\"consumes\":[\(node.consumes.map(quoted).joined(separator: ","))],"
                + "\"emits\":[\(node.emits.map(quoted).joined(separator: ","))]}"
        }
        let edgeText = edges.map { edge in
            "{\"from\":\(quoted(edge.from)),\"to\":\(quoted(edge.to)),\"topics\":[\(edge.topics.map(quoted).joined(separator: ","))]}"
        }
        return "{\"nodes\":[\(nodeText.joined(separator: ","))],\"edges\":[\(edgeText.joined(separator: ","))]}\n"
    }
}
