import Foundation
import Testing
@testable import RedisBus

/// Replies read straight off the socket: the scanner that finds where replies end (whatever
/// pieces the bytes arrive in), the parser, and the in-place stream-entry reader against a real
/// redis-server (scripts/with-redis.sh).
@Suite struct RESPTests {
    /// Replies written by hand from the RESP2 specification (redis.io/docs/reference/protocol-spec).
    static let replies = "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*0\r\n"
        + "*2\r\n*2\r\n$3\r\nabc\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$0\r\n\r\n:7\r\n"
    static let expected: [RedisReply] = [
        .status("OK"), .error("ERR bad"), .integer(-42), .bulk(Array("hello".utf8)), .null, .null, .array([]),
        .array([.array([.bulk(Array("abc".utf8)), .array([.array([.bulk(Array("1-0".utf8)), .array([.bulk([UInt8(ascii: "f")]), .bulk([])])])])]),
                .integer(7)]),
    ]

    @Test func parsesEveryKindOfReply() {
        let bytes = Array(Self.replies.utf8)
        #expect(RedisReplies(bytes: bytes, count: Self.expected.count, hasError: true).parsed() == Self.expected)
        #expect(RedisReplies(bytes: bytes, count: Self.expected.count, hasError: true).firstError == "ERR bad")
    }

    /// Fed one byte at a time, the scanner completes each reply exactly when its last byte arrives.
    @Test func scannerResumesAcrossPartialReads() throws {
        let bytes = Array(Self.replies.utf8)
        // Where each reply ends, found by the parser over the whole buffer.
        var ends: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = RESP.Cursor(buffer)
            for _ in Self.expected { cursor.skip(); ends.append(cursor.index) }
        }
        var scanner = RESP.Scanner(position: 0)
        var completedAt: [Int] = []
        try bytes.withUnsafeBufferPointer { buffer throws(RESP.ProtocolViolation) in
            for end in 1...buffer.count {
                let before = scanner.completed
                try scanner.scan(buffer, end: end, until: Self.expected.count)
                if scanner.completed > before { completedAt.append(end) }
                #expect(scanner.completed - before <= 1)
            }
        }
        #expect(completedAt == ends)
        #expect(scanner.sawError)
    }

    @Test func scannerRefusesWhatIsNotRESP() {
        let bytes = Array("!oops\r\n".utf8)
        var scanner = RESP.Scanner(position: 0)
        #expect(throws: RESP.ProtocolViolation.self) {
            try bytes.withUnsafeBufferPointer { buffer throws(RESP.ProtocolViolation) in try scanner.scan(buffer, end: buffer.count, until: 1) }
        }
    }

    /// The word-by-word builders write the same bytes as the `RedisCommand` values of the same commands.
    @Test func pipelineBuildersMatchCommandValues() {
        var built = RedisPipeline()
        built.appendXAdd("s", maxLength: 1_000_000, field: "envelope", value: Array("{\"a\":1}".utf8))
        built.appendXAdd("s", maxLength: nil, field: "f", value: [])
        built.appendXAck("s", group: "g", ids: ["1-0", "2-0"])
        built.appendSetIfAbsent(keyPrefix: "stratum:x:processed:g:", name: "x:1:clock:0", expireSeconds: 604_800)
        built.appendExists(keyPrefix: "p:", name: "k")
        built.begin(words: 3)
        built.argument("INCRBY")
        built.argument("counter")
        built.argument(-1_234_567_890)
        var expected = RedisPipeline()
        expected.append(.xadd("s", maxLength: 1_000_000, fields: [("envelope", Array("{\"a\":1}".utf8))]))
        expected.append(.xadd("s", maxLength: nil, fields: [("f", [])]))
        expected.append(.xack("s", group: "g", ids: ["1-0", "2-0"]))
        expected.append(.setIfAbsent("stratum:x:processed:g:x:1:clock:0", expireSeconds: 604_800))
        expected.append(RedisCommand("EXISTS", "p:k"))
        expected.append(RedisCommand("INCRBY", "counter", "-1234567890"))
        #expect(built.bytes == expected.bytes)
        #expect(built.count == 6)
    }

    /// Entries read in place from a real XREADGROUP reply larger than the connection's first
    /// buffer, a trimmed pending entry among them; then acked from the reply's own bytes.
    @Test func streamEntriesReadInPlaceFromALargeReply() async throws {
        let client = RedisClient(endpoint: try TestRedis.endpoint)
        defer { client.close() }
        let stream = "test:resp:\(UUID().uuidString)"
        try await client.send(.xgroupCreate(stream, group: "g"))
        var adds = RedisPipeline()
        for n in 0..<3_000 {
            adds.appendXAdd(stream, maxLength: nil, field: "envelope", value: Array("message \(n) ".utf8) + [UInt8](repeating: 120, count: 300))
        }
        let added = try await client.replies(to: adds)
        #expect(added.count == 3_000 && !added.hasError)
        let ids = added.parsed().compactMap(\.string)
        let read = RedisCommand.xreadgroup(group: "g", consumer: "c", count: 5_000, blockMilliseconds: nil, streams: [(stream, ">")])
        let replies = try await client.replies(to: read)
        #expect(replies.bytes.count > 1 << 16)
        var seen: [String] = []
        var values = 0
        replies.forEachStreamEntry { entry in
            seen.append(String(decoding: entry.id, as: UTF8.self))
            #expect(String(decoding: entry.stream, as: UTF8.self) == stream)
            if let value = entry.value(of: "envelope"), String(decoding: value, as: UTF8.self).hasPrefix("message \(values) ") { values += 1 }
            #expect(entry.value(of: "other") == nil)
        }
        #expect(seen == ids)
        #expect(values == 3_000)

        // Delete one entry while pending: re-reading the pending list gives it without fields.
        try await client.send(RedisCommand("XDEL", stream, ids[5]))
        let pending = try await client.replies(to: RedisCommand.xreadgroup(group: "g", consumer: "c", count: 10, blockMilliseconds: nil,
                                                                          streams: [(stream, "0")]))
        var deleted: [String] = []
        pending.forEachStreamEntry { entry in
            if entry.isDeleted { deleted.append(String(decoding: entry.id, as: UTF8.self)) }
        }
        #expect(deleted == [ids[5]])

        var ack = RedisPipeline()
        ack.appendXAck(stream, group: "g", entriesOf: replies)
        let acked = try await client.replies(to: ack).parsed()
        // The deleted entry is acked too: it was still pending.
        #expect(acked == [.integer(3_000)])
        try await client.send(RedisCommand("DEL", stream))
    }
}
