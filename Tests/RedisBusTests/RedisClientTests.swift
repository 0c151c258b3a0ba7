import Foundation
import Synchronization
import Testing
@testable import RedisBus

/// The client against the real redis-server of the test run. Expected replies are those the
/// Redis command reference documents for each command.
@Suite struct RedisClientTests {
    @Test func pingAnswersPong() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        #expect(try await client.send(.ping()) == .status("PONG"))
    }

    @Test func pipelineRepliesComeBackInCommandOrder() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let key = TestRedis.uniqueStrategy() + ":counter"
        // INCR replies 1, 2, …, 1000 in order: any reordering or lost reply shows.
        let replies = try await client.pipeline((0..<1000).map { _ in RedisCommand("INCR", key) })
        #expect(replies == (1...1000).map { RedisReply.integer(Int64($0)) })
    }

    @Test func concurrentCallersEachGetTheirOwnReply() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let prefix = TestRedis.uniqueStrategy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await client.send(RedisCommand("SET", "\(prefix):\(index)", "value-\(index)"))
                    let reply = try await client.send(RedisCommand("GET", "\(prefix):\(index)"))
                    #expect(reply.string == "value-\(index)")
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func errorReplyIsThrownWithTheServersMessage() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let key = TestRedis.uniqueStrategy()
        try await client.send(RedisCommand("SET", key, "text"))
        await #expect(throws: RedisError.server(command: "INCR", message: "ERR value is not an integer or out of range")) {
            try await client.send(RedisCommand("INCR", key))
        }
        // In a pipeline an error reply is returned beside the others.
        let replies = try await client.pipeline([RedisCommand("INCR", key), .ping()])
        #expect(replies[0].errorMessage?.hasPrefix("ERR") == true)
        #expect(replies[1] == .status("PONG"))
    }

    @Test func streamCommands() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let stream = TestRedis.uniqueStrategy() + ":stream"
        try await client.send(.xgroupCreate(stream, group: "g", startID: "0"))
        // Creating the group again is refused with BUSYGROUP.
        let again = try await client.pipeline([.xgroupCreate(stream, group: "g")])
        #expect(again[0].errorMessage?.hasPrefix("BUSYGROUP") == true)

        let added = try await client.pipeline((0..<3).map { .xadd(stream, maxLength: 1000, fields: [("n", Array("\($0)".utf8))]) })
        let ids = added.compactMap(\.string)
        #expect(ids.count == 3)
        #expect(try await client.send(.xlen(stream)) == .integer(3))

        let read = try await client.send(.xreadgroup(group: "g", consumer: "a", count: 10, blockMilliseconds: 100, streams: [(stream, ">")]))
        let entries = read.streamEntries
        #expect(entries.map(\.stream) == [stream])
        #expect(entries.first?.entries.map(\.id) == ids)
        #expect(entries.first?.entries.map { $0.fields["n"] ?? [] } == [Array("0".utf8), Array("1".utf8), Array("2".utf8)])

        // All three pending for consumer a, each delivered once.
        let pending = try await client.send(.xpending(stream, group: "g", count: 10)).pendingEntries
        #expect(pending.map(\.id) == ids)
        #expect(pending.allSatisfy { $0.consumer == "a" && $0.deliveries == 1 })

        #expect(try await client.send(.xack(stream, group: "g", ids: [ids[0]])) == .integer(1))
        // Consumer b takes over the two still pending (min idle 0).
        let claimed = try await client.send(.xautoclaim(stream, group: "g", consumer: "b", minIdleMilliseconds: 0, count: 10)).autoclaim
        #expect(claimed?.entries.map(\.id) == Array(ids[1...]))
        let after = try await client.send(.xpending(stream, group: "g", count: 10)).pendingEntries
        #expect(after.map(\.consumer) == ["b", "b"])
        #expect(after.map(\.deliveries) == [2, 2])

        // A blocking read with nothing new times out as null, i.e. no entries.
        let empty = try await client.send(.xreadgroup(group: "g", consumer: "a", count: 10, blockMilliseconds: 20, streams: [(stream, ">")]))
        #expect(empty.streamEntries.isEmpty)
    }

    @Test func hashesAndSetIfAbsent() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let key = TestRedis.uniqueStrategy()
        try await client.send(.hset(key + ":h", fields: [("close", Array("101.5".utf8)), ("volume", Array("7".utf8))]))
        let hash = try await client.send(.hgetall(key + ":h")).hash
        #expect(hash == ["close": Array("101.5".utf8), "volume": Array("7".utf8)])
        #expect(try await client.send(.setIfAbsent(key + ":once", expireSeconds: 60)) == .status("OK"))
        #expect(try await client.send(.setIfAbsent(key + ":once", expireSeconds: 60)) == .null)
        let ttl = try await client.send(RedisCommand("TTL", key + ":once")).integer ?? -1
        #expect((1...60).contains(ttl))
    }

    @Test func commandArgumentsReadBackFromTheirWireBytes() {
        let command = RedisCommand("XADD", "s", "MAXLEN", "~", 10, "*", "e", Array("{\"a\":1}".utf8))
        #expect(command.arguments.map { String(decoding: $0, as: UTF8.self) } == ["XADD", "s", "MAXLEN", "~", "10", "*", "e", "{\"a\":1}"])
        #expect(String(decoding: RedisCommand("PING").encoded, as: UTF8.self) == "*1\r\n$4\r\nPING\r\n")
    }

    @Test func endpointURLs() throws {
        #expect(try RedisEndpoint(url: "redis://127.0.0.1:6380/2") == RedisEndpoint(host: "127.0.0.1", port: 6380, database: 2))
        #expect(try RedisEndpoint(url: "redis://cache.internal") == RedisEndpoint(host: "cache.internal", port: 6379, database: 0))
        #expect(throws: RedisError.invalidURL("http://x:1", reason: "it does not start with redis://")) { try RedisEndpoint(url: "http://x:1") }
        #expect(throws: RedisError.invalidURL("redis://x:99999", reason: "the port '99999' is not a number in 1...65535")) {
            try RedisEndpoint(url: "redis://x:99999")
        }
        #expect(throws: RedisError.invalidURL("redis://x:1/a", reason: "the database 'a' is not a number ≥ 0")) { try RedisEndpoint(url: "redis://x:1/a") }
    }

    @Test func selectsTheDatabaseOfTheURL() async throws {
        let base = try TestRedis.endpoint
        let key = TestRedis.uniqueStrategy()
        let db3 = RedisClient(endpoint: RedisEndpoint(host: base.host, port: base.port, database: 3))
        let db0 = RedisClient(endpoint: base)
        defer { db3.close(); db0.close() }
        try await db3.send(RedisCommand("SET", key, "in-3"))
        #expect(try await db3.send(RedisCommand("GET", key)).string == "in-3")
        #expect(try await db0.send(RedisCommand("GET", key)) == .null)
    }

    @Test func unreachableAtStartIsAClearError() async throws {
        let port = try freeLoopbackPort()
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port))
        defer { client.close() }
        do {
            try await client.connect()
            Issue.record("connected to a port where nothing listens")
        } catch let error as RedisError {
            guard case .unreachable(let endpoint, let reason) = error else { throw error }
            #expect(endpoint.port == port)
            #expect(reason.contains("refused"))
            #expect(error.description.contains("cannot reach Redis at redis://127.0.0.1:\(port)"))
            #expect(error.description.contains("--wait-for-bus"))
        }
    }

    @Test func waitingGivesUpAfterItsTimeoutWithTheAttemptsMade() async throws {
        let port = try freeLoopbackPort()
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port),
                                 options: RedisClientOptions(backoff: Backoff(initialMilliseconds: 10, maximumMilliseconds: 40)))
        defer { client.close() }
        let attempts = Counter()
        do {
            try await client.waitUntilReachable(timeoutMilliseconds: 300) { _, _ in attempts.increment() }
            Issue.record("reached a port where nothing listens")
        } catch RedisError.unreachable(_, let reason) {
            // Every attempt is reported, and the error counts the same attempts. How many fit in
            // 300 ms depends on how busy the machine is, so the count itself is not asserted.
            #expect(attempts.value >= 1)
            #expect(reason.contains("gave up after \(attempts.value) attempts in 300 ms"))
        }
    }

    @Test func waitingConnectsOnceTheServerComesUp() async throws {
        let server = try PrivateRedisServer()
        let client = RedisClient(endpoint: server.endpoint, options: RedisClientOptions(backoff: Backoff(initialMilliseconds: 20, maximumMilliseconds: 100)))
        defer { client.close() }
        let attempts = Counter()
        async let waited: Void = client.waitUntilReachable { _, _ in attempts.increment() }
        // Start the server only after the client has failed at least once.
        while attempts.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await server.start()
        try await waited
        #expect(try await client.send(.ping()) == .status("PONG"))
    }
}

/// A thread-safe count for callbacks.
final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
