import Agents
import Foundation
import Runtime
import StrategyCompiler
import Testing

/// The seams other parts of the runtime use: state between bars, stopping and restarting one
/// agent's actor, Supervisor commands, heartbeats, and the journal. The reference is again the
/// fused runner on the same bars.
struct LiveRunnerSeamTests {
    static func smaCross() throws -> (plan: Plan, bars: [LiveBar], backtest: BacktestEngine.Result) {
        let plan = try LiveFixtures.plan(LiveFixtures.smaCross)
        let backtest = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try LiveFixtures.feeds(plan))
        return (plan, try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan)), backtest)
    }

    /// Chaos: actors are stopped (their state dropped, as a crash would) at several points, bars
    /// arrive while they are down, and each comes back from the state saved before it stopped.
    @Test func stoppedActorsRestartFromTheirStateAndNothingIsLost() async throws {
        let (plan, bars, backtest) = try Self.smaCross()
        let saved = LockedState<AgentSet?>(nil)
        let victims: [Int: AgentID] = [50: .feature, 300: .portfolioRisk, 700: .execution, 1200: .signal, 1500: .marketData]
        let live = try await LiveFixtures.runLive(plan, bars: bars) { index, runner in
            if let victim = victims[index] {
                // Bar `index` goes through first; the next is not sent before the stop.
                while runner.progress.barsProcessed < UInt64(index + 1) { await Task.yield() }
                saved.value = try await runner.agents()
                try await runner.stopAgent(victim)
                #expect(runner.progress.agentsDown == 1)
            }
            // Five bars later (held meanwhile), the victim comes back from the saved state.
            if let victim = victims[index - 5], let state = saved.value {
                try await runner.restartAgent(victim, from: state)
            }
        }
        expectSameResults(live: live, backtest: backtest)
    }

    /// `pause` hands out the same state the fused runner holds after the same bars, and an
    /// identity swap between every few bars changes nothing.
    @Test func pauseSeesTheFusedRunnersStateAndSwapsAtomically() async throws {
        let (plan, bars, backtest) = try Self.smaCross()
        let checkpoints = [10, 400, 1000]
        var fused = FusedRunner(plan: plan, evaluators: [:])
        var sink = CollectingSink()
        var expected: [Int: (cash: Double, equity: Double, position: Double, seen: Int)] = [:]
        for (index, bar) in bars.enumerated() {
            fused.push(bar.bar, instrument: 0, into: &sink)
            if checkpoints.contains(index) {
                expected[index] = (fused.portfolio.cash, fused.portfolio.equity, fused.execution.positions[0], fused.marketData.barsSeen)
            }
        }
        let seen = LockedState<[Int: (cash: Double, equity: Double, position: Double, seen: Int)]>([:])
        let live = try await LiveFixtures.runLive(plan, bars: bars) { index, runner in
            if checkpoints.contains(index) {
                // Wait for bar `index` itself to be processed before reading.
                while runner.progress.barsProcessed < UInt64(index + 1) { await Task.yield() }
                let state = try await runner.agents()
                seen.value[index] = (state.portfolio.cash, state.portfolio.equity, state.execution.positions[0], state.marketData.barsSeen)
            }
            if index % 97 == 0 {
                try await runner.pause { set in set.feature = set.feature }
            }
        }
        for index in checkpoints {
            let ours = try #require(seen.value[index]), theirs = try #require(expected[index])
            #expect(ours.cash == theirs.cash && ours.equity == theirs.equity && ours.position == theirs.position && ours.seen == theirs.seen,
                    "after bar \(index)")
        }
        expectSameResults(live: live, backtest: backtest)
    }

    @Test func aThrowingSwapChangesNothing() async throws {
        let (plan, bars, backtest) = try Self.smaCross()
        struct Refused: Error {}
        let live = try await LiveFixtures.runLive(plan, bars: bars) { index, runner in
            guard index == 500 else { return }
            await #expect(throws: LiveRunnerError.self) {
                try await runner.pause { set in
                    set.portfolio = AgentSet(plan: plan, evaluators: [:]).portfolio
                    throw Refused()
                }
            }
        }
        expectSameResults(live: live, backtest: backtest)
    }

    /// Kill and resume go through the agents: HALTED in the portfolio and in execution, then ACTIVE.
    @Test func haltAndResumeCommandsReachTheAgents() async throws {
        let (plan, bars, _) = try Self.smaCross()
        let states = LockedState<[(RiskState, Bool)]>([])
        _ = try await LiveFixtures.runLive(plan, bars: Array(bars.prefix(300))) { index, runner in
            if index == 100 {
                try await runner.command(.halt(reason: "test"))
                states.value.append(try await runner.pause { ($0.portfolio.state, $0.execution.halted) })
            }
            if index == 200 {
                states.value.append(try await runner.pause { ($0.portfolio.state, $0.execution.halted) })
                try await runner.command(.resume(reason: "test"))
                states.value.append(try await runner.pause { ($0.portfolio.state, $0.execution.halted) })
            }
        }
        let seen = states.value
        #expect(seen.count == 3)
        #expect(seen.map(\.0) == [.halted, .halted, .active])
        #expect(seen.map(\.1) == [true, true, false])
    }

    @Test func theRunnerItselfCannotBeStopped() async throws {
        let (plan, bars, backtest) = try Self.smaCross()
        let live = try await LiveFixtures.runLive(plan, bars: bars) { index, runner in
            guard index == 10 else { return }
            await #expect(throws: LiveRunnerError.notAnAgent) { try await runner.stopAgent(.runner) }
            await #expect(throws: LiveRunnerError.notAnAgent) { try await runner.restartAgent(.runner, from: AgentSet(plan: plan, evaluators: [:])) }
        }
        expectSameResults(live: live, backtest: backtest)
    }

    /// Nobody waits forever on a runner that has stopped.
    @Test func requestsToAStoppedRunnerAreRefused() async throws {
        let (plan, _, _) = try Self.smaCross()
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]), configuration: .init(instruments: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            runner.finish()
            try await group.waitForAll()
        }
        await #expect(throws: LiveRunnerError.notRunning) { try await runner.command(.halt(reason: "late")) }
        await #expect(throws: LiveRunnerError.notRunning) { try await runner.agents() }
        #expect(runner.progress.running == false)
    }

    @Test func everyActorSendsHeartbeats() async throws {
        let (plan, bars, _) = try Self.smaCross()
        let beats = LockedState<Set<AgentID>>([])
        let board = AgentHealthBoard { agent, _ in beats.value.insert(agent) }
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]),
                                configuration: .init(instruments: 1, heartbeatInterval: .milliseconds(5)), health: board)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            await runner.send(bars[0])
            // Pings reach idle actors too (the Supervisor's actor handles no bar message here).
            let patience = ContinuousClock.now + .seconds(300)
            while beats.value.count < 7, ContinuousClock.now < patience { try await Task.sleep(for: .milliseconds(5)) }
            runner.finish()
            try await group.waitForAll()
        }
        #expect(beats.value == Set(AgentID.allCases.filter { $0 != .runner }))
        #expect(board.snapshot().allSatisfy { $0.lastHeartbeatAt != nil && $0.status == .healthy })
    }

    /// The journal holds every bar and order, and a second runner that starts from its checkpoint
    /// continues exactly where the first stopped: together they equal one uninterrupted backtest.
    @Test func aRunRestoredFromItsCheckpointContinuesExactly() async throws {
        let (plan, bars, backtest) = try Self.smaCross()
        let journal = InMemoryLiveJournal()
        let first = try await LiveFixtures.runLive(plan, bars: Array(bars.prefix(900)), journal: journal)
        #expect(await journal.bars.count == 900)
        #expect(await journal.bars.map { $0.sequence } == Array(0..<900))
        #expect(await journal.orders.map { $0.order } == first.orders.map(\.order))
        #expect(await journal.load()?.sequence == 900)
        let second = try await LiveFixtures.runLive(plan, bars: Array(bars.dropFirst(900)), journal: journal)
        var joined = first
        for (timestamp, order) in second.orders { joined.orders.append((timestamp, order)) }
        for (timestamp, fill) in second.fills { joined.fills.append((timestamp, fill)) }
        for (timestamp, signal) in second.signals { joined.signals.append((timestamp, signal)) }
        for (timestamp, alert) in second.alerts { joined.alerts.append((timestamp, alert)) }
        joined.trades += second.trades
        joined.equity += second.equity
        joined.bars += second.bars
        expectSameResults(live: joined, backtest: backtest)
        #expect(await journal.flushes >= 2)
    }
}

/// A value shared between a test and the closures it hands to the runner.
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// A subscriber of the in-memory bus sees the run's fills as the backtest records them.
struct LiveBusPublisherTests {
    @Test func fillsReachABusSubscriberInOrder() async throws {
        let (plan, bars, backtest) = try LiveRunnerSeamTests.smaCross()
        let bus = InMemoryBus()
        let subscription = try await bus.subscribe(to: [.executionFill], as: "test")
        let reader = Task {
            var fills: [Fill] = []
            for await envelope in subscription { if case .fill(let fill) = envelope.payload { fills.append(fill) } }
            return fills
        }
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]), configuration: .init(instruments: 1),
                                observers: [BusPublisher(bus: bus)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for bar in bars { await runner.send(bar) }
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }
        await bus.close()
        let fills = await reader.value
        #expect(fills == backtest.sink.fills.map(\.fill))
        #expect(fills.count > 10)
    }
}
