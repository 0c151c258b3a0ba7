import Foundation

/// A Redis client over one hiredis connection, driven by its own thread so blocking socket I/O
/// (including `XREADGROUP BLOCK`) never blocks Swift's cooperative thread pool.
///
/// Commands from concurrent callers are pipelined: whatever has queued while the thread was busy
/// is written in one go and the replies are read back in order. When the connection breaks, the
/// thread reconnects with backoff for up to `reconnectWindowMilliseconds`, then resends what was
/// not answered: a command whose reply was lost may run twice (consumers dedupe by envelope id).
public final class RedisClient: Sendable {
    public let endpoint: RedisEndpoint
    public let options: RedisClientOptions
    /// The thread and its connection; it outlives the client only until its current command returns.
    private let worker: ConnectionWorker

    public init(endpoint: RedisEndpoint, options: RedisClientOptions = RedisClientOptions()) {
        self.endpoint = endpoint
        self.options = options
        worker = ConnectionWorker(endpoint: endpoint, options: options)
    }

    deinit { worker.close() }

    /// Sends `command` and returns its reply.
    ///
    /// - Parameter timeoutMilliseconds: how long to wait for the reply (default: the options'
    ///   command timeout); a blocking command needs more than the time it blocks.
    /// - Throws: `RedisError.server` for an error reply, `.unreachable` once the reconnect window
    ///   has passed, `.closed` after `close()`.
    @discardableResult
    public func send(_ command: RedisCommand, timeoutMilliseconds: Int? = nil) async throws -> RedisReply {
        let reply = try await worker.submit(command.encoded, count: 1, timeout: timeoutMilliseconds, retry: true).parsed()[0]
        if let message = reply.errorMessage { throw RedisError.server(command: command.name, message: message) }
        return reply
    }

    /// Sends `commands` in one write and returns their replies in order. Error replies are
    /// returned, not thrown: one failed command does not hide the others' replies.
    public func pipeline(_ commands: [RedisCommand], timeoutMilliseconds: Int? = nil) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        var pipeline = RedisPipeline(capacity: commands.reduce(0) { $0 + $1.encoded.count })
        for command in commands { pipeline.append(command) }
        return try await replies(to: pipeline, timeoutMilliseconds: timeoutMilliseconds).parsed()
    }

    /// Sends the pipeline's commands in one write and returns their replies as Redis sent them,
    /// to be read in place (`RedisReplies.forEachStreamEntry`, `firstError`) or parsed. The
    /// bus's hot path: no value is built per reply or per stream entry.
    public func replies(to pipeline: RedisPipeline, timeoutMilliseconds: Int? = nil) async throws -> RedisReplies {
        guard pipeline.count > 0 else { return RedisReplies(bytes: [], count: 0, hasError: false) }
        return try await worker.submit(pipeline.bytes, count: pipeline.count, timeout: timeoutMilliseconds, retry: true)
    }

    /// Sends one command and returns its reply as Redis sent it (an error reply is not thrown).
    public func replies(to command: RedisCommand, timeoutMilliseconds: Int? = nil) async throws -> RedisReplies {
        try await worker.submit(command.encoded, count: 1, timeout: timeoutMilliseconds, retry: true)
    }

    /// Checks the server answers, once, without waiting for it to come up.
    ///
    /// - Throws: `RedisError.unreachable` naming the endpoint and the reason.
    public func connect() async throws {
        let reply = try await worker.submit(RedisCommand("PING").encoded, count: 1, timeout: nil, retry: false).parsed()[0]
        if let message = reply.errorMessage { throw RedisError.server(command: "PING", message: message) }
    }

    /// Waits until the server answers, retrying with backoff.
    ///
    /// - Parameters:
    ///   - timeoutMilliseconds: give up after this long (nil: wait for ever).
    ///   - progress: called after each failed attempt with the attempt number and the reason.
    public func waitUntilReachable(timeoutMilliseconds: Int? = nil,
                                   progress: (@Sendable (_ attempt: Int, _ reason: String) -> Void)? = nil) async throws {
        let start = ContinuousClock.now
        var attempt = 0
        while true {
            do {
                try await connect()
                return
            } catch RedisError.unreachable(let endpoint, let reason) {
                attempt += 1
                progress?(attempt, reason)
                let delay = options.backoff.delay(attempt: attempt - 1)
                if let timeoutMilliseconds, start.duration(to: .now) + .milliseconds(delay) > .milliseconds(timeoutMilliseconds) {
                    throw RedisError.unreachable(endpoint, reason: "\(reason) (gave up after \(attempt) attempts in \(timeoutMilliseconds) ms)")
                }
                try await Task.sleep(for: .milliseconds(delay))
            }
        }
    }

    /// Fails queued commands with `.closed` and stops the thread once the command in flight returns.
    public func close() { worker.close() }
}

/// The thread that owns a client's connection, and the queue of commands waiting for it.
final class ConnectionWorker: @unchecked Sendable {
    let endpoint: RedisEndpoint
    let options: RedisClientOptions

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [Request] = []
    private var closed = false
    private var running = false

    // Touched only by the worker's thread.
    private let connection: RedisConnection
    /// Where several requests' commands are joined for one write; reused.
    private var output: [UInt8] = []

    init(endpoint: RedisEndpoint, options: RedisClientOptions) {
        self.endpoint = endpoint
        self.options = options
        connection = RedisConnection(endpoint: endpoint, connectTimeoutMilliseconds: options.connectTimeoutMilliseconds)
    }

    func close() {
        condition.lock()
        closed = true
        let dropped = pending
        pending.removeAll()
        condition.broadcast()
        condition.unlock()
        for request in dropped { request.continuation.resume(throwing: RedisError.closed) }
    }

    private struct Request {
        var bytes: [UInt8]
        var count: Int
        var timeoutMilliseconds: Int
        /// Whether a broken connection is retried (within the reconnect window) or fails at once.
        var retry: Bool
        var continuation: CheckedContinuation<RedisReplies, any Error>
    }

    func submit(_ bytes: [UInt8], count: Int, timeout: Int?, retry: Bool) async throws -> RedisReplies {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard !closed else {
                condition.unlock()
                continuation.resume(throwing: RedisError.closed)
                return
            }
            pending.append(Request(bytes: bytes, count: count, timeoutMilliseconds: timeout ?? options.commandTimeoutMilliseconds,
                                   retry: retry, continuation: continuation))
            if !running {
                running = true
                let thread = Thread { [self] in runLoop() }
                thread.name = "redis \(endpoint)"
                thread.start()
            }
            condition.signal()
            condition.unlock()
        }
    }

    private func runLoop() {
        while true {
            condition.lock()
            while pending.isEmpty && !closed { condition.wait() }
            if closed {
                condition.unlock()
                connection.disconnect()
                return
            }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()
            execute(batch)
        }
    }

    private var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Writes the batch and reads its replies, reconnecting with backoff when the connection breaks.
    private func execute(_ batch: [Request]) {
        var next = 0
        var lostAt: ContinuousClock.Instant?
        var attempt = 0
        while next < batch.count {
            do throws(ConnectionFailure) {
                try connection.connectIfNeeded()
                if let lost = lostAt {
                    options.onEvent?(.reconnected(endpoint, attempts: attempt, downtimeMilliseconds: milliseconds(since: lost)))
                    lostAt = nil
                    attempt = 0
                }
                // One write for the run of requests that share a timeout, then their replies.
                let timeout = batch[next].timeoutMilliseconds
                try connection.setTimeout(milliseconds: timeout)
                var end = next + 1
                while end < batch.count && batch[end].timeoutMilliseconds == timeout { end += 1 }
                if end - next == 1 {
                    try connection.write(batch[next].bytes)
                } else {
                    output.removeAll(keepingCapacity: true)
                    for request in batch[next..<end] { output.append(contentsOf: request.bytes) }
                    try connection.write(output)
                }
                while next < end {
                    let replies = try connection.readReplies(count: batch[next].count)
                    // A server replaying its append-only file refuses every command with LOADING:
                    // nothing ran, so the request waits and goes again like after a lost connection.
                    if replies.hasError, replies.parsed().contains(where: { $0.errorMessage?.hasPrefix("LOADING") == true }) {
                        throw ConnectionFailure(reason: "Redis is loading its data set")
                    }
                    batch[next].continuation.resume(returning: replies)
                    next += 1
                }
            } catch {
                connection.disconnect()
                if lostAt == nil {
                    lostAt = .now
                    options.onEvent?(.lost(endpoint, reason: error.reason))
                }
                let waited = milliseconds(since: lostAt!)
                if !batch[next].retry && !isClosed {
                    // A one-shot check (`connect()`) fails alone; the rest of the batch carries on.
                    batch[next].continuation.resume(throwing: RedisError.unreachable(endpoint, reason: error.reason))
                    next += 1
                    continue
                }
                if waited >= options.reconnectWindowMilliseconds || isClosed {
                    let failure: RedisError = isClosed ? .closed : .unreachable(endpoint, reason: error.reason)
                    for request in batch[next...] { request.continuation.resume(throwing: failure) }
                    return
                }
                let delay = min(options.backoff.delay(attempt: attempt), max(1, options.reconnectWindowMilliseconds - waited))
                attempt += 1
                Thread.sleep(forTimeInterval: Double(delay) / 1000)
            }
        }
    }

    private func milliseconds(since instant: ContinuousClock.Instant) -> Int {
        let duration = instant.duration(to: .now)
        return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Timeouts and reconnect policy of a `RedisClient`.
public struct RedisClientOptions: Sendable {
    public var connectTimeoutMilliseconds: Int
    /// How long a command's reply may take before the connection counts as lost.
    public var commandTimeoutMilliseconds: Int
    public var backoff: Backoff
    /// How long to keep reconnecting after the server is lost before failing the commands waiting.
    public var reconnectWindowMilliseconds: Int
    /// Told when the connection is lost and when it is back (the Supervisor reports outages).
    public var onEvent: (@Sendable (RedisClientEvent) -> Void)?

    public init(connectTimeoutMilliseconds: Int = 1_000, commandTimeoutMilliseconds: Int = 5_000, backoff: Backoff = Backoff(),
                reconnectWindowMilliseconds: Int = 30_000, onEvent: (@Sendable (RedisClientEvent) -> Void)? = nil) {
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.commandTimeoutMilliseconds = commandTimeoutMilliseconds
        self.backoff = backoff
        self.reconnectWindowMilliseconds = reconnectWindowMilliseconds
        self.onEvent = onEvent
    }
}

/// A change in a client's connection.
public enum RedisClientEvent: Sendable, Equatable {
    case lost(RedisEndpoint, reason: String)
    case reconnected(RedisEndpoint, attempts: Int, downtimeMilliseconds: Int)
}
