import CHiredis
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking connection. Not thread-safe: a `RedisClient` owns it and touches it only from its
/// own thread.
///
/// hiredis makes the connection (connect timeout, keepalive, its error texts); commands and
/// replies then go straight through the socket: commands are written from the caller's RESP
/// bytes, and replies are read into one reused buffer and handed back as their bytes, so no reply
/// object is built per element (a stream read of thousands of entries is one copy).
final class RedisConnection {
    let endpoint: RedisEndpoint
    let connectTimeoutMilliseconds: Int
    private var context: UnsafeMutablePointer<redisContext>?
    private var timeoutMilliseconds = -1
    /// Bytes read and not yet handed out: `input[consumed..<filled]`.
    private var input = [UInt8](repeating: 0, count: 1 << 16)
    private var consumed = 0
    private var filled = 0

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
        consumed = 0
        filled = 0
        if endpoint.database != 0 {
            try write(RedisCommand("SELECT", endpoint.database).encoded)
            let reply = try readReplies(count: 1).parsed()[0]
            if let message = reply.errorMessage {
                disconnect()
                throw ConnectionFailure(reason: "SELECT \(endpoint.database) failed: \(message)")
            }
        }
    }

    /// How long a read (or write) may wait before the connection counts as lost.
    func setTimeout(milliseconds: Int) throws(ConnectionFailure) {
        guard let context, milliseconds != timeoutMilliseconds else { return }
        if redisSetTimeout(context, chiredis_timeval(milliseconds)) != REDIS_OK {
            throw hiredisFailure()
        }
        timeoutMilliseconds = milliseconds
    }

    /// Writes RESP bytes (one or many commands) to the socket.
    func write(_ bytes: [UInt8]) throws(ConnectionFailure) {
        guard let context else { throw ConnectionFailure(reason: "not connected") }
        let fd = context.pointee.fd
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                // MSG_NOSIGNAL: a peer that closed gives EPIPE here, not a SIGPIPE that ends the process.
                send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure(errno: errno)
                disconnect()
                throw error
            }
            sent += result
        }
    }

    /// Reads until `count` complete replies have arrived and returns their bytes.
    func readReplies(count: Int) throws(ConnectionFailure) -> RedisReplies {
        var scanner = RESP.Scanner(position: consumed)
        while true {
            do {
                try input.withUnsafeBufferPointer { buffer throws(RESP.ProtocolViolation) in
                    try scanner.scan(buffer, end: filled, until: count)
                }
            } catch {
                disconnect()
                throw ConnectionFailure(reason: "Redis sent something that is not RESP (byte \(error.byte) at \(error.offset))")
            }
            if scanner.completed == count { break }
            // Make room: drop what was handed out, then grow if a single reply needs more.
            if consumed > 0 {
                let kept = filled - consumed
                input.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, kept)
                }
                scanner.shift(by: consumed)
                filled = kept
                consumed = 0
            }
            if filled == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
            try receive()
        }
        let end = scanner.position
        let replies = RedisReplies(bytes: Array(input[consumed..<end]), count: count, hasError: scanner.sawError)
        consumed = end
        if consumed == filled {
            consumed = 0
            filled = 0
        }
        return replies
    }

    /// One `recv` into the free end of the buffer.
    private func receive() throws(ConnectionFailure) {
        guard let context else { throw ConnectionFailure(reason: "not connected") }
        let fd = context.pointee.fd
        while true {
            let result = input.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + filled, raw.count - filled, 0)
            }
            if result > 0 {
                filled += result
                return
            }
            if result < 0, errno == EINTR { continue }
            let error = result == 0 ? ConnectionFailure(reason: "Server closed the connection") : failure(errno: errno)
            disconnect()
            throw error
        }
    }

    func disconnect() {
        if let context { redisFree(context) }
        context = nil
        consumed = 0
        filled = 0
    }

    private func failure(errno code: Int32) -> ConnectionFailure {
        // A socket timeout (SO_RCVTIMEO/SO_SNDTIMEO, set by `setTimeout`) reads as EAGAIN.
        if code == EAGAIN || code == EWOULDBLOCK {
            return ConnectionFailure(reason: "no reply within \(timeoutMilliseconds) ms")
        }
        return ConnectionFailure(reason: String(cString: strerror(code)))
    }

    private func hiredisFailure() -> ConnectionFailure {
        guard let context else { return ConnectionFailure(reason: "not connected") }
        let text = String(cString: chiredis_errstr(context))
        return ConnectionFailure(reason: text.isEmpty ? "connection lost" : text)
    }
}

/// The connection broke or never came up; the context is gone and the next use reconnects.
struct ConnectionFailure: Error {
    var reason: String
}
