// Messages per second through Redis Streams: XADD (pipelined) → XREADGROUP → XACK, end to end,
// first with the bare client (bytes in, bytes out), then through RedisStreamsBus with envelope
// JSON, with and without idempotency keys. Prints one JSON object per measurement.
//
// usage: bench-redis URL MESSAGES PAYLOAD-BYTES
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

/// The bare client: one connection adds, one reads, one acks.
func rawClient() async throws {
    let stream = "bench:\(UUID().uuidString):raw"
    let producer = RedisClient(endpoint: endpoint)
    let reader = RedisClient(endpoint: endpoint)
    let acker = RedisClient(endpoint: endpoint)
    defer { producer.close(); reader.close(); acker.close() }
    try await producer.send(.xgroupCreate(stream, group: "g", startID: "0"))
    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
    let commands = (0..<batch).map { _ in RedisCommand.xadd(stream, maxLength: total * 2, fields: [("envelope", payload)]) }
    let start = ContinuousClock.now
    // Several batches in flight: the client writes whatever has queued in one go.
    let produce = Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<inFlight {
                group.addTask {
                    for _ in stride(from: lane, to: total / batch, by: inFlight) { _ = try await producer.pipeline(commands) }
                }
            }
            try await group.waitForAll()
        }
    }
    var acked = 0
    var pendingAck: Task<Void, any Error>?
    while acked < total {
        let reply = try await reader.send(.xreadgroup(group: "g", consumer: "c", count: 2_048, blockMilliseconds: 1_000, streams: [(stream, ">")]),
                                          timeoutMilliseconds: 10_000)
        let ids = reply.streamEntries.flatMap { $0.entries.map(\.id) }
        guard !ids.isEmpty else { continue }
        // Ack this read while the next one is on its way.
        try await pendingAck?.value
        pendingAck = Task { _ = try await acker.send(.xack(stream, group: "g", ids: ids)) }
        acked += ids.count
    }
    try await pendingAck?.value
    try await produce.value
    report("client XADD+XREADGROUP+XACK, \(payloadBytes)-byte payload", total, start.duration(to: .now))
    _ = try await producer.send(RedisCommand("DEL", stream))
}

/// Through the bus: envelopes encoded to JSON, decoded on delivery, acked in batches.
func bus(idempotency: Bool) async throws {
    let bus = RedisStreamsBus(strategy: "bench-\(UUID().uuidString.prefix(8))", endpoint: endpoint,
                              options: RedisBusOptions(maxStreamLength: total * 2, readCount: 2_048, idempotency: idempotency, cacheLatestValues: false))
    let subscription = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p")
    let envelopes = (0..<batch).map { n in
        Envelope(timestamp: 1_704_067_200_000_000 + Int64(n), source: .execution, traceId: UInt64(n), topic: .executionFill,
                 payload: .fill(try! JSONDecoder().decode(Fill.self, from: Data("""
                     {"order":\(n),"parent":\(n),"instrument":0,"barIndex":\(n),"quantity":10,"price":101.25,"fee":0.05,"arrivalPrice":101.2,"reference":1}
                     """.utf8))))
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
    unacked.reserveCapacity(2_048)
    for try await delivery in subscription {
        unacked.append(delivery)
        delivered += 1
        if unacked.count == 2_048 || delivered == total {
            try await bus.ack(unacked)
            unacked.removeAll(keepingCapacity: true)
        }
        if delivered == total { break }
    }
    try await produce.value
    report("RedisStreamsBus publish+deliver+ack, envelope JSON, idempotency \(idempotency ? "on" : "off")", total, start.duration(to: .now))
    await bus.close()
}

/// The envelope JSON alone, encode and decode, without Redis: what the bus adds per message.
func codecOnly() throws {
    let codec = EnvelopeCodec()
    let fill = try JSONDecoder().decode(Fill.self, from: Data("""
        {"order":1,"parent":1,"instrument":0,"barIndex":1,"quantity":10,"price":101.25,"fee":0.05,"arrivalPrice":101.2,"reference":1}
        """.utf8))
    let message = WireEnvelope(id: "bench:1:execution.fill:0", envelope: Envelope(timestamp: 1_704_067_200_000_000, source: .execution, traceId: 1,
                                                                                 topic: .executionFill, payload: .fill(fill)))
    let start = ContinuousClock.now
    var bytes = 0
    for _ in 0..<busTotal {
        let encoded = try codec.encode(message)
        bytes = encoded.count
        _ = try codec.decode(encoded)
    }
    report("envelope JSON encode+decode only (\(bytes) bytes), no Redis", busTotal, start.duration(to: .now))
}

try await rawClient()
try codecOnly()
try await bus(idempotency: false)
try await bus(idempotency: true)
