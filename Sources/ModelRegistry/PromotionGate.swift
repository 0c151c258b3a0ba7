/// The promotion policy of one model: `registry/<name>/gate.json`.
///
/// ```json
/// {"gated_tags": ["prod"], "min_signals": 100, "no_worse_than_current": ["hit_rate", "sharpe"]}
/// ```
/// Moving a gated tag needs the candidate's latest shadow evaluation to have at least
/// `min_signals` signals, to meet the optional floors, and to be no worse on each listed
/// metric than the latest shadow evaluation of the version the tag points to now. Other tags
/// (`staging`) move freely: that is where a version waits while it is shadow-evaluated.
public struct PromotionGate: Codable, Sendable, Hashable {
    public enum Metric: String, Codable, Sendable, CaseIterable {
        case hitRate = "hit_rate"
        case sharpe
        case pnl
    }

    public var gatedTags: [String]
    public var minSignals: Int
    public var minHitRate: Double?
    public var minSharpe: Double?
    public var noWorseThanCurrent: [Metric]

    public init(gatedTags: [String] = ["prod"], minSignals: Int = 100, minHitRate: Double? = nil, minSharpe: Double? = nil,
                noWorseThanCurrent: [Metric] = [.hitRate, .sharpe]) {
        self.gatedTags = gatedTags
        self.minSignals = minSignals
        self.minHitRate = minHitRate
        self.minSharpe = minSharpe
        self.noWorseThanCurrent = noWorseThanCurrent
    }

    enum CodingKeys: String, CodingKey {
        case gatedTags = "gated_tags", minSignals = "min_signals", minHitRate = "min_hit_rate", minSharpe = "min_sharpe"
        case noWorseThanCurrent = "no_worse_than_current"
    }

    /// Judges a candidate against the gate.
    ///
    /// - Parameters:
    ///   - candidate: the candidate version's latest shadow evaluation, nil if it has none.
    ///   - current: the latest shadow evaluation of the version the tag points to now, nil
    ///     when the tag is new or that version was never shadow-evaluated (then only the
    ///     absolute thresholds apply).
    /// - Returns: every failed condition, empty when the gate passes.
    public func failures(candidate: ShadowEvaluation?, current: ShadowEvaluation?) -> [String] {
        guard let candidate else {
            return ["no shadow evaluation recorded for this version; run it in shadow mode first"]
        }
        var failures: [String] = []
        if candidate.signals < minSignals {
            failures.append("run \(candidate.runId) has \(candidate.signals) signals, the gate needs at least \(minSignals)")
        }
        if let minHitRate, candidate.hitRate < minHitRate {
            failures.append("hit rate \(candidate.hitRate) is below the floor \(minHitRate)")
        }
        if let minSharpe, candidate.sharpe < minSharpe {
            failures.append("Sharpe \(candidate.sharpe) is below the floor \(minSharpe)")
        }
        if let current {
            for metric in noWorseThanCurrent where candidate.value(of: metric) < current.value(of: metric) {
                failures.append("\(metric.rawValue) \(candidate.value(of: metric)) is worse than \(current.value(of: metric)) of \(current.version) (run \(current.runId))")
            }
        }
        return failures
    }
}

/// The gate's verdict on promoting one version to one tag.
public struct GateDecision: Sendable, Hashable, Codable {
    public var tag: String
    public var candidate: String
    /// The version the tag points to now.
    public var current: String?
    public var failures: [String]
    public var passed: Bool { failures.isEmpty }
}
