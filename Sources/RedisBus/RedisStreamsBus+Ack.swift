/// Acknowledging many deliveries in one round trip.
extension RedisStreamsBus {
    /// Acks `deliveries` whose effects are committed: records their ids (when idempotency is on)
    /// and sends one `XACK` per stream and group, all in one pipeline.
    public func ack(_ deliveries: [BusDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        var pipeline = RedisPipeline(capacity: deliveries.count * (options.idempotency ? 96 : 24))
        if options.idempotency {
            var group = deliveries[0].group
            var prefix = keys.processedPrefix(group: group)
            for delivery in deliveries {
                if delivery.group != group {
                    group = delivery.group
                    prefix = keys.processedPrefix(group: group)
                }
                pipeline.appendSetIfAbsent(keyPrefix: prefix, name: delivery.message.id, expireSeconds: options.idempotencyTTLSeconds)
            }
        }
        // One XACK per stream and group, in the order each first appears. A read brings a few
        // streams at most, so a linear search beats hashing.
        var runs: [(stream: String, group: String, ids: [String])] = []
        for delivery in deliveries {
            if let index = runs.lastIndex(where: { $0.stream == delivery.stream && $0.group == delivery.group }) {
                runs[index].ids.append(delivery.entryID)
            } else {
                runs.append((delivery.stream, delivery.group, [delivery.entryID]))
            }
        }
        for run in runs { pipeline.appendXAck(run.stream, group: run.group, ids: run.ids) }
        let replies = try await client.replies(to: pipeline)
        if let message = replies.firstError { throw RedisError.server(command: "XACK", message: message) }
    }
}
