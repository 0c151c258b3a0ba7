public import Foundation
public import Runtime
public import StrategyDSL

/// A strategy's `exchange: { venue: binance, ... }` data source, checked and resolved into the
/// stream's and the REST client's settings.
public struct BinanceSource: Sendable {
    /// Binance's public endpoints, used when the strategy names none.
    public static let defaultStreamEndpoint = "wss://stream.binance.com:9443/ws"
    public static let defaultRESTBaseURL = URL(string: "https://api.binance.com")!

    public var stream: BinanceKlineStream.Configuration
    /// Where missing bars are fetched; nil when the source's `backfill` is false.
    public var rest: BinanceRESTClient.Configuration?

    /// Reads a decoded data source.
    ///
    /// - Throws: `FeedError` (`unsupported_source`) when the source is not a Binance stream, its
    ///   interval is not one of Binance's, or a URL does not parse.
    public init(_ source: DataSourceSpec) throws(FeedError) {
        guard case .exchange(let venue, let symbol, let url, let restURL, let backfill) = source.kind else {
            throw FeedError(reason: .unsupportedSource, file: source.name.value, message: "the source is not an exchange stream",
                            fix: "give the source an `exchange:` block")
        }
        try self.init(name: source.name.value, venue: venue, symbol: symbol, intervalMicroseconds: source.intervalMicroseconds,
                      url: url, restURL: restURL, backfill: backfill)
    }

    /// Reads the fields of an `exchange:` block.
    ///
    /// - Parameter name: the data source's name, for errors.
    /// - Throws: `FeedError` as `init(_:)`.
    public init(name: String, venue: String, symbol: String, intervalMicroseconds: Int64, url: String?, restURL: String?,
                backfill: Bool) throws(FeedError) {
        func problem(_ message: String, _ fix: String) -> FeedError {
            FeedError(reason: .unsupportedSource, file: name, message: message, fix: fix)
        }
        guard venue == "binance" else {
            throw problem("exchange venue `\(venue)` has no adapter", "use `venue: binance`")
        }
        guard !symbol.isEmpty else { throw problem("the exchange source names no symbol", "add `symbol: BTCUSDT` (Binance's spelling)") }
        guard let interval = BinanceInterval(microseconds: intervalMicroseconds) else {
            let names = BinanceInterval.allCases.map(\.rawValue).joined(separator: ", ")
            throw problem("the source's interval is not a Binance kline interval", "use one of \(names)")
        }
        let endpoint = url ?? Self.defaultStreamEndpoint
        guard let scheme = URL(string: endpoint)?.scheme, ["ws", "wss"].contains(scheme) else {
            throw problem("`\(endpoint)` is not a WebSocket URL", "write `url: wss://host:port/ws` (or ws:// on loopback)")
        }
        stream = BinanceKlineStream.Configuration(symbol: symbol, interval: interval, endpoint: endpoint)
        guard backfill else {
            rest = nil
            return
        }
        let restText = restURL ?? Self.defaultRESTBaseURL.absoluteString
        guard let base = URL(string: restText), let restScheme = base.scheme, ["http", "https"].contains(restScheme) else {
            throw problem("`\(restText)` is not an HTTP URL", "write `rest_url: https://host` (the API's origin, without /api/v3)")
        }
        rest = BinanceRESTClient.Configuration(baseURL: base)
    }
}
