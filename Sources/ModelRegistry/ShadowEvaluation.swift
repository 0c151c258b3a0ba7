import Foundation

/// One shadow-evaluation run of a model version: one line of `registry/<name>/shadow.jsonl`.
///
/// A run in shadow mode computes the model's signals without trading them and scores them
/// against what the market did; the promotion gate reads these records.
public struct ShadowEvaluation: Codable, Sendable, Hashable {
    public var model: String
    public var version: String
    public var runId: String
    public var time: Date
    /// How many signals the version emitted during the run.
    public var signals: Int
    /// The fraction of signals whose direction was right, 0...1.
    public var hitRate: Double
    /// Profit and loss of trading the signals, in the run's quote currency.
    public var pnl: Double
    /// Annualised Sharpe ratio of the signal returns.
    public var sharpe: Double
    /// The same measures for a reference the run compared against, if any.
    public var benchmark: Benchmark?

    public struct Benchmark: Codable, Sendable, Hashable {
        public var name: String
        public var pnl: Double
        public var sharpe: Double

        public init(name: String, pnl: Double, sharpe: Double) {
            self.name = name
            self.pnl = pnl
            self.sharpe = sharpe
        }
    }

    public init(model: String, version: String, runId: String, time: Date, signals: Int, hitRate: Double,
                pnl: Double, sharpe: Double, benchmark: Benchmark? = nil) {
        self.model = model
        self.version = version
        self.runId = runId
        self.time = time
        self.signals = signals
        self.hitRate = hitRate
        self.pnl = pnl
        self.sharpe = sharpe
        self.benchmark = benchmark
    }

    enum CodingKeys: String, CodingKey {
        case model, version, time, signals, pnl, sharpe, benchmark
        case runId = "run_id", hitRate = "hit_rate"
    }

    func value(of metric: PromotionGate.Metric) -> Double {
        switch metric {
        case .hitRate: return hitRate
        case .sharpe: return sharpe
        case .pnl: return pnl
        }
    }

    /// Every reason the record cannot be stored.
    func problems() -> [String] {
        var problems: [String] = []
        if runId.isEmpty { problems.append("run_id is empty") }
        if signals < 0 { problems.append("signals \(signals) is negative") }
        if !(0...1).contains(hitRate) { problems.append("hit_rate \(hitRate) is not between 0 and 1") }
        if !pnl.isFinite { problems.append("pnl is not a finite number") }
        if !sharpe.isFinite { problems.append("sharpe is not a finite number") }
        return problems
    }
}

/// Everything known about one version's shadow evaluation, and what the gate says about it.
public struct ShadowReport: Sendable, Hashable, Codable {
    public var model: String
    public var version: String
    /// Oldest first.
    public var records: [ShadowEvaluation]
    /// The verdict for each gated tag, as `promote` would decide now.
    public var gates: [GateDecision]

    /// The record the gate judges.
    public var latest: ShadowEvaluation? { records.last }
}
