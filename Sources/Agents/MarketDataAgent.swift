import Indicators

/// Normalises bars from the feeds into `market.raw`: one instrument index per source, bars in
/// time order. Input arrives from the runner (source `.runner`) on the same topic it publishes.
public struct MarketDataAgent: Agent {
    public let id = AgentID.marketData
    public private(set) var barsSeen = 0
    var lastTimestamp: [Int64]

    public init(instruments: Int) {
        lastTimestamp = Array(repeating: .min, count: max(instruments, 1))
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.source == .runner, case .bar(let market) = message.payload else { return }
        // Feeds reject unsorted files; a live feed's late bar is dropped here rather than reordering history.
        guard market.bar.timestamp > lastTimestamp[market.instrument] else { return }
        lastTimestamp[market.instrument] = market.bar.timestamp
        barsSeen += 1
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .marketRaw,
                             payload: message.payload))
    }
}
