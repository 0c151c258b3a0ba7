public import Foundation
public import Indicators

/// One kline (candlestick) as Binance reports it, with its bar in Stratum's units.
public struct BinanceKline: Sendable, Equatable {
    /// The bar; its timestamp is the kline's open time in microseconds, UTC.
    public var bar: Bar
    /// The kline's last moment (Binance's close time, `T`), in microseconds, UTC.
    public var closeTimeMicroseconds: Int64

    public init(bar: Bar, closeTimeMicroseconds: Int64) {
        self.bar = bar
        self.closeTimeMicroseconds = closeTimeMicroseconds
    }
}

/// One `<symbol>@kline_<interval>` stream event.
public struct BinanceKlineEvent: Sendable, Equatable {
    /// When Binance sent the event (`E`), in microseconds, UTC.
    public var eventTimeMicroseconds: Int64
    /// The symbol in Binance's spelling (`BTCUSDT`).
    public var symbol: String
    /// The interval as Binance spells it (`1m`).
    public var interval: String
    /// Whether the kline is final (`x`); until then its prices and volume still change.
    public var isClosed: Bool
    public var kline: BinanceKline
}

/// Turns Binance's public kline messages into bars. Pure: no I/O, no clock.
///
/// Prices and volumes arrive as decimal strings (`"0.0010"`), times as integer milliseconds.
public enum BinanceKlineParser {
    /// The columns of a REST kline row, for error messages.
    static let restColumns = [
        "open time", "open", "high", "low", "close", "volume", "close time",
        "quote asset volume", "number of trades", "taker buy base asset volume", "taker buy quote asset volume", "ignore",
    ]

    /// Parses one stream message: a raw stream's event, or a combined stream's
    /// `{"stream": ..., "data": event}` wrapper.
    ///
    /// - Throws: `BinanceMessageError` naming the first field that is not as documented.
    public static func streamEvent(_ text: String) throws(BinanceMessageError) -> BinanceKlineEvent {
        let message: StreamMessage
        do {
            message = try JSONDecoder().decode(StreamMessage.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw BinanceMessageError(error)
        } catch {
            throw BinanceMessageError(field: "message", expected: "a JSON object", found: "\(error)")
        }
        let event = message.event
        let prefix = message.isCombined ? "data." : ""
        guard event.e == "kline" else {
            throw BinanceMessageError(field: prefix + "e", expected: "`kline`", found: "`\(event.e)`")
        }
        let payload = event.k
        let bar = try bar(
            openTimeMilliseconds: payload.t, open: payload.o, high: payload.h, low: payload.l, close: payload.c, volume: payload.v,
            fields: ["o", "h", "l", "c", "v"].map { prefix + "k." + $0 })
        return BinanceKlineEvent(
            eventTimeMicroseconds: event.E * 1000, symbol: event.s, interval: payload.i, isClosed: payload.x,
            kline: BinanceKline(bar: bar, closeTimeMicroseconds: payload.T * 1000))
    }

    /// The bar of a stream message when its kline is closed (`x: true`), nil while it is still forming.
    ///
    /// - Throws: `BinanceMessageError` as `streamEvent(_:)`.
    public static func closedBar(_ text: String) throws(BinanceMessageError) -> Bar? {
        let event = try streamEvent(text)
        return event.isClosed ? event.kline.bar : nil
    }

    /// Parses the body of `GET /api/v3/klines`: an array of rows
    /// `[open time, open, high, low, close, volume, close time, ...]`.
    ///
    /// - Throws: `BinanceMessageError` naming the row and column that is not as documented.
    public static func restKlines(_ body: Data) throws(BinanceMessageError) -> [BinanceKline] {
        let rows: [RESTRow]
        do {
            rows = try JSONDecoder().decode([RESTRow].self, from: body)
        } catch let error as DecodingError {
            throw BinanceMessageError(error, columnNames: restColumns)
        } catch {
            throw BinanceMessageError(field: "message", expected: "a JSON array of kline rows", found: "\(error)")
        }
        var klines: [BinanceKline] = []
        klines.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            let bar = try bar(
                openTimeMilliseconds: row.openTime, open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume,
                fields: (1...5).map { "[\(index)][\($0)] (\(restColumns[$0]))" })
            klines.append(BinanceKline(bar: bar, closeTimeMicroseconds: row.closeTime * 1000))
        }
        return klines
    }

    /// - Parameter fields: the names of open, high, low, close and volume, for errors.
    private static func bar(openTimeMilliseconds: Int64, open: String, high: String, low: String, close: String, volume: String,
                            fields: [String]) throws(BinanceMessageError) -> Bar {
        Bar(timestamp: openTimeMilliseconds * 1000,
            open: try decimal(open, field: fields[0]), high: try decimal(high, field: fields[1]),
            low: try decimal(low, field: fields[2]), close: try decimal(close, field: fields[3]),
            volume: try decimal(volume, field: fields[4]))
    }

    private static func decimal(_ text: String, field: String) throws(BinanceMessageError) -> Double {
        guard let value = Double(text), value.isFinite else {
            throw BinanceMessageError(field: field, expected: "a decimal number in a string, such as \"0.0010\"", found: "\"\(text)\"")
        }
        return value
    }
}

/// A stream message, raw or wrapped in a combined stream's `{"stream", "data"}`.
private struct StreamMessage: Decodable {
    var event: KlineEvent
    var isCombined: Bool

    private enum Keys: String, CodingKey { case stream, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if container.contains(.data) {
            event = try container.decode(KlineEvent.self, forKey: .data)
            isCombined = true
        } else {
            event = try KlineEvent(from: decoder)
            isCombined = false
        }
    }
}

/// The documented kline event; fields Stratum does not use (trade ids, quote volumes) are not decoded.
private struct KlineEvent: Decodable {
    var e: String
    var E: Int64
    var s: String
    var k: Payload

    struct Payload: Decodable {
        var t: Int64
        var T: Int64
        var i: String
        var o: String
        var c: String
        var h: String
        var l: String
        var v: String
        var x: Bool
    }
}

/// The first seven columns of a REST kline row; the rest are not used.
private struct RESTRow: Decodable {
    var openTime: Int64
    var open: String
    var high: String
    var low: String
    var close: String
    var volume: String
    var closeTime: Int64

    init(from decoder: any Decoder) throws {
        var row = try decoder.unkeyedContainer()
        openTime = try row.decode(Int64.self)
        open = try row.decode(String.self)
        high = try row.decode(String.self)
        low = try row.decode(String.self)
        close = try row.decode(String.self)
        volume = try row.decode(String.self)
        closeTime = try row.decode(Int64.self)
    }
}
