@testable import Agents
import StrategyDSL
import Testing

private let second: Int64 = 1_000_000

/// Restart delays: expected values are hand-computed from the formula in RestartBackoff's
/// documentation (base × 2^(n−1), capped), and the jitter from SplitMix64's published first
/// output for seed 0, 0xE220A8397B1DCDAF (Vigna's splitmix64.c).
struct RestartBackoffTests {
    @Test func delaysDoubleUpToTheCap() {
        let backoff = RestartBackoff(baseMicroseconds: second, factor: 2, capMicroseconds: 60 * second, jitter: 0, maxRestarts: 10)
        #expect((1...8).map { backoff.nominalDelay(attempt: $0) / second } == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(backoff.nominalDelay(attempt: 10_000) == 60 * second, "a huge attempt count stays at the cap")
    }

    @Test func jitterIsSeededAndOnlyShortens() {
        let backoff = RestartBackoff(baseMicroseconds: second, factor: 2, capMicroseconds: 60 * second, jitter: 0.2, maxRestarts: 10)
        var source = JitterSource(seed: 0)
        // u = (0xE220A8397B1DCDAF >> 11) / 2^53 = 0.88331080821364...; 1 s × (1 − 0.2u) = 823 337.8 µs.
        #expect(backoff.delay(attempt: 1, jitter: &source) == 823_337)
        var a = JitterSource(seed: 42), b = JitterSource(seed: 42)
        let first = (1...8).map { backoff.delay(attempt: $0, jitter: &a) }
        #expect(first == (1...8).map { backoff.delay(attempt: $0, jitter: &b) }, "same seed, same delays")
        for (attempt, delay) in zip(1..., first) {
            let nominal = backoff.nominalDelay(attempt: attempt)
            #expect(delay <= nominal && Double(delay) >= Double(nominal) * 0.8 - 1, "attempt \(attempt): \(delay)")
        }
    }
}

/// Heartbeats, restarts, the restart limit and the kill switch, driven by timestamps alone.
struct SupervisionTests {
    static func policy(maxRestarts: Int = 2, action: RiskSpec.DrawdownAction = .halt, feedTimeout: Int64? = nil) -> SupervisionPolicy {
        SupervisionPolicy(
            heartbeatMicroseconds: second, missedHeartbeats: 3,
            backoff: RestartBackoff(baseMicroseconds: second, factor: 2, capMicroseconds: 60 * second, jitter: 0, maxRestarts: maxRestarts),
            breaker: .init(errors: 3, windowMicroseconds: 10 * second, cooldownMicroseconds: 5 * second),
            feedTimeoutMicroseconds: feedTimeout, killSwitchAction: action)
    }

    @Test func startOrderIsTheDocumentedOne() {
        #expect(StartOrder.agents == [.supervisor, .marketData, .feature, .signal, .portfolioRisk, .execution, .compliance])
        #expect(StartOrder.stopOrder == [.marketData, .feature, .signal, .portfolioRisk, .execution, .compliance, .supervisor])
        #expect(StartOrder.prerequisites(of: .signal) == [.supervisor, .marketData, .feature])
    }

    @Test func aHeartbeatOnTimeIsNotMissed() {
        var monitor = HeartbeatMonitor(periodMicroseconds: second, missedAllowed: 3)
        monitor.beat(.execution, at: 10 * second)
        #expect(monitor.missed(.execution, at: 11 * second) == 0, "the next one is due exactly now")
        #expect(monitor.missed(.execution, at: 11 * second + 1) == 1)
        #expect(monitor.missed(.execution, at: 13 * second) == 2)
        #expect(monitor.missed(.execution, at: 13 * second + 1) == 3)
        #expect(monitor.overdue(at: 13 * second + 1) == [.execution])
        #expect(monitor.missed(.signal, at: 100 * second) == 0, "an agent never heard from is not watched")
    }

    /// Three missed heartbeats restart the agent after 1 s, then 2 s; the third failure is past
    /// `max_restarts: 2`, so the strategy halts, orders are cancelled and an incident says so.
    @Test func restartsWithBackoffThenHaltsWithAnIncident() {
        var supervision = Supervision(policy: Self.policy(), seed: 0)
        _ = supervision.handle(.heartbeat(.execution, at: 0))
        #expect(supervision.handle(.tick(at: 3 * second)) == [.condition(.execution, .lagging)])
        #expect(supervision.handle(.tick(at: 3 * second + 1)) == [
            .condition(.execution, .restarting),
            .restart(.execution, attempt: 1, delayMicroseconds: second, notBefore: 4 * second + 1),
        ])
        #expect(supervision.handle(.tick(at: 30 * second)).isEmpty, "a restarting agent is not counted again")
        #expect(supervision.handle(.agentRestarted(.execution, at: 31 * second)) == [.condition(.execution, .healthy)])
        #expect(supervision.handle(.agentFailed(.execution, error: "index out of range", at: 32 * second)) == [
            .condition(.execution, .restarting),
            .restart(.execution, attempt: 2, delayMicroseconds: 2 * second, notBefore: 34 * second),
        ])
        _ = supervision.handle(.agentRestarted(.execution, at: 34 * second))
        let final = supervision.handle(.agentFailed(.execution, error: "index out of range", at: 35 * second))
        let reason = "agent execution failed after 2 restarts (last: index out of range)"
        #expect(final.count == 4)
        #expect(final.first == .condition(.execution, .failed))
        guard case .incident(let incident)? = final.dropFirst().first else {
            Issue.record("no incident: \(final)")
            return
        }
        #expect(incident.subject == "execution" && incident.restartsTried == 2 && incident.severity == .critical)
        #expect(incident.summary == reason && incident.atMicros == 35 * second)
        #expect(incident.remedy.contains("stratum resume"))
        #expect(Array(final.dropFirst(2)) == [
            .killSwitch(KillSwitchTransition(from: .active, to: .halted, trigger: "agent_failed", reason: reason, actor: "supervisor", atMicros: 35 * second)),
            .cancelAllOrders(reason: reason),
        ])
        #expect(supervision.killSwitch.state == .halted)
        #expect(supervision.totalRestarts[.execution] == 2)
    }

    @Test func maxRestartsZeroHaltsOnTheFirstFailure() {
        var supervision = Supervision(policy: Self.policy(maxRestarts: 0), seed: 0)
        let actions = supervision.handle(.agentFailed(.signal, error: "boom", at: second))
        #expect(actions.contains(.condition(.signal, .failed)))
        #expect(supervision.killSwitch.state == .halted)
    }

    /// A failure long after the last restart (a whole backoff cap of health) starts again at 1 s.
    @Test func aStableAgentStartsItsBackoffOver() {
        var supervision = Supervision(policy: Self.policy(maxRestarts: 5), seed: 0)
        _ = supervision.handle(.agentFailed(.feature, error: "x", at: 0))
        _ = supervision.handle(.agentRestarted(.feature, at: second))
        _ = supervision.handle(.heartbeat(.feature, at: 61 * second))
        #expect(supervision.handle(.agentFailed(.feature, error: "x", at: 62 * second)).contains(
            .restart(.feature, attempt: 1, delayMicroseconds: second, notBefore: 63 * second)))
    }

    /// A feed silent past `kill_switch.feed_timeout` trips the switch into the configured state,
    /// once; the switch stays there until a resume with a reason.
    @Test func silentFeedTripsReducingWhereConfigured() {
        var supervision = Supervision(policy: Self.policy(action: .reduceOnly, feedTimeout: 10 * second), seed: 0)
        _ = supervision.handle(.feedContact("binance:BTCUSDT", at: 0))
        #expect(supervision.handle(.tick(at: 10 * second)).isEmpty, "exactly at the timeout is not past it")
        let reason = "feed binance:BTCUSDT silent for 10.5s, past the feed timeout"
        #expect(supervision.handle(.tick(at: 10 * second + 500_000)) == [
            .killSwitch(KillSwitchTransition(from: .active, to: .reducing, trigger: "feed_lost", reason: reason, actor: "supervisor",
                                             atMicros: 10 * second + 500_000)),
            .cancelAllOrders(reason: reason),
        ])
        #expect(supervision.handle(.tick(at: 20 * second)).isEmpty, "reported once")
        // An operator's kill escalates REDUCING to HALTED; REDUCING never relaxes HALTED.
        #expect(supervision.handle(.kill(reason: "  ", actor: "ops", at: 21 * second)) == [.refused("a kill needs a reason; say why trading must stop")])
        #expect(supervision.handle(.kill(reason: "venue outage", actor: "ops", at: 21 * second)).count == 2)
        #expect(supervision.killSwitch.state == .halted)
        #expect(supervision.handle(.kill(reason: "again", actor: "ops", at: 21 * second)) == [
            .refused("the kill switch is already HALTED; its orders were cancelled when it tripped"),
        ])
        #expect(supervision.trip(.drawdown(measured: 0.2, limit: 0.1), at: 22 * second).isEmpty)
        #expect(supervision.handle(.resume(reason: "", actor: "ops", at: 23 * second)) == [.refused(KillSwitchRefusal.blankReason.description)])
        #expect(supervision.handle(.resume(reason: " feed back ", actor: "ops", at: 24 * second)) == [
            .killSwitch(KillSwitchTransition(from: .halted, to: .active, trigger: "resume", reason: "feed back", actor: "ops", atMicros: 24 * second)),
        ])
        #expect(supervision.handle(.resume(reason: "again", actor: "ops", at: 25 * second)) == [.refused(KillSwitchRefusal.notTripped.description)])
    }

    /// A restored kill switch keeps a restarted strategy halted.
    @Test func aRestoredSwitchStaysHalted() {
        let persisted = KillSwitchTransition(from: .active, to: .halted, trigger: "command", reason: "x", actor: "ops", atMicros: 5)
        var supervision = Supervision(policy: Self.policy(), seed: 0, killSwitch: KillSwitch(restoring: persisted))
        #expect(supervision.killSwitch.state == .halted)
        #expect(supervision.trip(.command(reason: "again"), at: 6).isEmpty)
    }
}

/// Breaker transitions, by hand: errors 3 in a 10 s window open it; a 5 s cooldown; one probe.
struct CircuitBreakerTests {
    @Test func errorsInTheWindowOpenItAndAProbeClosesIt() {
        var breaker = CircuitBreaker(name: "venue:sim", settings: .init(errors: 3, windowMicroseconds: 10 * second, cooldownMicroseconds: 5 * second))
        #expect(breaker.recordError(at: 0) == nil)
        #expect(breaker.recordError(at: 4 * second) == nil)
        // At 11 s the error at 0 s has left the window: two errors, still closed.
        #expect(breaker.recordError(at: 11 * second) == nil)
        #expect(breaker.request(at: 11 * second).0 == .allow)
        let opened = breaker.recordError(at: 12 * second)
        #expect(opened == CircuitBreaker.Transition(name: "venue:sim", from: .closed, to: .open, atMicros: 12 * second))
        #expect(breaker.request(at: 16 * second).0 == .refuse, "cooldown ends at 17 s")
        let probe = breaker.request(at: 17 * second)
        #expect(probe.0 == .probe && probe.1?.to == .halfOpen)
        #expect(breaker.request(at: 17 * second + 1).0 == .refuse, "one probe at a time")
        #expect(breaker.recordError(at: 18 * second)?.to == .open, "a failed probe opens it again")
        #expect(breaker.request(at: 22 * second).0 == .refuse)
        #expect(breaker.request(at: 23 * second).0 == .probe)
        #expect(breaker.recordSuccess(at: 23 * second) == CircuitBreaker.Transition(name: "venue:sim", from: .halfOpen, to: .closed, atMicros: 23 * second))
        #expect(breaker.recordError(at: 24 * second) == nil, "closed again with a fresh count")
        #expect(breaker.state == .closed)
    }

    @Test func supervisionKeepsOneBreakerPerFeedAndVenue() {
        var supervision = Supervision(policy: SupervisionTests.policy(), seed: 0)
        for t in 0..<3 { _ = supervision.handle(.feedError("a", message: "timeout", at: Int64(t) * second)) }
        _ = supervision.handle(.venueError("sim", message: "timeout", at: 0))
        #expect(supervision.feedBreakers["a"]?.state == .open)
        #expect(supervision.venueBreakers["sim"]?.state == .closed)
        #expect(supervision.requestFeed("b", at: 0).0 == .allow)
        #expect(supervision.requestFeed("a", at: 7 * second).0 == .probe)
        #expect(supervision.handle(.feedContact("a", at: 7 * second)) == [
            .breaker(CircuitBreaker.Transition(name: "feed:a", from: .halfOpen, to: .closed, atMicros: 7 * second)),
        ])
    }
}

/// The agent face of supervision: heartbeat messages drive it, kill-switch changes become commands.
struct SupervisorAgentSupervisionTests {
    @Test func heartbeatMessagesDriveRestartsAndTheHaltBecomesACommand() {
        var agent = SupervisorAgent(maxRejects: nil, onDrawdown: true, policy: SupervisionTests.policy(maxRestarts: 0), seed: 0)
        var outbox = Outbox()
        agent.handle(Envelope(timestamp: 0, source: .signal, traceId: 1, topic: .heartbeat, payload: .heartbeat(.signal)), into: &outbox)
        agent.handle(Envelope(timestamp: 10 * second, source: .runner, traceId: 2, topic: .heartbeat, payload: .heartbeat(.runner)), into: &outbox)
        let reason = "agent signal failed after 0 restarts (last: missed 9 heartbeats)"
        #expect(outbox.messages.count == 1)
        #expect(outbox.messages.first?.topic == .supervisorCommand)
        if case .command(.halt(let text))? = outbox.messages.first?.payload { #expect(text == reason) } else { Issue.record("\(outbox.messages)") }
        let actions = agent.takeActions()
        #expect(actions.contains(.cancelAllOrders(reason: reason)))
        #expect(actions.contains { if case .incident = $0 { true } else { false } })
        #expect(agent.takeActions().isEmpty, "taken once")
        #expect(agent.tripped)
    }

    @Test func resumeAfterADrawdownTripEmitsResume() {
        var agent = SupervisorAgent(maxRejects: nil)
        var outbox = Outbox()
        let alert = RiskAlert(kind: .drawdown, instrument: 0, requested: 0, allowed: 0, measured: 0.15, limit: 0.1)
        agent.handle(Envelope(timestamp: 1, source: .portfolioRisk, traceId: 3, topic: .riskAlert, payload: .alert(alert)), into: &outbox)
        agent.supervise(.resume(reason: "limit reviewed", actor: "ops", at: 2), into: &outbox)
        #expect(outbox.messages.commands == [.halt(reason: "drawdown 0.15 reached the limit 0.1"), .resume(reason: "limit reviewed")])
        #expect(!agent.tripped)
    }
}

/// An operator's resume reaches the Supervisor as a command, like every other agent.
struct SupervisorFollowsResumeTests {
    @Test func aResumeCommandRearmsTheKillSwitchSoTheNextBreachHaltsAgain() {
        var agent = SupervisorAgent(maxRejects: 2)
        var outbox = Outbox()
        let alert = RiskAlert(kind: .drawdown, instrument: 0, requested: 0, allowed: 0, measured: 0.15, limit: 0.1)
        let breach = Envelope(timestamp: 1, source: .portfolioRisk, traceId: 1, topic: .riskAlert, payload: .alert(alert))
        agent.handle(breach, into: &outbox)
        #expect(agent.tripped)
        let reject = Envelope(timestamp: 2, source: .execution, traceId: 2, topic: .executionError,
                              payload: .executionError(ExecutionFailure(order: 1, reason: "halted")))
        agent.handle(reject, into: &outbox)
        agent.handle(Envelope(timestamp: 3, source: .supervisor, traceId: 3, topic: .supervisorCommand,
                              payload: .command(.resume(reason: "limit reviewed"))), into: &outbox)
        #expect(!agent.tripped)
        #expect(agent.consecutiveRejects == 0, "the rejects before the resume do not count towards the next trip")
        #expect(outbox.messages.commands == [.halt(reason: "drawdown 0.15 reached the limit 0.1")], "the resume itself emits nothing")
        agent.handle(breach, into: &outbox)
        #expect(outbox.messages.commands.count == 2, "the second breach halts again")
        #expect(agent.tripped)
    }
}

/// FNV-1a 64 of "a" is 0xAF63DC4C8601EC8C (the published test vector, Fowler/Noll/Vo).
struct SupervisorSeedTests {
    @Test func seedIsFNV1aOfTheStrategyName() {
        #expect(SupervisorAgent.seed(strategy: "") == 0xCBF2_9CE4_8422_2325)
        #expect(SupervisorAgent.seed(strategy: "a") == 0xAF63_DC4C_8601_EC8C)
    }
}
