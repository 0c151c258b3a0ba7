import StrategyCompiler
import StrategyDSL
import Testing

/// `stratum graph` on a small strategy whose graph is drawn by hand below.
struct FeatureGraphExportTests {
    static let text = """
    strategy: { name: graph }
    data:
      goog: { csv: data/GOOG.csv }
    features:
      fast: sma(close, 10)
      slow: sma(close, 30)
      spread: (fast - sma(close, 30)) / atr(14)
      z: (close - sma(close, 20)) / stddev(close, 20)
      z2: sma(close, 20) * 2
    models:
      tm: trend@prod
    regimes:
      vol: { volatility: {} }
    signals:
      a:
        long: crossover(fast, slow)
        short: spread < 0 and z2 > close
        flat: z > 2
        trade: false
      m: { model: tm, long_above: 0.6, trade: false }
      vote:
        ensemble: [a, m]
        when: { regime: vol, in: [low] }
    """

    static func graph() throws -> FeatureGraphExport {
        let result = lint(text: text)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        return FeatureGraphExport(try #require(result.checked))
    }

    struct E: Hashable, CustomStringConvertible {
        var from: String, to: String, role: String, output: String?
        init(_ from: String, _ to: String, _ role: String = "input", _ output: String? = nil) {
            (self.from, self.to, self.role, self.output) = (from, to, role, output)
        }
        var description: String { "\(from) -> \(to) [\(role)\(output.map { " \($0)" } ?? "")]" }
    }

    @Test func edgesAreTheHandDrawnOnes() throws {
        let expected: Set<E> = [
            E("column:close", "feature:fast"),
            E("column:close", "feature:slow"),
            // `sma(close, 30)` inside spread is the feature slow, drawn once.
            E("feature:fast", "feature:spread"), E("feature:slow", "feature:spread"), E("computation:atr(14)", "feature:spread"),
            E("column:high", "computation:atr(14)"), E("column:low", "computation:atr(14)"), E("column:close", "computation:atr(14)"),
            E("column:close", "computation:sma(close,20)"), E("column:close", "computation:stddev(close,20)"),
            E("column:close", "feature:z"), E("computation:sma(close,20)", "feature:z"), E("computation:stddev(close,20)", "feature:z"),
            // z2 shares z's sma(close, 20).
            E("computation:sma(close,20)", "feature:z2"),
            // FixedModels: trend reads fast and slow.
            E("feature:fast", "model:tm"), E("feature:slow", "model:tm"),
            E("column:close", "regime:vol"),
            E("feature:fast", "computation:crossover(fast,slow)"), E("feature:slow", "computation:crossover(fast,slow)"),
            E("computation:crossover(fast,slow)", "signal:a"), E("feature:spread", "signal:a"), E("feature:z2", "signal:a"),
            E("column:close", "signal:a"), E("feature:z", "signal:a"),
            E("model:tm", "signal:m", "model"),
            E("signal:a", "signal:vote", "member"), E("signal:m", "signal:vote", "member"),
            E("regime:vol", "signal:vote", "gate"),
        ]
        let found = Set(try Self.graph().edges.map { E($0.from, $0.to, $0.role.rawValue, $0.output) })
        #expect(found.subtracting(expected).isEmpty, "unexpected: \(found.subtracting(expected))")
        #expect(expected.subtracting(found).isEmpty, "missing: \(expected.subtracting(found))")
    }

    /// TA-Lib lookbacks: sma(n) n - 1, atr(n) n, crossover one more than its inputs; a volatility
    /// regime's first realised volatility (window 20) comes at bar 20, and 252 of them end at bar 271.
    @Test func nodesCarryTheirWarmUp() throws {
        let graph = try Self.graph()
        let expected: [String: (FeatureGraphExport.Kind, Int)] = [
            "column:close": (.column, 0), "column:high": (.column, 0), "column:low": (.column, 0),
            "feature:fast": (.feature, 9), "feature:slow": (.feature, 29), "feature:spread": (.feature, 29),
            "computation:atr(14)": (.computation, 14), "computation:sma(close,20)": (.computation, 19),
            "computation:stddev(close,20)": (.computation, 19), "feature:z": (.feature, 19), "feature:z2": (.feature, 19),
            "model:tm": (.model, 29), "regime:vol": (.regime, 271),
            "computation:crossover(fast,slow)": (.computation, 30), "signal:a": (.signal, 30),
            "signal:m": (.signal, 29), "signal:vote": (.ensemble, 271),
        ]
        #expect(Set(graph.nodes.map(\.id)) == Set(expected.keys))
        for node in graph.nodes {
            #expect(node.kind == expected[node.id]?.0, "\(node.id)")
            #expect(node.warmup == expected[node.id]?.1, "\(node.id): \(node.warmup)")
        }
        #expect(graph.node("model:tm")?.label == "tm = trend@v261124")
        #expect(graph.warmup == 271, "lint's warm-up includes the gate's regime")
    }

    @Test func multiOutputReadsNameTheOutput() throws {
        let text = """
        strategy: { name: outputs }
        data:
          goog: { csv: data/GOOG.csv }
        features:
          macd: macd(close, 12, 26, 9)
        signals:
          s:
            long: crossover(macd.macd, macd.signal)
        """
        let graph = FeatureGraphExport(try #require(lint(text: text).checked))
        let edges = Set(graph.edges.filter { $0.to == "computation:crossover(macd.macd,macd.signal)" }.map { "\($0.from) \($0.output ?? "")" })
        #expect(edges == ["feature:macd macd", "feature:macd signal"])
    }

    @Test func textFormatsDrawEveryNodeAndEdge() throws {
        let graph = try Self.graph()
        let dot = graph.dot()
        #expect(dot.hasPrefix("digraph \"graph\" {"))
        #expect(dot.components(separatedBy: " -> ").count - 1 == graph.edges.count)
        #expect(dot.contains("\"regime:vol\" -> \"signal:vote\" [label=\"gate\", style=dashed];"))
        let mermaid = graph.mermaid()
        #expect(mermaid.hasPrefix("flowchart LR\n"))
        #expect(mermaid.components(separatedBy: "-->").count - 1 + mermaid.components(separatedBy: "-.->").count - 1 == graph.edges.count)
        #expect(mermaid.contains("[[\"vote<br/>warm-up 271\"]]"))
        let json = graph.json()
        #expect(json["strategy"] == .string("graph"))
        if case .array(let nodes)? = json["nodes"] { #expect(nodes.count == graph.nodes.count) } else { Issue.record("no nodes") }
        if case .array(let edges)? = json["edges"] { #expect(edges.count == graph.edges.count) } else { Issue.record("no edges") }
    }
}
