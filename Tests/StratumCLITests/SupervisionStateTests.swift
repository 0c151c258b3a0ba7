import Agents
import Foundation
import Runtime
import Storage
import Testing
@testable import StratumCLI

/// The Supervisor of `stratum run --state DIR` against a real state.sqlite: past the restart
/// limit the strategy halts, the switch and an incident (row and markdown file, redacted) are
/// persisted, and a restart of the process from the same folder stays HALTED.
@Suite(.serialized)
struct SupervisionStateTests {
    /// sma_cross on GOOG with two restarts allowed, filled at the next open.
    static let strategy = """
        strategy: { name: supervised-sma }
        data:
          goog: { csv: data/GOOG.csv, instrument: GOOG, interval: 1d }
        features:
          fast: sma(close, 10)
          slow: sma(close, 30)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
        risk:
          sizing: { equity_fraction: 1.0, lot: 1 }
          max_leverage: 1.0
        execution:
          algo: market
          venue: { sim: { fill: next_open, fee_bps: 0, slippage_bps: 0 } }
        supervisor: { heartbeat: 1s, missed_heartbeats: 3, max_restarts: 2, backoff: 1s, max_backoff: 8s }
        """

    /// The word the test's redactor hides: the failing agent's name, which the incident names.
    static let secret = "signal"

    struct Process {
        let store: StateStore
        let journal: StateJournal
        let runner: LiveRunner
        let loop: SupervisionLoop
        let clock: Clock

        final class Clock: @unchecked Sendable {
            private let lock = NSLock()
            private var micros: Int64 = 1_700_000_000_000_000
            var now: Int64 { lock.withLock { micros } }
            func advance(_ by: Int64) { lock.withLock { micros += by } }
        }

        /// What `stratum run --state` builds, with a manual clock.
        init(strategy: LiveStrategy, state: URL) async throws {
            let plan = strategy.plan
            let clock = Clock()
            self.clock = clock
            store = try StateStore.open(directory: state, redacting: { $0.replacingOccurrences(of: SupervisionStateTests.secret, with: "[REDACTED]") })
            try store.bind(strategyID: plan.spec.name.value, at: clock.now)
            let configuration = LiveRunner.Configuration(instruments: 1, heartbeatInterval: .milliseconds(2), checkpointEvery: 100,
                                                         now: { clock.now })
            let book = LiveStatusBook(instruments: ["GOOG"], cash: plan.spec.portfolio.cash)
            let fresh = AgentSet(plan: plan, evaluators: strategy.evaluators)
            journal = StateJournal(store: store, current: strategy.compiled, registry: URL(fileURLWithPath: BacktestFixture.registry),
                                   configuration: configuration, replayObservers: [book])
            _ = try await journal.load()
            runner = LiveRunner(agents: fresh, configuration: configuration, journal: journal, observers: [book] + journal.observers)
            loop = try LiveSession.supervision(plan: plan, runner: runner, durable: journal, stateFolder: state, book: book, say: { _ in })
        }

        /// Moves the clock, waits for every running actor's heartbeat at the new time, ticks.
        func advance(by micros: Int64, except stopped: Set<AgentID> = []) async throws {
            clock.advance(micros)
            let down = stopped.union(loop.supervision.conditions.filter { $0.value == .restarting || $0.value == .failed }.keys)
            for agent in StartOrder.agents where !down.contains(agent) {
                while (runner.health.lastHeartbeat(agent) ?? .min) < clock.now { try await Task.sleep(for: .milliseconds(1)) }
            }
            await loop.tick()
        }

        /// Stops `agent`'s actor (a crash) and lets its heartbeats lapse past the allowed misses.
        func crash(_ agent: AgentID) async throws {
            try await runner.stopAgent(agent)
            try await advance(by: loop.policy.heartbeatDeadlineMicroseconds + 1, except: [agent])
        }
    }

    @Test func pastTheRestartLimitTheRunHaltsWritesAnIncidentAndStaysHaltedAfterARestart() async throws {
        let fixture = try BacktestFixture()
        try fixture.copy("data/GOOG.csv", as: "data/GOOG.csv")
        let path = try fixture.write("supervised.yaml", Self.strategy)
        let strategy = try LiveStrategy.load(path: path, registry: URL(fileURLWithPath: BacktestFixture.registry))
        let state = fixture.folder.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let feeds = strategy.sources.compactMap { if case .historical(let feed, _) = $0 { feed } else { nil } }
        let bars = Array(try ReplayFeed<ContinuousClock>.bars(of: feeds).prefix(400))

        let first = try await Process(strategy: strategy, state: state)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.runner.run() }
            for (index, bar) in bars.enumerated() {
                await first.runner.send(bar)
                guard [100, 200, 300].contains(index) else { continue }
                while first.runner.progress.barsProcessed < UInt64(index + 1) { await Task.yield() }
                try await first.crash(.signal)
                if index < 300 {
                    // Within the limit: restarted after its backoff.
                    try await first.advance(by: first.loop.policy.backoff.capMicroseconds)
                    #expect(first.loop.supervision.conditions[.signal] == .healthy)
                }
            }
            #expect(try await first.runner.pause { $0.portfolio.state } == .halted)
            await first.runner.feedEnded()
            first.runner.finish()
            try await group.waitForAll()
        }
        #expect(first.loop.supervision.totalRestarts[.signal] == 2)

        let killSwitch = try first.store.killSwitch()
        #expect(killSwitch.state == .halted)
        let incidents = try first.store.incidents()
        #expect(incidents.count == 1)
        let incident = try #require(incidents.first)
        #expect(incident.incident.restartsTried == 2)
        #expect(incident.incident.subject == "[REDACTED]")
        let markdown = try String(contentsOf: state.appendingPathComponent(incident.file), encoding: .utf8)
        #expect(markdown.contains("[REDACTED]"))
        #expect(!markdown.contains(Self.secret), "the incident file is redacted")
        #expect(first.loop.status.incidents.count == 1)
        let openOrders = try first.store.orders().filter { [.pending, .sent, .partiallyFilled].contains($0.status) }
        #expect(openOrders.isEmpty, "no order left open after the halt")
        try first.store.close()

        // The process starts again on the same folder: HALTED until `stratum resume`.
        let second = try await Process(strategy: strategy, state: state)
        #expect(second.loop.supervision.killSwitch.state == .halted)
        let restored = try #require(try await second.journal.load())
        #expect(restored.agents.portfolio.state == .halted)
        try second.store.close()
    }
}
