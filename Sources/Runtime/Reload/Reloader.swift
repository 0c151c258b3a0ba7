import Agents
import Indicators
import ModelRegistry
import StrategyCompiler

/// Maps a running strategy onto a new plan between two bars: a pure function, no I/O, no clock.
///
/// Any runner calls it with its agents taken between two bars (`FusedRunner.agents`, or each
/// actor's state) and carries on with the result (`runner.agents = result.agents`): the swap is atomic
/// because nothing runs while the runner holds the agents. What is kept and what is rebuilt:
/// see `AgentSet.reloaded(from:to:diff:evaluators:recentBars:)` and docs/operations.md.
public enum Reloader {
    /// What a reload leaves running.
    public struct Result: Sendable {
        /// The plan to run on: the new one when applied, the running one when refused.
        public var plan: Plan
        /// The agents to run on, likewise.
        public var agents: AgentSet
        public var diff: PlanDiff
        /// What each agent kept; nil when refused.
        public var carry: ReloadCarry?
        /// The audit-log entry, to append and to show in `/status` (`record.outcome`).
        public var record: ReloadRecord

        public var applied: Bool { record.applied }
    }

    /// - Parameters:
    ///   - running: the plan running now, and its agents between two bars.
    ///   - new: the edited file's plan, and its models loaded.
    ///   - recentBars: per instrument, the last bars MarketData passed on, oldest first
    ///     (`RecentBars.bars`); rebuilt features are warmed up on them.
    ///   - path: the strategy file, for the record.
    ///   - triggers: why the reload happened, for the record.
    ///   - timestamp: microseconds since the Unix epoch, supplied by the caller (agents read no clock).
    public static func reload(running: Plan, agents: AgentSet, to new: Plan, evaluators: [String: any ModelEvaluator],
                              recentBars: [[Bar]], path: String, triggers: [ReloadTrigger], at timestamp: Int64) -> Result {
        let diff = PlanDiff(from: running, to: new)
        if let problem = refusal(running: running, new: new) {
            return Result(plan: running, agents: agents, diff: diff, carry: nil,
                          record: .refused(diagnostics: problem, path: path, running: running, triggers: triggers, at: timestamp))
        }
        let (mapped, carry) = agents.reloaded(from: running, to: new, diff: diff, evaluators: evaluators, recentBars: recentBars)
        let warmupBars = recentBars.map(\.count).min() ?? 0
        var notes: [String] = []
        let rebuilt = carry.features.reduce(0) { $0 + $1.rebuiltIndicators + $1.rebuiltLags }
        let rebuiltWarmup = new.nodes.filter { $0.role == .feature && !diff.unchanged.contains($0.name) }.map(\.warmup).max() ?? 0
        if rebuilt > 0, warmupBars < rebuiltWarmup + 1 {
            notes.append("only \(warmupBars) recent bars to warm up features that need \(rebuiltWarmup + 1); they read NaN until then")
        }
        if !carry.supervisorReconfigured {
            notes.append("the kill switch has tripped: its new settings apply after `stratum resume` and a restart")
        }
        if running.spec.portfolio.cash != new.spec.portfolio.cash {
            notes.append("portfolio.cash changed: the running account keeps its cash; the new value applies to a fresh start")
        }
        let record = ReloadRecord(
            kind: ReloadRecord.appliedKind, timestamp: timestamp, triggers: triggers, path: path,
            fromPlanHash: running.hash, toPlanHash: new.hash,
            added: diff.added, removed: diff.removed, changed: diff.changed.map { ReloadRecord.ChangedNode(node: $0.name, reason: $0.reason) },
            unchangedCount: diff.unchanged.count, diagnostics: "",
            carriedKernels: carry.features.reduce(0) { $0 + $1.indicators.count + $1.lags.count } - rebuilt,
            rebuiltKernels: rebuilt, warmupBars: warmupBars, notes: notes)
        return Result(plan: new, agents: mapped, diff: diff, carry: carry, record: record)
    }

    /// What a reload cannot change while running: the instruments, whose positions, orders and
    /// bar streams every agent indexes. Nil when the new plan can take over.
    static func refusal(running: Plan, new: Plan) -> String? {
        let before = running.spec.dataSources.map(\.instrument), after = new.spec.dataSources.map(\.instrument)
        guard before == after else {
            return "the instruments changed (\(before.joined(separator: ", ")) → \(after.joined(separator: ", "))); "
                + "positions and orders are kept per instrument, so changing them needs a restart: stop the strategy and start it on the new file"
        }
        return nil
    }
}
