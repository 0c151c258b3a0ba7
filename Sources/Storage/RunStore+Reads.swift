import Foundation
import GRDB

/// Readers, each returning a whole table in its natural order.
extension RunStore {
    /// All bars, by instrument then time: the rows of `bars` and the decoded `bar_blocks`.
    public func bars() throws -> [BarRecord] {
        let blocks = try read("bar_blocks") { db in try blockBars(db) }
        let rows = try barRows()
        if rows.isEmpty { return blocks }
        if blocks.isEmpty { return rows }
        return (rows + blocks).sorted { ($0.instrument, $0.timestampMicros) < ($1.instrument, $1.timestampMicros) }
    }

    /// The equity curve, by time: the rows of `equity` and the decoded `equity_blocks`.
    public func equityCurve() throws -> [EquityPoint] {
        let blocks = try read("equity_blocks") { db in try blockEquity(db) }
        let rows = try equityRows()
        if rows.isEmpty { return blocks }
        if blocks.isEmpty { return rows }
        return (rows + blocks).sorted { $0.timestampMicros < $1.timestampMicros }
    }

    private func barRows() throws -> [BarRecord] {
        try fetch("bars", sql: """
            SELECT instrument, ts_us, open, high, low, close, volume FROM bars ORDER BY instrument, ts_us
            """) { row in
            BarRecord(
                instrument: try row.decode(atIndex: 0), timestampMicros: try row.decode(atIndex: 1),
                open: try row.decode(atIndex: 2), high: try row.decode(atIndex: 3), low: try row.decode(atIndex: 4),
                close: try row.decode(atIndex: 5), volume: try row.decode(atIndex: 6))
        }
    }

    private func equityRows() throws -> [EquityPoint] {
        try fetch("equity", sql: "SELECT ts_us, cash, equity, drawdown FROM equity ORDER BY ts_us") { row in
            EquityPoint(
                timestampMicros: try row.decode(atIndex: 0), cash: try row.decode(atIndex: 1),
                equity: try row.decode(atIndex: 2), drawdown: try row.decode(atIndex: 3))
        }
    }

    /// Position snapshots, by instrument then time.
    public func positions() throws -> [PositionRecord] {
        try fetch("positions", sql: """
            SELECT instrument, ts_us, quantity, average_price FROM positions ORDER BY instrument, ts_us
            """) { row in
            PositionRecord(
                instrument: try row.decode(atIndex: 0), timestampMicros: try row.decode(atIndex: 1),
                quantity: try row.decode(atIndex: 2), averagePrice: try row.decode(atIndex: 3))
        }
    }

    /// Feature values, by instrument, feature name, then time.
    public func features() throws -> [FeatureValue] {
        try fetch("features", sql: """
            SELECT instrument, name, ts_us, value FROM features ORDER BY instrument, name, ts_us
            """) { row in
            FeatureValue(
                instrument: try row.decode(atIndex: 0), name: try row.decode(atIndex: 1),
                timestampMicros: try row.decode(atIndex: 2), value: try row.decode(atIndex: 3))
        }
    }

    /// Orders in their latest state, by creation time then client order id.
    public func orders() throws -> [OrderRecord] {
        try fetch("orders", sql: """
            SELECT client_order_id, parent_client_order_id, instrument, side, type, quantity, limit_price, stop_price,
                   status, created_us, updated_us, trace_id
            FROM orders ORDER BY created_us, client_order_id
            """) { row in
            OrderRecord(
                clientOrderID: try row.decode(atIndex: 0), parentClientOrderID: try row.decode(atIndex: 1),
                instrument: try row.decode(atIndex: 2), side: try decodeEnum(OrderSide.self, row, 3, table: "orders"),
                type: try decodeEnum(OrderType.self, row, 4, table: "orders"), quantity: try row.decode(atIndex: 5),
                limitPrice: try row.decode(atIndex: 6), stopPrice: try row.decode(atIndex: 7),
                status: try decodeEnum(OrderStatus.self, row, 8, table: "orders"),
                createdMicros: try row.decode(atIndex: 9), updatedMicros: try row.decode(atIndex: 10),
                traceID: try row.decode(atIndex: 11))
        }
    }

    /// Fills, in the order they were recorded.
    public func fills() throws -> [FillRecord] {
        try fetch("fills", sql: """
            SELECT fill_id, client_order_id, ts_us, quantity, price, fee, liquidity FROM fills ORDER BY rowid
            """) { row in
            FillRecord(
                fillID: try row.decode(atIndex: 0), clientOrderID: try row.decode(atIndex: 1),
                timestampMicros: try row.decode(atIndex: 2), quantity: try row.decode(atIndex: 3),
                price: try row.decode(atIndex: 4), fee: try row.decode(atIndex: 5),
                liquidity: try decodeEnum(Liquidity.self, row, 6, table: "fills"))
        }
    }

    /// Risk events, in the order they were recorded.
    public func riskEvents() throws -> [RiskEventRecord] {
        try fetch("risk_events", sql: """
            SELECT ts_us, kind, severity, message, subject_json FROM risk_events ORDER BY id
            """) { row in
            RiskEventRecord(
                timestampMicros: try row.decode(atIndex: 0), kind: try row.decode(atIndex: 1),
                severity: try decodeEnum(Severity.self, row, 2, table: "risk_events"),
                message: try row.decode(atIndex: 3), subjectJSON: try row.decode(atIndex: 4))
        }
    }

    /// Incidents, open and closed, in the order they were opened.
    public func incidents() throws -> [IncidentRecord] {
        try fetch("incidents", sql: """
            SELECT id, opened_us, agent, severity, summary, details_json, closed_us, resolution FROM incidents ORDER BY id
            """) { row in
            IncidentRecord(
                id: try row.decode(atIndex: 0), openedMicros: try row.decode(atIndex: 1),
                agent: try row.decode(atIndex: 2), severity: try decodeEnum(Severity.self, row, 3, table: "incidents"),
                summary: try row.decode(atIndex: 4), detailsJSON: try row.decode(atIndex: 5),
                closedMicros: try row.decode(atIndex: 6), resolution: try row.decode(atIndex: 7))
        }
    }

    /// Runs a query and maps each row, streaming through a cursor.
    private func fetch<Record>(_ table: String, sql: String, _ transform: (Row) throws -> Record) throws -> [Record] {
        try read(table) { db in
            var records = [Record]()
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                records.append(try transform(row))
            }
            return records
        }
    }
}
