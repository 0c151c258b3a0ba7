import Indicators

extension Bar: Codable {
    enum CodingKeys: String, CodingKey { case timestamp, open, high, low, close, volume }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(timestamp: try c.decode(Int64.self, forKey: .timestamp), open: try c.decode(Double.self, forKey: .open),
                  high: try c.decode(Double.self, forKey: .high), low: try c.decode(Double.self, forKey: .low),
                  close: try c.decode(Double.self, forKey: .close), volume: try c.decode(Double.self, forKey: .volume))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(open, forKey: .open)
        try c.encode(high, forKey: .high)
        try c.encode(low, forKey: .low)
        try c.encode(close, forKey: .close)
        try c.encode(volume, forKey: .volume)
    }
}

/// A payload leaves the process as the JSON of the value it carries (audit log, `--json`, buses).
extension Payload: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .bar(let value): try value.encode(to: encoder)
        case .features(let frame):
            var c = encoder.container(keyedBy: FrameKeys.self)
            try c.encode(frame.instrument, forKey: .instrument)
            try c.encode(frame.barIndex, forKey: .barIndex)
            // JSON has no NaN: warming-up registers are written as null.
            try c.encode(frame.values.map { $0.isFinite ? $0 : nil }, forKey: .values)
        case .signal(let value): try value.encode(to: encoder)
        case .target(let value): try value.encode(to: encoder)
        case .trade(let value): try value.encode(to: encoder)
        case .equity(let value): try value.encode(to: encoder)
        case .alert(let value): try value.encode(to: encoder)
        case .order(let value): try value.encode(to: encoder)
        case .fill(let value): try value.encode(to: encoder)
        case .executionError(let value): try value.encode(to: encoder)
        case .command(let value): try value.encode(to: encoder)
        case .audit(let record): try record.payload.encode(to: encoder)
        case .heartbeat(let agent):
            var c = encoder.singleValueContainer()
            try c.encode(agent)
        case .barClosed(let instrument):
            var c = encoder.container(keyedBy: FrameKeys.self)
            try c.encode(instrument, forKey: .instrument)
        }
    }

    enum FrameKeys: String, CodingKey { case instrument, barIndex, values }
}
