import Foundation
import ModelRegistry
import StrategyCompiler
import Testing
@testable import Agents
@testable import StrategyDSL

/// A registry with fixed answers: `alpha` reads feature `a`, `beta` reads `b`, each at
/// versions v1 and v2.
struct SignalTestModels: ModelResolving {
    func resolve(_ reference: String) -> ModelResolution {
        let parts = reference.split(separator: "@").map(String.init)
        let features = ["alpha": ["a"], "beta": ["b"]]
        guard parts.count == 2, let inputs = features[parts[0]] else { return .unknownModel(known: ["alpha", "beta"]) }
        guard ["v1", "v2"].contains(parts[1]) else { return .unknownSelector(model: parts[0], known: ["v1", "v2"]) }
        return .resolved(ResolvedModelInfo(name: parts[0], version: parts[1], features: inputs, outputs: ["prediction"],
                                           manifestHash: String(repeating: "0", count: 64)))
    }
}

/// A model whose prediction is its only input: the tests set the prediction through the register.
struct EchoModel: ModelEvaluator {
    var featureNames: [String]
    var outputNames: [String] { ["prediction"] }
    var outputKind: OutputKind { .probability }

    func predict(_ features: [Double], into output: inout [Double]) {
        precondition(output.count == 1)
        output[0] = features[0]
    }
}

/// A plan from a small strategy text, and a Signal agent driven with hand-made feature frames.
struct SignalBench {
    let plan: Plan
    var agent: SignalAgent
    var bar = -1
    /// The frame sent next: the program's registers (constants included), NaN where computed.
    var values: [Double]

    /// - Parameters:
    ///   - features: lines under `features:`, indented by two spaces.
    ///   - signals: lines under `signals:`, indented by two spaces.
    init(features: String = "  a: sma(close, 2)\n  b: sma(close, 3)\n  c: sma(close, 4)", models: String = "", regimes: String = "",
         signals: String) throws {
        let yaml = """
        strategy: { name: signals }
        data:
          x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1d }
        features:
        \(features)
        \(models.isEmpty ? "" : "models:\n" + models)
        \(regimes.isEmpty ? "" : "regimes:\n" + regimes)
        signals:
        \(signals)
        risk:
          max_leverage: 1.0
        execution:
          algo: market
        """
        let result = Linter(models: SignalTestModels()).lint(text: yaml, path: "signals.yaml")
        guard !result.hasErrors, let checked = result.checked else {
            throw FixtureError(message: result.diagnostics.map { "\($0.code): \($0.message)" }.joined(separator: "\n"))
        }
        plan = try Planner.plan(checked)
        var evaluators: [String: any ModelEvaluator] = [:]
        for (alias, model) in checked.models { evaluators[alias] = EchoModel(featureNames: model.features) }
        agent = SignalAgent(plan: plan, evaluators: evaluators)
        values = plan.program.registers.map { $0 }
    }

    func index(_ name: String) throws -> Int {
        try #require(plan.signals.firstIndex { $0.name == name })
    }

    /// The registers of a rule signal's long, short and flat conditions.
    func rule(_ name: String) throws -> (long: Int?, short: Int?, flat: Int?) {
        guard case .rule(let long, let short, let flat) = plan.signals[try index(name)].kind else {
            throw FixtureError(message: "\(name) is not a rule")
        }
        return (long, short, flat)
    }

    /// The register a feature column lives in.
    func register(_ column: String) throws -> Int {
        try #require(plan.columns.first { $0.name == column }?.register)
    }

    /// Sets a rule's conditions: true → 1, false → 0.
    mutating func set(_ name: String, long: Bool = false, short: Bool = false, flat: Bool = false) throws {
        let registers = try rule(name)
        if let r = registers.long { values[r] = long ? 1 : 0 }
        if let r = registers.short { values[r] = short ? 1 : 0 }
        if let r = registers.flat { values[r] = flat ? 1 : 0 }
    }

    /// Sends the current frame as the next bar's `features.candles`; returns the signals emitted.
    @discardableResult
    mutating func step() -> [SignalEvent] {
        bar += 1
        var outbox = Outbox()
        let frame = FeatureFrame(instrument: 0, barIndex: bar, values: values)
        agent.handle(Envelope(timestamp: Int64(bar) * day, source: .feature, traceId: UInt64(bar), topic: .featuresCandles,
                              payload: .features(frame)), into: &outbox)
        return outbox.messages.compactMap { envelope in
            guard case .signal(let event) = envelope.payload else { return nil }
            #expect(envelope.topic == event.direction.topic, "a signal's topic names its direction")
            return event
        }
    }
}
