import Agents
import Indicators

/// Each topic's payload to and from JSON, field by field (docs/messages.md, "Topics"). Keys are
/// written in sorted order; enums by their raw values, as their `Codable` conformances write them.
enum PayloadJSON {
    // MARK: Writing

    /// The payload as `Payload`'s `Encodable` writes it (an audit record: the record it carries).
    static func write(_ payload: Payload, to w: inout JSONWriter) {
        switch payload {
        case .bar(let value):
            w.beginObject()
            w.key("bar")
            w.beginObject()
            w.key("close"); w.double(value.bar.close)
            w.key("high"); w.double(value.bar.high)
            w.key("low"); w.double(value.bar.low)
            w.key("open"); w.double(value.bar.open)
            w.key("timestamp"); w.int(value.bar.timestamp)
            w.key("volume"); w.double(value.bar.volume)
            w.endObject()
            w.key("flags"); w.int(value.flags)
            w.key("instrument"); w.int(value.instrument)
            w.endObject()
        case .features(let frame):
            w.beginObject()
            w.key("barIndex"); w.int(frame.barIndex)
            w.key("instrument"); w.int(frame.instrument)
            w.key("values")
            w.beginArray()
            // A warming-up register (NaN), or any non-finite value, is null.
            for value in frame.values {
                if value.isFinite { w.double(value) } else { w.null() }
            }
            w.endArray()
            w.endObject()
        case .signal(let value):
            w.beginObject()
            w.key("confidence"); w.double(value.confidence)
            w.key("direction"); w.int(value.direction.rawValue)
            w.key("instrument"); w.int(value.instrument)
            w.key("members"); w.int(value.members)
            w.key("regime"); w.int(value.regime)
            w.key("shadow"); w.bool(value.shadow)
            w.key("signal"); w.int(value.signal)
            w.endObject()
        case .target(let value):
            w.beginObject()
            w.key("id"); w.int(value.id)
            w.key("instrument"); w.int(value.instrument)
            w.key("quantity"); w.double(value.quantity)
            w.key("reference"); w.int(value.reference.rawValue)
            w.endObject()
        case .trade(let value):
            w.beginObject()
            w.key("closedAtEnd"); w.bool(value.closedAtEnd)
            w.key("entryBar"); w.int(value.entryBar)
            w.key("entryPrice"); w.double(value.entryPrice)
            w.key("entryTime"); w.int(value.entryTime)
            w.key("exitBar"); w.int(value.exitBar)
            w.key("exitPrice"); w.double(value.exitPrice)
            w.key("exitTime"); w.int(value.exitTime)
            w.key("fees"); w.double(value.fees)
            w.key("instrument"); w.int(value.instrument)
            w.key("pnl"); w.double(value.pnl)
            w.key("returnFraction"); w.double(value.returnFraction)
            w.key("size"); w.double(value.size)
            w.endObject()
        case .equity(let value):
            w.beginObject()
            w.key("barIndex"); w.int(value.barIndex)
            w.key("cash"); w.double(value.cash)
            w.key("drawdown"); w.double(value.drawdown)
            w.key("equity"); w.double(value.equity)
            w.key("state"); w.string(value.state.rawValue)
            w.key("timestamp"); w.int(value.timestamp)
            w.endObject()
        case .alert(let value):
            w.beginObject()
            w.key("allowed"); w.double(value.allowed)
            w.key("instrument"); w.int(value.instrument)
            w.key("kind"); w.string(value.kind.rawValue)
            w.key("limit"); w.double(value.limit)
            w.key("measured"); w.double(value.measured)
            w.key("requested"); w.double(value.requested)
            w.endObject()
        case .order(let value):
            w.beginObject()
            w.key("filled"); w.double(value.filled)
            w.key("id"); w.int(value.id)
            w.key("instrument"); w.int(value.instrument)
            w.key("kind"); w.string(value.kind.rawValue)
            // Absent for a market order, as the synthesized `Encodable` leaves out a nil optional.
            if let limitPrice = value.limitPrice { w.key("limitPrice"); w.double(limitPrice) }
            w.key("parent"); w.int(value.parent)
            w.key("quantity"); w.double(value.quantity)
            w.key("status"); w.string(value.status.rawValue)
            w.endObject()
        case .fill(let value):
            w.beginObject()
            w.key("arrivalPrice"); w.double(value.arrivalPrice)
            w.key("barIndex"); w.int(value.barIndex)
            w.key("fee"); w.double(value.fee)
            w.key("instrument"); w.int(value.instrument)
            w.key("order"); w.int(value.order)
            w.key("parent"); w.int(value.parent)
            w.key("price"); w.double(value.price)
            w.key("quantity"); w.double(value.quantity)
            w.key("reference"); w.int(value.reference.rawValue)
            w.endObject()
        case .executionError(let value):
            w.beginObject()
            w.key("order"); w.int(value.order)
            w.key("reason"); w.string(value.reason)
            w.endObject()
        case .command(let command):
            // One key naming the command, as the synthesized `Codable` of an enum writes a case.
            w.beginObject()
            switch command {
            case .halt(let reason): w.key("halt"); writeReason(reason, to: &w)
            case .reduceOnly(let reason): w.key("reduceOnly"); writeReason(reason, to: &w)
            case .resume(let reason): w.key("resume"); writeReason(reason, to: &w)
            }
            w.endObject()
        case .audit(let record):
            write(record.payload, to: &w)
        case .heartbeat(let agent):
            w.int(agent.rawValue)
        case .barClosed(let instrument):
            w.beginObject()
            w.key("instrument"); w.int(instrument)
            w.endObject()
        }
    }

    /// A `compliance.audit` payload: the record with its kind and time.
    static func write(_ record: AuditRecord, to w: inout JSONWriter) {
        w.beginObject()
        w.key("kind"); w.string(record.kind)
        w.key("record"); write(record.payload, to: &w)
        w.key("timestamp"); w.int(record.timestamp)
        w.endObject()
    }

    private static func writeReason(_ reason: String, to w: inout JSONWriter) {
        w.beginObject()
        w.key("reason"); w.string(reason)
        w.endObject()
    }

    // MARK: Reading

    /// The payload of `topic` at the reader's position; `path` names it in errors.
    static func read(_ topic: Topic, from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> Payload {
        switch topic {
        case .marketRaw: return .bar(try readBar(from: &r, at: path()))
        case .featuresCandles, .featuresMicro: return .features(try readFeatures(from: &r, at: path()))
        case .signalLong, .signalShort, .signalFlat: return .signal(try readSignal(from: &r, at: path()))
        case .portfolioTarget: return .target(try readTarget(from: &r, at: path()))
        case .portfolioTrade: return .trade(try readTrade(from: &r, at: path()))
        case .portfolioEquity: return .equity(try readEquity(from: &r, at: path()))
        case .riskAlert: return .alert(try readAlert(from: &r, at: path()))
        case .executionOrder: return .order(try readOrder(from: &r, at: path()))
        case .executionFill: return .fill(try readFill(from: &r, at: path()))
        case .executionError: return .executionError(try readExecutionError(from: &r, at: path()))
        case .supervisorCommand: return .command(try readCommand(from: &r, at: path()))
        case .complianceAudit: return .audit(try readAudit(from: &r, at: path()))
        case .heartbeat:
            let raw = try r.integer(UInt8.self, at: path())
            guard let agent = AgentID(rawValue: raw) else {
                throw JSONReadError(path: path(), message: "\(raw) is not an agent number (0–\(AgentID.allCases.count - 1))")
            }
            return .heartbeat(agent)
        case .clock:
            var instrument: Int?
            try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
                guard key == "instrument" else { return false }
                instrument = try r.integer(Int.self, at: path() + ".instrument")
                return true
            }
            return .barClosed(instrument: try required(instrument, "instrument", path()))
        }
    }

    private static func readBar(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> MarketBar {
        var bar: Bar?, flags: UInt32?, instrument: Int?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "bar": bar = try readOHLCV(from: &r, at: path() + ".bar")
            case "flags": flags = try r.integer(UInt32.self, at: path() + ".flags")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            default: return false
            }
            return true
        }
        return MarketBar(instrument: try required(instrument, "instrument", path()), bar: try required(bar, "bar", path()),
                         flags: try required(flags, "flags", path()))
    }

    private static func readOHLCV(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> Bar {
        var timestamp: Int64?, open: Double?, high: Double?, low: Double?, close: Double?, volume: Double?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "close": close = try r.double(at: path() + ".close")
            case "high": high = try r.double(at: path() + ".high")
            case "low": low = try r.double(at: path() + ".low")
            case "open": open = try r.double(at: path() + ".open")
            case "timestamp": timestamp = try r.integer(Int64.self, at: path() + ".timestamp")
            case "volume": volume = try r.double(at: path() + ".volume")
            default: return false
            }
            return true
        }
        return Bar(timestamp: try required(timestamp, "timestamp", path()), open: try required(open, "open", path()),
                   high: try required(high, "high", path()), low: try required(low, "low", path()),
                   close: try required(close, "close", path()), volume: try required(volume, "volume", path()))
    }

    private static func readFeatures(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> FeatureFrame {
        var barIndex: Int?, instrument: Int?, values: [Double]?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "barIndex": barIndex = try r.integer(Int.self, at: path() + ".barIndex")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "values":
                var list: [Double] = []
                try r.array(at: path() + ".values") { (r: inout JSONReader) throws(JSONReadError) in
                    // null: a register still warming up.
                    list.append(r.takeNull() ? .nan : try r.double(at: path() + ".values"))
                }
                values = list
            default: return false
            }
            return true
        }
        return FeatureFrame(instrument: try required(instrument, "instrument", path()), barIndex: try required(barIndex, "barIndex", path()),
                            values: try required(values, "values", path()))
    }

    private static func readSignal(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> SignalEvent {
        var confidence: Double?, direction: Direction?, instrument: Int?, members: UInt64?, regime: Int?, shadow: Bool?, signal: Int?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "confidence": confidence = try r.double(at: path() + ".confidence")
            case "direction": direction = try enumValue(Direction.self, try r.integer(Int8.self, at: path() + ".direction"), path() + ".direction")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "members": members = try r.integer(UInt64.self, at: path() + ".members")
            case "regime": regime = try r.integer(Int.self, at: path() + ".regime")
            case "shadow": shadow = try r.bool(at: path() + ".shadow")
            case "signal": signal = try r.integer(Int.self, at: path() + ".signal")
            default: return false
            }
            return true
        }
        return SignalEvent(signal: try required(signal, "signal", path()), instrument: try required(instrument, "instrument", path()),
                           direction: try required(direction, "direction", path()), confidence: try required(confidence, "confidence", path()),
                           regime: try required(regime, "regime", path()), members: try required(members, "members", path()),
                           shadow: try required(shadow, "shadow", path()))
    }

    private static func readTarget(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> TargetOrder {
        var id: UInt64?, instrument: Int?, quantity: Double?, reference: PriceReference?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "id": id = try r.integer(UInt64.self, at: path() + ".id")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "quantity": quantity = try r.double(at: path() + ".quantity")
            case "reference": reference = try enumValue(PriceReference.self, try r.integer(UInt8.self, at: path() + ".reference"), path() + ".reference")
            default: return false
            }
            return true
        }
        return TargetOrder(id: try required(id, "id", path()), instrument: try required(instrument, "instrument", path()),
                           quantity: try required(quantity, "quantity", path()), reference: try required(reference, "reference", path()))
    }

    private static func readTrade(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> TradeRecord {
        var closedAtEnd: Bool?, entryBar: Int?, entryPrice: Double?, entryTime: Int64?, exitBar: Int?, exitPrice: Double?
        var exitTime: Int64?, fees: Double?, instrument: Int?, pnl: Double?, returnFraction: Double?, size: Double?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "closedAtEnd": closedAtEnd = try r.bool(at: path() + ".closedAtEnd")
            case "entryBar": entryBar = try r.integer(Int.self, at: path() + ".entryBar")
            case "entryPrice": entryPrice = try r.double(at: path() + ".entryPrice")
            case "entryTime": entryTime = try r.integer(Int64.self, at: path() + ".entryTime")
            case "exitBar": exitBar = try r.integer(Int.self, at: path() + ".exitBar")
            case "exitPrice": exitPrice = try r.double(at: path() + ".exitPrice")
            case "exitTime": exitTime = try r.integer(Int64.self, at: path() + ".exitTime")
            case "fees": fees = try r.double(at: path() + ".fees")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "pnl": pnl = try r.double(at: path() + ".pnl")
            case "returnFraction": returnFraction = try r.double(at: path() + ".returnFraction")
            case "size": size = try r.double(at: path() + ".size")
            default: return false
            }
            return true
        }
        return TradeRecord(instrument: try required(instrument, "instrument", path()), entryTime: try required(entryTime, "entryTime", path()),
                           exitTime: try required(exitTime, "exitTime", path()), entryBar: try required(entryBar, "entryBar", path()),
                           exitBar: try required(exitBar, "exitBar", path()), size: try required(size, "size", path()),
                           entryPrice: try required(entryPrice, "entryPrice", path()), exitPrice: try required(exitPrice, "exitPrice", path()),
                           fees: try required(fees, "fees", path()), pnl: try required(pnl, "pnl", path()),
                           returnFraction: try required(returnFraction, "returnFraction", path()),
                           closedAtEnd: try required(closedAtEnd, "closedAtEnd", path()))
    }

    private static func readEquity(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> EquitySnapshot {
        var barIndex: Int?, cash: Double?, drawdown: Double?, equity: Double?, state: RiskState?, timestamp: Int64?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "barIndex": barIndex = try r.integer(Int.self, at: path() + ".barIndex")
            case "cash": cash = try r.double(at: path() + ".cash")
            case "drawdown": drawdown = try r.double(at: path() + ".drawdown")
            case "equity": equity = try r.double(at: path() + ".equity")
            case "state": state = try enumValue(RiskState.self, try r.string(at: path() + ".state"), path() + ".state")
            case "timestamp": timestamp = try r.integer(Int64.self, at: path() + ".timestamp")
            default: return false
            }
            return true
        }
        return EquitySnapshot(barIndex: try required(barIndex, "barIndex", path()), timestamp: try required(timestamp, "timestamp", path()),
                              cash: try required(cash, "cash", path()), equity: try required(equity, "equity", path()),
                              drawdown: try required(drawdown, "drawdown", path()), state: try required(state, "state", path()))
    }

    private static func readAlert(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> RiskAlert {
        var allowed: Double?, instrument: Int?, kind: RiskAlert.Kind?, limit: Double?, measured: Double?, requested: Double?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "allowed": allowed = try r.double(at: path() + ".allowed")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "kind": kind = try enumValue(RiskAlert.Kind.self, try r.string(at: path() + ".kind"), path() + ".kind")
            case "limit": limit = try r.double(at: path() + ".limit")
            case "measured": measured = try r.double(at: path() + ".measured")
            case "requested": requested = try r.double(at: path() + ".requested")
            default: return false
            }
            return true
        }
        return RiskAlert(kind: try required(kind, "kind", path()), instrument: try required(instrument, "instrument", path()),
                         requested: try required(requested, "requested", path()), allowed: try required(allowed, "allowed", path()),
                         measured: try required(measured, "measured", path()), limit: try required(limit, "limit", path()))
    }

    private static func readOrder(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> OrderUpdate {
        var filled: Double?, id: UInt64?, instrument: Int?, kind: OrderUpdate.Kind?, limitPrice: Double?, parent: UInt64?
        var quantity: Double?, status: OrderUpdate.Status?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "filled": filled = try r.double(at: path() + ".filled")
            case "id": id = try r.integer(UInt64.self, at: path() + ".id")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "kind": kind = try enumValue(OrderUpdate.Kind.self, try r.string(at: path() + ".kind"), path() + ".kind")
            // null or absent: a market order.
            case "limitPrice": limitPrice = r.takeNull() ? nil : try r.double(at: path() + ".limitPrice")
            case "parent": parent = try r.integer(UInt64.self, at: path() + ".parent")
            case "quantity": quantity = try r.double(at: path() + ".quantity")
            case "status": status = try enumValue(OrderUpdate.Status.self, try r.string(at: path() + ".status"), path() + ".status")
            default: return false
            }
            return true
        }
        return OrderUpdate(id: try required(id, "id", path()), parent: try required(parent, "parent", path()),
                           instrument: try required(instrument, "instrument", path()), kind: try required(kind, "kind", path()),
                           quantity: try required(quantity, "quantity", path()), limitPrice: limitPrice,
                           filled: try required(filled, "filled", path()), status: try required(status, "status", path()))
    }

    private static func readFill(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> Fill {
        var arrivalPrice: Double?, barIndex: Int?, fee: Double?, instrument: Int?, order: UInt64?, parent: UInt64?
        var price: Double?, quantity: Double?, reference: PriceReference?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "arrivalPrice": arrivalPrice = try r.double(at: path() + ".arrivalPrice")
            case "barIndex": barIndex = try r.integer(Int.self, at: path() + ".barIndex")
            case "fee": fee = try r.double(at: path() + ".fee")
            case "instrument": instrument = try r.integer(Int.self, at: path() + ".instrument")
            case "order": order = try r.integer(UInt64.self, at: path() + ".order")
            case "parent": parent = try r.integer(UInt64.self, at: path() + ".parent")
            case "price": price = try r.double(at: path() + ".price")
            case "quantity": quantity = try r.double(at: path() + ".quantity")
            case "reference": reference = try enumValue(PriceReference.self, try r.integer(UInt8.self, at: path() + ".reference"), path() + ".reference")
            default: return false
            }
            return true
        }
        return Fill(order: try required(order, "order", path()), parent: try required(parent, "parent", path()),
                    instrument: try required(instrument, "instrument", path()), barIndex: try required(barIndex, "barIndex", path()),
                    quantity: try required(quantity, "quantity", path()), price: try required(price, "price", path()),
                    fee: try required(fee, "fee", path()), arrivalPrice: try required(arrivalPrice, "arrivalPrice", path()),
                    reference: try required(reference, "reference", path()))
    }

    private static func readExecutionError(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> ExecutionFailure {
        var order: UInt64?, reason: String?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "order": order = try r.integer(UInt64.self, at: path() + ".order")
            case "reason": reason = try r.string(at: path() + ".reason")
            default: return false
            }
            return true
        }
        return ExecutionFailure(order: try required(order, "order", path()), reason: try required(reason, "reason", path()))
    }

    /// `{"halt": {"reason": …}}`: exactly one known key names the command.
    private static func readCommand(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> SupervisorCommand {
        var commands: [SupervisorCommand] = []
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            let make: (String) -> SupervisorCommand
            switch key {
            case "halt": make = { .halt(reason: $0) }
            case "reduceOnly": make = { .reduceOnly(reason: $0) }
            case "resume": make = { .resume(reason: $0) }
            default: return false
            }
            var reason: String?
            try r.object(at: path() + "." + key.description) { (r: inout JSONReader, inner: JSONKey) throws(JSONReadError) -> Bool in
                guard inner == "reason" else { return false }
                reason = try r.string(at: path() + "." + key.description + ".reason")
                return true
            }
            commands.append(make(try required(reason, "reason", path() + "." + key.description)))
            return true
        }
        guard commands.count == 1 else {
            throw JSONReadError(path: path(), message: "should have one key naming the command (halt, reduceOnly or resume), found \(commands.count)")
        }
        return commands[0]
    }

    /// `{kind, record, timestamp}`: `record` is read as the payload of the topic `kind` names, so
    /// `kind` is found first wherever it stands.
    private static func readAudit(from r: inout JSONReader, at path: @autoclosure () -> String) throws(JSONReadError) -> AuditRecord {
        var kind: String?, timestamp: Int64?, recordStart: Int?
        try r.object(at: path()) { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "kind": kind = try r.string(at: path() + ".kind")
            case "timestamp": timestamp = try r.integer(Int64.self, at: path() + ".timestamp")
            case "record":
                r.skipWhitespace()
                recordStart = r.index
                try r.skipValue(at: path() + ".record")
            default: return false
            }
            return true
        }
        let name = try required(kind, "kind", path())
        guard let topic = Topic(name: name), topic != .complianceAudit else {
            throw JSONReadError(path: path() + ".kind", message: "'\(name)' is not the topic of an audited message (see docs/messages.md)")
        }
        var record = JSONReader(r.bytes, at: try required(recordStart, "record", path()))
        return AuditRecord(kind: name, timestamp: try required(timestamp, "timestamp", path()),
                           payload: try read(topic, from: &record, at: path() + ".record"))
    }

    // MARK: Helpers

    static func required<T>(_ value: T?, _ key: String, _ path: @autoclosure () -> String) throws(JSONReadError) -> T {
        guard let value else { throw JSONReadError.missing(key, in: path()) }
        return value
    }

    private static func enumValue<T: RawRepresentable>(_: T.Type, _ raw: T.RawValue, _ path: @autoclosure () -> String) throws(JSONReadError) -> T {
        guard let value = T(rawValue: raw) else { throw JSONReadError(path: path(), message: "'\(raw)' is not a valid \(T.self) (docs/messages.md lists them)") }
        return value
    }
}
