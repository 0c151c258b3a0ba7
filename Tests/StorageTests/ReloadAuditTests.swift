import Foundation
import Runtime
import Testing
@testable import Storage

/// Reload records go into the same hash-chained audit log as orders and fills.
@Suite struct ReloadAuditTests {
    @Test func appliedAndRefusedReloadsChainAndVerify() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let applied = ReloadRecord(
            kind: ReloadRecord.appliedKind, timestamp: 1_700_000_000_000_000, triggers: [.file], path: "s.yaml",
            fromPlanHash: "aa", toPlanHash: "bb", added: ["feature.mid"], removed: [],
            changed: [.init(node: "feature.slow", reason: "expression changed")], unchangedCount: 9, diagnostics: "",
            carriedKernels: 2, rebuiltKernels: 1, warmupBars: 1_000, notes: [])
        let refused = ReloadRecord(
            kind: ReloadRecord.refusedKind, timestamp: 1_700_000_001_000_000, triggers: [.tags(model: "momentum"), .signal],
            path: "s.yaml", fromPlanHash: "bb", toPlanHash: nil, added: [], removed: [], changed: [], unchangedCount: 10,
            diagnostics: "s.yaml:12:19: error[E104]: unknown feature 'slwo'", carriedKernels: 0, rebuiltKernels: 0,
            warmupBars: 0, notes: [])
        for record in [applied, refused] {
            try store.appendAudit(kind: record.kind, payload: record, at: record.timestamp)
        }
        let entries = try store.auditEntries()
        #expect(entries.map(\.kind) == ["run.created", "reload.applied", "reload.refused"])
        #expect(entries[1].payload.contains(#""changed":[{"node":"feature.slow","reason":"expression changed"}]"#))
        #expect(entries[2].payload.contains(#""triggers":["tags:momentum","sighup"]"#))
        #expect(!entries[2].payload.contains("to_plan_hash"), "a refused reload has no new plan")
        #expect(try JSONDecoder().decode(ReloadRecord.self, from: Data(entries[1].payload.utf8)) == applied)
        #expect(try store.verifyAudit() == .intact(rowCount: 3, head: AuditHead(seq: 3, hash: entries[2].hash)))
    }
}
