import Foundation
import GRDB

/// Batched writers. Each call is one transaction: all of the batch or none of it. For a
/// backtest, batches of 1,000 to 100,000 rows keep memory flat and commits few.
extension RunStore {
    /// Appends bars; an (instrument, timestamp) pair already stored is refused.
    public func append(bars: some Sequence<BarRecord>) throws {
        let action = "appending bars"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO bars (instrument, ts_us, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for bar in bars {
                inserter.bind(bar.instrument)
                inserter.bind(bar.timestampMicros)
                inserter.bind(bar.open)
                inserter.bind(bar.high)
                inserter.bind(bar.low)
                inserter.bind(bar.close)
                inserter.bind(bar.volume)
                try refusing(action: action, record: "bar \(bar.instrument) at ts_us \(bar.timestampMicros)") {
                    try inserter.insertRow()
                }
            }
        }
    }

    /// Appends equity points; a timestamp already stored is refused.
    public func append(equity points: some Sequence<EquityPoint>) throws {
        let action = "appending equity points"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO equity (ts_us, cash, equity, drawdown) VALUES (?, ?, ?, ?)
                """)
            for point in points {
                inserter.bind(point.timestampMicros)
                inserter.bind(point.cash)
                inserter.bind(point.equity)
                inserter.bind(point.drawdown)
                try refusing(action: action, record: "equity point at ts_us \(point.timestampMicros)") {
                    try inserter.insertRow()
                }
            }
        }
    }

    /// Appends position snapshots; an (instrument, timestamp) pair already stored is refused.
    public func append(positions: some Sequence<PositionRecord>) throws {
        let action = "appending positions"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO positions (instrument, ts_us, quantity, average_price) VALUES (?, ?, ?, ?)
                """)
            for position in positions {
                inserter.bind(position.instrument)
                inserter.bind(position.timestampMicros)
                inserter.bind(position.quantity)
                inserter.bind(position.averagePrice)
                try refusing(
                    action: action, record: "position \(position.instrument) at ts_us \(position.timestampMicros)"
                ) {
                    try inserter.insertRow()
                }
            }
        }
    }

    /// Appends feature values; an (instrument, name, timestamp) triple already stored is refused.
    public func append(features: some Sequence<FeatureValue>) throws {
        let action = "appending features"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO features (instrument, name, ts_us, value) VALUES (?, ?, ?, ?)
                """)
            for feature in features {
                inserter.bind(feature.instrument)
                inserter.bind(feature.name)
                inserter.bind(feature.timestampMicros)
                inserter.bind(feature.value)
                try refusing(
                    action: action,
                    record: "feature \(feature.name) of \(feature.instrument) at ts_us \(feature.timestampMicros)"
                ) {
                    try inserter.insertRow()
                }
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
            var inserter = try RowInserter(db, sql: """
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
                inserter.bind(order.clientOrderID)
                inserter.bind(order.parentClientOrderID)
                inserter.bind(order.instrument)
                inserter.bind(order.side.rawValue)
                inserter.bind(order.type.rawValue)
                inserter.bind(order.quantity)
                inserter.bind(order.limitPrice)
                inserter.bind(order.stopPrice)
                inserter.bind(order.status.rawValue)
                inserter.bind(order.createdMicros)
                inserter.bind(order.updatedMicros)
                inserter.bind(order.traceID)
                try refusing(action: action, record: "order \(order.clientOrderID)") {
                    try inserter.insertRow()
                }
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
            var inserter = try RowInserter(db, sql: """
                INSERT INTO fills (fill_id, client_order_id, ts_us, quantity, price, fee, liquidity)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for fill in fills {
                inserter.bind(fill.fillID)
                inserter.bind(fill.clientOrderID)
                inserter.bind(fill.timestampMicros)
                inserter.bind(fill.quantity)
                inserter.bind(fill.price)
                inserter.bind(fill.fee)
                inserter.bind(fill.liquidity.rawValue)
                try refusing(action: action, record: "fill \(fill.fillID) of order \(fill.clientOrderID)") {
                    try inserter.insertRow()
                }
            }
        }
    }

    /// Records risk events in one transaction.
    public func record(riskEvents: some Sequence<RiskEventRecord>) throws {
        let action = "recording risk events"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO risk_events (ts_us, kind, severity, message, subject_json) VALUES (?, ?, ?, ?, ?)
                """)
            for event in riskEvents {
                inserter.bind(event.timestampMicros)
                inserter.bind(event.kind)
                inserter.bind(event.severity.rawValue)
                inserter.bind(event.message)
                inserter.bind(event.subjectJSON)
                try refusing(action: action, record: "risk event \(event.kind) at ts_us \(event.timestampMicros)") {
                    try inserter.insertRow()
                }
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
