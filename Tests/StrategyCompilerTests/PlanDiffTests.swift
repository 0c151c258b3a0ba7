import Foundation
import StrategyCompiler
import Testing

/// Plan diffs between two versions of a small strategy, the expected node sets worked out by
/// hand from which lines were edited.
struct PlanDiffTests {
    static func plan(_ features: String, signals: String = "    long: crossover(fast, slow)\n    short: crossunder(fast, slow)") throws -> Plan {
        let yaml = """
        strategy: { name: diff }
        data:
          goog: { csv: data/GOOG.csv }
        features:
        \(features)
        signals:
          trend:
        \(signals)
        """
        let result = lint(text: yaml, models: nil)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        return try Planner.plan(try #require(result.checked))
    }

    static let base = "  fast: sma(close, 10)\n  slow: sma(close, 30)\n  spread: fast - slow"

    @Test func anIdenticalPlanChangesNothing() throws {
        let diff = PlanDiff(from: try Self.plan(Self.base), to: try Self.plan(Self.base))
        #expect(diff.isEmpty)
        #expect(diff.unchanged.contains("feature.fast") && diff.unchanged.contains("signal.trend"))
    }

    @Test func aChangedFeatureRebuildsItAndWhatReadsIt() throws {
        let edited = "  fast: sma(close, 12)\n  slow: sma(close, 30)\n  spread: fast - slow"
        let diff = PlanDiff(from: try Self.plan(Self.base), to: try Self.plan(edited))
        // fast's parameters changed; spread and the signal read fast; slow reads only bars.
        #expect(diff.changed.map(\.name).sorted() == ["feature.fast", "feature.spread", "signal.trend"])
        #expect(diff.changed.first { $0.name == "feature.fast" }?.reason == "expression changed")
        #expect(diff.changed.first { $0.name == "feature.spread" }?.reason == "reads feature.fast, which changed")
        #expect(diff.unchanged.contains("feature.slow") && diff.unchanged.contains("data.goog"))
        #expect(diff.added.isEmpty && diff.removed.isEmpty)
    }

    @Test func addedAndRemovedFeaturesAreListed() throws {
        let edited = "  fast: sma(close, 10)\n  slow: sma(close, 30)\n  rsi14: rsi(close, 14)"
        let diff = PlanDiff(from: try Self.plan(Self.base), to: try Self.plan(edited))
        #expect(diff.added == ["feature.rsi14"])
        #expect(diff.removed == ["feature.spread"])
        // The signal reads fast and slow only, which did not change.
        #expect(diff.unchanged.contains("signal.trend"))
        #expect(diff.description.contains("+ feature.rsi14") && diff.description.contains("- feature.spread"))
    }

    @Test func aChangedRuleRebuildsOnlyTheSignal() throws {
        let diff = PlanDiff(from: try Self.plan(Self.base),
                            to: try Self.plan(Self.base, signals: "    long: fast > slow\n    short: crossunder(fast, slow)"))
        #expect(diff.changed.map(\.name) == ["signal.trend"])
        #expect(diff.changed.first?.reason == "long changed")
        #expect(diff.unchanged.contains("feature.fast") && diff.unchanged.contains("portfolio_risk"))
    }
}
