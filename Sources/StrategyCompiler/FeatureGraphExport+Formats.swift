import StrategyDSL

/// Text forms of the graph: Graphviz `dot`, Mermaid `flowchart` (renders in GitHub Markdown), JSON.
extension FeatureGraphExport {
    /// Graphviz, left to right; shapes tell the kinds apart, dashed edges are shadows and gates.
    public func dot() -> String {
        var out = "digraph \(Self.dotQuote(strategy)) {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n"
        out += "  label=\(Self.dotQuote("\(strategy): warm-up \(warmup) bar\(warmup == 1 ? "" : "s")"));\n"
        for node in nodes {
            let label = node.kind == .column ? node.label : "\(node.label)\\nwarm-up \(node.warmup)"
            out += "  \(Self.dotQuote(node.id)) [label=\"\(Self.dotEscape(label))\", shape=\(Self.dotShape(node.kind))];\n"
        }
        for edge in edges {
            var attributes: [String] = []
            let text = [edge.role == .input ? nil : edge.role.rawValue, edge.output].compactMap { $0 }.joined(separator: " ")
            if !text.isEmpty { attributes.append("label=\(Self.dotQuote(text))") }
            if edge.role == .shadow || edge.role == .gate { attributes.append("style=dashed") }
            let suffix = attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]"
            out += "  \(Self.dotQuote(edge.from)) -> \(Self.dotQuote(edge.to))\(suffix);\n"
        }
        return out + "}\n"
    }

    /// Mermaid, with short node ids (Mermaid ids cannot hold parentheses) and the text as labels.
    public func mermaid() -> String {
        var ids: [String: String] = [:]
        for (number, node) in nodes.enumerated() { ids[node.id] = "n\(number)" }
        var out = "flowchart LR\n"
        for node in nodes {
            let text = node.kind == .column ? node.label : "\(node.label)<br/>warm-up \(node.warmup)"
            let label = "\"\(text.replacingQuotes())\""
            let shape = switch node.kind {
            case .column: "[/\(label)/]"
            case .feature: "[\(label)]"
            case .computation: "(\(label))"
            case .model: "[(\(label))]"
            case .regime: "{{\(label)}}"
            case .signal: "([\(label)])"
            case .ensemble: "[[\(label)]]"
            }
            out += "  \(ids[node.id]!)\(shape)\n"
        }
        for edge in edges {
            guard let from = ids[edge.from], let to = ids[edge.to] else { continue }
            let text = [edge.role == .input ? nil : edge.role.rawValue, edge.output].compactMap { $0 }.joined(separator: " ")
            let arrow = edge.role == .shadow || edge.role == .gate ? "-.->" : "-->"
            out += text.isEmpty ? "  \(from) \(arrow) \(to)\n" : "  \(from) \(arrow)|\"\(text.replacingQuotes())\"| \(to)\n"
        }
        return out
    }

    /// `{strategy, warmup, nodes: [{id, kind, label, warmup}], edges: [{from, to, role, output?}]}`.
    public func json() -> JSONValue {
        .object([
            ("strategy", .string(strategy)),
            ("warmup", .number(Double(warmup))),
            ("nodes", .array(nodes.map { node in
                .object([("id", .string(node.id)), ("kind", .string(node.kind.rawValue)),
                         ("label", .string(node.label)), ("warmup", .number(Double(node.warmup)))])
            })),
            ("edges", .array(edges.map { edge in
                var pairs: [(String, JSONValue)] = [("from", .string(edge.from)), ("to", .string(edge.to)),
                                                    ("role", .string(edge.role.rawValue))]
                if let output = edge.output { pairs.append(("output", .string(output))) }
                return .object(pairs)
            })),
        ])
    }

    static func dotShape(_ kind: Kind) -> String {
        switch kind {
        case .column: "plaintext"
        case .feature: "box"
        case .computation: "ellipse"
        case .model: "cylinder"
        case .regime: "hexagon"
        case .signal: "box, style=rounded"
        case .ensemble: "doubleoctagon"
        }
    }

    static func dotEscape(_ text: String) -> String {
        text.replacingQuotes(with: "\\\"")
    }

    static func dotQuote(_ text: String) -> String { "\"\(dotEscape(text))\"" }
}

private extension String {
    /// Double quotes end a label in both Mermaid and dot; Mermaid takes `#quot;`.
    func replacingQuotes(with replacement: String = "#quot;") -> String {
        var out = ""
        for character in self { if character == "\"" { out += replacement } else { out.append(character) } }
        return out
    }
}
