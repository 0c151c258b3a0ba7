import CHiredis

/// One blocking hiredis connection. Not thread-safe: a `RedisClient` owns it and touches it only
/// from its own thread.
final class RedisConnection {
    let endpoint: RedisEndpoint
    let connectTimeoutMilliseconds: Int
    private var context: UnsafeMutablePointer<redisContext>?
    private var timeoutMilliseconds = -1

    init(endpoint: RedisEndpoint, connectTimeoutMilliseconds: Int) {
        self.endpoint = endpoint
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }

    deinit { disconnect() }

    var isConnected: Bool { context != nil }

    /// Connects (and selects the database) unless connected already.
    ///
    /// - Throws: `ConnectionFailure` with hiredis's reason.
    func connectIfNeeded() throws(ConnectionFailure) {
        guard context == nil else { return }
        guard let fresh = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), chiredis_timeval(connectTimeoutMilliseconds)) else {
            throw ConnectionFailure(reason: "out of memory allocating the connection")
        }
        if fresh.pointee.err != 0 {
            let reason = String(cString: chiredis_errstr(fresh))
            redisFree(fresh)
            throw ConnectionFailure(reason: reason)
        }
        // Keepalive probes notice a peer that vanished without closing (a dead host, a cut network).
        _ = redisEnableKeepAlive(fresh)
        context = fresh
        timeoutMilliseconds = -1
        if endpoint.database != 0 {
            append(RedisCommand("SELECT", endpoint.database).encoded)
            let reply = try readReply()
            if let message = reply.errorMessage {
                disconnect()
                throw ConnectionFailure(reason: "SELECT \(endpoint.database) failed: \(message)")
            }
        }
    }

    /// How long a read may wait before the connection counts as lost.
    func setTimeout(milliseconds: Int) throws(ConnectionFailure) {
        guard let context, milliseconds != timeoutMilliseconds else { return }
        if redisSetTimeout(context, chiredis_timeval(milliseconds)) != REDIS_OK {
            throw failure()
        }
        timeoutMilliseconds = milliseconds
    }

    /// Queues RESP bytes (one or many commands) in hiredis's output buffer; `readReply` sends them.
    func append(_ bytes: [UInt8]) {
        guard let context else { return }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = redisAppendFormattedCommand(context, chars.baseAddress, chars.count)
            }
        }
    }

    /// Sends what is queued and reads the next reply.
    func readReply() throws(ConnectionFailure) -> RedisReply {
        guard let context else { throw ConnectionFailure(reason: "not connected") }
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            let error = failure()
            disconnect()
            throw error
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.copy(reply)
    }

    func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    private func failure() -> ConnectionFailure {
        guard let context else { return ConnectionFailure(reason: "not connected") }
        let text = String(cString: chiredis_errstr(context))
        // hiredis reports a read timeout as an I/O error with EAGAIN's text.
        if text.contains("temporarily unavailable") || text.contains("timed out") {
            return ConnectionFailure(reason: "no reply within \(timeoutMilliseconds) ms")
        }
        return ConnectionFailure(reason: text.isEmpty ? "connection lost" : text)
    }

    private static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] { elements.append(copy(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }
}

/// The connection broke or never came up; the context is gone and the next use reconnects.
struct ConnectionFailure: Error {
    var reason: String
}
