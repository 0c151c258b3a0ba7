import Agents

/// Publishes every message the runner reports to a `Bus`, in the runner's order: how other
/// processes (a Redis Streams bus) or tasks watch a running strategy's orders, fills and equity.
///
/// The bus waits while a subscriber is behind, and the runner waits for its observers, so a slow
/// subscriber slows the strategy instead of letting a queue grow.
public struct BusPublisher: LiveObserver {
    public let bus: any Bus

    public init(bus: any Bus) {
        self.bus = bus
    }

    public func observe(_ report: LiveReport) async {
        for envelope in report.envelopes {
            // A closed bus means the process is shutting down: the remaining messages have no reader.
            do { try await bus.publish(envelope) } catch { return }
        }
    }
}
