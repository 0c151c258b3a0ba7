/// A problem the supervisor opened, and how it was closed.
public struct IncidentRecord: Sendable, Equatable {
    /// Assigned by the store when the incident is opened.
    public var id: Int64
    /// Microseconds since the Unix epoch (UTC).
    public var openedMicros: Int64
    /// The agent the incident concerns, such as `execution`.
    public var agent: String
    public var severity: Severity
    public var summary: String
    /// Extra facts (heartbeat gaps, error text) as JSON; nil when there are none.
    public var detailsJSON: String?
    /// Microseconds since the Unix epoch (UTC); nil while open.
    public var closedMicros: Int64?
    /// What closed it (`restarted execution`, `operator acknowledged`); nil while open.
    public var resolution: String?

    public init(
        id: Int64, openedMicros: Int64, agent: String, severity: Severity, summary: String, detailsJSON: String?,
        closedMicros: Int64?, resolution: String?
    ) {
        self.id = id
        self.openedMicros = openedMicros
        self.agent = agent
        self.severity = severity
        self.summary = summary
        self.detailsJSON = detailsJSON
        self.closedMicros = closedMicros
        self.resolution = resolution
    }
}

/// A new incident, before the store gives it an id.
public struct NewIncident: Sendable, Equatable {
    public var openedMicros: Int64
    public var agent: String
    public var severity: Severity
    public var summary: String
    public var detailsJSON: String?

    public init(openedMicros: Int64, agent: String, severity: Severity, summary: String, detailsJSON: String? = nil) {
        self.openedMicros = openedMicros
        self.agent = agent
        self.severity = severity
        self.summary = summary
        self.detailsJSON = detailsJSON
    }
}
