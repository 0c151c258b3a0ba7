/// Something the Supervisor could not fix by itself, written down for the operator.
///
/// The runner stores it (SQLite and a markdown file under the state folder); the fields are what
/// the person on call needs: when, which agent, what happened, what was already tried, what to do.
public struct SupervisorIncident: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Equatable, Codable {
        case warning, critical
    }

    public var atMicros: Int64
    /// The agent's snake_case name, or `feed:NAME` / `venue:NAME` for a connection.
    public var subject: String
    public var severity: Severity
    public var summary: String
    /// Restarts attempted before giving up (0 when restarting was not the remedy).
    public var restartsTried: Int
    /// What the operator should do next.
    public var remedy: String

    public init(atMicros: Int64, subject: String, severity: Severity, summary: String, restartsTried: Int, remedy: String) {
        self.atMicros = atMicros
        self.subject = subject
        self.severity = severity
        self.summary = summary
        self.restartsTried = restartsTried
        self.remedy = remedy
    }

    enum CodingKeys: String, CodingKey {
        case atMicros = "at_us", subject, severity, summary, restartsTried = "restarts_tried", remedy
    }
}
