import Agents

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
/// Keys are written sorted, so the same envelope always gives the same bytes: exactly those
/// Foundation's `JSONEncoder` writes with sorted keys (the format was defined by it), written by
/// hand straight into a byte buffer because the bus encodes and decodes every message. Non-finite
/// numbers outside feature values are written as the strings "NaN", "Infinity", "-Infinity".
public struct EnvelopeCodec: Sendable {
    public init() {}

    /// The envelope's JSON. (Never throws; `throws` keeps callers' `try` meaningful should a
    /// payload ever need to refuse a value.)
    public func encode(_ message: WireEnvelope) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320)
        encode(message, into: &bytes)
        return bytes
    }

    /// Appends the envelope's JSON to `bytes`, so a caller can reuse one buffer for many messages.
    public func encode(_ message: WireEnvelope, into bytes: inout [UInt8]) {
        var w = JSONWriter(appendingTo: bytes)
        bytes = []
        let envelope = message.envelope
        w.beginObject()
        w.key("id"); w.string(message.id)
        w.key("payload")
        // An audit record travels with its kind and time; every other payload as it encodes itself.
        if case .audit(let record) = envelope.payload {
            PayloadJSON.write(record, to: &w)
        } else {
            PayloadJSON.write(envelope.payload, to: &w)
        }
        w.key("source"); w.string(envelope.source.wireName)
        w.key("timestamp"); w.int(envelope.timestamp)
        w.key("topic"); w.string(envelope.topic.name)
        w.key("traceId"); w.int(envelope.traceId)
        w.endObject()
        bytes = w.bytes
    }

    /// - Throws: `EnvelopeDecodingError` naming the field that is missing or wrong.
    public func decode(_ bytes: [UInt8]) throws -> WireEnvelope {
        try bytes.withUnsafeBufferPointer { try decode($0) }
    }

    /// Decodes the envelope in `bytes` (for instance a reply buffer) without copying them first.
    ///
    /// - Throws: `EnvelopeDecodingError` naming the field that is missing or wrong.
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(EnvelopeDecodingError) -> WireEnvelope {
        do {
            return try Self.read(bytes)
        } catch {
            throw EnvelopeDecodingError(error)
        }
    }

    private static let topics = Dictionary(uniqueKeysWithValues: Topic.allCases.map { ($0.name, $0) })
    private static let agents = Dictionary(uniqueKeysWithValues: AgentID.allCases.map { ($0.wireName, $0) })

    /// The payload depends on the topic, which may come after it (Stratum writes `payload` before
    /// `topic`): the first pass reads the other fields and notes where the payload starts.
    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONReadError) -> WireEnvelope {
        var r = JSONReader(bytes)
        var id: String?, timestamp: Int64?, source: AgentID?, traceId: UInt64?, topic: Topic?, payloadStart: Int?
        try r.object(at: "") { (r: inout JSONReader, key: JSONKey) throws(JSONReadError) -> Bool in
            switch key {
            case "id": id = try r.string(at: "id")
            case "timestamp": timestamp = try r.integer(Int64.self, at: "timestamp")
            case "traceId": traceId = try r.integer(UInt64.self, at: "traceId")
            case "source":
                let name = try r.string(at: "source")
                guard let agent = Self.agents[name] else {
                    throw JSONReadError(path: "source", message: "'\(name)' is not an agent (docs/messages.md lists them)")
                }
                source = agent
            case "topic":
                let name = try r.string(at: "topic")
                guard let value = Self.topics[name] else {
                    throw JSONReadError(path: "topic", message: "'\(name)' is not a topic (docs/messages.md lists them)")
                }
                topic = value
            case "payload":
                r.skipWhitespace()
                payloadStart = r.index
                try r.skipValue(at: "payload")
            default: return false
            }
            return true
        }
        guard r.atEnd() else { throw JSONReadError(path: "", message: "expected the end of the text after the envelope, found more at byte \(r.index)") }
        let envelopeTopic = try PayloadJSON.required(topic, "topic", "")
        var payloadReader = JSONReader(bytes, at: try PayloadJSON.required(payloadStart, "payload", ""))
        let payload = try PayloadJSON.read(envelopeTopic, from: &payloadReader, at: "payload")
        let envelope = Envelope(timestamp: try PayloadJSON.required(timestamp, "timestamp", ""), source: try PayloadJSON.required(source, "source", ""),
                                traceId: try PayloadJSON.required(traceId, "traceId", ""), topic: envelopeTopic, payload: payload)
        return WireEnvelope(id: try PayloadJSON.required(id, "id", ""), envelope: envelope)
    }
}

/// A message on the bus that is not a valid envelope, with the field at fault.
public struct EnvelopeDecodingError: Error, CustomStringConvertible {
    public var description: String

    init(_ error: JSONReadError) {
        let place = error.path.isEmpty ? "the envelope" : "'\(error.path)'"
        description = error.isMissingField ? "envelope JSON: \(place) \(error.message)" : "envelope JSON: \(place): \(error.message)"
    }
}
