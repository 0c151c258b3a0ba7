import Agents
import Runtime

/// A running strategy reduced to what the control plane asks of it: a risk state that kill and
/// resume move, and canned answers for status, readiness and reload.
actor StubTarget: ControlTarget {
    var snapshot: StatusSnapshot
    var readiness: ReadinessReport
    var nextReload: ReloadOutcome
    private(set) var killReasons: [String] = []
    private(set) var resumeReasons: [String] = []
    private(set) var reloads = 0

    init(
        snapshot: StatusSnapshot = .sample,
        readiness: ReadinessReport = ReadinessReport(feedsConnected: .passed, stateRestored: .passed, planRunning: .passed),
        nextReload: ReloadOutcome = .applied(PlanDiffSummary(added: [], removed: [], changed: ["sma_fast"], unchangedCount: 11))
    ) {
        self.snapshot = snapshot
        self.readiness = readiness
        self.nextReload = nextReload
    }

    func status() -> StatusSnapshot { snapshot }

    func isReady() -> ReadinessReport { readiness }

    func reload() -> ReloadOutcome {
        reloads += 1
        snapshot.lastReload = nextReload
        return nextReload
    }

    func kill(reason: String) -> CommandOutcome {
        killReasons.append(reason)
        snapshot.state = .halted
        return CommandOutcome(accepted: true, state: .halted, message: "halted: \(reason)")
    }

    /// Refuses to resume a strategy that is not halted, as the runtime does.
    func resume(reason: String) -> CommandOutcome {
        guard snapshot.state != .active else {
            return CommandOutcome(accepted: false, state: .active, message: "not halted")
        }
        resumeReasons.append(reason)
        snapshot.state = .active
        return CommandOutcome(accepted: true, state: .active, message: "resumed")
    }

    func set(readiness: ReadinessReport) { self.readiness = readiness }
    func set(nextReload: ReloadOutcome) { self.nextReload = nextReload }
    func set(strategy: String) { snapshot.strategy = strategy }
}

extension StatusSnapshot {
    static let sample = StatusSnapshot(
        strategy: "sma_cross", planHash: "9f2c4e1a", mode: .paper, state: .active,
        agents: [
            AgentHealth(agent: .marketData, status: .healthy, restarts: 0, lastHeartbeatAt: 1_700_000_000_000_000),
            AgentHealth(agent: .execution, status: .restarting, restarts: 2, lastHeartbeatAt: nil),
        ],
        positions: [PositionSnapshot(instrument: "BTCUSDT", quantity: 0.5, averagePrice: 42_000, markPrice: 43_000, unrealizedPnL: 500)],
        pnl: ProfitAndLoss(realized: 120.5, unrealized: 500, fees: 3.25), equity: 100_617.25, lastReload: nil,
        startedAt: 1_699_999_000_000_000, barsProcessed: 1_440
    )
}
