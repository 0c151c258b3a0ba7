import Agents
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Indicators
import Logging
import Runtime
import StrategyCompiler
import Testing
@testable import StratumCLI

/// An `exchange:` source through the live runtime, against a local server on loopback that
/// speaks Binance's documented kline stream and REST formats: every closed bar reaches the
/// agents once and in order, a gap after a reconnect is filled over REST, and readiness follows
/// the connection. Serialized: the two tests' local servers are not meant to share the machine's
/// two cores with each other.
@Suite(.serialized)
struct RunBinanceFeedTests {
    static let minute: Int64 = 60_000_000
    /// 2024-01-01T00:00:00Z in microseconds.
    static let start: Int64 = 1_704_067_200_000_000

    static func at(_ index: Int) -> Int64 { start + Int64(index) * minute }
    static func close(_ index: Int) -> Double { 100 + Double(index % 7) - Double(index % 3) * 0.5 }

    /// A kline stream event as Binance documents it (`x`: whether the kline is closed).
    static func event(_ index: Int, closed: Bool = true) -> String {
        let openMs = at(index) / 1000, close = close(index)
        return """
        {"e":"kline","E":\(openMs + 60_000),"s":"BTCUSDT","k":{"t":\(openMs),"T":\(openMs + 59_999),"s":"BTCUSDT","i":"1m",\
        "f":100,"L":200,"o":"\(close - 1)","c":"\(close)","h":"\(close + 1)","l":"\(close - 2)","v":"1000","n":100,\
        "x":\(closed),"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}
        """
    }

    /// A REST kline row as Binance documents it.
    static func row(_ index: Int) -> String {
        let openMs = at(index) / 1000, close = close(index)
        return #"[\#(openMs),"\#(close - 1)","\#(close + 1)","\#(close - 2)","\#(close)","1000",\#(openMs + 59_999),"1.0000",100,"500","0.500","0"]"#
    }

    static func expectedBar(_ index: Int) -> Bar {
        let close = close(index)
        return Bar(timestamp: at(index), open: close - 1, high: close + 1, low: close - 2, close: close, volume: 1000)
    }

    /// Connection 1: bars 0..<30 (and a forming kline), then the server closes it; connection 2:
    /// bars 35..<40, then stays open. Bars 30..<35 are only on REST.
    final class Script: @unchecked Sendable {
        private let lock = NSLock()
        private var connections = 0
        func next() -> Int { lock.withLock { defer { connections += 1 }; return connections } }
    }

    static func serve(_ router: Router<BasicWebSocketRequestContext>, script: Script) {
        router.ws("/ws/btcusdt@kline_1m") { inbound, outbound, _ in
            // Frames written in the same instant as the upgrade can be lost by the client on a
            // starved machine (seen when the whole suite runs); a real stream starts later too.
            try await Task.sleep(for: .milliseconds(200))
            if script.next() == 0 {
                for index in 0..<30 { try await outbound.write(.text(event(index))) }
                try await outbound.write(.text(event(30, closed: false)))
                return
            }
            for index in 35..<40 { try await outbound.write(.text(event(index))) }
            for try await _ in inbound {}
        }
        router.get("/api/v3/klines") { request, _ -> String in
            let query = request.uri.queryParameters
            let from = query.get("startTime", as: Int64.self) ?? 0, to = query.get("endTime", as: Int64.self) ?? .max
            let rows = (0..<40).filter { at($0) / 1000 >= from && at($0) / 1000 <= to }.map(row)
            return "[" + rows.joined(separator: ",") + "]"
        }
    }

    /// A strategy on the local server's BTCUSDT 1m stream, paper-traded on the simulated venue.
    static func strategy(port: Int) -> String {
        """
        strategy: { name: live-binance }
        data:
          btc:
            exchange: { venue: binance, symbol: BTCUSDT, url: "ws://127.0.0.1:\(port)/ws", rest_url: "http://127.0.0.1:\(port)", backfill: true }
            instrument: BTCUSDT
            interval: 1m
            calendar: always
        features:
          fast: sma(close, 3)
          slow: sma(close, 8)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
        risk:
          sizing: { equity_fraction: 0.5, lot: 1 }
        execution:
          venue: { sim: { fill: close } }
        """
    }

    /// Runs the local Binance stand-in on a free loopback port while `body` runs.
    static func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "stratum.run.tests")
        logger.logLevel = .critical
        let router = Router(context: BasicWebSocketRequestContext.self)
        serve(router, script: Script())
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let server = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
                                 configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                 onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    /// The same through a `stratum run` process: ready once the stream is connected, every bar
    /// processed, and a clean exit on SIGTERM.
    @Test func aRunProcessOnTheStreamIsReadyAndStopsCleanly() async throws {
        try await Self.withServer { port in
            let fixture = try BacktestFixture()
            let path = try fixture.write("live.yaml", Self.strategy(port: port))
            let child = try StratumProcess(["run", path, "--control", "127.0.0.1:0", "--state", "state", "--registry", fixture.folder.path],
                                           in: fixture.folder)
            let control = try await child.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
            let base = "http://127.0.0.1:\(control)"
            var status: [String: Any] = [:]
            let patience = ContinuousClock.now + waitLimit
            while ContinuousClock.now < patience {
                status = try jsonObject(try await http("GET", "\(base)/status").body)
                if status["bars_processed"] as? Int == 40 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(status["bars_processed"] as? Int == 40, "\(child.standardError)")
            let ready = try await http("GET", "\(base)/ready")
            #expect(ready.status == 200, "\(ready.body)")
            #expect(try jsonObject(ready.body)["feeds_connected"] as? [String: Any] != nil)
            child.signal(SIGTERM)
            #expect(try await child.exitCode() == 0, "\(child.standardError)")
            let flushed = try jsonObject(String(contentsOf: fixture.folder.appendingPathComponent("state/status.json"), encoding: .utf8))
            #expect(flushed["bars_processed"] as? Int == 40)
        }
    }

    @Test func exchangeBarsReachTheAgentsOnceInOrderWithTheGapBackfilled() async throws {
        var logger = Logger(label: "stratum.run.tests")
        logger.logLevel = .critical
        let script = Script()
        let router = Router(context: BasicWebSocketRequestContext.self)
        Self.serve(router, script: script)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let server = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
                                 configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                 onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let collected = RunCollector()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-binance-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("live.yaml").path
            try Data(Self.strategy(port: port).utf8).write(to: URL(fileURLWithPath: path))
            let strategy = try LiveStrategy.load(path: path, registry: folder)
            let command = try RunCommand.parse([path])
            let feeds = try LiveSession(command: command).makeFeeds(strategy, logger: logger)
            #expect(feeds.count == 1)
            let runner = LiveRunner(agents: AgentSet(plan: strategy.plan, evaluators: [:]), configuration: .init(instruments: 1),
                                    observers: [collected])
            let connectivity = FeedConnectivity()
            let target = LiveControlTarget(identity: .init(strategy: "live-binance", planHash: strategy.plan.hash, mode: .paper, startedAt: 0),
                                           runner: runner, book: LiveStatusBook(instruments: ["BTCUSDT"], cash: 10_000), connectivity: connectivity)
            group.addTask { try await runner.run() }
            group.addTask { try await LiveFeedService(feeds: feeds, runner: runner, connectivity: connectivity).run() }
            let patience = ContinuousClock.now + waitLimit
            while runner.progress.barsProcessed < 40, ContinuousClock.now < patience { try await Task.sleep(for: .milliseconds(20)) }
            #expect(runner.progress.barsProcessed == 40)
            let readiness = await target.isReady()
            #expect(readiness.isReady, "\(readiness)")
            group.cancelAll()
        }
        #expect(collected.bars == (0..<40).map(Self.expectedBar), "every bar once, in order, 30..<35 from REST")
        #expect(collected.signals > 0, "the strategy traded on the stream")
    }
}

/// The bars and signals a run reported.
final class RunCollector: LiveObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seenBars: [Bar] = []
    private var seenSignals = 0

    var bars: [Bar] { lock.withLock { seenBars } }
    var signals: Int { lock.withLock { seenSignals } }

    func observe(_ report: LiveReport) async {
        lock.withLock {
            for envelope in report.envelopes {
                switch envelope.payload {
                case .bar(let market): seenBars.append(market.bar)
                case .signal: seenSignals += 1
                default: break
                }
            }
        }
    }
}
