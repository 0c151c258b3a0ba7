import Agents
import Foundation
import Synchronization
import Testing
@testable import RedisBus

/// Faults: consumers killed between reading and acking, Redis killed and restarted under load.
/// The expected outcome is the set of messages published: each one's effect exactly once.
@Suite(.serialized) struct RedisBusFaultTests {
    /// The helper executable built beside the test bundle.
    static func consumerBinary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("redis-bus-consumer")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw TestSetupError("redis-bus-consumer was not built beside the tests (\(CommandLine.arguments[0]))")
    }

    @Test func consumersKilledAtRandomPointsLeaveEveryEffectExactlyOnce() async throws {
        let endpoint = try TestRedis.endpoint
        let strategy = TestRedis.uniqueStrategy()
        let bus = RedisStreamsBus(strategy: strategy, endpoint: endpoint,
                                  // Under load a message can be read by several consumers in a row that are all
                                  // killed before they commit it; with the default five deliveries it would be
                                  // dead-lettered, which is another test's subject. Here every message must live.
                                  options: RedisBusOptions(blockMilliseconds: 50, claimIdleMilliseconds: 200, claimIntervalMilliseconds: 100,
                                                           maxDeliveries: 1_000))
        defer { Task { await bus.close() } }
        let effects = bus.keys.prefix + "effects"
        let total = 300
        try await bus.createGroups("portfolio", on: [.executionFill])
        try await bus.publish(contentsOf: (0..<total).map { RedisStreamsBusTests.fill($0, trace: UInt64($0)) })

        // Start a consumer, let it work a random while, SIGKILL it; again, until all is done.
        var generator = SystemRandomNumberGenerator()
        let binary = try Self.consumerBinary()
        var kills = 0
        for round in 0..<40 {
            let done = try await bus.client.send(RedisCommand("LLEN", effects)).integer ?? 0
            if done >= total { break }
            // Two names alternate: a restarted name re-reads its own pending, the other claims them.
            let child = try ChildProcess(binary.path, [endpoint.description, strategy, "portfolio", "worker-\(round % 2)", effects, "3000"])
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...250, using: &generator)))
            child.kill(SIGKILL)
            kills += 1
        }
        // A last consumer that is not killed finishes what is left, claiming the dead workers' messages.
        var rescuer = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "rescuer").makeAsyncIterator()
        while (try await bus.client.send(RedisCommand("LLEN", effects)).integer ?? 0) < total {
            guard let delivery = try await rescuer.next() else { break }
            try await bus.client.send(RedisCommand("RPUSH", effects + ":reads", delivery.message.id))
            try await delivery.commit([RedisCommand("RPUSH", effects, delivery.message.id)])
        }
        let list = (try await bus.client.send(RedisCommand("LRANGE", effects, 0, -1)).array ?? []).compactMap(\.string)
        let expected = (0..<total).map { WireEnvelope.id(strategy: strategy, traceId: UInt64($0), topic: .executionFill, sequence: 0) }
        // Some message was read more than once: a kill did land between a read and its commit.
        let reads = try await bus.client.send(RedisCommand("LLEN", effects + ":reads")).integer ?? 0
        #expect(reads > Int64(total))
        #expect(kills >= 2)
        #expect(list.count == total)
        #expect(Set(list) == Set(expected))
        #expect(try await bus.client.send(.xpending(bus.keys.stream(.executionFill), group: "portfolio", count: 10)).pendingEntries.isEmpty)
    }

    @Test func redisRestartedUnderLoadLosesNothingAcked() async throws {
        let server = try PrivateRedisServer()
        try await server.start()
        let events = EventLog()
        let client = RedisClientOptions(backoff: Backoff(initialMilliseconds: 20, maximumMilliseconds: 200),
                                        onEvent: { events.append($0) })
        let options = RedisBusOptions(readCount: 50, blockMilliseconds: 50, claimIdleMilliseconds: 300, claimIntervalMilliseconds: 200,
                                      client: client)
        let bus = RedisStreamsBus(strategy: TestRedis.uniqueStrategy(), endpoint: server.endpoint, options: options)
        defer { Task { await bus.close() } }
        let effects = bus.keys.prefix + "effects"
        let subscription = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p")
        let total = 2_000

        let consumer = Task {
            // A commit whose reply was lost is retried and then reports a duplicate, so the
            // consumer counts effects in Redis rather than its own successes.
            for try await delivery in subscription {
                try await delivery.commit([RedisCommand("RPUSH", effects, delivery.message.id)])
                if try await bus.client.send(RedisCommand("LLEN", effects)).integer == Int64(total) { break }
            }
        }
        let producer = Task {
            for batch in stride(from: 0, to: total, by: 20) {
                try await bus.publish(contentsOf: (batch..<batch + 20).map { RedisStreamsBusTests.fill($0, trace: UInt64($0)) })
            }
        }
        // Kill the server once some of the stream is through, and bring it back on the same port and files.
        let probe = RedisClient(endpoint: server.endpoint)
        while (try await probe.send(RedisCommand("LLEN", effects)).integer ?? 0) < 300 { try await Task.sleep(for: .milliseconds(5)) }
        probe.close()
        server.kill()
        try await Task.sleep(for: .milliseconds(300))
        try await server.start()

        try await producer.value
        try await consumer.value
        let list = (try await bus.client.send(RedisCommand("LRANGE", effects, 0, -1)).array ?? []).compactMap(\.string)
        #expect(list.count == total)
        #expect(Set(list).count == total)
        #expect(events.all.contains { if case .lost = $0 { true } else { false } })
        #expect(events.all.contains { if case .reconnected = $0 { true } else { false } })
    }
}

final class EventLog: Sendable {
    private let storage = Mutex<[RedisClientEvent]>([])
    func append(_ event: RedisClientEvent) { storage.withLock { $0.append(event) } }
    var all: [RedisClientEvent] { storage.withLock { $0 } }
}
