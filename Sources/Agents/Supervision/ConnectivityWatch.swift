/// When each feed or venue was last heard from, and which have been silent past the timeout.
///
/// A source counts as lost once, when its silence first exceeds the timeout; hearing from it
/// again re-arms the watch. Timestamps come from the caller.
public struct ConnectivityWatch: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case feed, venue
    }

    /// A source that has been silent for longer than the timeout.
    public struct Loss: Sendable, Equatable {
        public var kind: Kind
        public var name: String
        public var silentMicroseconds: Int64
    }

    public let kind: Kind
    public let timeoutMicroseconds: Int64
    private var lastContact: [String: Int64] = [:]
    private var reportedLost: Set<String> = []

    public init(kind: Kind, timeoutMicroseconds: Int64) {
        self.kind = kind
        self.timeoutMicroseconds = timeoutMicroseconds
    }

    /// The source answered, or delivered data, at `timestamp`.
    public mutating func contact(_ name: String, at timestamp: Int64) {
        if let last = lastContact[name], last > timestamp { return }
        lastContact[name] = timestamp
        reportedLost.remove(name)
    }

    /// Sources whose silence passed the timeout since the last check, sorted by name.
    public mutating func newlyLost(at now: Int64) -> [Loss] {
        var losses = [Loss]()
        for (name, last) in lastContact where now - last > timeoutMicroseconds && !reportedLost.contains(name) {
            reportedLost.insert(name)
            losses.append(Loss(kind: kind, name: name, silentMicroseconds: now - last))
        }
        return losses.sorted { $0.name < $1.name }
    }
}
