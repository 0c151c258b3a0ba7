import Agents
import Foundation

/// An envelope as it travels on the bus: its id, then the envelope's fields.
public struct WireEnvelope: Sendable {
    /// `<strategy>:<traceId>:<topic>:<sequence>`: the same message always has the same id, so a
    /// consumer that sees an id twice knows it is a redelivery (or a producer's resend).
    public var id: String
    public var envelope: Envelope

    public init(id: String, envelope: Envelope) {
        self.id = id
        self.envelope = envelope
    }

    /// The id of the `sequence`-th message on `envelope.topic` for the envelope's trace.
    public static func id(strategy: String, traceId: UInt64, topic: Topic, sequence: Int) -> String {
        "\(strategy):\(traceId):\(topic.name):\(sequence)"
    }
}

/// Envelopes to and from JSON with stable field names (see docs/messages.md):
/// `{"id", "timestamp", "source", "traceId", "topic", "payload"}`.
///
/// Keys are written sorted, so the same envelope always gives the same bytes. Non-finite numbers
/// outside feature values are written as the strings "NaN", "Infinity", "-Infinity".
public struct EnvelopeCodec: Sendable {
    private let encoder: JSONEncoder
    private let decoder: JSONDecoder

    public init() {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    }

    public func encode(_ message: WireEnvelope) throws -> [UInt8] {
        Array(try encoder.encode(EncodedEnvelope(message: message)))
    }

    /// - Throws: `EnvelopeDecodingError` naming the field that is missing or wrong.
    public func decode(_ bytes: [UInt8]) throws -> WireEnvelope {
        do {
            return try decoder.decode(DecodedEnvelope.self, from: Data(bytes)).message
        } catch let error as DecodingError {
            throw EnvelopeDecodingError(error)
        }
    }
}

/// A message on the bus that is not a valid envelope, with the field at fault.
public struct EnvelopeDecodingError: Error, CustomStringConvertible {
    public var description: String

    init(_ error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "the envelope" : "'\(path)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            description = "envelope JSON: \(path(context)) lacks the field '\(key.stringValue)' (docs/messages.md lists the fields)"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            description = "envelope JSON: \(path(context)) should be \(type): \(context.debugDescription)"
        case .dataCorrupted(let context):
            description = "envelope JSON: \(path(context)): \(context.debugDescription)"
        @unknown default:
            description = "envelope JSON: \(error)"
        }
    }
}

private enum EnvelopeKeys: String, CodingKey { case id, timestamp, source, traceId, topic, payload }

private struct EncodedEnvelope: Encodable {
    var message: WireEnvelope

    func encode(to encoder: any Encoder) throws {
        let envelope = message.envelope
        var c = encoder.container(keyedBy: EnvelopeKeys.self)
        try c.encode(message.id, forKey: .id)
        try c.encode(envelope.timestamp, forKey: .timestamp)
        try c.encode(envelope.source.wireName, forKey: .source)
        try c.encode(envelope.traceId, forKey: .traceId)
        try c.encode(envelope.topic.name, forKey: .topic)
        // An audit record travels with its kind and time; every other payload as it encodes itself.
        if case .audit(let record) = envelope.payload {
            try c.encode(record, forKey: .payload)
        } else {
            try c.encode(envelope.payload, forKey: .payload)
        }
    }
}

private struct DecodedEnvelope: Decodable {
    var message: WireEnvelope

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EnvelopeKeys.self)
        let topicName = try c.decode(String.self, forKey: .topic)
        guard let topic = Topic(name: topicName) else {
            throw DecodingError.dataCorruptedError(forKey: .topic, in: c, debugDescription: "'\(topicName)' is not a topic (docs/messages.md lists them)")
        }
        let sourceName = try c.decode(String.self, forKey: .source)
        guard let source = AgentID(wireName: sourceName) else {
            throw DecodingError.dataCorruptedError(forKey: .source, in: c, debugDescription: "'\(sourceName)' is not an agent (docs/messages.md lists them)")
        }
        let envelope = Envelope(timestamp: try c.decode(Int64.self, forKey: .timestamp), source: source,
                                traceId: try c.decode(UInt64.self, forKey: .traceId), topic: topic,
                                payload: try Payload(topic: topic, from: c.superDecoder(forKey: .payload)))
        message = WireEnvelope(id: try c.decode(String.self, forKey: .id), envelope: envelope)
    }
}
