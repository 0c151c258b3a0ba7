import Agents
import AsyncAlgorithms

/// How agents in separate tasks (or processes) exchange messages: publish to a topic, subscribe
/// to topics. The in-memory bus serves the actor runner; a Redis Streams bus serves agents in
/// separate processes; both keep each subscriber's messages in publish order.
public protocol Bus: Sendable {
    /// Delivers `envelope` to every subscription of its topic, waiting while a subscriber is behind.
    func publish(_ envelope: Envelope) async throws
    /// Messages of `topics` from now on, for the consumer named `consumer`.
    func subscribe(to topics: Set<Topic>, as consumer: String) async throws -> BusSubscription
    /// Ends every subscription once the messages already published are delivered.
    func close() async
}

/// One consumer's messages, in publish order; iteration ends when the bus closes.
public struct BusSubscription: AsyncSequence, Sendable {
    public typealias Element = Envelope
    let channel: AsyncChannel<Envelope>
    public let consumer: String
    public let topics: Set<Topic>

    /// A subscription fed through `channel`: for buses outside this module (the Redis Streams bus).
    public init(channel: AsyncChannel<Envelope>, consumer: String, topics: Set<Topic>) {
        self.channel = channel
        self.consumer = consumer
        self.topics = topics
    }

    public func makeAsyncIterator() -> AsyncChannel<Envelope>.AsyncIterator {
        channel.makeAsyncIterator()
    }
}

/// The bus inside one process. Back-pressure is the channel's: `publish` returns once every
/// subscriber of the topic has taken the message, so a slow agent slows its producers instead of
/// letting a queue grow without bound.
public actor InMemoryBus: Bus {
    private var subscriptions: [BusSubscription] = []
    private var closed = false

    public init() {}

    public func publish(_ envelope: Envelope) async throws {
        guard !closed else { throw BusError.closed }
        for subscription in subscriptions where subscription.topics.contains(envelope.topic) {
            await subscription.channel.send(envelope)
        }
    }

    public func subscribe(to topics: Set<Topic>, as consumer: String) async throws -> BusSubscription {
        guard !closed else { throw BusError.closed }
        let subscription = BusSubscription(channel: AsyncChannel(), consumer: consumer, topics: topics)
        subscriptions.append(subscription)
        return subscription
    }

    public func close() async {
        closed = true
        for subscription in subscriptions { subscription.channel.finish() }
    }
}

public enum BusError: Error, Sendable, Equatable, CustomStringConvertible {
    case closed

    public var description: String {
        switch self {
        case .closed: "the bus is closed: the strategy is shutting down"
        }
    }
}
