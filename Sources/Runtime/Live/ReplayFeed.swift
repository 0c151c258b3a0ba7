import Agents
import Foundation

/// How fast a replay delivers bars: `60x` real time (from the bars' timestamps), `100/s` bars
/// per second, or `max`, as fast as the runner takes them.
public enum ReplaySpeed: Sendable, Equatable, CustomStringConvertible {
    case timesRealTime(Double)
    case barsPerSecond(Double)
    case max

    /// Parses `60x`, `0.5x`, `100/s` or `max`.
    ///
    /// - Throws: `ReplaySpeedError` naming what was given and what is accepted.
    public init(parsing text: String) throws(ReplaySpeedError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "max" {
            self = .max
        } else if trimmed.hasSuffix("x"), let factor = Double(trimmed.dropLast()), factor > 0, factor.isFinite {
            self = .timesRealTime(factor)
        } else if trimmed.hasSuffix("/s"), let rate = Double(trimmed.dropLast(2)), rate > 0, rate.isFinite {
            self = .barsPerSecond(rate)
        } else {
            throw ReplaySpeedError(text: text)
        }
    }

    public var description: String {
        switch self {
        case .timesRealTime(let factor): "\(Self.number(factor))x"
        case .barsPerSecond(let rate): "\(Self.number(rate))/s"
        case .max: "max"
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// When the bar at `index` (opening at `timestamp`) is due, after the replay's start: none for `max`.
    func offset(index: Int, timestamp: Int64, firstTimestamp: Int64) -> Duration? {
        switch self {
        case .max:
            return nil
        case .barsPerSecond(let rate):
            return .nanoseconds(Int64((Double(index) / rate * 1e9).rounded()))
        case .timesRealTime(let factor):
            return .nanoseconds(Int64((Double(timestamp - firstTimestamp) * 1_000 / factor).rounded()))
        }
    }
}

public struct ReplaySpeedError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String

    public init(text: String) {
        self.text = text
    }

    public var description: String {
        "replay speed '\(text)' is not one of: NUMBERx (times real time, e.g. 60x), NUMBER/s (bars per second, e.g. 100/s), max"
    }
}

/// Historical bars (files, a table, the synthetic generator) delivered as a live feed at a
/// chosen speed. Each bar's due time is measured from the replay's start, so pacing does not
/// drift however long the runner takes for a bar; a runner slower than the pace gets bars as
/// fast as it takes them.
public struct ReplayFeed<C: Clock>: LiveFeed where C.Duration == Duration {
    public let name: String
    public let bars: [LiveBar]
    public let speed: ReplaySpeed
    let clock: C
    /// Bars already processed by an earlier run of the strategy (restored from its state): skipped.
    let skip: Int

    public init(name: String, bars: [LiveBar], speed: ReplaySpeed, clock: C, skip: Int = 0) {
        self.name = name
        self.bars = bars
        self.speed = speed
        self.clock = clock
        self.skip = skip
    }

    public func run(into runner: any LiveBarInlet, connectivity: FeedConnectivity) async throws {
        connectivity.connected(name)
        let start = clock.now
        let first = bars.dropFirst(skip).first?.bar.timestamp ?? 0
        for index in bars.indices.dropFirst(min(skip, bars.count)) {
            try Task.checkCancellation()
            let bar = bars[index]
            if let offset = speed.offset(index: index - skip, timestamp: bar.bar.timestamp, firstTimestamp: first) {
                try await clock.sleep(until: start.advanced(by: offset), tolerance: nil)
            }
            await runner.send(bar)
        }
        try Task.checkCancellation()
    }
}

extension ReplayFeed where C == ContinuousClock {
    public init(name: String, bars: [LiveBar], speed: ReplaySpeed, skip: Int = 0) {
        self.init(name: name, bars: bars, speed: speed, clock: ContinuousClock(), skip: skip)
    }
}

extension ReplayFeed {
    /// Every bar of `feeds` merged in time order (equal times in source order), as the backtest
    /// reads them: the instrument index is the feed's position.
    public static func bars(of feeds: [any BarFeed]) throws -> [LiveBar] {
        var bars: [LiveBar] = []
        try BacktestEngine.forEachBar(in: feeds) { bar, instrument in bars.append(LiveBar(bar, instrument: instrument)) }
        return bars
    }
}
