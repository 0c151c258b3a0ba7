import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler

/// The actor runner's throughput against the fused runner's, on the same bars in memory.
///
/// Usage: bench-live STRATEGY.yaml [REPEATS]   (run from the package root)
///
/// Lints and plans the strategy and reads its data sources (CSV or synthetic) into memory. Then,
/// REPEATS times (default 3), keeping the best time of each: every bar through `FusedRunner`
/// (the backtest's loop) into a sink that counts messages, and every bar through `LiveRunner`
/// (seven agent actors, waves, a replay at `max`) into an observer that counts messages. The
/// two counts must agree. Prints one JSON line.

struct CountingSink: RunSink {
    var messages = 0
    mutating func receive(_ envelope: Envelope) { messages += 1 }
}

final class CountingObserver: LiveObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var messages: Int { lock.withLock { count } }
    func observe(_ report: LiveReport) async { lock.withLock { count += report.envelopes.count } }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-live STRATEGY.yaml [REPEATS]\n".utf8))
    exit(2)
}
let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let lint = Linter(models: nil, workingDirectory: root).lint(path: arguments[1])
guard !lint.hasErrors, let checked = lint.checked else {
    FileHandle.standardError.write(Data("\(arguments[1]) does not pass lint (or needs models)\n".utf8))
    exit(1)
}
let plan = try Planner.plan(checked)
let feeds: [any BarFeed] = try plan.spec.dataSources.map { source in
    switch source.kind {
    case .csv(let path), .replay(let path, _):
        return try CSVBarReader(path: root.appendingPathComponent(path.value).path, timeZone: TimeZone(identifier: source.timezone) ?? .gmt)
    case .synthetic(let spec):
        return try SyntheticBarGenerator(spec, intervalMicroseconds: source.intervalMicroseconds)
    default:
        FileHandle.standardError.write(Data("only csv, replay and synthetic sources are benchmarked\n".utf8))
        exit(2)
    }
}
let bars = try ReplayFeed<ContinuousClock>.bars(of: feeds)
let clock = ContinuousClock()

var fusedBest = Duration.seconds(1_000_000)
var fusedMessages = 0
for _ in 0..<repeats {
    var runner = FusedRunner(plan: plan, evaluators: [:])
    var sink = CountingSink()
    let elapsed = clock.measure {
        if plan.spec.dataSources.count == 1 {
            for bar in bars { runner.push(bar.bar, instrument: 0, into: &sink) }
        } else {
            var open: Int64?
            for bar in bars {
                if let current = open, bar.bar.timestamp != current { runner.close(into: &sink) }
                open = bar.bar.timestamp
                runner.open(bar.bar, instrument: bar.instrument, into: &sink)
            }
            if open != nil { runner.close(into: &sink) }
        }
    }
    fusedBest = min(fusedBest, elapsed)
    fusedMessages = sink.messages
}

var liveBest = Duration.seconds(1_000_000)
var liveMessages = 0
for _ in 0..<repeats {
    let observer = CountingObserver()
    let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]), configuration: .init(instruments: plan.spec.dataSources.count),
                            observers: [observer])
    let feed = ReplayFeed(name: "bench", bars: bars, speed: .max)
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await runner.run() }
        try await feed.run(into: runner, connectivity: FeedConnectivity())
        await runner.feedEnded()
        runner.finish()
        try await group.waitForAll()
    }
    liveBest = min(liveBest, start.duration(to: clock.now))
    liveMessages = observer.messages
}

guard fusedMessages == liveMessages else {
    FileHandle.standardError.write(Data("message counts differ: fused \(fusedMessages), actors \(liveMessages)\n".utf8))
    exit(1)
}
let fusedRate = Double(bars.count) / seconds(fusedBest)
let liveRate = Double(bars.count) / seconds(liveBest)
print(#"{"strategy":"\#(arguments[1])","bars":\#(bars.count),"messages":\#(liveMessages),"fused_bars_per_s":\#(Int(fusedRate)),"actors_bars_per_s":\#(Int(liveRate)),"actors_us_per_bar":\#((seconds(liveBest) / Double(bars.count) * 1e6 * 10).rounded() / 10),"fused_over_actors":\#((fusedRate / liveRate * 10).rounded() / 10)}"#)
