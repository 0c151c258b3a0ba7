import Agents

/// One consumer group's messages on several streams, taken by wire id: a wave names which
/// messages to handle and in which order, whatever order Redis interleaves the streams in.
/// Messages read but not named yet wait here (they belong to a later command).
struct WaveInbox {
    struct Entry {
        var stream: String
        var entryID: String
        var message: WireEnvelope
    }

    let client: RedisClient
    let group: String
    let consumer: String
    let streams: [String]
    let codec = EnvelopeCodec()
    var buffered: [String: Entry] = [:]

    /// The messages `ids`, in that order, reading the group until all have arrived.
    ///
    /// - Throws: `WaveError` when they do not arrive within `timeoutMilliseconds`.
    mutating func take(_ ids: [String], timeoutMilliseconds: Int = 30_000) async throws -> [Entry] {
        var waited = 0
        var rereadPending = false
        while let missing = ids.first(where: { buffered[$0] == nil }) {
            guard waited < timeoutMilliseconds else {
                throw WaveError("\(group): message \(missing) never arrived on \(streams.joined(separator: ", "))")
            }
            let block = 200
            // After a read that brought nothing, this consumer's own pending entries are read again
            // (id 0): a read whose reply was lost to a reconnect delivered them without our seeing them.
            let reply = try await client.send(.xreadgroup(group: group, consumer: consumer, count: 1024,
                                                         blockMilliseconds: rereadPending ? nil : block,
                                                         streams: streams.map { ($0, rereadPending ? "0" : ">") }))
            if let message = reply.errorMessage { throw RedisError.server(command: "XREADGROUP", message: message) }
            let got = try absorb(reply)
            if !got && !rereadPending { waited += block }
            rereadPending = !got && !rereadPending
        }
        return ids.map { buffered.removeValue(forKey: $0)! }
    }

    /// `XREADGROUP` of whatever has arrived, without waiting: pipelined behind a blocking read of
    /// commands, it fetches a command's messages in the same round trip (they were published first).
    var readArrived: RedisCommand {
        .xreadgroup(group: group, consumer: consumer, count: 1024, blockMilliseconds: nil, streams: streams.map { ($0, ">") })
    }

    /// Keeps the messages of an `XREADGROUP` reply; whether there were any.
    mutating func absorb(_ reply: RedisReply) throws -> Bool {
        if let message = reply.errorMessage { throw RedisError.server(command: "XREADGROUP", message: message) }
        var got = false
        for (stream, entries) in reply.streamEntries {
            for entry in entries {
                guard let bytes = entry.fields[RedisStreamsBus.envelopeField] else { continue }
                let message = try codec.decode(bytes)
                buffered[message.id] = Entry(stream: stream, entryID: entry.id, message: message)
                got = true
            }
        }
        return got
    }

    /// `XACK` of `entries`, grouped by stream: appended to a pipeline that commits their effect.
    func acks(_ entries: [Entry]) -> [RedisCommand] {
        var ids: [String: [String]] = [:]
        for entry in entries { ids[entry.stream, default: []].append(entry.entryID) }
        return ids.keys.sorted().map { RedisCommand.xack($0, group: group, ids: ids[$0]!) }
    }
}
