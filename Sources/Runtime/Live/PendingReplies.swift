import Foundation

typealias Reply<T: Sendable> = @Sendable (Result<T, LiveRunnerError>) -> Void

/// The answers control requests wait for, so that the ones the runner never takes can be given
/// `notRunning` when it stops. Each is answered exactly once: by the runner or by `closeAll`.
final class PendingReplies: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [UInt64: @Sendable () -> Void] = [:]
    private var next: UInt64 = 0
    private var closed = false

    /// Registers how to refuse a request; nil once closed.
    func add(_ refuse: @escaping @Sendable () -> Void) -> UInt64? {
        lock.withLock {
            guard !closed else { return nil }
            next += 1
            open[next] = refuse
            return next
        }
    }

    /// True when `id` was still waiting: the caller answers it now.
    func remove(_ id: UInt64) -> Bool {
        lock.withLock { open.removeValue(forKey: id) != nil }
    }

    func closeAll() {
        let refusals = lock.withLock {
            closed = true
            defer { open.removeAll() }
            return Array(open.values)
        }
        for refuse in refusals { refuse() }
    }
}
