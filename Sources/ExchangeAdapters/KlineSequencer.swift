/// Decides what a stream does with each closed bar so that consumers see every bar once, in
/// order: deliver it, drop it as already seen, or fill the gap before it first.
///
/// A plain value with no I/O; the stream performs what it decides.
struct KlineSequencer: Sendable, Equatable {
    enum Decision: Sendable, Equatable {
        /// The bar follows the last one delivered (or is the first): deliver it.
        case deliver
        /// The bar is at or before the last one delivered: a repeat after a reconnect, drop it.
        case alreadyDelivered
        /// Bars between the last one delivered and this one are missing (open times
        /// `firstMissing...lastMissing`, microseconds): fill them, then deliver this one.
        case gap(firstMissing: Int64, lastMissing: Int64)
    }

    let intervalMicroseconds: Int64
    /// The open time of the last bar delivered.
    private(set) var lastDelivered: Int64?

    /// - Parameter lastDelivered: the last bar a previous run delivered, so that a restarted
    ///   process fills what it missed while down.
    init(intervalMicroseconds: Int64, lastDelivered: Int64? = nil) {
        self.intervalMicroseconds = intervalMicroseconds
        self.lastDelivered = lastDelivered
    }

    func decide(_ timestamp: Int64) -> Decision {
        guard let last = lastDelivered else { return .deliver }
        if timestamp <= last { return .alreadyDelivered }
        let next = last + intervalMicroseconds
        return timestamp > next ? .gap(firstMissing: next, lastMissing: timestamp - intervalMicroseconds) : .deliver
    }

    /// Records that the bar opening at `timestamp` was delivered.
    mutating func delivered(_ timestamp: Int64) {
        lastDelivered = max(lastDelivered ?? timestamp, timestamp)
    }
}
