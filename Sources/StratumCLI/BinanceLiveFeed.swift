import ExchangeAdapters
import Logging
import Runtime

/// A strategy's Binance kline stream as a live feed of the actor runner: closed bars in order
/// (gaps filled over REST when the source's `backfill` is on), and the connection state for
/// `/ready`. With a Supervisor, every bar and connection counts as contact with the feed (its
/// silence past `kill_switch.feed_timeout` trips the kill switch), every lost connection as an
/// error, and both the stream's connection attempts and REST backfill ask the feed's circuit
/// breaker first.
struct BinanceLiveFeed: LiveFeed {
    let name: String
    let instrument: Int
    let source: BinanceSource
    /// The open time of the last bar a previous run processed: the stream backfills from there.
    let lastDelivered: Int64?
    let supervision: SupervisionLoop?
    let logger: Logger

    func run(into runner: any LiveBarInlet, connectivity: FeedConnectivity) async throws {
        let rest = source.rest.map { BinanceRESTClient(configuration: $0, gate: supervision?.gate(feed: name), logger: logger) }
        let stream = BinanceKlineStream(configuration: source.stream, backfill: rest, gate: supervision?.gate(feed: name), logger: logger)
        connectivity.disconnected(name, reason: "connecting to \(source.stream.streamURL)")
        try await stream.run(after: lastDelivered) { event in
            switch event {
            case .bar(let bar):
                supervision?.feedContact(name)
                await runner.send(LiveBar(bar, instrument: instrument))
            case .connection(.connected):
                supervision?.feedContact(name)
                connectivity.connected(name)
            case .connection(.disconnected(_, let reason)):
                supervision?.feedError(name, message: reason)
                connectivity.disconnected(name, reason: "disconnected: \(reason)")
            case .connection(.reconnecting(let attempt, _)):
                connectivity.disconnected(name, reason: "reconnecting (attempt \(attempt))")
            case .gap(let first, let last, let reason):
                logger.warning("bars missing from the stream", metadata: [
                    "feed.name": "\(name)", "feed.gap_first_us": "\(first)", "feed.gap_last_us": "\(last)", "feed.reason": "\(reason)",
                ])
            }
        }
    }
}
