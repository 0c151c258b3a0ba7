/// The commands the bus and the cache use, built as values so they can be pipelined.
extension RedisCommand {
    public static func ping() -> RedisCommand { RedisCommand("PING") }

    /// `XADD stream MAXLEN ~ n * field value ...`: appends an entry, trimming the stream to about
    /// `maxLength` entries (whole macro nodes only, which is what makes trimming cheap).
    public static func xadd(_ stream: String, maxLength: Int?, fields: [(String, [UInt8])]) -> RedisCommand {
        var arguments: [any RedisArgument] = [stream]
        if let maxLength { arguments += ["MAXLEN", "~", maxLength] }
        arguments.append("*")
        for (name, value) in fields {
            arguments.append(name)
            arguments.append(value)
        }
        return RedisCommand("XADD", arguments)
    }

    /// `XGROUP CREATE stream group start MKSTREAM`; a `BUSYGROUP` error means it exists already.
    public static func xgroupCreate(_ stream: String, group: String, startID: String = "0") -> RedisCommand {
        RedisCommand("XGROUP", "CREATE", stream, group, startID, "MKSTREAM")
    }

    /// `XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS k... id...`; id `>` reads new entries,
    /// `0` re-reads this consumer's own pending ones.
    public static func xreadgroup(group: String, consumer: String, count: Int, blockMilliseconds: Int?,
                                  streams: [(stream: String, id: String)]) -> RedisCommand {
        var arguments: [any RedisArgument] = ["GROUP", group, consumer, "COUNT", count]
        if let blockMilliseconds { arguments += ["BLOCK", blockMilliseconds] }
        arguments.append("STREAMS")
        for entry in streams { arguments.append(entry.stream) }
        for entry in streams { arguments.append(entry.id) }
        return RedisCommand("XREADGROUP", arguments)
    }

    public static func xack(_ stream: String, group: String, ids: [String]) -> RedisCommand {
        RedisCommand("XACK", [stream, group] + ids.map { $0 as any RedisArgument })
    }

    /// `XAUTOCLAIM stream group consumer min-idle start COUNT n`: takes over entries other
    /// consumers left pending for at least `minIdleMilliseconds`.
    public static func xautoclaim(_ stream: String, group: String, consumer: String, minIdleMilliseconds: Int,
                                  start: String = "0-0", count: Int) -> RedisCommand {
        RedisCommand("XAUTOCLAIM", stream, group, consumer, minIdleMilliseconds, start, "COUNT", count)
    }

    /// `XPENDING stream group [IDLE ms] - + count [consumer]`: pending entries with their delivery counts.
    public static func xpending(_ stream: String, group: String, minIdleMilliseconds: Int? = nil, count: Int,
                                consumer: String? = nil) -> RedisCommand {
        var arguments: [any RedisArgument] = [stream, group]
        if let minIdleMilliseconds { arguments += ["IDLE", minIdleMilliseconds] }
        arguments += ["-", "+", count]
        if let consumer { arguments.append(consumer) }
        return RedisCommand("XPENDING", arguments)
    }

    public static func xlen(_ stream: String) -> RedisCommand { RedisCommand("XLEN", stream) }

    public static func hset(_ key: String, fields: [(String, [UInt8])]) -> RedisCommand {
        var arguments: [any RedisArgument] = [key]
        for (name, value) in fields {
            arguments.append(name)
            arguments.append(value)
        }
        return RedisCommand("HSET", arguments)
    }

    public static func hgetall(_ key: String) -> RedisCommand { RedisCommand("HGETALL", key) }

    /// `SET key value NX EX seconds`: sets only if absent; the reply is `OK` or null.
    public static func setIfAbsent(_ key: String, value: String = "1", expireSeconds: Int) -> RedisCommand {
        RedisCommand("SET", key, value, "NX", "EX", expireSeconds)
    }
}

/// The per-message commands of the bus, written word by word into a pipeline (same commands as
/// the `RedisCommand` builders above, without an argument array per command).
extension RedisPipeline {
    /// `XADD stream [MAXLEN ~ n] * field value`.
    public mutating func appendXAdd(_ stream: String, maxLength: Int?, field: String, value: [UInt8]) {
        begin(words: maxLength == nil ? 5 : 8)
        argument("XADD")
        argument(stream)
        if let maxLength {
            argument("MAXLEN")
            argument("~")
            argument(maxLength)
        }
        argument("*")
        argument(field)
        argument(value)
    }

    /// `XACK stream group id...`, one command for all `ids`.
    public mutating func appendXAck<C: Collection>(_ stream: String, group: String, ids: C) where C.Element == String {
        begin(words: 3 + ids.count)
        argument("XACK")
        argument(stream)
        argument(group)
        for id in ids { argument(id) }
    }

    /// `XACK stream group id...` for every entry of an `XREADGROUP` reply of that one stream,
    /// the ids copied from the reply's bytes.
    public mutating func appendXAck(_ stream: String, group: String, entriesOf replies: RedisReplies) {
        var entries = 0
        replies.forEachStreamEntry { _ in entries += 1 }
        guard entries > 0 else { return }
        begin(words: 3 + entries)
        argument("XACK")
        argument(stream)
        argument(group)
        replies.forEachStreamEntry { argument($0.id) }
    }

    /// `SET <prefix><name> 1 NX EX seconds`: the key given in two parts, so it is never joined
    /// into a string of its own.
    public mutating func appendSetIfAbsent(keyPrefix: String, name: String, expireSeconds: Int) {
        begin(words: 6)
        argument("SET")
        argument(joining: keyPrefix, name)
        argument("1")
        argument("NX")
        argument("EX")
        argument(expireSeconds)
    }

    /// `EXISTS <prefix><name>`.
    public mutating func appendExists(keyPrefix: String, name: String) {
        begin(words: 2)
        argument("EXISTS")
        argument(joining: keyPrefix, name)
    }
}

/// One stream entry: its id and its field/value pairs.
public struct StreamEntry: Sendable, Equatable {
    public var id: String
    public var fields: [String: [UInt8]]

    public init(id: String, fields: [String: [UInt8]]) {
        self.id = id
        self.fields = fields
    }

    /// Parses `[id, [field, value, ...]]`; a deleted entry still pending reads as no fields.
    init?(_ reply: RedisReply) {
        guard let pair = reply.array, pair.count == 2, let id = pair[0].string else { return nil }
        self.id = id
        fields = [:]
        if let flat = pair[1].array {
            var index = 0
            while index + 1 < flat.count {
                if let name = flat[index].string { fields[name] = flat[index + 1].bytes ?? [] }
                index += 2
            }
        }
    }

    static func list(_ reply: RedisReply) -> [StreamEntry] {
        (reply.array ?? []).compactMap(StreamEntry.init)
    }
}

/// One entry of `XPENDING`'s extended form.
public struct PendingEntry: Sendable, Equatable {
    public var id: String
    public var consumer: String
    public var idleMilliseconds: Int
    public var deliveries: Int
}

/// Reading typed results out of replies.
extension RedisReply {
    /// `XREADGROUP`/`XREAD`: entries per stream; a timed-out block is null, read as nothing.
    public var streamEntries: [(stream: String, entries: [StreamEntry])] {
        guard let streams = array else { return [] }
        return streams.compactMap { stream in
            guard let pair = stream.array, pair.count == 2, let name = pair[0].string else { return nil }
            return (name, StreamEntry.list(pair[1]))
        }
    }

    /// `XAUTOCLAIM`: the cursor to continue from ("0-0" when done), the claimed entries, and the
    /// ids that were pending but deleted from the stream (trimmed away).
    public var autoclaim: (next: String, entries: [StreamEntry], deleted: [String])? {
        guard let parts = array, parts.count >= 2, let next = parts[0].string else { return nil }
        let deleted = parts.count > 2 ? (parts[2].array ?? []).compactMap(\.string) : []
        return (next, StreamEntry.list(parts[1]), deleted)
    }

    /// `XPENDING`'s extended form.
    public var pendingEntries: [PendingEntry] {
        (array ?? []).compactMap { item in
            guard let fields = item.array, fields.count == 4, let id = fields[0].string, let consumer = fields[1].string,
                  let idle = fields[2].integer, let deliveries = fields[3].integer else { return nil }
            return PendingEntry(id: id, consumer: consumer, idleMilliseconds: Int(idle), deliveries: Int(deliveries))
        }
    }

    /// `HGETALL`: the hash as a dictionary.
    public var hash: [String: [UInt8]] {
        guard let flat = array else { return [:] }
        var result: [String: [UInt8]] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string { result[name] = flat[index + 1].bytes ?? [] }
            index += 2
        }
        return result
    }
}
