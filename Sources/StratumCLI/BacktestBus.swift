import Agents
import Indicators
import ArgumentParser
import Foundation
import RedisBus
import Runtime

/// `stratum backtest --bus redis://...`: the run goes through Redis Streams, every message
/// between agents published on its topic stream and read through the receiving agent's
/// consumer group, driven in waves so the results equal the fused runner's.
struct BacktestBus {
    var url: String
    var placement: WaveBacktest.Placement

    /// Runs `prepared` into `sink` over the bus, blocking this thread until it is done.
    ///
    /// - Throws: `CommandError` naming the address when Redis cannot be reached or an agent does not answer.
    func run(prepared: PreparedStrategy, into sink: BatchingSink, progress: @escaping (Int) -> Void)
        throws -> (sink: BatchingSink, outcome: BacktestEngine.Outcome) {
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: url)
        } catch {
            throw CommandError("--bus \(url): \(error)", status: ExitStatus.usageOrIO)
        }
        let bars = try Self.bars(of: prepared.feeds)
        let job = Job(prepared: prepared, endpoint: endpoint, placement: placement, bars: bars, sink: sink, progress: progress)
        let done = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        Task.detached {
            await job.run()
            done.signal()
        }
        done.wait()
        switch job.result {
        case .success(let (sink, outcome, shadows))?:
            let elapsed = started.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            CommandOutput.current.error(Self.rate(bars: outcome.bars, messages: outcome.messages, seconds: seconds) + "\n")
            return (sink, BacktestEngine.Outcome.of(bars: outcome.bars, feeds: outcome.feeds, shadows: shadows))
        case .failure(let error)?:
            throw CommandError(String(describing: error))
        case nil:
            throw CommandError("the run over \(url) ended without a result")
        }
    }

    static func rate(bars: Int, messages: Int, seconds: Double) -> String {
        func fixed(_ value: Double) -> String { value.formatted(.number.precision(.fractionLength(0)).grouping(.never)) }
        return "bus: \(bars) bars, \(messages) messages in \(seconds.formatted(.number.precision(.fractionLength(2)))) s "
            + "(\(fixed(Double(bars) / max(seconds, 1e-9))) bars/s, \(fixed(Double(messages) / max(seconds, 1e-9))) messages/s)"
    }

    /// Every bar of every feed in time order (equal times in the strategy's source order), as
    /// the backtest engine reads them.
    static func bars(of feeds: [any BarFeed]) throws -> [(Bar, Int)] {
        var all: [(Bar, Int)] = []
        for (instrument, feed) in feeds.enumerated() {
            try feed.forEachBar { all.append(($0, instrument)) }
        }
        if feeds.count > 1 { all.sort { ($0.0.timestamp, $0.1) < ($1.0.timestamp, $1.1) } }
        return all
    }

    /// The run's inputs and result, handed between this thread and the task that runs it: the
    /// thread waits on a semaphore and reads `result` only after the task signalled.
    private final class Job: @unchecked Sendable {
        let prepared: PreparedStrategy
        let endpoint: RedisEndpoint
        let placement: WaveBacktest.Placement
        let bars: [(Bar, Int)]
        let sink: BatchingSink
        let progress: (Int) -> Void
        var result: Result<(BatchingSink, WaveBacktest.Outcome, [ShadowEvaluator.Evaluation]), any Error>?

        init(prepared: PreparedStrategy, endpoint: RedisEndpoint, placement: WaveBacktest.Placement, bars: [(Bar, Int)],
             sink: BatchingSink, progress: @escaping (Int) -> Void) {
            self.prepared = prepared
            self.endpoint = endpoint
            self.placement = placement
            self.bars = bars
            self.sink = sink
            self.progress = progress
        }

        func run() async {
            do {
                // Model signals are scored beside the run, as the plain backtest scores them.
                let run = try await run(into: ShadowSink(base: sink, evaluator: ShadowEvaluator(plan: prepared.plan)))
                result = .success((run.sink.base, run.outcome, run.sink.evaluator.evaluations()))
            } catch {
                result = .failure(error)
            }
        }

        private func run<Sink: RunSink>(into sink: Sink) async throws -> (sink: Sink, outcome: WaveBacktest.Outcome) {
            let plan = prepared.plan
            return try await WaveBacktest.run(
                agents: AgentSet(plan: plan, evaluators: prepared.evaluators), strategy: plan.spec.name.value,
                instruments: plan.spec.dataSources.count, bars: bars, endpoint: endpoint, placement: placement,
                into: sink, progress: progress)
        }
    }
}

/// `backtest --bus URL [--agents in-process|external]`.
struct BacktestBusOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run every message between agents through Redis Streams at this address (redis://HOST:PORT[/DB]); the results equal the plain run's.",
                               valueName: "url"))
    var bus: String?

    @Option(help: ArgumentHelp("With --bus: run the agents as tasks of this process (in-process), or wait for seven `stratum agent` processes (external).",
                               valueName: "where"))
    var agents: AgentPlacement = .inProcess

    enum AgentPlacement: String, ExpressibleByArgument, CaseIterable {
        case inProcess = "in-process"
        case external
    }

    func validate() throws {
        if bus == nil && agents != .inProcess { throw ValidationError("--agents needs --bus") }
    }

    /// The bus run asked for, if any.
    var run: BacktestBus? {
        bus.map { BacktestBus(url: $0, placement: agents == .external ? .external : .inProcess) }
    }
}
