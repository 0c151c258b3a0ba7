import Foundation
import Runtime
import Testing

/// The JSON of the control values: fixed snake_case keys, and every value reads back equal.
@Suite struct ControlTargetCodingTests {
    static func json(_ value: some Encodable) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
        return try #require(object as? [String: Any])
    }

    static func roundTrip<Value: Codable & Equatable>(_ value: Value) throws -> Value {
        try JSONDecoder().decode(Value.self, from: JSONEncoder().encode(value))
    }

    @Test func statusKeys() throws {
        var status = StatusSnapshot.sample
        status.lastReload = .refused(diagnostics: "E104")
        #expect(Set(try Self.json(status).keys) == [
            "strategy", "plan_hash", "mode", "state", "agents", "positions", "pnl", "equity",
            "last_reload", "started_at_us", "bars_processed",
        ])
        #expect(Set(try Self.json(status.positions[0]).keys) == ["instrument", "quantity", "average_price", "mark_price", "unrealized_pnl"])
        #expect(Set(try Self.json(status.agents[0]).keys) == ["agent", "status", "restarts", "last_heartbeat_at_us"])
        #expect(Set(try Self.json(status.pnl).keys) == ["realized", "unrealized", "fees"])
        #expect(try Self.json(status.agents[0])["agent"] as? String == "market_data")
        #expect(try Self.roundTrip(status) == status)
    }

    @Test func reloadOutcomeShapes() throws {
        let applied = ReloadOutcome.applied(PlanDiffSummary(added: ["rsi"], removed: [], changed: ["sma"], unchangedCount: 4))
        let appliedJSON = try Self.json(applied)
        #expect(appliedJSON["result"] as? String == "applied")
        #expect(Set(try #require(appliedJSON["diff"] as? [String: Any]).keys) == ["added", "removed", "changed", "unchanged_count"])
        let refused = ReloadOutcome.refused(diagnostics: "E104")
        #expect(try Self.json(refused)["result"] as? String == "refused")
        #expect(try Self.json(refused)["diagnostics"] as? String == "E104")
        #expect(try Self.roundTrip(applied) == applied)
        #expect(try Self.roundTrip(refused) == refused)
    }

    @Test func readinessCarriesReadyAndEachCheck() throws {
        let report = ReadinessReport(feedsConnected: .passed, stateRestored: .failed("replaying"), planRunning: .passed)
        let json = try Self.json(report)
        #expect(Set(json.keys) == ["ready", "feeds_connected", "state_restored", "plan_running"])
        #expect(json["ready"] as? Bool == false)
        #expect(try Self.roundTrip(report) == report)
        #expect(ReadinessReport(feedsConnected: .passed, stateRestored: .passed, planRunning: .passed).isReady)
    }

    @Test func commandOutcomeKeys() throws {
        let outcome = CommandOutcome(accepted: true, state: .halted, message: "halted")
        #expect(Set(try Self.json(outcome).keys) == ["accepted", "state", "message"])
        #expect(try Self.json(outcome)["state"] as? String == "HALTED")
    }
}
