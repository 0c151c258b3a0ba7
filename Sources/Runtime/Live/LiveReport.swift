import Agents
import Indicators

/// One bar of one instrument as a live feed delivers it.
public struct LiveBar: Sendable, Equatable {
    public var bar: Bar
    /// Index into the plan's data sources.
    public var instrument: Int

    public init(_ bar: Bar, instrument: Int = 0) {
        self.bar = bar
        self.instrument = instrument
    }
}

/// What the runner did in one step, handed to every observer once the step is complete.
public struct LiveReport: Sendable {
    public enum Cause: Sendable {
        /// A bar went through the agents (its moment closed too, for a single instrument).
        case bar(LiveBar)
        /// The moment of several instruments' bars closed: equity was marked.
        case momentClosed(timestamp: Int64)
        /// A Supervisor command (kill, resume) went through the agents.
        case command(SupervisorCommand)
    }

    public var cause: Cause
    /// The sequence number of the last bar the runner took (the trace id of what it caused).
    public var sequence: UInt64
    /// What the step produced, in the order the fused runner hands them to its sink.
    public var envelopes: [Envelope]
}

/// Watches a running strategy step by step: persistence, metrics, status, tests.
///
/// Called on the runner's task after each step and before the next one starts, so an observer
/// that takes time slows the runner (back-pressure) instead of falling behind. For the same
/// reason an observer must not wait on the runner (`pause`, `command`): the runner is waiting on it.
public protocol LiveObserver: Sendable {
    func observe(_ report: LiveReport) async
}
