import Agents
import Foundation
import Runtime

/// The control messages between the wave coordinator and the agents, on two kinds of streams
/// beside the topic streams: `stratum:<strategy>:control:<agent>` (the coordinator's commands
/// to one agent) and `stratum:<strategy>:control:runner` (every agent's answers). The messages
/// themselves travel on the topic streams; a command only names, by wire id, which of them the
/// agent handles now and in which order (docs/messages.md, "Waves and ordering").
struct WaveCommand: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
        /// Handle the messages `ids` in this order, publish what they cause, answer.
        case wave
        /// PortfolioRisk closes open positions at `timestamp` (the end of a backtest).
        case closeOut
        /// MarketData answers its feed summaries.
        case summaries
        /// The run is over: stop.
        case stop
        /// Answer at once: the agent is alive and takes commands (a live run's heartbeat between bars).
        case ping
    }

    var kind: Kind
    /// The wave's tag, unique in the run: the prefix of the ids of what the agent publishes.
    var tag: String = ""
    var ids: [String] = []
    var timestamp: Int64 = 0
    var traceId: UInt64 = 0
}

struct WaveAnswer: Codable, Sendable {
    var agent: String
    var tag: String
    /// What the agent published, in order: wire ids and topic names.
    var ids: [String] = []
    var topics: [String] = []
    var ends: [Int] = []
    var summaries: [FeedSummary]? = nil
    /// Set when the agent could not do what was asked.
    var error: String? = nil
}

extension RedisKeys {
    /// The commands to `agent` (`runner`: the answers to the coordinator).
    func control(_ agent: AgentID) -> String { prefix + "control:" + agent.wireName }
    /// The bars the coordinator hands to MarketData.
    var feed: String { prefix + "feed" }

    /// The streams `agent` reads through its consumer group.
    func inputs(of agent: AgentID) -> [String] {
        WaveRouting.inputs(of: agent).map(stream) + (agent == .marketData ? [feed] : [])
    }

    /// The streams the coordinator reads through its group: what the run's sink receives and
    /// other agents publish (its own clock messages it knows already).
    var observed: [String] {
        Topic.allCases.filter { WaveRouting.isObserved($0) && $0 != .clock }.map(stream)
    }
}

enum WaveJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> [UInt8] { Array(try encoder.encode(value)) }
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T { try JSONDecoder().decode(type, from: Data(bytes)) }
}

/// What went wrong between the coordinator and its agents.
public struct WaveError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
