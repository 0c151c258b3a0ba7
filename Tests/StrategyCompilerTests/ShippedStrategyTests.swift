import Foundation
import StrategyCompiler
import StrategyDSL
import Testing

/// The example strategies and composite indicators shipped in strategies/ and indicators/ are
/// what users copy first: each must lint clean against the real registry/, and between them they
/// must use every field of the language.
struct ShippedStrategyTests {
    static let strategies: [String] = files(in: "strategies")
    static let indicators: [String] = files(in: "indicators")

    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(folder).path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }

    static let registry = RegistryModelResolver(root: packageRoot.appendingPathComponent("registry"))

    @Test func thereAreAtLeastEightStrategiesBesidesTheIssueExample() {
        #expect(Self.strategies.filter { $0 != "strategies/sma_cross.yaml" }.count >= 8)
        #expect(Self.strategies.contains("strategies/sma_cross.yaml"))
    }

    @Test(arguments: strategies.filter { $0 != "strategies/sma_cross.yaml" })
    func strategyLintsWithNoDiagnosticsAtAll(_ path: String) {
        let result = lint(path, models: Self.registry)
        #expect(result.diagnostics.isEmpty, "\(path): \(result.diagnostics.map { "\($0.code.rawValue) \($0.range.start) \($0.message)" })")
        #expect(result.checked != nil)
    }

    /// The issue fixes this file's text; it must check without errors (its unused features warn).
    @Test func issueExampleLintsWithoutErrors() {
        let result = lint("strategies/sma_cross.yaml", models: Self.registry)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        #expect(result.checked?.warmup == 30)   // sma(close, 30) needs 29 bars, crossover one more
    }

    @Test func strategyNamesAreSnakeCase() {
        for path in Self.strategies {
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            #expect(stem.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(path)")
        }
    }

    // MARK: Coverage

    /// Every field path of `StrategySchema.root`, dictionary keys written `*`: `data.*.sqlite.where`.
    static func schemaPaths(_ type: SchemaType, _ path: String) -> Set<String> {
        switch type {
        case .object(let object):
            var paths = Set<String>()
            for field in object.fields {
                let child = path.isEmpty ? field.name : "\(path).\(field.name)"
                paths.insert(child)
                paths.formUnion(schemaPaths(field.type, child))
            }
            return paths
        case .dictionary(let value, _): return schemaPaths(value, "\(path).*")
        case .list(let element, _): return schemaPaths(element, path)
        case .oneOf(let alternatives): return alternatives.reduce(into: Set()) { $0.formUnion(schemaPaths($1, path)) }
        case .string, .integer, .number, .boolean: return []
        }
    }

    /// The field paths a YAML tree uses, following the schema so dictionary keys become `*`.
    static func usedPaths(_ node: YAMLNode, _ type: SchemaType, _ path: String, values: inout [String: Set<String>]) -> Set<String> {
        switch type {
        case .object(let object):
            var paths = Set<String>()
            for pair in node.pairs ?? [] {
                guard let field = object.field(pair.key.value) else { continue }
                let child = path.isEmpty ? field.name : "\(path).\(field.name)"
                paths.insert(child)
                if let text = pair.value.text { values[child, default: []].insert(text) }
                paths.formUnion(usedPaths(pair.value, field.type, child, values: &values))
            }
            return paths
        case .dictionary(let value, _):
            return (node.pairs ?? []).reduce(into: Set()) { $0.formUnion(usedPaths($1.value, value, "\(path).*", values: &values)) }
        case .list(let element, _):
            return (node.items ?? []).reduce(into: Set()) { $0.formUnion(usedPaths($1, element, path, values: &values)) }
        case .oneOf, .string, .integer, .number, .boolean:
            return []
        }
    }

    @Test func strategiesBetweenThemUseEveryFieldAndEveryAlgorithm() throws {
        var used = Set<String>()
        var values: [String: Set<String>] = [:]
        for path in Self.strategies {
            let bytes = try #require(FileManager.default.contents(atPath: packageRoot.appendingPathComponent(path).path))
            let root = try #require(YAMLLoader().load(bytes: [UInt8](bytes), path: path).root)
            used.formUnion(Self.usedPaths(root, .object(StrategySchema.root), "", values: &values))
        }
        let missing = Self.schemaPaths(.object(StrategySchema.root), "").subtracting(used)
        #expect(missing.isEmpty, "fields no shipped strategy uses: \(missing.sorted())")
        // Choices that select different machinery, written out from the issue's list.
        #expect(values["execution.algo", default: []].isSuperset(of: ["market", "limit", "twap", "vwap"]))
        #expect(values["signals.*.vote", default: []].isSuperset(of: ["majority", "weighted", "mean_confidence"]))
        #expect(values["risk.max_drawdown.action", default: []].isSuperset(of: ["halt", "reduce_only"]))
        #expect(values["data.*.calendar", default: []].isSuperset(of: ["always", "weekdays", "nyse"]))
    }

    @Test func bothCSVHeaderStylesAreExercised() throws {
        let sources = Set(Self.strategies.compactMap { path -> String? in
            let text = (try? String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("csv: ") }
                .map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        })
        let headers = Set(sources.compactMap { source -> String? in
            let text = try? String(contentsOf: packageRoot.appendingPathComponent(source), encoding: .utf8)
            return text?.split(separator: "\n").first.map(String.init)
        })
        #expect(headers.contains(",Open,High,Low,Close,Volume"))
        #expect(headers.contains("timestamp,open,high,low,close,volume"))
    }

    // MARK: Composite indicators

    @Test func thereAreAtLeastEightCompositeIndicators() {
        #expect(Self.indicators.count >= 8)
    }

    @Test(arguments: indicators)
    func compositeLoadsCleanAndIsDescribed(_ path: String) throws {
        let (composite, diagnostics) = CompositeIndicator.load(path: packageRoot.appendingPathComponent(path).path, displayPath: path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map { "\($0.range.start) \($0.message)" })")
        let indicator = try #require(composite)
        #expect(!(indicator.description ?? "").isEmpty)
        #expect(!indicator.parameters.isEmpty)
        #expect(indicator.parameters.allSatisfy { $0.defaultValue != nil }, "every parameter has a default")
        #expect(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent == indicator.name.value)
    }

    static func calls(in expression: ExpressionNode) -> [String] {
        var names: [String] = []
        expression.walk { if case .call(let name, _, _) = $0.kind { names.append(name) } }
        return names
    }

    /// Each composite is imported by a shipped strategy (directly or through another composite)
    /// and so has been expanded and checked by the lint tests above.
    @Test func everyCompositeIsUsedByAShippedStrategy() {
        var used = Set<String>()
        for path in Self.strategies {
            guard let checked = lint(path, models: Self.registry).checked else { continue }
            var frontier: [String] = checked.features.flatMap { Self.calls(in: $0.expression) }
            while let name = frontier.popLast() {
                guard let composite = checked.composites[name], used.insert(name).inserted else { continue }
                frontier += composite.outputs.flatMap { Self.calls(in: $0.expression) }
            }
        }
        let all = Set(Self.indicators.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
        #expect(all.subtracting(used).isEmpty, "composites no strategy calls: \(all.subtracting(used).sorted())")
    }
}
