/// Acknowledging many deliveries in one round trip.
extension RedisStreamsBus {
    /// Acks `deliveries` whose effects are committed: records their ids (when idempotency is on)
    /// and sends one `XACK` per stream and group, all in one pipeline.
    public func ack(_ deliveries: [BusDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        var commands: [RedisCommand] = []
        if options.idempotency {
            for delivery in deliveries {
                commands.append(.setIfAbsent(keys.processed(group: delivery.group, id: delivery.message.id), expireSeconds: options.idempotencyTTLSeconds))
            }
        }
        var ids: [String: [String]] = [:]
        var order: [String] = []
        for delivery in deliveries {
            let key = delivery.stream + "\u{0}" + delivery.group
            if ids[key] == nil { order.append(key) }
            ids[key, default: []].append(delivery.entryID)
        }
        for key in order {
            let parts = key.split(separator: "\u{0}", maxSplits: 1)
            commands.append(.xack(String(parts[0]), group: String(parts[1]), ids: ids[key]!))
        }
        let replies = try await client.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: "XACK", message: message) }
    }
}
