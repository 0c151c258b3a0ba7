import Agents
import ArgumentParser
import Foundation
import RedisBus
import Runtime

/// `stratum agent NAME --strategy FILE --bus URL`: one agent in its own process on the Redis
/// Streams bus, driven wave by wave by a coordinator (`stratum backtest` or `stratum run`
/// `FILE --bus URL --agents external`).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run one of a strategy's agents in this process, over a Redis Streams bus.",
        discussion: """
        NAME is one of market-data, feature, signal, portfolio-risk, execution, compliance, \
        supervisor (or its wire name: marketData, portfolioRisk). The agent reads the messages \
        of its topics through its consumer group on the streams stratum:<strategy>:<topic>, \
        handles them in the order the coordinator's commands name (waves: docs/messages.md), \
        publishes what they cause on their topic streams and acks its inputs after publishing.

        A run needs all seven agents and one coordinator: `stratum backtest FILE --bus URL \
        --agents external` hands bars in and gives the same trades and statistics as the plain \
        backtest; `stratum run FILE --bus URL --agents external` does the same for paper (or \
        live) trading from live feeds. The agents may start before or after the coordinator. \
        The agent exits 0 when the coordinator ends the run.

        Redis unreachable at start: an error naming the address, exit 1; with --wait-for-bus \
        the agent retries with backoff (reporting each attempt) until Redis answers.

        Exit status: 0 the run ended, 1 Redis unreachable, the strategy fails lint or the bus \
        failed, 2 usage or I/O error.
        """)

    @Argument(help: ArgumentHelp("The agent to run: market-data, feature, signal, portfolio-risk, execution, compliance or supervisor.",
                                 valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("Strategy file.", valueName: "file"))
    var strategy: String

    @Option(help: ArgumentHelp("Redis address: redis://HOST:PORT[/DB].", valueName: "url"))
    var bus: String

    @Flag(help: "Wait for Redis with backoff instead of failing when it does not answer at start.")
    var waitForBus = false

    @OptionGroup var registryOptions: RegistryOptions

    static let names: [String: AgentID] = [
        "market-data": .marketData, "feature": .feature, "signal": .signal, "portfolio-risk": .portfolioRisk,
        "execution": .execution, "compliance": .compliance, "supervisor": .supervisor,
    ]

    static func agent(named name: String) -> AgentID? {
        names[name] ?? AgentID(wireName: name).flatMap { $0 == .runner ? nil : $0 }
    }

    func validate() throws {
        guard Self.agent(named: name) != nil else {
            throw ValidationError("unknown agent '\(name)': use one of \(Self.names.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        let agent = Self.agent(named: name)!
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: bus)
        } catch {
            Console.error("error: --bus \(bus): \(error)")
            throw ExitStatus.usageOrIO
        }
        let prepared: PreparedStrategy
        do {
            prepared = try PreparedStrategy.load(path: strategy, registry: registryOptions.registryURL)
        } catch let error as CommandError {
            Console.error(error.prefixed ? "error: \(error.message)" : error.message)
            throw error.status
        }
        let plan = prepared.plan
        let worker = WaveAgentWorker(agent: agent, agents: AgentSet(plan: plan, evaluators: prepared.evaluators),
                                     strategy: plan.spec.name.value, endpoint: endpoint)
        do {
            if waitForBus {
                let client = RedisClient(endpoint: endpoint)
                defer { client.close() }
                try await client.waitUntilReachable { attempt, reason in
                    Console.error("\(name): waiting for Redis at \(endpoint) (attempt \(attempt)): \(reason)")
                }
            }
            Console.error("\(name): serving \(plan.spec.name.value) on \(endpoint)")
            try await worker.run()
            Console.error("\(name): the run ended")
        } catch {
            Console.error("error: \(name): \(error)")
            throw ExitStatus.failure
        }
    }
}
