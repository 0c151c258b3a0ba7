import Agents
import Foundation
import Indicators
import Testing
@testable import RedisBus

/// The hand-written codec against Foundation, over seeded random envelopes of every topic:
/// its bytes are exactly what Foundation's `JSONEncoder` writes through the payloads' `Codable`
/// conformances (the format docs/messages.md was defined by), Foundation's own decoders read them
/// back to the same values, and the codec reads its own bytes, and other key orders, back.
@Suite struct EnvelopeCodecPropertyTests {
    let codec = EnvelopeCodec()
    static let perTopic = 150

    /// Every topic, `perTopic` random envelopes each, from a fixed seed.
    static func randomEnvelopes(seed: UInt64) -> [WireEnvelope] {
        var random = SplitMix64(seed: seed)
        var result: [WireEnvelope] = []
        for topic in Topic.allCases {
            for sequence in 0..<perTopic {
                let envelope = Envelope(timestamp: random.int64(), source: AgentID.allCases.randomElement(using: &random)!,
                                        traceId: random.next(), topic: topic, payload: randomPayload(topic, &random))
                let id = sequence % 7 == 0 ? random.text() : WireEnvelope.id(strategy: "s", traceId: envelope.traceId, topic: topic, sequence: sequence)
                result.append(WireEnvelope(id: id, envelope: envelope))
            }
        }
        return result
    }

    @Test func bytesEqualFoundationsJSONEncoder() throws {
        let foundation = FoundationEnvelopeEncoder()
        for message in Self.randomEnvelopes(seed: 1) {
            let ours = try codec.encode(message)
            let theirs = try foundation.encode(message)
            #expect(ours == theirs, "\(message.envelope.topic.name): \(String(decoding: ours, as: UTF8.self)) vs \(String(decoding: theirs, as: UTF8.self))")
            if ours != theirs { return }
        }
    }

    @Test func roundTripsRandomValuesOfEveryTopic() throws {
        for message in Self.randomEnvelopes(seed: 2) {
            let bytes = try codec.encode(message)
            let decoded = try codec.decode(bytes)
            #expect(Same(decoded) == Same(message))
            #expect(try codec.encode(decoded) == bytes)
        }
    }

    /// JSONSerialization, a decoder that shares nothing with the codec, reads the envelope's
    /// fields back; JSONDecoder through the payloads' `Decodable` reads the payload back.
    @Test func foundationDecodersReadTheSameValues() throws {
        for message in Self.randomEnvelopes(seed: 3) {
            let bytes = try codec.encode(message)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            let envelope = message.envelope
            #expect(object["id"] as? String == message.id)
            #expect(object["source"] as? String == envelope.source.wireName)
            #expect(object["topic"] as? String == envelope.topic.name)
            #expect((object["timestamp"] as? NSNumber)?.int64Value == envelope.timestamp)
            #expect((object["traceId"] as? NSNumber)?.uint64Value == envelope.traceId)
            #expect(Set(object.keys) == ["id", "payload", "source", "timestamp", "topic", "traceId"])
            let decoded = try FoundationDecodedEnvelope.decoder.decode(FoundationDecodedEnvelope.self, from: Data(bytes))
            #expect(PayloadComparison(decoded.payload) == PayloadComparison(envelope.payload), "\(envelope.topic.name)")
        }
    }

    /// docs/messages.md: readers accept any key order and ignore keys they do not know.
    @Test func readsOtherKeyOrdersWhitespaceAndUnknownKeys() throws {
        for message in Self.randomEnvelopes(seed: 4).filter({ $0.envelope.topic != .heartbeat }) {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(try codec.encode(message))) as? [String: Any])
            object["extra"] = ["nested": [1, "two", NSNull(), true], "more": 2.5]
            var payload = try #require(object["payload"] as? [String: Any])
            payload["unknownField"] = "ignored"
            object["payload"] = payload
            let reordered = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
            let decoded = try codec.decode(Array(reordered))
            // JSONSerialization reads -0 as the integer 0 and writes it back as 0: the sign of a
            // zero is its loss, not the codec's.
            func unsigned(_ same: Same) -> String { same.text.replacing(/([^\d.e])-0\.0([^\d])/) { "\($0.1)0.0\($0.2)" } }
            #expect(unsigned(Same(decoded)) == unsigned(Same(message)), "\(String(decoding: reordered, as: UTF8.self))")
        }
    }

    @Test func badJSONNamesWhereItIsWrong() throws {
        let truncated = Array(#"{"id":"x","payload":{"barIndex":1,"instrument":0,"values":[1.5,"#.utf8)
        #expect { try codec.decode(truncated) } throws: { "\($0)".contains("'payload': expected a number, found the end of the text") }
        let wrongType = Array(#"{"id":"x","payload":{"order":"one","reason":"r"},"source":"execution","timestamp":1,"topic":"execution.error","traceId":1}"#.utf8)
        #expect { try codec.decode(wrongType) } throws: { "\($0)".contains("'payload.order'") }
        let badSource = Array(#"{"id":"x","payload":{"instrument":0},"source":"nobody","timestamp":1,"topic":"clock","traceId":1}"#.utf8)
        #expect { try codec.decode(badSource) } throws: { "\($0)".contains("'nobody' is not an agent") }
        let trailing = Array(#"{"id":"x","payload":{"instrument":0},"source":"runner","timestamp":1,"topic":"clock","traceId":1} {"#.utf8)
        #expect { try codec.decode(trailing) } throws: { "\($0)".contains("end of the text") }
        let twoCommands = Array(#"{"id":"x","payload":{"halt":{"reason":"a"},"resume":{"reason":"b"}},"source":"supervisor","timestamp":1,"topic":"supervisor.command","traceId":1}"#.utf8)
        #expect { try codec.decode(twoCommands) } throws: { "\($0)".contains("one key naming the command") }
    }

    /// Numbers Foundation and the codec must both read exactly: the codec's fast path (digits
    /// and a power of ten) and the slow one, checked against `Double(String)`.
    @Test func readsNumbersExactly() throws {
        var random = SplitMix64(seed: 5)
        var texts = ["0", "-0", "1e22", "1e23", "9007199254740993", "0.1", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308",
                     "123456789012345678901234567890", "0.000001", "1E5", "1e-5", "-12.5e+3"]
        for _ in 0..<2_000 { texts.append(random.double().description) }
        for text in texts {
            let json = #"{"id":"x","payload":{"instrument":0,"bar":{"close":\#(text),"high":1,"low":1,"open":1,"timestamp":0,"volume":1},"flags":0},"source":"marketData","timestamp":0,"topic":"market.raw","traceId":0}"#
            guard case .bar(let bar) = try codec.decode(Array(json.utf8)).envelope.payload else { Issue.record("not a bar"); continue }
            let expected = try #require(Double(text))
            #expect(bar.bar.close.bitPattern == expected.bitPattern, "\(text)")
        }
    }
}

// MARK: Random values

/// A small seeded generator (SplitMix64), so every run sees the same values.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int64() -> Int64 { Int64(bitPattern: next()) }

    mutating func int() -> Int {
        switch next() % 3 {
        case 0: Int(next() % 100)
        case 1: -Int(next() % 100)
        default: Int(truncatingIfNeeded: next())
        }
    }

    /// A finite double: whole, a price with cents, any bit pattern, an edge.
    mutating func double() -> Double {
        switch next() % 5 {
        case 0: return Double(Int64(bitPattern: next()) % 1_000_000)
        case 1: return Double(Int(next() % 10_000_000)) / 100
        case 2:
            var value = Double(bitPattern: next())
            while !value.isFinite { value = Double(bitPattern: next()) }
            return value
        case 3: return [0.0, -0.0, 5e-324, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e16, 9007199254740992, 0.1, 1e-7, 123456.789].randomElement(using: &self)!
        default: return Double.random(in: -1...1, using: &self)
        }
    }

    /// Any double, non-finite ones included now and then.
    mutating func anyDouble() -> Double {
        next() % 10 == 0 ? [Double.nan, .infinity, -.infinity].randomElement(using: &self)! : double()
    }

    /// Text with what JSON must escape, and more than ASCII.
    mutating func text() -> String {
        let pieces = ["a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{C}", "\u{0}", "\u{1F}", "\u{7F}", "é", "±5%", "€",
                      "\u{2028}", "🚀", "漢", "price band", ":"]
        return (0..<Int(next() % 12)).map { _ in pieces.randomElement(using: &self)! }.joined()
    }

    mutating func bool() -> Bool { next() & 1 == 1 }
}

func randomPayload(_ topic: Topic, _ r: inout SplitMix64) -> Payload {
    switch topic {
    case .marketRaw:
        return .bar(MarketBar(instrument: r.int(), bar: Bar(timestamp: r.int64(), open: r.anyDouble(), high: r.anyDouble(), low: r.anyDouble(),
                                                            close: r.anyDouble(), volume: r.anyDouble()),
                              flags: UInt32(truncatingIfNeeded: r.next())))
    case .featuresCandles, .featuresMicro:
        // Non-finite feature values travel as null and come back as NaN: only NaN round-trips.
        return .features(FeatureFrame(instrument: r.int(), barIndex: r.int(),
                                      values: (0..<Int(r.next() % 8)).map { _ in r.next() % 4 == 0 ? .nan : r.double() }))
    case .signalLong, .signalShort, .signalFlat:
        return .signal(SignalEvent(signal: r.int(), instrument: r.int(), direction: [.long, .short, .flat].randomElement(using: &r)!,
                                   confidence: r.anyDouble(), regime: r.int(), members: r.next(), shadow: r.bool()))
    case .portfolioTarget:
        return .target(TargetOrder(id: r.next(), instrument: r.int(), quantity: r.anyDouble(), reference: r.bool() ? .open : .close))
    case .portfolioTrade:
        return .trade(TradeRecord(instrument: r.int(), entryTime: r.int64(), exitTime: r.int64(), entryBar: r.int(), exitBar: r.int(),
                                  size: r.anyDouble(), entryPrice: r.anyDouble(), exitPrice: r.anyDouble(), fees: r.anyDouble(),
                                  pnl: r.anyDouble(), returnFraction: r.anyDouble(), closedAtEnd: r.bool()))
    case .portfolioEquity:
        return .equity(EquitySnapshot(barIndex: r.int(), timestamp: r.int64(), cash: r.anyDouble(), equity: r.anyDouble(),
                                      drawdown: r.anyDouble(), state: [.active, .reducing, .halted].randomElement(using: &r)!))
    case .riskAlert:
        let kinds: [RiskAlert.Kind] = [.maxLeverage, .maxPosition, .maxPositionNotional, .maxOrderNotional, .orderRate, .valueAtRisk,
                                       .drawdown, .halted, .reduceOnly]
        return .alert(RiskAlert(kind: kinds.randomElement(using: &r)!, instrument: r.int(), requested: r.anyDouble(),
                                allowed: r.anyDouble(), measured: r.anyDouble(), limit: r.anyDouble()))
    case .executionOrder:
        let statuses: [OrderUpdate.Status] = [.accepted, .partiallyFilled, .filled, .cancelled, .rejected, .expired]
        let limit = r.bool()
        return .order(OrderUpdate(id: r.next(), parent: r.next(), instrument: r.int(), kind: limit ? .limit : .market, quantity: r.anyDouble(),
                                  limitPrice: limit ? r.anyDouble() : nil, filled: r.anyDouble(), status: statuses.randomElement(using: &r)!))
    case .executionFill:
        return .fill(randomFill(&r))
    case .executionError:
        return .executionError(ExecutionFailure(order: r.next(), reason: r.text()))
    case .supervisorCommand:
        let reason = r.text()
        return .command([SupervisorCommand.halt(reason: reason), .reduceOnly(reason: reason), .resume(reason: reason)].randomElement(using: &r)!)
    case .complianceAudit:
        let recorded = Topic.allCases.filter { $0 != .complianceAudit }.randomElement(using: &r)!
        return .audit(AuditRecord(kind: recorded.name, timestamp: r.int64(), payload: randomPayload(recorded, &r)))
    case .heartbeat:
        return .heartbeat(AgentID.allCases.randomElement(using: &r)!)
    case .clock:
        return .barClosed(instrument: r.int())
    }
}

func randomFill(_ r: inout SplitMix64) -> Fill {
    Fill(order: r.next(), parent: r.next(), instrument: r.int(), barIndex: r.int(), quantity: r.anyDouble(), price: r.anyDouble(),
         fee: r.anyDouble(), arrivalPrice: r.anyDouble(), reference: r.bool() ? .open : .close)
}

/// Whole messages compared field by field, NaN equal to NaN.
struct Same: Equatable {
    let text: String

    init(_ message: WireEnvelope) {
        let e = message.envelope
        text = "\(message.id) \(e.timestamp) \(e.source) \(e.traceId) \(e.topic) \(PayloadComparison(e.payload).text)"
    }
}

// MARK: Foundation's encoding and decoding, as the codec did before it was written by hand

/// `JSONEncoder` with sorted keys over the payloads' `Codable` conformances: the reference the
/// hand-written encoder must equal byte for byte.
struct FoundationEnvelopeEncoder {
    let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()

    func encode(_ message: WireEnvelope) throws -> [UInt8] {
        Array(try encoder.encode(Encoded(message: message)))
    }

    private struct Encoded: Encodable {
        var message: WireEnvelope
        enum Keys: String, CodingKey { case id, timestamp, source, traceId, topic, payload }

        func encode(to encoder: any Encoder) throws {
            let envelope = message.envelope
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(message.id, forKey: .id)
            try c.encode(envelope.timestamp, forKey: .timestamp)
            try c.encode(envelope.source.wireName, forKey: .source)
            try c.encode(envelope.traceId, forKey: .traceId)
            try c.encode(envelope.topic.name, forKey: .topic)
            if case .audit(let record) = envelope.payload {
                try c.encode(record, forKey: .payload)
            } else {
                try c.encode(envelope.payload, forKey: .payload)
            }
        }
    }
}

/// The payload read by `JSONDecoder` through `Payload(topic:from:)`.
struct FoundationDecodedEnvelope: Decodable {
    var payload: Payload
    enum Keys: String, CodingKey { case topic, payload }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        guard let topic = Topic(name: try c.decode(String.self, forKey: .topic)) else {
            throw DecodingError.dataCorruptedError(forKey: .topic, in: c, debugDescription: "not a topic")
        }
        payload = try Payload(topic: topic, from: c.superDecoder(forKey: .payload))
    }
}
