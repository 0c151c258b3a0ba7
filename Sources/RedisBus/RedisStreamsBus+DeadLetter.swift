/// The dead-letter stream: messages no consumer of a group could handle.
extension RedisStreamsBus {
    /// Moves entries to `stratum:<strategy>:dead-letter` with where they came from and why, and
    /// acks them in their group, so they stop being redelivered.
    ///
    /// Each dead-letter entry has the fields `envelope` (the original JSON, when there was one),
    /// `stream`, `group`, `entry`, `deliveries` and `reason`.
    func deadLetter(_ entries: [(stream: String, entry: StreamEntry, reason: String, deliveries: Int)], group: String) async throws {
        guard !entries.isEmpty else { return }
        var commands: [RedisCommand] = []
        for (stream, entry, reason, deliveries) in entries {
            var fields: [(String, [UInt8])] = [
                ("stream", Array(stream.utf8)), ("group", Array(group.utf8)), ("entry", Array(entry.id.utf8)),
                ("deliveries", Array(String(deliveries).utf8)), ("reason", Array(reason.utf8)),
            ]
            if let envelope = entry.fields[Self.envelopeField] { fields.insert((Self.envelopeField, envelope), at: 0) }
            commands.append(.xadd(keys.deadLetter, maxLength: options.maxStreamLength, fields: fields))
            commands.append(.xack(stream, group: group, ids: [entry.id]))
        }
        let replies = try await client.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: "XADD dead-letter", message: message) }
    }

    /// The dead-letter stream's entries, oldest first (for operators and tests).
    public func deadLetters(count: Int = 100) async throws -> [StreamEntry] {
        StreamEntry.list(try await client.send(RedisCommand("XRANGE", keys.deadLetter, "-", "+", "COUNT", count)))
    }
}
