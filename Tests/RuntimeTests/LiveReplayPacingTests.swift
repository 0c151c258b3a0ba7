import Agents
import Foundation
import Indicators
import Runtime
import Testing

/// Replay pacing: when each bar is due, read from a clock that records every wait (exact, no
/// wall time), and one real-clock run bounded from below only (a bar is never early).
struct LiveReplayPacingTests {
    /// A clock whose sleeps return at once, recording the deadlines asked for.
    final class RecordingClock: Clock, @unchecked Sendable {
        struct Instant: InstantProtocol {
            var offset: Duration
            func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
            func duration(to other: Instant) -> Duration { other.offset - offset }
            static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        }

        private let lock = NSLock()
        private var current = Instant(offset: .zero)
        private var deadlines: [Duration] = []

        var now: Instant { lock.withLock { current } }
        var minimumResolution: Duration { .nanoseconds(1) }
        var sleeps: [Duration] { lock.withLock { deadlines } }

        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            lock.withLock {
                deadlines.append(deadline.offset)
                current = max(current, deadline)
            }
        }
    }

    static func bars(_ count: Int, every interval: Int64) -> [LiveBar] {
        (0..<count).map { LiveBar(Bar(timestamp: 1_700_000_000_000_000 + Int64($0) * interval, open: 100, high: 101, low: 99, close: 100, volume: 1)) }
    }

    static func replay<C: Clock>(_ feed: ReplayFeed<C>) async throws -> LiveRunner where C.Duration == Duration {
        let plan = try LiveFixtures.plan(LiveFixtures.smaCross)
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]), configuration: .init(instruments: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            try await feed.run(into: runner, connectivity: FeedConnectivity())
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }
        return runner
    }

    @Test func barsPerSecondSpacesBarsEvenly() async throws {
        let clock = RecordingClock()
        let runner = try await Self.replay(ReplayFeed(name: "t", bars: Self.bars(50, every: 60_000_000), speed: .barsPerSecond(100), clock: clock))
        // Bar i is due i / 100 s after the start (hand computation).
        #expect(clock.sleeps == (0..<50).map { .milliseconds(10 * $0) })
        #expect(runner.progress.barsProcessed == 50)
    }

    @Test func timesRealTimeFollowsTheBarTimestamps() async throws {
        let clock = RecordingClock()
        // One-minute bars with a 3-minute gap after the fifth: at 60x a minute of market time is a second.
        var bars = Self.bars(10, every: 60_000_000)
        for index in 5..<10 { bars[index].bar.timestamp += 180_000_000 }
        _ = try await Self.replay(ReplayFeed(name: "t", bars: bars, speed: .timesRealTime(60), clock: clock))
        #expect(clock.sleeps == [0, 1, 2, 3, 4, 8, 9, 10, 11, 12].map { Duration.seconds($0) })
    }

    @Test func maxNeverWaitsAndSkipResumesAfterRestoredBars() async throws {
        let clock = RecordingClock()
        let runner = try await Self.replay(ReplayFeed(name: "t", bars: Self.bars(40, every: 60_000_000), speed: .max, clock: clock, skip: 15))
        #expect(clock.sleeps.isEmpty)
        #expect(runner.progress.barsProcessed == 25)
    }

    /// On the real clock, 100/s cannot deliver 30 bars in less than 0.29 s. No upper bound: on a
    /// busy machine a run can take any time, and a hang fails on the test's own time limit.
    @Test(.timeLimit(.minutes(10))) func barsPerSecondOnTheRealClockIsNeverEarly() async throws {
        let started = ContinuousClock.now
        let runner = try await Self.replay(ReplayFeed(name: "t", bars: Self.bars(30, every: 60_000_000), speed: .barsPerSecond(100)))
        let elapsed = started.duration(to: .now)
        #expect(runner.progress.barsProcessed == 30)
        #expect(elapsed >= .milliseconds(290))
    }

    @Test(arguments: [("60x", ReplaySpeed.timesRealTime(60)), ("100/s", .barsPerSecond(100)), ("max", .max), ("0.5x", .timesRealTime(0.5))])
    func speedsParse(text: String, speed: ReplaySpeed) throws {
        #expect(try ReplaySpeed(parsing: text) == speed)
        #expect(try ReplaySpeed(parsing: speed.description) == speed)
    }

    @Test(arguments: ["", "fast", "0x", "-5/s", "60", "x"])
    func badSpeedsAreRefusedWithTheForms(text: String) {
        #expect(throws: ReplaySpeedError.self) { try ReplaySpeed(parsing: text) }
        #expect(ReplaySpeedError(text: text).description.contains("100/s"))
    }
}
