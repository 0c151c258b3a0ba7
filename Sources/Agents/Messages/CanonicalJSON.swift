/// Compact JSON with keys in sorted order, written by hand for the messages that go to the
/// audit chain: the same value always gives the same bytes (the chain hashes them), and a
/// backtest that audits hundreds of thousands of orders and fills does not pay for a
/// general-purpose encoder on each one. Non-finite numbers are written as null.
public struct CanonicalJSON {
    private var text = "{"
    private var empty = true
    #if DEBUG
    private var lastKey = ""
    #endif

    public init() {}

    private mutating func key(_ name: String) {
        #if DEBUG
        precondition(empty || name > lastKey, "canonical JSON keys must be written in sorted order: \(name) after \(lastKey)")
        lastKey = name
        #endif
        if !empty { text += "," }
        empty = false
        text += "\""
        text += name
        text += "\":"
    }

    public mutating func field(_ name: String, _ value: Double) {
        key(name)
        text += value.isFinite ? value.description : "null"
    }

    public mutating func field(_ name: String, _ value: Double?) {
        key(name)
        text += value.map { $0.isFinite ? $0.description : "null" } ?? "null"
    }

    public mutating func field(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
    }

    public mutating func field(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
    }

    public mutating func field(_ name: String, _ value: UInt64) {
        key(name)
        text += String(value)
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    public mutating func field(_ name: String, _ value: String) {
        key(name)
        Self.appendQuoted(value, to: &text)
    }

    public var string: String { text + "}" }

    static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                text += "\\u00"
                text += String(scalar.value >> 4, radix: 16)
                text += String(scalar.value & 0xF, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

extension Payload {
    /// The payload as canonical JSON (see `CanonicalJSON`), for the audit chain.
    public var canonicalJSON: String {
        var json = CanonicalJSON()
        switch self {
        case .signal(let e):
            json.field("confidence", e.confidence)
            json.field("direction", e.direction == .long ? "long" : e.direction == .short ? "short" : "flat")
            json.field("instrument", e.instrument)
            json.field("members", e.members)
            json.field("regime", e.regime)
            json.field("shadow", e.shadow)
            json.field("signal", e.signal)
        case .target(let t):
            json.field("id", t.id)
            json.field("instrument", t.instrument)
            json.field("quantity", t.quantity)
            json.field("reference", t.reference == .open ? "open" : "close")
        case .trade(let t):
            json.field("closedAtEnd", t.closedAtEnd)
            json.field("entryBar", t.entryBar)
            json.field("entryPrice", t.entryPrice)
            json.field("entryTime", t.entryTime)
            json.field("exitBar", t.exitBar)
            json.field("exitPrice", t.exitPrice)
            json.field("exitTime", t.exitTime)
            json.field("fees", t.fees)
            json.field("instrument", t.instrument)
            json.field("pnl", t.pnl)
            json.field("returnFraction", t.returnFraction)
            json.field("size", t.size)
        case .order(let o):
            json.field("filled", o.filled)
            json.field("id", o.id)
            json.field("instrument", o.instrument)
            json.field("kind", o.kind.rawValue)
            json.field("limitPrice", o.limitPrice)
            json.field("parent", o.parent)
            json.field("quantity", o.quantity)
            json.field("status", o.status.rawValue)
        case .fill(let f):
            json.field("arrivalPrice", f.arrivalPrice)
            json.field("barIndex", f.barIndex)
            json.field("fee", f.fee)
            json.field("instrument", f.instrument)
            json.field("order", f.order)
            json.field("parent", f.parent)
            json.field("price", f.price)
            json.field("quantity", f.quantity)
            json.field("reference", f.reference == .open ? "open" : "close")
        case .alert(let a):
            json.field("allowed", a.allowed)
            json.field("instrument", a.instrument)
            json.field("kind", a.kind.rawValue)
            json.field("limit", a.limit)
            json.field("measured", a.measured)
            json.field("requested", a.requested)
        case .executionError(let e):
            json.field("order", e.order)
            json.field("reason", e.reason)
        case .command(let command):
            switch command {
            case .halt(let reason):
                json.field("command", "halt")
                json.field("reason", reason)
            case .reduceOnly(let reason):
                json.field("command", "reduce_only")
                json.field("reason", reason)
            case .resume(let reason):
                json.field("command", "resume")
                json.field("reason", reason)
            }
        case .equity(let e):
            json.field("barIndex", e.barIndex)
            json.field("cash", e.cash)
            json.field("drawdown", e.drawdown)
            json.field("equity", e.equity)
            json.field("state", e.state.rawValue)
            json.field("timestamp", e.timestamp)
        case .bar(let m):
            json.field("close", m.bar.close)
            json.field("flags", Int(m.flags))
            json.field("high", m.bar.high)
            json.field("instrument", m.instrument)
            json.field("low", m.bar.low)
            json.field("open", m.bar.open)
            json.field("timestamp", m.bar.timestamp)
            json.field("volume", m.bar.volume)
        case .features(let frame):
            json.field("barIndex", frame.barIndex)
            json.field("instrument", frame.instrument)
        case .audit(let record):
            return record.payload.canonicalJSON
        case .heartbeat(let agent):
            json.field("agent", Int(agent.rawValue))
        case .barClosed(let instrument):
            json.field("instrument", instrument)
        }
        return json.string
    }
}
