import Agents
import Foundation
import ServiceLifecycle

/// A source of live bars: a replayed file, the synthetic generator, an exchange stream.
public protocol LiveFeed: Sendable {
    /// A short name for logs and readiness reasons (`goog replay`, `binance BTCUSDT 1m`).
    var name: String { get }
    /// Sends bars to `runner` (waiting while it is busy) until the feed ends or the task is
    /// cancelled; reports the connection to `connectivity`.
    func run(into runner: any LiveBarInlet, connectivity: FeedConnectivity) async throws
}

/// Whether each feed is connected, with the reason when not: `/ready`'s `feeds_connected`.
public final class FeedConnectivity: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [String: String?] = [:]
    private var order: [String] = []

    public init() {}

    public func connected(_ feed: String) { set(feed, nil) }

    public func disconnected(_ feed: String, reason: String) { set(feed, reason) }

    private func set(_ feed: String, _ reason: String?) {
        lock.withLock {
            if states[feed] == nil { order.append(feed) }
            states[feed] = .some(reason)
        }
    }

    /// Passed when at least one feed reported and none is disconnected.
    public var check: ReadinessCheck {
        lock.withLock {
            guard !order.isEmpty else { return .failed("no feed has connected yet") }
            let problems = order.compactMap { feed in states[feed].flatMap { $0 }.map { "\(feed): \($0)" } }
            return problems.isEmpty ? .passed : .failed(problems.joined(separator: "; "))
        }
    }
}

/// Runs a strategy's feeds into the runner: a Service beside the runner's. A graceful shutdown
/// stops the feeds at once (a bar being handed over is either taken or not sent); when every
/// feed is finite and has ended, the runner is told, and `onEnd` runs.
public struct LiveFeedService: Service {
    let feeds: [any LiveFeed]
    let runner: any LiveBarInlet
    let connectivity: FeedConnectivity
    let onEnd: @Sendable () async -> Void

    public init(feeds: [any LiveFeed], runner: any LiveBarInlet, connectivity: FeedConnectivity,
                onEnd: @escaping @Sendable () async -> Void = {}) {
        self.feeds = feeds
        self.runner = runner
        self.connectivity = connectivity
        self.onEnd = onEnd
    }

    public func run() async throws {
        let (feeds, runner, connectivity) = (feeds, runner, connectivity)
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for feed in feeds {
                        group.addTask { try await feed.run(into: runner, connectivity: connectivity) }
                    }
                    try await group.waitForAll()
                }
            }
        } catch is CancellationError {
            // Shut down while feeding: the runner finishes what it took; nothing has ended.
            return
        }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        await runner.feedEnded()
        await onEnd()
    }
}
