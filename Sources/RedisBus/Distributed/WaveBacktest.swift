import Agents
import Indicators
import Runtime

/// A backtest whose agents exchange every message over Redis Streams, driven in waves by a
/// ``WaveCoordinator``: the same trades and statistics as the fused runner, through the bus.
public enum WaveBacktest {
    /// Where the agents run.
    public enum Placement: Sendable {
        /// One task per agent in this process, each with its own connection.
        case inProcess
        /// Seven `stratum agent` processes started separately; the coordinator waits for their answers.
        case external
    }

    public struct Outcome {
        public var bars: Int
        public var feeds: [FeedSummary]
        /// Messages routed (each wave's messages, the bars handed to MarketData included).
        public var messages: Int
    }

    /// Runs `bars` (in time order, with their instrument index) through the agents into `sink`.
    ///
    /// - Throws: `RedisError.unreachable` naming the address when Redis does not answer at the
    ///   start; `WaveError` when an agent does not answer.
    public static func run<Sink: RunSink>(
        agents: AgentSet, strategy: String, instruments: Int, bars: [(Bar, Int)], endpoint: RedisEndpoint,
        options: RedisBusOptions = RedisBusOptions(), placement: Placement = .inProcess, into sink: Sink,
        progress: ((Int) -> Void)? = nil, progressEvery: Int = 256
    ) async throws -> (sink: Sink, outcome: Outcome) {
        var coordinator = WaveCoordinator(strategy: strategy, endpoint: endpoint, instruments: instruments, options: options)
        defer { coordinator.close() }
        try await coordinator.connect()
        try await coordinator.reset()
        var sink = sink
        let feeds: [FeedSummary]
        switch placement {
        case .external:
            do {
                feeds = try await drive(&coordinator, bars: bars, into: &sink, progress: progress, every: progressEvery)
            } catch {
                try? await coordinator.stopAgents()
                throw error
            }
        case .inProcess:
            let workers = WaveRouting.agents.map {
                WaveAgentWorker(agent: $0, agents: agents, strategy: strategy, endpoint: endpoint, options: options)
            }
            feeds = try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { try await worker.run() } }
                do {
                    let feeds = try await drive(&coordinator, bars: bars, into: &sink, progress: progress, every: progressEvery)
                    try await group.waitForAll()
                    return feeds
                } catch {
                    try? await coordinator.stopAgents()
                    group.cancelAll()
                    throw error
                }
            }
        }
        return (sink, Outcome(bars: bars.count, feeds: feeds, messages: coordinator.messages))
    }

    private static func drive<Sink: RunSink>(_ coordinator: inout WaveCoordinator, bars: [(Bar, Int)], into sink: inout Sink,
                                             progress: ((Int) -> Void)?, every: Int) async throws -> [FeedSummary] {
        for (count, (bar, instrument)) in bars.enumerated() {
            try await coordinator.push(bar, instrument: instrument, into: &sink)
            if let progress, (count + 1) % every == 0 { progress(count + 1) }
        }
        return try await coordinator.finish(into: &sink)
    }
}
