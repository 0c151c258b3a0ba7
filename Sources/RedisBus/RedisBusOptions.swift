import Agents

/// How a `RedisStreamsBus` names its keys, trims its streams, and treats slow or dead consumers.
public struct RedisBusOptions: Sendable {
    /// Streams are trimmed to about this many entries (`XADD MAXLEN ~`).
    public var maxStreamLength: Int
    /// How many entries one `XREADGROUP` returns at most.
    public var readCount: Int
    /// How long one `XREADGROUP` blocks when nothing is waiting; also how soon `close()` is noticed.
    public var blockMilliseconds: Int
    /// A message pending this long is taken to belong to a dead consumer and is claimed by another.
    public var claimIdleMilliseconds: Int
    /// How often a consumer looks for messages to claim.
    public var claimIntervalMilliseconds: Int
    /// After this many deliveries without an ack a message goes to the dead-letter stream.
    public var maxDeliveries: Int
    /// Whether consumers record each message's id once its effect is committed and skip ids
    /// recorded already (a redelivery, or a producer's resend after a reconnect).
    public var idempotency: Bool
    /// How long an idempotency key is kept.
    public var idempotencyTTLSeconds: Int
    /// Whether publishing also updates the latest-value cache (`stratum:<strategy>:cache:*`).
    public var cacheLatestValues: Bool
    public var client: RedisClientOptions

    public init(maxStreamLength: Int = 1_000_000, readCount: Int = 512, blockMilliseconds: Int = 200,
                claimIdleMilliseconds: Int = 30_000, claimIntervalMilliseconds: Int = 1_000, maxDeliveries: Int = 5,
                idempotency: Bool = true, idempotencyTTLSeconds: Int = 7 * 86_400, cacheLatestValues: Bool = true,
                client: RedisClientOptions = RedisClientOptions()) {
        self.maxStreamLength = maxStreamLength
        self.readCount = readCount
        self.blockMilliseconds = blockMilliseconds
        self.claimIdleMilliseconds = claimIdleMilliseconds
        self.claimIntervalMilliseconds = claimIntervalMilliseconds
        self.maxDeliveries = maxDeliveries
        self.idempotency = idempotency
        self.idempotencyTTLSeconds = idempotencyTTLSeconds
        self.cacheLatestValues = cacheLatestValues
        self.client = client
    }
}

/// The names of a strategy's keys in Redis (docs/messages.md).
public struct RedisKeys: Sendable, Equatable {
    public let prefix: String
    /// Every topic's stream name, by the topic's raw value: publishing names one per message.
    private let streams: [String]

    /// - Parameter strategy: the strategy's name; every key starts `stratum:<strategy>:`.
    public init(strategy: String) {
        prefix = "stratum:\(strategy):"
        var streams = [String](repeating: "", count: Topic.allCases.count)
        for topic in Topic.allCases { streams[Int(topic.rawValue)] = prefix + topic.name }
        self.streams = streams
    }

    /// One stream per topic: `stratum:<strategy>:<topic>`.
    public func stream(_ topic: Topic) -> String { streams[Int(topic.rawValue)] }
    /// Messages delivered `maxDeliveries` times without an ack.
    public var deadLetter: String { prefix + "dead-letter" }
    /// Set once a message's effect is committed by a consumer group.
    public func processed(group: String, id: String) -> String { processedPrefix(group: group) + id }
    /// What every processed key of `group` starts with (the message id follows).
    public func processedPrefix(group: String) -> String { prefix + "processed:" + group + ":" }
    /// A latest-value hash: `stratum:<strategy>:cache:<name>`.
    public func cache(_ name: String) -> String { prefix + "cache:" + name }

    /// The topic a stream name stands for.
    public func topic(ofStream stream: String) -> Topic? {
        guard stream.hasPrefix(prefix) else { return nil }
        return Topic(name: String(stream.dropFirst(prefix.count)))
    }
}
