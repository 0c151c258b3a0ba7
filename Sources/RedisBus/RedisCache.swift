import Agents

/// Latest values for dashboards and other processes, in hashes `stratum:<strategy>:cache:*`:
///
/// - `cache:bar:<instrument>`: the last bar (timestamp, open, high, low, close, volume, flags)
/// - `cache:positions`: per instrument, the position in units, summed from fills
/// - `cache:equity`: the last equity point (barIndex, timestamp, cash, equity, drawdown, state)
/// - `cache:health`: per agent, the timestamp of its last message; `state` after a supervisor command
public enum RedisCache {
    /// The cache write for `envelope`, if its topic has one.
    static func update(for envelope: Envelope, keys: RedisKeys) -> RedisCommand? {
        func text(_ value: some CustomStringConvertible) -> [UInt8] { Array(value.description.utf8) }
        switch envelope.payload {
        case .bar(let market):
            let bar = market.bar
            return .hset(keys.cache("bar:\(market.instrument)"), fields: [
                ("timestamp", text(bar.timestamp)), ("open", text(bar.open)), ("high", text(bar.high)), ("low", text(bar.low)),
                ("close", text(bar.close)), ("volume", text(bar.volume)), ("flags", text(market.flags)),
            ])
        case .fill(let fill):
            return RedisCommand("HINCRBYFLOAT", keys.cache("positions"), String(fill.instrument), String(fill.quantity))
        case .equity(let point):
            return .hset(keys.cache("equity"), fields: [
                ("barIndex", text(point.barIndex)), ("timestamp", text(point.timestamp)), ("cash", text(point.cash)),
                ("equity", text(point.equity)), ("drawdown", text(point.drawdown)), ("state", text(point.state.rawValue)),
            ])
        case .heartbeat(let agent):
            return .hset(keys.cache("health"), fields: [(agent.wireName, text(envelope.timestamp))])
        case .command(let command):
            let state = switch command {
            case .halt: "halted"
            case .reduceOnly: "reduce_only"
            case .resume: "active"
            }
            return .hset(keys.cache("health"), fields: [("state", text(state)), ("stateTimestamp", text(envelope.timestamp))])
        default:
            return nil
        }
    }
}

extension RedisStreamsBus {
    /// A latest-value hash, e.g. `latest("bar:0")`, `latest("equity")`, `latest("positions")`.
    public func latest(_ name: String) async throws -> [String: String] {
        try await client.send(.hgetall(keys.cache(name))).hash.mapValues { String(decoding: $0, as: UTF8.self) }
    }
}
