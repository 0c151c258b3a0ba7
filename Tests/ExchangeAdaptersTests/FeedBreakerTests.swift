import Agents
import ExchangeAdapters
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Indicators
import Runtime
import StrategyCompiler
import StrategyDSL
import Testing

/// REST backfill behind the feed's circuit breaker (the Supervisor's), against a local server on
/// loopback that fails. One manual clock drives the client's backoff waits and the breaker, so
/// the cooldown passes without sleeping.
@Suite struct FeedBreakerTests {
    static let feed = "btc 1m"

    /// A strategy on synthetic data: the Supervisor needs a runner, the runner a plan.
    static func runner(clock: ManualClock) throws -> LiveRunner {
        let yaml = """
            strategy: { name: breaker }
            data:
              index:
                synthetic: { seed: 11, bars: 10, start: 2024-01-01T00:00:00Z, start_price: 100, volatility: 0.01 }
                instrument: INDEX
                interval: 1d
                calendar: always
            features:
              fast: sma(close, 2)
            signals:
              trend:
                long: fast > close
            risk:
              sizing: { equity_fraction: 1.0, lot: 1 }
            execution:
              algo: market
              venue: { sim: { fill: close } }
            """
        let result = Linter(models: nil, workingDirectory: URL(fileURLWithPath: NSTemporaryDirectory())).lint(text: yaml, path: "breaker.yaml")
        let plan = try Planner.plan(try #require(result.checked, "\(result.diagnostics.map(\.message))"))
        return LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]),
                          configuration: .init(instruments: 1, now: { clock.nowMicroseconds }))
    }

    /// Three 500s within the window open the breaker: the client stops sending at once and fails
    /// with `breakerOpen`; a later call sends nothing. After the 30 s cooldown one probe goes out,
    /// succeeds, and the breaker closes.
    @Test func repeatedServerErrorsOpenTheBreakerThenAProbeClosesIt() async throws {
        let clock = ManualClock()
        let loop = SupervisionLoop(
            runner: try Self.runner(clock: clock),
            policy: SupervisionPolicy(breaker: CircuitBreaker.Settings(errors: 3, windowMicroseconds: 60_000_000, cooldownMicroseconds: 30_000_000)),
            seed: 1)
        let log = RequestLog()
        let failure = Response(status: .init(code: 500), headers: [:], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        let outcome: [String] = try await withBinanceServer({ router in
            router.get("/api/v3/klines") { _, _ -> Response in
                let index = log.count
                log.record([:])
                if index < 3 { return failure }
                return Response(status: .init(code: 200), headers: [:], body: .init(byteBuffer: ByteBuffer(string: "[" + klineRow(open: epoch2024, close: 100) + "]")))
            }
        }) { port in
            let client = BinanceRESTClient(
                configuration: .init(baseURL: URL(string: "http://127.0.0.1:\(port)")!, maxRetries: 5,
                                     backoff: Backoff(initial: .seconds(1), maximum: .seconds(16))),
                clock: clock, jitter: { 0 }, gate: loop.gate(feed: Self.feed), logger: quietLogger)
            var seen: [String] = []
            for round in 0..<3 {
                if round == 2 { clock.advance(by: .seconds(30)) }
                do {
                    let bars = try await client.klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
                    seen.append("\(bars.count) bars after \(log.count) requests")
                } catch let error as BinanceRESTError {
                    seen.append("\(error == .breakerOpen ? "breaker open" : "\(error)") after \(log.count) requests")
                }
            }
            return seen
        }
        #expect(outcome == ["breaker open after 3 requests", "breaker open after 3 requests", "1 bars after 4 requests"])
        #expect(loop.supervision.feedBreakers[Self.feed]?.state == .closed)
        #expect(loop.status.breakers.map(\.state) == [.closed])
    }

    /// A stream whose server refuses the WebSocket upgrade: after three failed connections the
    /// breaker opens and the stream stops trying until the cooldown lets one probe through; the
    /// probe fails and the breaker opens again for another cooldown.
    @Test func anOpenBreakerHoldsBackReconnectsUntilItsCooldown() async throws {
        let clock = ManualClock()
        let loop = SupervisionLoop(
            runner: try Self.runner(clock: clock),
            policy: SupervisionPolicy(breaker: CircuitBreaker.Settings(errors: 3, windowMicroseconds: 60_000_000, cooldownMicroseconds: 30_000_000)),
            seed: 1)
        let attempts = LockedMoves()
        try await withBinanceServer({ router in
            router.get("/ws/btcusdt@kline_1m") { _, _ -> Response in
                attempts.append("\(clock.nowMicroseconds)")
                return Response(status: .init(code: 500), headers: [:], body: .init(byteBuffer: ByteBuffer(string: "down")))
            }
        }) { port in
            let stream = BinanceKlineStream(
                configuration: .init(symbol: "BTCUSDT", interval: .oneMinute, endpoint: "ws://127.0.0.1:\(port)/ws",
                                     reconnectBackoff: Backoff(initial: .seconds(1), maximum: .seconds(4))),
                backfill: nil, clock: clock, jitter: { 0 }, gate: loop.gate(feed: Self.feed), logger: quietLogger)
            var disconnects = 0
            do {
                // Reported as `stratum run`'s feed reports them.
                try await stream.run { event in
                    switch event {
                    case .connection(.connected): loop.feedContact(Self.feed)
                    case .connection(.disconnected(_, let reason)):
                        loop.feedError(Self.feed, message: reason)
                        disconnects += 1
                        if disconnects == 5 { throw TestTimeout() }
                    default: break
                    }
                }
            } catch is TestTimeout {}
        }
        let times = attempts.lines.compactMap { Int64($0) }
        #expect(times.count == 5)
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        // While closed, the reconnect backoff with no jitter: half of 1 s, then half of 2 s
        // (Backoff's "equal jitter"); then each wait spans the 30 s cooldown.
        #expect(gaps.prefix(2) == [500_000, 1_000_000])
        #expect(gaps.dropFirst(2).allSatisfy { $0 >= 30_000_000 }, "\(gaps)")
        #expect(loop.supervision.feedBreakers[Self.feed]?.state == .open)
    }

    /// The breaker's moves as `/status` and the log see them: open, then half-open, then closed.
    @Test func theBreakerReportsEachMove() async throws {
        let clock = ManualClock()
        let moves = LockedMoves()
        let loop = SupervisionLoop(
            runner: try Self.runner(clock: clock),
            policy: SupervisionPolicy(breaker: CircuitBreaker.Settings(errors: 2, windowMicroseconds: 10_000_000, cooldownMicroseconds: 5_000_000)),
            seed: 1, log: { moves.append($0) })
        let gate = loop.gate(feed: Self.feed)
        gate.failed("HTTP 500")
        clock.advance(by: .seconds(20))
        gate.failed("HTTP 500")
        // The first error left the window: one error in it, still closed.
        #expect(gate.mayRequest())
        gate.failed("HTTP 500")
        #expect(!gate.mayRequest())
        clock.advance(by: .seconds(5))
        #expect(gate.mayRequest(), "the probe")
        #expect(!gate.mayRequest(), "one probe at a time")
        gate.succeeded()
        #expect(gate.mayRequest())
        #expect(moves.lines.filter { $0.contains("circuit breaker") }.map { String($0.split(separator: " ").suffix(3).joined(separator: " ")) }
            == ["closed → open", "open → half_open", "half_open → closed"])
    }
}

final class LockedMoves: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}
