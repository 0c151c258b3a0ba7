import Agents
import Foundation
import Runtime
import StrategyCompiler
import Testing

/// The Supervisor driving a real actor runner: heartbeats from the agents' actors, restarts
/// with backoff from the runner's persisted state, the restart limit, and feed silence.
///
/// Time is a manual clock shared by the runner (heartbeat stamps) and the loop (ticks): a test
/// moves it, waits until every running actor has beaten at the new time (the runner pings them
/// every few milliseconds), then ticks. Every decision depends on the manual clock only, so the
/// counts asserted are exact.
struct SupervisionLoopTests {
    /// One second heartbeats, three may be missed; backoff 1 s doubling to 8 s.
    static func policy(maxRestarts: Int, feedTimeout: Int64? = nil) -> SupervisionPolicy {
        SupervisionPolicy(heartbeatMicroseconds: 1_000_000, missedHeartbeats: 3,
                          backoff: RestartBackoff(baseMicroseconds: 1_000_000, factor: 2, capMicroseconds: 8_000_000, maxRestarts: maxRestarts),
                          feedTimeoutMicroseconds: feedTimeout)
    }

    /// Chaos: agents are stopped, as a crash would (their actor and state dropped), at 24 seeded
    /// moments; bars arrive while they are down. The Supervisor notices the missed heartbeats,
    /// restarts each with backoff from its persisted state, and the run ends with exactly the
    /// trades, equity, orders and fills of the fused backtest on the same bars (the reference,
    /// itself checked against backtesting.py in BacktestParityTests): nothing lost or duplicated.
    @Test func crashedAgentsAreRestartedWithBackoffAndTheRunEqualsTheBacktest() async throws {
        let (plan, bars, backtest) = try LiveRunnerSeamTests.smaCross()
        var random = JitterSource(seed: 20_261_126)
        var crashes: [Int: AgentID] = [:]
        while crashes.count < 24 {
            let index = 40 + Int(random.next() % UInt64(bars.count - 80))
            guard !(index - 8...index + 8).contains(where: { crashes[$0] != nil }) else { continue }
            crashes[index] = StartOrder.agents[Int(random.next() % UInt64(StartOrder.agents.count))]
        }
        let journal = InMemoryLiveJournal()
        let run = SupervisedRun(plan: plan, policy: Self.policy(maxRestarts: 100), journal: journal)
        let live = try await run.run(bars: bars) { index, run in
            guard let victim = crashes[index] else { return }
            try await run.crash(victim, afterBar: index)
            // Three bars arrive while it is down; they wait for it, in order.
            for held in bars[(index + 1)...(index + 3)] { await run.runner.send(held) }
            try await run.restartWhenDue(victim)
        } skip: { index in crashes.keys.contains { (($0 + 1)...($0 + 3)).contains(index) } }

        expectSameResults(live: live, backtest: backtest)
        var expected: [AgentID: Int] = [:]
        for victim in crashes.values { expected[victim, default: 0] += 1 }
        #expect(run.loop.supervision.totalRestarts == expected)
        for health in run.runner.health.snapshot() {
            let agent = try #require(StartOrder.agents.first { $0.operatorName == health.agent })
            #expect(health.restarts == expected[agent, default: 0], "\(health.agent)")
            #expect(health.status == .healthy)
        }
        #expect(run.loop.supervision.killSwitch.state == .active)
        let journaled = await journal.bars.map(\.sequence)
        #expect(journaled == (0..<UInt64(bars.count)).map { $0 }, "every bar journaled once, in order")
    }

    /// Past the restart limit: the strategy goes HALTED, the open order is cancelled, the switch
    /// and an incident are recorded (persisted before the halt is applied).
    @Test func pastTheRestartLimitTheStrategyHaltsWithAnIncident() async throws {
        // sma_cross working its orders in five TWAP slices, one a bar: a parent stays open for days.
        let plan = try LiveFixtures.plan(LiveFixtures.smaCross.replacingOccurrences(
            of: "algo: market", with: "algo: twap\n  twap: { horizon: 5d, slices: 5 }"))
        let backtest = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try LiveFixtures.feeds(plan))
        let bars = try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan))
        // The bar of an order's first slice: its other slices are still to come.
        let ordered = try #require(backtest.sink.orders.first { $0.order.status == .accepted && $0.timestamp > bars[300].bar.timestamp })
        let last = try #require(bars.firstIndex { $0.bar.timestamp == ordered.timestamp })
        let recorder = MemoryRecorder()
        let run = SupervisedRun(plan: plan, policy: Self.policy(maxRestarts: 2), recorder: recorder)
        let live = try await run.run(bars: Array(bars[...last])) { index, run in
            // Two crashes are restarted; the third, right after the order, is one too many.
            if index == 100 || index == 200 {
                try await run.crash(.signal, afterBar: index)
                try await run.restartWhenDue(.signal)
            }
            if index == last {
                try await run.crash(.signal, afterBar: index)
                #expect(run.loop.supervision.conditions[.signal] == .failed)
                #expect(try await run.runner.pause { $0.portfolio.state } == .halted)
            }
        }
        let transitions = await recorder.transitions
        #expect(transitions.map(\.to) == [.halted])
        #expect(transitions.first?.trigger == "agent_failed")
        let incidents = await recorder.incidents
        #expect(incidents.count == 1)
        #expect(incidents.first?.subject == "signal")
        #expect(incidents.first?.restartsTried == 2)
        #expect(incidents.first?.severity == .critical)
        #expect(live.orders.contains { $0.order.parent == ordered.order.parent && $0.order.status == .cancelled }, "the open order was cancelled")
        #expect(!backtest.sink.orders.contains { $0.order.parent == ordered.order.parent && $0.order.status == .cancelled })
        #expect(run.runner.health.snapshot().first { $0.agent == "signal" }?.status == .failed)
    }

    /// A feed that stops sending trips the kill switch once its silence passes the timeout.
    @Test func feedSilencePastTheTimeoutTripsTheKillSwitch() async throws {
        let (plan, bars, _) = try LiveRunnerSeamTests.smaCross()
        let recorder = MemoryRecorder()
        let run = SupervisedRun(plan: plan, policy: Self.policy(maxRestarts: 5, feedTimeout: 5_000_000), recorder: recorder)
        _ = try await run.run(bars: Array(bars[..<50])) { index, run in
            run.loop.feedContact("binance BTCUSDT 1m")
            guard index == 49 else { return }
            // Exactly at the timeout: not yet lost.
            try await run.advance(by: 5_000_000)
            #expect(run.loop.supervision.killSwitch.state == .active)
            try await run.advance(by: 1)
            #expect(run.loop.supervision.killSwitch.state == .halted)
            #expect(try await run.runner.pause { $0.portfolio.state } == .halted)
        }
        let transitions = await recorder.transitions
        #expect(transitions.map(\.trigger) == ["feed_lost"])
        #expect(transitions.first?.reason.contains("binance BTCUSDT 1m") == true)
        #expect(run.loop.supervision.conditions.values.allSatisfy { $0 == .healthy })
    }
}

/// A runner and its supervision loop on one manual clock.
final class SupervisedRun: Sendable {
    let clock = LockedState<Int64>(1_700_000_000_000_000)
    let runner: LiveRunner
    let loop: SupervisionLoop
    let collector = LiveCollector()

    init(plan: Plan, policy: SupervisionPolicy, recorder: (any SupervisionRecorder)? = nil, journal: InMemoryLiveJournal? = nil) {
        let clock = clock
        runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]),
                            configuration: .init(instruments: 1, heartbeatInterval: .milliseconds(2), checkpointEvery: 64, now: { clock.value }),
                            journal: journal, observers: [collector])
        loop = SupervisionLoop(runner: runner, policy: policy, seed: 7, recorder: recorder)
    }

    /// Feeds `bars` (except those `skip` says the step sends itself), calling `step` after each.
    func run(bars: [LiveBar], step: (Int, SupervisedRun) async throws -> Void,
             skip: (Int) -> Bool = { _ in false }) async throws -> CollectingSink {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.runner.run() }
            for (index, bar) in bars.enumerated() where !skip(index) {
                await runner.send(bar)
                try await step(index, self)
            }
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }
        return collector.sink
    }

    /// Stops `agent`'s actor once bar `index` went through, then lets its heartbeats lapse: the
    /// next tick finds it past the allowed misses and schedules its restart.
    func crash(_ agent: AgentID, afterBar index: Int) async throws {
        while runner.progress.barsProcessed < UInt64(index + 1) { await Task.yield() }
        try await runner.stopAgent(agent)
        let policy = loop.policy
        try await advance(by: policy.heartbeatMicroseconds * Int64(policy.missedHeartbeats) + 1, except: [agent])
    }

    /// Moves the clock past the longest backoff the next restart can have, then ticks: the
    /// restart is done and the held bars go through.
    func restartWhenDue(_ agent: AgentID) async throws {
        #expect(loop.supervision.conditions[agent] == .restarting)
        let attempt = loop.supervision.restarts[agent] ?? 1
        try await advance(by: loop.policy.backoff.nominalDelay(attempt: attempt))
        #expect(loop.supervision.conditions[agent] == .healthy)
        while runner.progress.agentsDown > 0 { await Task.yield() }
    }

    /// Moves the clock, waits until every running actor has beaten at the new time, and ticks.
    func advance(by micros: Int64, except stopped: Set<AgentID> = []) async throws {
        clock.value += micros
        let now = clock.value
        let down = stopped.union(loop.supervision.conditions.filter { $0.value == .restarting || $0.value == .failed }.keys)
        for agent in StartOrder.agents where !down.contains(agent) {
            while (runner.health.lastHeartbeat(agent) ?? .min) < now { try await Task.sleep(for: .milliseconds(1)) }
        }
        await loop.tick()
    }
}

/// Keeps what the Supervisor persists.
actor MemoryRecorder: SupervisionRecorder {
    var transitions: [KillSwitchTransition] = []
    var incidents: [SupervisorIncident] = []

    func recordKillSwitch(_ transition: KillSwitchTransition) {
        transitions.append(transition)
    }

    func recordIncident(_ incident: SupervisorIncident) -> String? {
        incidents.append(incident)
        return nil
    }
}
