import Agents
import StrategyCompiler

/// The audit-log entry of one reload, applied or refused, with the plan diff.
///
/// A plain Codable value with fixed snake_case keys, free of any store: the runner appends it
/// to the run's hash-chained audit log (`RunStore.appendAudit(kind: record.kind, payload: record,
/// at: record.timestamp)`) and logs `summary`.
public struct ReloadRecord: Sendable, Equatable, Codable {
    public struct ChangedNode: Sendable, Equatable, Codable {
        public var node: String
        public var reason: String

        public init(node: String, reason: String) {
            self.node = node
            self.reason = reason
        }
    }

    /// `reload.applied` or `reload.refused`: the audit entry's kind.
    public var kind: String
    /// Microseconds since the Unix epoch, UTC: when the swap happened or the refusal was decided.
    public var timestamp: Int64
    public var triggers: [ReloadTrigger]
    /// The strategy file that was read.
    public var path: String
    /// The plan that was running before.
    public var fromPlanHash: String
    /// The plan running after an applied reload; nil when refused.
    public var toPlanHash: String?
    public var added: [String]
    public var removed: [String]
    public var changed: [ChangedNode]
    public var unchangedCount: Int
    /// What a refused reload was refused for, as `stratum lint` prints it; empty when applied.
    public var diagnostics: String
    /// Indicators and lag buffers that kept their state and that were warmed up, over every instrument.
    public var carriedKernels: Int
    public var rebuiltKernels: Int
    /// Bars replayed per instrument to warm up the rebuilt kernels.
    public var warmupBars: Int
    /// Things an operator should know about an applied reload (a short warm-up, a tripped kill
    /// switch keeping its old settings).
    public var notes: [String]

    public var applied: Bool { kind == Self.appliedKind }

    public static let appliedKind = "reload.applied"
    public static let refusedKind = "reload.refused"

    public init(kind: String, timestamp: Int64, triggers: [ReloadTrigger], path: String, fromPlanHash: String, toPlanHash: String?,
                added: [String], removed: [String], changed: [ChangedNode], unchangedCount: Int, diagnostics: String,
                carriedKernels: Int, rebuiltKernels: Int, warmupBars: Int, notes: [String]) {
        self.kind = kind
        self.timestamp = timestamp
        self.triggers = triggers
        self.path = path
        self.fromPlanHash = fromPlanHash
        self.toPlanHash = toPlanHash
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchangedCount = unchangedCount
        self.diagnostics = diagnostics
        self.carriedKernels = carriedKernels
        self.rebuiltKernels = rebuiltKernels
        self.warmupBars = warmupBars
        self.notes = notes
    }

    /// The diff as `/status` reports it.
    public var outcome: ReloadOutcome {
        applied
            ? .applied(PlanDiffSummary(added: added, removed: removed, changed: changed.map(\.node), unchangedCount: unchangedCount))
            : .refused(diagnostics: diagnostics)
    }

    /// One line for the log: what happened and the diff's size.
    public var summary: String {
        let what = applied ? "applied" : "refused"
        let diff = "+\(added.count) -\(removed.count) ~\(changed.count) =\(unchangedCount)"
        return "reload \(what) (\(triggers.map(\.description).joined(separator: ", "))): \(path) \(applied ? diff : diagnostics.split(separator: "\n").first.map(String.init) ?? "")"
    }

    enum CodingKeys: String, CodingKey {
        case kind, timestamp = "timestamp_us", triggers, path, fromPlanHash = "from_plan_hash", toPlanHash = "to_plan_hash"
        case added, removed, changed, unchangedCount = "unchanged_count", diagnostics
        case carriedKernels = "carried_kernels", rebuiltKernels = "rebuilt_kernels", warmupBars = "warmup_bars", notes
    }
}

extension ReloadRecord {
    /// A refused reload: the old plan keeps running.
    public static func refused(diagnostics: String, path: String, running: Plan, triggers: [ReloadTrigger], at timestamp: Int64) -> ReloadRecord {
        ReloadRecord(kind: refusedKind, timestamp: timestamp, triggers: triggers, path: path, fromPlanHash: running.hash, toPlanHash: nil,
                     added: [], removed: [], changed: [], unchangedCount: running.nodes.count, diagnostics: diagnostics,
                     carriedKernels: 0, rebuiltKernels: 0, warmupBars: 0, notes: [])
    }
}
