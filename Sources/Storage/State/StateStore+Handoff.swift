import Agents
import Foundation
import GRDB

extension StateStore {
    /// The shift handoff note as of `now`: positions and P&L from the fills, marked at the last
    /// journaled close; open orders; incidents, reloads and alerts since the last handoff mark.
    public func handoffNote(at now: Int64) throws -> HandoffNote {
        try read("the handoff note") { db in
            let mark = try Row.fetchOne(db, sql: "SELECT * FROM handoffs ORDER BY id DESC LIMIT 1")
            let since = HandoffCoverage(
                incident: mark?["last_incident_id"] ?? 0, reload: mark?["last_reload_id"] ?? 0,
                alert: mark?["last_alert_id"] ?? 0, fill: mark?["last_fill_id"] ?? 0)
            let coverage = HandoffCoverage(
                incident: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM incidents") ?? 0,
                reload: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM reloads") ?? 0,
                alert: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM alerts") ?? 0,
                fill: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM fills") ?? 0)

            var book = PositionBook()
            var netAtMark = 0.0
            let fills = try Row.fetchAll(db, sql: """
                SELECT f.id, o.instrument, o.side, f.quantity, f.price, f.fee FROM fills f
                JOIN orders o ON o.client_order_id = f.client_order_id ORDER BY f.id
                """)
            for fill in fills {
                let side = try Self.decode(OrderSide.self, fill["side"], "side")
                book.apply(instrument: fill["instrument"], signedQuantity: side.sign * (fill["quantity"] as Double),
                           price: fill["price"], fee: fill["fee"])
                if (fill["id"] as Int64) <= since.fill { netAtMark = book.realized - book.fees }
            }
            var positions = [HandoffNote.Position]()
            var unrealized = 0.0
            for (instrument, holding) in book.holdings.sorted(by: { $0.key < $1.key }) where holding.quantity != 0 {
                let mark = try Double.fetchOne(db, sql: "SELECT close FROM journal WHERE instrument = ? ORDER BY seq DESC LIMIT 1",
                                               arguments: [instrument]) ?? holding.averagePrice
                let pnl = holding.quantity * (mark - holding.averagePrice)
                unrealized += pnl
                positions.append(.init(instrument: instrument, quantity: holding.quantity, averagePrice: holding.averagePrice,
                                       markPrice: mark, unrealizedPnL: pnl))
            }
            let killSwitch = try Self.lastKillSwitchTransition(db)
            return HandoffNote(
                strategy: try String.fetchOne(db, sql: "SELECT strategy_id FROM strategy"),
                generatedAtMicros: now, previousHandoffMicros: mark?["ts_us"],
                killSwitch: .init(state: killSwitch?.to ?? .active, reason: killSwitch?.reason, actor: killSwitch?.actor,
                                  atMicros: killSwitch?.atMicros),
                positions: positions,
                pnl: .init(realized: book.realized, unrealized: unrealized, fees: book.fees,
                           netSinceLastHandoff: book.realized - book.fees - netAtMark),
                openOrders: try Self.orders(db, where: "o.status IN ('pending', 'sent', 'partially_filled')"),
                incidents: try Self.incidents(db, after: since.incident), reloads: try Self.reloads(db, after: since.reload),
                alerts: try Self.alerts(db, after: since.alert), coverage: coverage)
        }
    }

    /// Records that `note` was handed over: the next note starts after what this one covered.
    public func markHandoff(_ note: HandoffNote, actor: String, at timestampMicros: Int64) throws {
        try write("recording the handoff") { db in
            try db.execute(sql: """
                INSERT INTO handoffs (ts_us, actor, last_incident_id, last_reload_id, last_alert_id, last_fill_id) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [timestampMicros, actor, note.coverage.incident, note.coverage.reload, note.coverage.alert, note.coverage.fill])
            try self.appendAudit(kind: "handoff.marked", payload: HandoffAudit(
                actor: actor, incidents: note.incidents.count, reloads: note.reloads.count, alerts: note.alerts.count,
                open_orders: note.openOrders.count, state: note.killSwitch.state.rawValue), at: timestampMicros, db)
        }
    }
}

private struct HandoffAudit: Encodable {
    var actor: String
    var incidents: Int
    var reloads: Int
    var alerts: Int
    var open_orders: Int
    var state: String
}
