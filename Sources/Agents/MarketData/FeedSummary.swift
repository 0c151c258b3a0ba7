public import StrategyDSL

/// What one data source delivered: rows, time span, anomalies by kind and gaps.
///
/// Commands print it (`description`) after a run and store it with the run (`Codable`, stable
/// snake-case keys). Timestamps are UTC microseconds.
public struct FeedSummary: Sendable, Equatable, Codable {
    /// One place where bars were missing.
    public struct Gap: Sendable, Equatable, Codable {
        /// The bar before the gap.
        public var after: Int64
        /// The first missing bar time.
        public var firstMissing: Int64
        public var missingBars: Int

        enum CodingKeys: String, CodingKey {
            case after, firstMissing = "first_missing", missingBars = "missing_bars"
        }
    }

    /// At most this many gaps are listed; `gapCount` counts them all.
    public static let listedGapLimit = 100

    public var source: String
    public var rowsRead = 0
    /// Bars passed on, forward-filled ones included.
    public var barsPassed = 0
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    public var anomalyAction: AnomalyPolicy.Action
    public var anomalies = AnomalyCounts()
    public var barsFlagged = 0
    public var barsClamped = 0
    public var barsDropped = 0
    public var gapPolicy: DataSourceSpec.GapPolicy
    public var gapCount = 0
    public var missingBars = 0
    public var filledBars = 0
    /// The first `listedGapLimit` gaps (under `skip` none are listed, only counted).
    public var gaps: [Gap] = []
    /// Remarks a reader should see, such as a backfill the source could not provide.
    public var notes: [String] = []

    public init(source: String, anomalyAction: AnomalyPolicy.Action, gapPolicy: DataSourceSpec.GapPolicy) {
        self.source = source
        self.anomalyAction = anomalyAction
        self.gapPolicy = gapPolicy
    }

    enum CodingKeys: String, CodingKey {
        case source, rowsRead = "rows_read", barsPassed = "bars_passed", firstTimestamp = "first_timestamp"
        case lastTimestamp = "last_timestamp", anomalyAction = "anomaly_action", anomalies
        case barsFlagged = "bars_flagged", barsClamped = "bars_clamped", barsDropped = "bars_dropped"
        case gapPolicy = "gap_policy", gapCount = "gap_count", missingBars = "missing_bars"
        case filledBars = "filled_bars", gaps, notes
    }
}

extension FeedSummary: CustomStringConvertible {
    /// A few lines for the terminal.
    public var description: String {
        var lines = ["\(source): \(rowsRead) rows read, \(barsPassed) bars passed on"]
        if let firstTimestamp, let lastTimestamp {
            lines.append("  from \(UTCTimestamp.iso8601(firstTimestamp)) to \(UTCTimestamp.iso8601(lastTimestamp))")
        }
        let found = AnomalyKind.allCases.filter { anomalies[$0] > 0 }.map { "\($0) \(anomalies[$0])" }
        lines.append("  anomalies (\(anomalyAction.rawValue)): " + (found.isEmpty ? "none" : found.joined(separator: ", "))
                     + (barsDropped > 0 ? "; \(barsDropped) bars dropped" : "") + (barsClamped > 0 ? "; \(barsClamped) bars clamped" : ""))
        lines.append("  gaps (\(gapPolicy.rawValue)): " + (gapCount == 0 ? "none"
            : "\(gapCount) gaps, \(missingBars) missing bars" + (filledBars > 0 ? ", \(filledBars) filled" : "")))
        for gap in gaps.prefix(10) {
            lines.append("    \(gap.missingBars) missing from \(UTCTimestamp.iso8601(gap.firstMissing))")
        }
        if gaps.count > 10 { lines.append("    … \(gapCount - 10) more") }
        lines += notes.map { "  note: \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension AnomalyCounts: Codable {
    /// Encoded as `{"spike": 2, ...}` with every kind present, in declaration order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnomalyCodingKey.self)
        for kind in AnomalyKind.allCases { try container.encode(self[kind], forKey: AnomalyCodingKey(kind.description)) }
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: AnomalyCodingKey.self)
        for kind in AnomalyKind.allCases {
            self[kind] = try container.decodeIfPresent(Int.self, forKey: AnomalyCodingKey(kind.description)) ?? 0
        }
    }

    private struct AnomalyCodingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension AnomalyPolicy.Action: Codable {}
extension DataSourceSpec.GapPolicy: Codable {}
