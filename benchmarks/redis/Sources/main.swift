// Messages per second through Redis Streams: XADD (pipelined) → XREADGROUP → XACK, end to end,
// first with the bare client (bytes in, bytes out), then through RedisStreamsBus with envelope
// JSON, with and without idempotency keys. Prints one JSON object per measurement.
//
// usage: bench-redis URL MESSAGES PAYLOAD-BYTES
// BENCH_BATCH (512), BENCH_LANES (4) and BENCH_READ (2048) set the producer's batch, the batches
// it keeps in flight and the consumer's read size; BENCH_ONLY=raw|codec|bus runs one part.
import Agents
import Foundation
import RedisBus

let arguments = CommandLine.arguments
guard arguments.count == 4, let requested = Int(arguments[2]), let payloadBytes = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: bench-redis URL MESSAGES PAYLOAD-BYTES\n".utf8))
    exit(2)
}
let endpoint = try RedisEndpoint(url: arguments[1])
/// Messages per pipelined XADD batch, and how many batches the producer keeps in flight
/// (BENCH_BATCH and BENCH_LANES override them, to try other shapes).
let batch = Int(ProcessInfo.processInfo.environment["BENCH_BATCH"] ?? "512")!
let inFlight = Int(ProcessInfo.processInfo.environment["BENCH_LANES"] ?? "4")!
/// How many entries one XREADGROUP returns at most (BENCH_READ overrides it).
let readCount = Int(ProcessInfo.processInfo.environment["BENCH_READ"] ?? "2048")!
/// Whole batches only, so the consumer knows how many messages to wait for.
let total = max(1, requested / batch) * batch
/// The bus (JSON both ways) is measured on a fifth of the messages, to keep the run short.
let busTotal = max(1, total / 5 / batch) * batch

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func report(_ name: String, _ messages: Int, _ elapsed: Duration) {
    let rate = Double(messages) / seconds(elapsed)
    print("{\"name\":\"\(name)\",\"messages\":\(messages),\"seconds\":\(seconds(elapsed)),\"messagesPerSecond\":\(Int(rate))}")
}

/// The bare client: one connection adds, one reads, one acks. The XADD batch is built once;
/// each read's ids go straight from the reply's bytes into its XACK. `produceOnly` measures
/// the producer alone (no reads, no acks), the same work redis-benchmark's XADD does.
func rawClient(produceOnly: Bool = false) async throws {
    let stream = "bench:\(UUID().uuidString):raw"
    let producer = RedisClient(endpoint: endpoint)
    let reader = RedisClient(endpoint: endpoint)
    let acker = RedisClient(endpoint: endpoint)
    defer { producer.close(); reader.close(); acker.close() }
    try await producer.send(.xgroupCreate(stream, group: "g", startID: "0"))
    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
    var commands = RedisPipeline()
    for _ in 0..<batch { commands.appendXAdd(stream, maxLength: total * 2, field: "envelope", value: payload) }
    let xadds = commands
    let read = RedisCommand.xreadgroup(group: "g", consumer: "c", count: readCount, blockMilliseconds: 1_000, streams: [(stream, ">")])
    let start = ContinuousClock.now
    // Several batches in flight: the client writes whatever has queued in one go.
    let produce = Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<inFlight {
                group.addTask {
                    for _ in stride(from: lane, to: total / batch, by: inFlight) {
                        let replies = try await producer.replies(to: xadds)
                        if let error = replies.firstError { throw RedisError.server(command: "XADD", message: error) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    var acked = produceOnly ? total : 0
    var pendingAck: Task<Void, any Error>?
    // The next read is on its way while this one is acked (read-ahead).
    var nextRead: Task<RedisReplies, any Error>? = produceOnly ? nil : Task { try await reader.replies(to: read, timeoutMilliseconds: 10_000) }
    while acked < total, let pending = nextRead {
        let replies = try await pending.value
        nextRead = Task { try await reader.replies(to: read, timeoutMilliseconds: 10_000) }
        var ack = RedisPipeline()
        ack.appendXAck(stream, group: "g", entriesOf: replies)
        guard ack.count > 0 else { continue }
        var entries = 0
        replies.forEachStreamEntry { _ in entries += 1 }
        // Ack this read while the next one is on its way.
        try await pendingAck?.value
        let acks = ack
        pendingAck = Task { _ = try await acker.replies(to: acks) }
        acked += entries
    }
    try await pendingAck?.value
    try await produce.value
    report(produceOnly ? "client XADD only, same producer, nothing read" : "client XADD+XREADGROUP+XACK, \(payloadBytes)-byte payload",
           total, start.duration(to: .now))
    _ = try await producer.send(RedisCommand("DEL", stream))
}

/// Through the bus: envelopes encoded to JSON, decoded on delivery, acked in batches.
func bus(idempotency: Bool) async throws {
    let bus = RedisStreamsBus(strategy: "bench-\(UUID().uuidString.prefix(8))", endpoint: endpoint,
                              options: RedisBusOptions(maxStreamLength: total * 2, readCount: readCount, idempotency: idempotency, cacheLatestValues: false))
    let subscription = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p")
    let envelopes = (0..<batch).map { n in
        Envelope(timestamp: 1_704_067_200_000_000 + Int64(n), source: .execution, traceId: UInt64(n), topic: .executionFill,
                 payload: .fill(Fill(order: UInt64(n), parent: UInt64(n), instrument: 0, barIndex: n, quantity: 10, price: 101.25, fee: 0.05,
                                     arrivalPrice: 101.2, reference: .close)))
    }
    let start = ContinuousClock.now
    let total = busTotal
    let produce = Task {
        for round in 0..<(total / batch) {
            // A distinct trace per round gives every message its own id.
            try await bus.publish(contentsOf: envelopes.map { var e = $0; e.traceId = UInt64(round); return e })
        }
    }
    var delivered = 0
    var unacked: [BusDelivery] = []
    unacked.reserveCapacity(readCount)
    // Handling here is counting; once a batch is handled its ack goes out while the next batch
    // is read (ack after commit, one ack in flight).
    var pendingAck: Task<Void, any Error>?
    for try await delivery in subscription {
        unacked.append(delivery)
        delivered += 1
        if unacked.count == readCount || delivered == total {
            try await pendingAck?.value
            let batch = unacked
            pendingAck = Task { try await bus.ack(batch) }
            unacked.removeAll(keepingCapacity: true)
        }
        if delivered == total { break }
    }
    try await pendingAck?.value
    try await produce.value
    report("RedisStreamsBus publish+deliver+ack, envelope JSON, idempotency \(idempotency ? "on" : "off")", total, start.duration(to: .now))
    await bus.close()
}

/// The envelope JSON alone, encode and decode, without Redis: what the bus adds per message;
/// and the same through Foundation's JSONEncoder/JSONDecoder and the payloads' `Codable`
/// conformances (how EnvelopeCodec worked before it was written by hand), as its baseline.
func codecOnly() throws {
    let codec = EnvelopeCodec()
    let fill = Fill(order: 1, parent: 1, instrument: 0, barIndex: 1, quantity: 10, price: 101.25, fee: 0.05, arrivalPrice: 101.2, reference: .close)
    let message = WireEnvelope(id: "bench:1:execution.fill:0", envelope: Envelope(timestamp: 1_704_067_200_000_000, source: .execution, traceId: 1,
                                                                                 topic: .executionFill, payload: .fill(fill)))
    let foundation = FoundationCodec()
    guard try foundation.encode(message) == codec.encode(message) else { fatalError("the two codecs disagree") }
    var start = ContinuousClock.now
    for _ in 0..<busTotal {
        _ = try foundation.decode(try foundation.encode(message))
    }
    report("envelope JSON encode+decode, Foundation JSONEncoder/JSONDecoder (baseline), no Redis", busTotal, start.duration(to: .now))
    start = ContinuousClock.now
    var bytes: [UInt8] = []
    for _ in 0..<busTotal {
        bytes.removeAll(keepingCapacity: true)
        codec.encode(message, into: &bytes)
        _ = try codec.decode(bytes)
    }
    report("envelope JSON encode+decode, EnvelopeCodec (\(bytes.count) bytes), no Redis", busTotal, start.duration(to: .now))
}

/// Foundation's coders over the payloads' `Codable`, with the format's settings.
struct FoundationCodec {
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()

    init() {
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    }

    enum Keys: String, CodingKey { case id, timestamp, source, traceId, topic, payload }

    struct Encoded: Encodable {
        var message: WireEnvelope
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(message.id, forKey: .id)
            try c.encode(message.envelope.timestamp, forKey: .timestamp)
            try c.encode(message.envelope.source.wireName, forKey: .source)
            try c.encode(message.envelope.traceId, forKey: .traceId)
            try c.encode(message.envelope.topic.name, forKey: .topic)
            try c.encode(message.envelope.payload, forKey: .payload)
        }
    }

    struct Decoded: Decodable {
        var message: WireEnvelope
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let topic = Topic(name: try c.decode(String.self, forKey: .topic))!
            let source = AgentID(wireName: try c.decode(String.self, forKey: .source))!
            message = WireEnvelope(id: try c.decode(String.self, forKey: .id),
                                   envelope: Envelope(timestamp: try c.decode(Int64.self, forKey: .timestamp), source: source,
                                                      traceId: try c.decode(UInt64.self, forKey: .traceId), topic: topic,
                                                      payload: try Payload(topic: topic, from: c.superDecoder(forKey: .payload))))
        }
    }

    func encode(_ message: WireEnvelope) throws -> [UInt8] { Array(try encoder.encode(Encoded(message: message))) }
    func decode(_ bytes: [UInt8]) throws -> WireEnvelope { try decoder.decode(Decoded.self, from: Data(bytes)).message }
}

/// BENCH_ONLY=raw|codec|bus runs one part (for profiling); by default all run.
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]
if only == nil || only == "raw" {
    try await rawClient()
    try await rawClient(produceOnly: true)
}
if only == nil || only == "codec" { try codecOnly() }
if only == nil || only == "bus" {
    try await bus(idempotency: false)
    try await bus(idempotency: true)
}
