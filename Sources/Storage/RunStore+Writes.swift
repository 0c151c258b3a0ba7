import Foundation
import GRDB

/// Batched writers. Each call is one transaction: all of the batch or none of it. For a
/// backtest, batches of 1,000 to 100,000 rows keep memory flat and commits few.
extension RunStore {
    /// Appends bars; an (instrument, timestamp) pair already stored is refused.
    public func append(bars: some Sequence<BarRecord>) throws {
        let action = "appending bars"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO bars (instrument, ts_us, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for bar in bars {
                try execute(
                    statement,
                    [bar.instrument, bar.timestampMicros, bar.open, bar.high, bar.low, bar.close, bar.volume],
                    action: action, record: "bar \(bar.instrument) at ts_us \(bar.timestampMicros)")
            }
        }
    }

    /// Appends equity points; a timestamp already stored is refused.
    public func append(equity points: some Sequence<EquityPoint>) throws {
        let action = "appending equity points"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO equity (ts_us, cash, equity, drawdown) VALUES (?, ?, ?, ?)
                """)
            for point in points {
                try execute(
                    statement, [point.timestampMicros, point.cash, point.equity, point.drawdown],
                    action: action, record: "equity point at ts_us \(point.timestampMicros)")
            }
        }
    }

    /// Appends position snapshots; an (instrument, timestamp) pair already stored is refused.
    public func append(positions: some Sequence<PositionRecord>) throws {
        let action = "appending positions"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO positions (instrument, ts_us, quantity, average_price) VALUES (?, ?, ?, ?)
                """)
            for position in positions {
                try execute(
                    statement,
                    [position.instrument, position.timestampMicros, position.quantity, position.averagePrice],
                    action: action, record: "position \(position.instrument) at ts_us \(position.timestampMicros)")
            }
        }
    }

    /// Appends feature values; an (instrument, name, timestamp) triple already stored is refused.
    public func append(features: some Sequence<FeatureValue>) throws {
        let action = "appending features"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO features (instrument, name, ts_us, value) VALUES (?, ?, ?, ?)
                """)
            for feature in features {
                try execute(
                    statement, [feature.instrument, feature.name, feature.timestampMicros, feature.value],
                    action: action,
                    record: "feature \(feature.name) of \(feature.instrument) at ts_us \(feature.timestampMicros)")
            }
        }
    }

    /// Records an order, or its new status when the client order id is already stored.
    public func record(order: OrderRecord) throws {
        try record(orders: CollectionOfOne(order))
    }

    /// Records orders in one transaction; a parent must come before its children.
    ///
    /// - Throws: ``StorageError`` of kind `rejected` when an order breaks a schema rule, such
    ///   as changing a recorded order's quantity or moving a filled order back to `accepted`.
    public func record(orders: some Sequence<OrderRecord>) throws {
        let action = "recording orders"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO orders (client_order_id, parent_client_order_id, instrument, side, type, quantity,
                                    limit_price, stop_price, status, created_us, updated_us, trace_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (client_order_id) DO UPDATE SET
                    parent_client_order_id = excluded.parent_client_order_id, instrument = excluded.instrument,
                    side = excluded.side, type = excluded.type, quantity = excluded.quantity,
                    limit_price = excluded.limit_price, stop_price = excluded.stop_price, status = excluded.status,
                    created_us = excluded.created_us, updated_us = excluded.updated_us, trace_id = excluded.trace_id
                """)
            for order in orders {
                try execute(
                    statement,
                    [order.clientOrderID, order.parentClientOrderID, order.instrument, order.side.rawValue,
                     order.type.rawValue, order.quantity, order.limitPrice, order.stopPrice, order.status.rawValue,
                     order.createdMicros, order.updatedMicros, order.traceID],
                    action: action, record: "order \(order.clientOrderID)")
            }
        }
    }

    /// Records one fill.
    public func record(fill: FillRecord) throws {
        try record(fills: CollectionOfOne(fill))
    }

    /// Records fills in one transaction; their orders must already be recorded.
    ///
    /// - Throws: ``StorageError`` of kind `rejected` for an unknown order, a fill id already
    ///   stored, or fills adding up to more than the order's quantity.
    public func record(fills: some Sequence<FillRecord>) throws {
        let action = "recording fills"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO fills (fill_id, client_order_id, ts_us, quantity, price, fee, liquidity)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for fill in fills {
                try execute(
                    statement,
                    [fill.fillID, fill.clientOrderID, fill.timestampMicros, fill.quantity, fill.price, fill.fee,
                     fill.liquidity.rawValue],
                    action: action, record: "fill \(fill.fillID) of order \(fill.clientOrderID)")
            }
        }
    }

    /// Records risk events in one transaction.
    public func record(riskEvents: some Sequence<RiskEventRecord>) throws {
        let action = "recording risk events"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO risk_events (ts_us, kind, severity, message, subject_json) VALUES (?, ?, ?, ?, ?)
                """)
            for event in riskEvents {
                try execute(
                    statement,
                    [event.timestampMicros, event.kind, event.severity.rawValue, event.message, event.subjectJSON],
                    action: action, record: "risk event \(event.kind) at ts_us \(event.timestampMicros)")
            }
        }
    }

    /// Opens an incident and returns its id, for ``closeIncident(id:at:resolution:)``.
    @discardableResult
    public func openIncident(_ incident: NewIncident) throws -> Int64 {
        let action = "opening an incident"
        return try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO incidents (opened_us, agent, severity, summary, details_json) VALUES (?, ?, ?, ?, ?)
                """)
            try execute(
                statement,
                [incident.openedMicros, incident.agent, incident.severity.rawValue, incident.summary,
                 incident.detailsJSON],
                action: action, record: "incident '\(incident.summary)'")
            return db.lastInsertedRowID
        }
    }

    /// Closes an open incident.
    ///
    /// - Throws: ``StorageError`` of kind `rejected` when no incident has that id, or it is
    ///   already closed, or `timestampMicros` is before it opened.
    public func closeIncident(id: Int64, at timestampMicros: Int64, resolution: String) throws {
        let action = "closing an incident"
        try write(action) { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE incidents SET closed_us = ?, resolution = ? WHERE id = ?
                """)
            try execute(statement, [timestampMicros, resolution, id], action: action, record: "incident \(id)")
            guard db.changesCount == 1 else {
                throw StorageError.rejected(url, action: action, record: "incident \(id)", reason: "no such incident")
            }
        }
    }
}
