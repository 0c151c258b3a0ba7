import ExchangeAdapters
import Foundation
import Hummingbird
import Indicators
import HummingbirdWebSocket
import Logging
import Testing

/// A clock that only moves when someone sleeps on it, so backoff and rate-limit waits take no
/// real time and can be read back.
final class ManualClock: ExchangeClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64
    private var slept: [Duration] = []

    init(nowMicroseconds: Int64 = 1_800_000_000_000_000) {
        now = nowMicroseconds
    }

    var nowMicroseconds: Int64 { lock.withLock { now } }
    var sleeps: [Duration] { lock.withLock { slept } }

    func advance(by duration: Duration) {
        lock.withLock { now += Self.microseconds(duration) }
    }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        lock.withLock {
            slept.append(duration)
            now += Self.microseconds(duration)
        }
        await Task.yield()
    }

    private static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}

/// Counts and remembers what a test server was asked.
final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[String: String]] = []

    func record(_ query: [String: String]) { lock.withLock { entries.append(query) } }
    var requests: [[String: String]] { lock.withLock { entries } }
    var count: Int { lock.withLock { entries.count } }
}

let quietLogger: Logger = {
    var logger = Logger(label: "stratum.exchange.tests")
    logger.logLevel = .critical
    return logger
}()

let minute: Int64 = 60_000_000
/// 2024-01-01T00:00:00Z in microseconds.
let epoch2024: Int64 = 1_704_067_200_000_000

/// A local Binance stand-in on 127.0.0.1 with a free port: REST routes and a WebSocket route on
/// one router. Runs `body` with the port, then shuts the server down.
@discardableResult
func withBinanceServer<T: Sendable>(
    _ configure: (Router<BasicWebSocketRequestContext>) -> Void,
    _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> T {
    let router = Router(context: BasicWebSocketRequestContext.self)
    configure(router)
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: quietLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.run()
            return nil
        }
        group.addTask {
            // A guard against a hang, not a time limit: the whole suite runs its tests in
            // parallel on two cores, where a loopback exchange can take many seconds to answer.
            try await Task.sleep(for: .seconds(120))
            throw TestTimeout()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestTimeout() }
        group.addTask { try await body(port) }
        while let result = try await group.next() {
            if let value = result {
                group.cancelAll()
                return value
            }
        }
        throw TestTimeout()
    }
}

struct TestTimeout: Error {}

/// A kline stream event in Binance's documented shape.
func klineEvent(open: Int64, close: Double, closed: Bool, symbol: String = "BTCUSDT") -> String {
    let openMs = open / 1000
    return """
    {"e":"kline","E":\(openMs + 60_000),"s":"\(symbol)","k":{"t":\(openMs),"T":\(openMs + 59_999),"s":"\(symbol)","i":"1m",\
    "f":100,"L":200,"o":"\(close - 1)","c":"\(close)","h":"\(close + 1)","l":"\(close - 2)","v":"1000","n":100,\
    "x":\(closed),"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}
    """
}

/// A REST kline row in Binance's documented shape.
func klineRow(open: Int64, close: Double) -> String {
    let openMs = open / 1000
    return """
    [\(openMs),"\(close - 1)","\(close + 1)","\(close - 2)","\(close)","1000",\(openMs + 59_999),"1.0000",100,"500","0.500","0"]
    """
}

/// The bar `klineEvent` and `klineRow` describe.
func expectedBar(open: Int64, close: Double) -> Bar {
    Bar(timestamp: open, open: close - 1, high: close + 1, low: close - 2, close: close, volume: 1000)
}

/// A klines route that serves `closes` as consecutive 1m klines from `start`, honouring
/// startTime, endTime and limit as Binance does.
func serveKlines(_ router: Router<BasicWebSocketRequestContext>, start: Int64, closes: [Double], log: RequestLog) {
    router.get("/api/v3/klines") { request, _ -> String in
        let query = request.uri.queryParameters
        log.record(Dictionary(uniqueKeysWithValues: query.map { (String($0.key), String($0.value)) }))
        let startMs = query.get("startTime", as: Int64.self) ?? 0
        let endMs = query.get("endTime", as: Int64.self) ?? .max
        let limit = query.get("limit", as: Int.self) ?? 500
        let rows = closes.enumerated().lazy
            .map { (open: start + Int64($0.offset) * minute, close: $0.element) }
            .filter { $0.open / 1000 >= startMs && $0.open / 1000 <= endMs }
            .prefix(limit)
            .map { klineRow(open: $0.open, close: $0.close) }
        return "[" + rows.joined(separator: ",") + "]"
    }
}
