import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Storage
import Testing
@testable import StratumCLI

/// Connectivity loss in a `stratum run` process: the local Binance stand-in (RunBinanceFeedTests)
/// sends its bars and then stays connected but silent. Past `kill_switch.feed_timeout` the
/// Supervisor trips the kill switch, persists it, and a second process on the same state folder
/// starts HALTED.
@Suite(.serialized)
struct RunFeedSilenceTests {
    static let second: Int64 = 1_000_000
    static let start: Int64 = 1_704_067_200_000_000

    /// A closed 1s kline of the stream, as Binance documents it.
    static func event(_ index: Int) -> String {
        let openMs = (start + Int64(index) * second) / 1000, close = 100 + Double(index % 5)
        return """
        {"e":"kline","E":\(openMs + 1_000),"s":"BTCUSDT","k":{"t":\(openMs),"T":\(openMs + 999),"s":"BTCUSDT","i":"1s",\
        "f":100,"L":200,"o":"\(close - 1)","c":"\(close)","h":"\(close + 1)","l":"\(close - 2)","v":"1000","n":100,\
        "x":true,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}
        """
    }

    /// Every connection: 20 closed klines, then silence on an open connection.
    static func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "stratum.run.tests")
        logger.logLevel = .critical
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/ws/btcusdt@kline_1s") { inbound, outbound, _ in
            try await Task.sleep(for: .milliseconds(200))
            for index in 0..<20 { try await outbound.write(.text(event(index))) }
            for try await _ in inbound {}
        }
        router.get("/api/v3/klines") { _, _ -> String in "[]" }
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

    static func strategy(port: Int) -> String {
        """
        strategy: { name: silent-feed }
        data:
          btc:
            exchange: { venue: binance, symbol: BTCUSDT, url: "ws://127.0.0.1:\(port)/ws", rest_url: "http://127.0.0.1:\(port)", backfill: true }
            instrument: BTCUSDT
            interval: 1s
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
          kill_switch: { feed_timeout: 2s }
        """
    }

    /// `/status` once `done` says so, or the last one read when the wait runs out.
    static func status(at base: String, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        var status: [String: Any] = [:]
        let patience = ContinuousClock.now + waitLimit
        while ContinuousClock.now < patience {
            guard let answer = try? await http("GET", "\(base)/status") else { break }
            status = try jsonObject(answer.body)
            if done(status) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return status
    }

    @Test func aSilentFeedHaltsTheRunAndARestartStaysHalted() async throws {
        try await Self.withServer { port in
            let fixture = try BacktestFixture()
            let path = try fixture.write("live.yaml", Self.strategy(port: port))
            let arguments = ["run", path, "--control", "127.0.0.1:0", "--state", "state", "--registry", fixture.folder.path]

            let first = try StratumProcess(arguments, in: fixture.folder)
            let control = try await first.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
            let halted = try await Self.status(at: "http://127.0.0.1:\(control)") { ($0["state"] as? String)?.uppercased() == "HALTED" }
            #expect((halted["state"] as? String)?.uppercased() == "HALTED", "\(halted) \(first.standardError)")
            let supervision = halted["supervision"] as? [String: Any]
            #expect((supervision?["kill_switch_reason"] as? String)?.contains("past the feed timeout") == true, "\(halted)")
            first.signal(SIGTERM)
            #expect(try await first.exitCode() == 0, "\(first.standardError)")
            #expect(first.standardError.lowercased().contains("supervisor: kill switch active → halted"), "\(first.standardError)")

            let store = try StateStore.open(directory: fixture.folder.appendingPathComponent("state"), redacting: { $0 })
            let history = try store.killSwitchHistory()
            try store.close()
            #expect(history.map(\.trigger) == ["feed_lost"])

            let second = try StratumProcess(arguments, in: fixture.folder)
            let again = try await second.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
            let restored = try await Self.status(at: "http://127.0.0.1:\(again)") { ($0["state"] as? String)?.uppercased() == "HALTED" }
            #expect((restored["state"] as? String)?.uppercased() == "HALTED", "a restart stays halted until `stratum resume`")
            second.signal(SIGTERM)
            #expect(try await second.exitCode() == 0, "\(second.standardError)")
        }
    }
}
