/// Something the risk agent did or noticed: a limit hit, an order or target stopped.
public struct RiskEventRecord: Sendable, Equatable {
    /// Microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    /// Dotted lower case, such as `limit.max_position` or `drawdown.halt`.
    public var kind: String
    public var severity: Severity
    /// One sentence for the person reading the blotter.
    public var message: String
    /// The order or target that was stopped, as JSON; nil when nothing was stopped.
    public var subjectJSON: String?

    public init(timestampMicros: Int64, kind: String, severity: Severity, message: String, subjectJSON: String? = nil) {
        self.timestampMicros = timestampMicros
        self.kind = kind
        self.severity = severity
        self.message = message
        self.subjectJSON = subjectJSON
    }
}

/// How urgent a risk event or incident is.
public enum Severity: String, Sendable, CaseIterable {
    case info
    case warning
    case critical
}
