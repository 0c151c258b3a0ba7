import Agents
import Foundation
import Indicators
import Testing
@testable import RedisBus

/// Envelopes to JSON and back, for every topic. The expected JSON of the first test is written
/// by hand from docs/messages.md; the round trips check the decoded value equals the original.
@Suite struct EnvelopeCodecTests {
    let codec = EnvelopeCodec()

    @Test func marketRawHasTheDocumentedShape() throws {
        let envelope = Envelope(timestamp: 1_700_000_000_000_000, source: .marketData, traceId: 7, topic: .marketRaw,
                                payload: .bar(MarketBar(instrument: 0, bar: Bar(timestamp: 1_700_000_000_000_000, open: 100, high: 101.5,
                                                                                 low: 99.25, close: 101, volume: 1200))))
        let json = String(decoding: try codec.encode(WireEnvelope(id: "sma:7:market.raw:0", envelope: envelope)), as: UTF8.self)
        #expect(json == """
            {"id":"sma:7:market.raw:0","payload":{"bar":{"close":101,"high":101.5,"low":99.25,"open":100,"timestamp":1700000000000000,\
            "volume":1200},"flags":0,"instrument":0},"source":"marketData","timestamp":1700000000000000,"topic":"market.raw","traceId":7}
            """)
    }

    /// One example envelope per topic, as the agents emit them.
    static let examples: [Envelope] = {
        let t: Int64 = 1_704_067_200_000_000
        func envelope(_ topic: Topic, _ source: AgentID, _ payload: Payload) -> Envelope {
            Envelope(timestamp: t, source: source, traceId: 42, topic: topic, payload: payload)
        }
        let fill = makeFill(order: 3, barIndex: 42, quantity: -5, price: 101.25, fee: 0.5, arrivalPrice: 101)
        return [
            envelope(.marketRaw, .marketData, .bar(MarketBar(instrument: 1, bar: Bar(timestamp: t, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10),
                                                             flags: MarketBar.filledFlag | 2))),
            envelope(.featuresCandles, .feature, .features(FeatureFrame(instrument: 0, barIndex: 42, values: [1.5, .nan, -3]))),
            envelope(.featuresMicro, .feature, .features(FeatureFrame(instrument: 2, barIndex: 3, values: []))),
            envelope(.signalLong, .signal, .signal(SignalEvent(signal: 1, instrument: 0, direction: .long, confidence: 0.75, regime: 2,
                                                               members: UInt64.max - 1, shadow: true))),
            envelope(.signalShort, .signal, .signal(SignalEvent(signal: 0, instrument: 1, direction: .short, confidence: 1))),
            envelope(.signalFlat, .signal, .signal(SignalEvent(signal: 2, instrument: 0, direction: .flat, confidence: 0.1))),
            envelope(.portfolioTarget, .portfolioRisk, .target(TargetOrder(id: 9, instrument: 0, quantity: -12.5, reference: .open))),
            envelope(.portfolioTrade, .portfolioRisk, .trade(TradeRecord(instrument: 1, entryTime: t - 60_000_000, exitTime: t, entryBar: 40,
                                                                         exitBar: 42, size: -3, entryPrice: 100, exitPrice: 98, fees: 0.6,
                                                                         pnl: 5.4, returnFraction: 0.018, closedAtEnd: true))),
            envelope(.portfolioEquity, .portfolioRisk, .equity(try! decodeJSON(EquitySnapshot.self, """
                {"barIndex":42,"timestamp":\(t),"cash":1000.5,"equity":10012.25,"drawdown":0.03,"state":"REDUCING"}
                """))),
            envelope(.riskAlert, .portfolioRisk, .alert(try! decodeJSON(RiskAlert.self, """
                {"kind":"max_leverage","instrument":0,"requested":10,"allowed":4,"measured":2.5,"limit":1}
                """))),
            envelope(.executionOrder, .execution, .order(try! decodeJSON(OrderUpdate.self, """
                {"id":3,"parent":2,"instrument":1,"kind":"limit","quantity":-5,"limitPrice":101.5,"filled":-2,"status":"partially_filled"}
                """))),
            envelope(.executionFill, .execution, .fill(fill)),
            envelope(.executionError, .execution, .executionError(try! decodeJSON(ExecutionFailure.self, #"{"order":4,"reason":"price band \"±5%\"\nexceeded"}"#))),
            envelope(.supervisorCommand, .supervisor, .command(.reduceOnly(reason: "drawdown 0.2 reached the limit 0.15"))),
            envelope(.complianceAudit, .compliance, .audit(try! decodeJSON(AuditRecord.self, """
                {"kind":"execution.fill","timestamp":\(t),"record":{"order":3,"parent":2,"instrument":1,"barIndex":42,"quantity":-5,\
                "price":101.25,"fee":0.5,"arrivalPrice":101,"reference":1}}
                """))),
            envelope(.heartbeat, .execution, .heartbeat(.execution)),
            envelope(.clock, .runner, .barClosed(instrument: 0)),
        ]
    }()

    @Test func examplesCoverEveryTopic() {
        #expect(Set(Self.examples.map(\.topic)) == Set(Topic.allCases))
    }

    @Test(arguments: examples)
    func roundTrip(_ envelope: Envelope) throws {
        let id = WireEnvelope.id(strategy: "s", traceId: envelope.traceId, topic: envelope.topic, sequence: 3)
        let bytes = try codec.encode(WireEnvelope(id: id, envelope: envelope))
        let decoded = try codec.decode(bytes)
        #expect(decoded.id == "s:42:\(envelope.topic.name):3")
        #expect(decoded.envelope.timestamp == envelope.timestamp)
        #expect(decoded.envelope.source == envelope.source)
        #expect(decoded.envelope.traceId == envelope.traceId)
        #expect(decoded.envelope.topic == envelope.topic)
        #expect(PayloadComparison(decoded.envelope.payload) == PayloadComparison(envelope.payload))
        // And the bytes are stable: encoding the decoded value gives the same JSON.
        #expect(try codec.encode(decoded) == bytes)
    }

    @Test func badEnvelopesNameTheField() throws {
        let noTopic = Array(#"{"id":"x","timestamp":1,"source":"runner","traceId":1,"payload":{}}"#.utf8)
        #expect { try codec.decode(noTopic) } throws: { "\($0)".contains("lacks the field 'topic'") }
        let badTopic = Array(#"{"id":"x","timestamp":1,"source":"runner","traceId":1,"topic":"market.cooked","payload":{}}"#.utf8)
        #expect { try codec.decode(badTopic) } throws: { "\($0)".contains("'market.cooked' is not a topic") }
        let badFill = Array(#"{"id":"x","timestamp":1,"source":"execution","traceId":1,"topic":"execution.fill","payload":{"order":1}}"#.utf8)
        #expect { try codec.decode(badFill) } throws: { "\($0)".contains("lacks the field 'parent'") }
    }
}

/// Payloads compared field by field, NaN equal to NaN (a warming-up feature register).
struct PayloadComparison: Equatable {
    let text: String

    init(_ payload: Payload) {
        switch payload {
        case .features(let frame):
            text = "features \(frame.instrument) \(frame.barIndex) \(frame.values.map { $0.isNaN ? "nan" : "\($0)" })"
        case .audit(let record):
            text = "audit \(record.kind) \(record.timestamp) \(PayloadComparison(record.payload).text)"
        default:
            // Every other payload type is Equatable and prints all its stored properties.
            text = "\(payload)"
        }
    }
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
}
