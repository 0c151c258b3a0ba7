import Indicators

extension Payload {
    /// Reads a payload back from its JSON. The topic says which payload type to expect: the JSON
    /// carries no type tag of its own (it is what `encode(to:)` writes, except that an audit
    /// record is written with its kind and time, see `AuditRecord`'s `Codable`).
    ///
    /// - Throws: `DecodingError` naming the missing or mistyped field.
    public init(topic: Topic, from decoder: any Decoder) throws {
        switch topic {
        case .marketRaw: self = .bar(try MarketBar(from: decoder))
        case .featuresCandles, .featuresMicro: self = .features(try FeatureFrameWire(from: decoder).frame)
        case .signalLong, .signalShort, .signalFlat: self = .signal(try SignalEvent(from: decoder))
        case .portfolioTarget: self = .target(try TargetOrder(from: decoder))
        case .portfolioTrade: self = .trade(try TradeRecord(from: decoder))
        case .portfolioEquity: self = .equity(try EquitySnapshot(from: decoder))
        case .riskAlert: self = .alert(try RiskAlert(from: decoder))
        case .executionOrder: self = .order(try OrderUpdate(from: decoder))
        case .executionFill: self = .fill(try Fill(from: decoder))
        case .executionError: self = .executionError(try ExecutionFailure(from: decoder))
        case .supervisorCommand: self = .command(try SupervisorCommand(from: decoder))
        case .complianceAudit: self = .audit(try AuditRecord(from: decoder))
        case .heartbeat: self = .heartbeat(try AgentID(from: decoder))
        case .clock: self = .barClosed(instrument: try BarClosedWire(from: decoder).instrument)
        }
    }
}

extension Topic {
    /// The topic whose wire name is `name` (`market.raw`, `execution.fill`, …).
    public init?(name: String) {
        guard let topic = Topic.allCases.first(where: { $0.name == name }) else { return nil }
        self = topic
    }
}

/// `features.*`: `{instrument, barIndex, values}`, a warming-up register (NaN) written as null.
struct FeatureFrameWire: Decodable {
    var frame: FeatureFrame

    enum CodingKeys: String, CodingKey { case instrument, barIndex, values }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let values = try c.decode([Double?].self, forKey: .values).map { $0 ?? .nan }
        frame = FeatureFrame(instrument: try c.decode(Int.self, forKey: .instrument),
                             barIndex: try c.decode(Int.self, forKey: .barIndex), values: values)
    }
}

/// `clock`: `{instrument}`.
struct BarClosedWire: Decodable {
    var instrument: Int
}

/// `compliance.audit`: `{kind, timestamp, record}`, where `kind` is the topic of the recorded
/// message and `record` its payload. (The audit log keeps kind and time in columns of its own;
/// where a record travels alone, on a bus, they go with it.)
extension AuditRecord: Codable {
    enum CodingKeys: String, CodingKey { case kind, timestamp, record }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        guard let topic = Topic(name: kind), topic != .complianceAudit else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c,
                debugDescription: "'\(kind)' is not the topic of an audited message (see docs/messages.md)")
        }
        self.init(topic: topic, timestamp: try c.decode(Int64.self, forKey: .timestamp),
                  payload: try Payload(topic: topic, from: c.superDecoder(forKey: .record)))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(timestamp, forKey: .timestamp)
        try payload.encode(to: c.superEncoder(forKey: .record))
    }
}
