import Foundation
import GRDB

// The run database's order side serves the state store too; the handoff note's JSON encodes it.
extension OrderSide: Codable {
    /// +1 for a buy, −1 for a sell.
    public var sign: Double { self == .buy ? 1 : -1 }
}

/// An order the strategy wants to send, before the store has given it its client id.
public struct OrderIntent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case market, limit
    }

    /// The bar whose handling produced the order; it must be journaled.
    public var barSequence: UInt64
    /// The order's position among the orders of that bar, from 0.
    public var index: Int
    public var instrument: String
    public var side: OrderSide
    /// Unsigned, in units of the instrument.
    public var quantity: Double
    public var kind: Kind
    /// Required for limit orders, nil for market orders.
    public var limitPrice: Double?
    public var createdMicros: Int64

    public init(barSequence: UInt64, index: Int, instrument: String, side: OrderSide, quantity: Double, kind: Kind = .market,
                limitPrice: Double? = nil, createdMicros: Int64) {
        self.barSequence = barSequence
        self.index = index
        self.instrument = instrument
        self.side = side
        self.quantity = quantity
        self.kind = kind
        self.limitPrice = limitPrice
        self.createdMicros = createdMicros
    }
}

/// An order as the store holds it.
public struct StoredOrder: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Equatable, Codable, CaseIterable {
        /// Recorded, not yet confirmed sent: after a crash, ask the venue before sending.
        case pending
        case sent
        case partiallyFilled = "partially_filled"
        case filled, cancelled, rejected, expired

        /// Orders in these states may still trade.
        public var isOpen: Bool { self == .pending || self == .sent || self == .partiallyFilled }
    }

    public var clientOrderID: String
    public var barSequence: UInt64
    public var index: Int
    public var instrument: String
    public var side: OrderSide
    public var quantity: Double
    public var kind: OrderIntent.Kind
    public var limitPrice: Double?
    public var status: Status
    /// Filled so far, the sum of the order's fills.
    public var filledQuantity: Double
    public var createdMicros: Int64
    public var sentMicros: Int64?

    enum CodingKeys: String, CodingKey {
        case clientOrderID = "client_order_id", barSequence = "bar_sequence", index, instrument, side, quantity, kind
        case limitPrice = "limit_price", status, filledQuantity = "filled_quantity", createdMicros = "created_us", sentMicros = "sent_us"
    }
}

/// What to do with an order after asking the store.
public enum OrderAdmission: Sendable, Equatable {
    /// New: it is now recorded as pending; send it under this id, then call `markSent`.
    case send(ClientOrderID)
    /// Recorded earlier but never confirmed sent (the process died between recording and
    /// sending): ask the venue for this client id and send only if the venue does not know it.
    case reconcile(StoredOrder)
    /// Already sent: never send it again.
    case alreadySent(StoredOrder)
}

/// A fill as the venue reported it.
public struct FillReport: Sendable, Equatable {
    public var clientOrderID: String
    /// The venue's id for the fill (trade id), unique within the order: a re-delivered fill is stored once.
    public var venueFillID: String
    /// Unsigned; the order's side gives the direction.
    public var quantity: Double
    public var price: Double
    public var fee: Double
    public var timestampMicros: Int64

    public init(clientOrderID: String, venueFillID: String, quantity: Double, price: Double, fee: Double, timestampMicros: Int64) {
        self.clientOrderID = clientOrderID
        self.venueFillID = venueFillID
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.timestampMicros = timestampMicros
    }
}

extension StateStore {
    /// Records an order before it is sent, or recognises one recorded before.
    ///
    /// The client id is derived from the bound strategy, the bar and the index
    /// (``ClientOrderID``), so the replay after a restart finds the orders the first pass made.
    ///
    /// - Throws: ``StorageError`` of kind `rejected` when no strategy is bound, the bar is not
    ///   journaled, or an order with this id exists with other values (the replay diverged from
    ///   the first pass: the agents were not given the same bars, or the strategy changed).
    public func admit(_ intent: OrderIntent) throws -> OrderAdmission {
        try write("recording an order") { db in
            guard let strategyID = try String.fetchOne(db, sql: "SELECT strategy_id FROM strategy") else {
                throw StorageError(kind: .rejected, path: self.url.path, problem: "has no strategy bound, so it cannot name orders",
                                   remedy: "call bind(strategyID:at:) when the run starts")
            }
            let id = ClientOrderID(strategyID: strategyID, barSequence: intent.barSequence, index: intent.index)
            if let stored = try Self.order(db, id: id.value) {
                guard stored.instrument == intent.instrument, stored.side == intent.side, stored.quantity == intent.quantity,
                      stored.kind == intent.kind, stored.limitPrice == intent.limitPrice
                else {
                    throw StorageError(
                        kind: .rejected, path: self.url.path,
                        problem: "order \(id) was recorded as \(stored.side.rawValue) \(stored.quantity) \(stored.instrument), "
                            + "and the strategy now asks for \(intent.side.rawValue) \(intent.quantity) \(intent.instrument)",
                        remedy: "the replay after restart diverged from the first pass; nothing was sent. Check that the strategy "
                            + "file and models are the ones the state was written with")
                }
                return stored.status == .pending ? .reconcile(stored) : .alreadySent(stored)
            }
            try db.execute(sql: """
                INSERT INTO orders (client_order_id, bar_seq, bar_index, instrument, side, quantity, kind, limit_price,
                                    status, created_us, updated_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """, arguments: [id.value, Int64(bitPattern: intent.barSequence), intent.index, intent.instrument, intent.side.rawValue,
                                 intent.quantity, intent.kind.rawValue, intent.limitPrice, intent.createdMicros, intent.createdMicros])
            return .send(id)
        }
    }

    /// The venue has the order (it acknowledged it, or reconciliation found it there).
    ///
    /// Idempotent: marking an order that is already past `pending` changes nothing.
    public func markSent(_ clientOrderID: String, at timestampMicros: Int64) throws {
        try write("marking order \(clientOrderID) sent") { db in
            try db.execute(sql: "UPDATE orders SET status = 'sent', sent_us = ?, updated_us = ? WHERE client_order_id = ? AND status = 'pending'",
                           arguments: [timestampMicros, timestampMicros, clientOrderID])
            if db.changesCount == 0, try Self.order(db, id: clientOrderID) == nil {
                throw Self.unknownOrder(self.url, clientOrderID)
            }
        }
    }

    /// Records the end of an order that did not fill: cancelled, rejected or expired.
    public func closeOrder(_ clientOrderID: String, as status: StoredOrder.Status, at timestampMicros: Int64) throws {
        precondition(status == .cancelled || status == .rejected || status == .expired, "closeOrder takes a final, unfilled status")
        try write("closing order \(clientOrderID)") { db in
            guard let stored = try Self.order(db, id: clientOrderID) else { throw Self.unknownOrder(self.url, clientOrderID) }
            guard stored.status.isOpen else { return }
            try db.execute(sql: "UPDATE orders SET status = ?, updated_us = ? WHERE client_order_id = ?",
                           arguments: [status.rawValue, timestampMicros, clientOrderID])
        }
    }

    /// Records a fill and moves its order to partially filled or filled, in one transaction.
    ///
    /// - Returns: False when this fill (same order, same venue fill id) was already recorded.
    @discardableResult
    public func recordFill(_ fill: FillReport) throws -> Bool {
        try write("recording a fill of \(fill.clientOrderID)") { db in
            guard let order = try Self.order(db, id: fill.clientOrderID) else { throw Self.unknownOrder(self.url, fill.clientOrderID) }
            try db.execute(sql: """
                INSERT INTO fills (client_order_id, venue_fill_id, quantity, price, fee, ts_us) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (client_order_id, venue_fill_id) DO NOTHING
                """, arguments: [fill.clientOrderID, fill.venueFillID, fill.quantity, fill.price, fill.fee, fill.timestampMicros])
            guard db.changesCount == 1 else { return false }
            let filled = order.filledQuantity + fill.quantity
            let status: StoredOrder.Status = filled >= order.quantity * (1 - 1e-9) ? .filled : .partiallyFilled
            // A fill proves the venue has the order, even if the process died before marking it sent.
            try db.execute(sql: """
                UPDATE orders SET status = ?, sent_us = coalesce(sent_us, ?), updated_us = ? WHERE client_order_id = ?
                """, arguments: [status.rawValue, fill.timestampMicros, fill.timestampMicros, fill.clientOrderID])
            return true
        }
    }

    /// One order by client id.
    public func order(_ clientOrderID: String) throws -> StoredOrder? {
        try read("orders") { db in try Self.order(db, id: clientOrderID) }
    }

    /// Every order, oldest first (by bar, then index).
    public func orders() throws -> [StoredOrder] {
        try read("orders") { db in try Self.orders(db, where: "1") }
    }

    /// Orders that may still trade: pending, sent or partially filled.
    public func openOrders() throws -> [StoredOrder] {
        try read("orders") { db in try Self.orders(db, where: "o.status IN ('pending', 'sent', 'partially_filled')") }
    }

    /// Every fill, in the order recorded.
    public func fills() throws -> [FillReport] {
        try read("fills") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM fills ORDER BY id").map {
                FillReport(clientOrderID: $0["client_order_id"], venueFillID: $0["venue_fill_id"], quantity: $0["quantity"],
                           price: $0["price"], fee: $0["fee"], timestampMicros: $0["ts_us"])
            }
        }
    }

    static func order(_ db: Database, id: String) throws -> StoredOrder? {
        try orders(db, where: "o.client_order_id = ?", arguments: [id]).first
    }

    static func orders(_ db: Database, where condition: String, arguments: StatementArguments = []) throws -> [StoredOrder] {
        try Row.fetchAll(db, sql: """
            SELECT o.*, coalesce((SELECT sum(quantity) FROM fills f WHERE f.client_order_id = o.client_order_id), 0) AS filled
            FROM orders o WHERE \(condition) ORDER BY o.bar_seq, o.bar_index
            """, arguments: arguments).map { row in
            StoredOrder(
                clientOrderID: row["client_order_id"], barSequence: UInt64(row["bar_seq"] as Int64), index: row["bar_index"],
                instrument: row["instrument"], side: try decode(OrderSide.self, row["side"], "side"),
                quantity: row["quantity"], kind: try decode(OrderIntent.Kind.self, row["kind"], "kind"),
                limitPrice: row["limit_price"], status: try decode(StoredOrder.Status.self, row["status"], "status"),
                filledQuantity: row["filled"], createdMicros: row["created_us"], sentMicros: row["sent_us"])
        }
    }

    static func decode<Value: RawRepresentable<String>>(_ type: Value.Type, _ text: String, _ column: String) throws -> Value {
        guard let value = Value(rawValue: text) else { throw StateDecodingError(column: column, value: text) }
        return value
    }

    static func unknownOrder(_ url: URL, _ id: String) -> StorageError {
        StorageError(kind: .rejected, path: url.path, problem: "has no order \(id)",
                     remedy: "record the order with admit(_:) before reporting on it")
    }
}

/// A stored value outside its column's vocabulary (only a hand edit that bypassed the schema can cause one).
struct StateDecodingError: Error, CustomStringConvertible {
    var column: String
    var value: String
    var description: String { "\(column) '\(value)'" }
}
