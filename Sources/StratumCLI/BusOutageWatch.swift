import Agents
import ControlHTTP
import Foundation
import RedisBus
import Runtime

/// Turns the Redis connections' losses and reconnects into the Supervisor's bus events, and
/// keeps what an operator needs about them: a log line when an outage starts and one naming its
/// duration when it ends, `/status`'s `bus`, `stratum_bus_outages_total`, and an incident record
/// per outage (kept with the run's status: `--bus` runs have no state folder).
///
/// Every connection of the run (the coordinator's, each in-process agent's) reports on its own;
/// an outage is the time from the first connection lost to the last one back.
final class BusOutageWatch: @unchecked Sendable {
    let endpoint: String
    private let say: @Sendable (String) -> Void
    private let metrics: RuntimeMetrics
    private let now: @Sendable () -> Int64
    // Guarded by `lock`.
    private let lock = NSLock()
    private var supervision: Supervision
    private var connectionsDown = 0
    private var outages = 0
    private var lastOutage: BusOutage?
    private var incidents: [SupervisorIncident] = []

    init(endpoint: RedisEndpoint, policy: SupervisionPolicy, metrics: RuntimeMetrics, say: @escaping @Sendable (String) -> Void,
         now: @escaping @Sendable () -> Int64 = LiveRunner.wallClockMicroseconds) {
        self.endpoint = endpoint.description
        self.say = say
        self.metrics = metrics
        self.now = now
        supervision = Supervision(policy: policy, seed: 0)
        metrics.registerBusMetrics()
    }

    /// What a `RedisClientOptions.onEvent` calls.
    func record(_ event: RedisClientEvent) {
        let lines: [String] = lock.withLock {
            let at = now()
            var lines: [String] = []
            var actions: [SupervisionAction] = []
            switch event {
            case .lost(_, let reason):
                connectionsDown += 1
                guard connectionsDown == 1 else { break }
                outages += 1
                lastOutage = BusOutage(startedAt: at, endedAt: nil, durationMilliseconds: nil, reason: reason)
                metrics.busOutage()
                lines.append("bus \(endpoint): connection lost (\(reason)); outage \(outages), reconnecting with backoff")
                actions = supervision.handle(.busError(endpoint, message: reason, at: at))
            case .reconnected(_, let attempts, _):
                guard connectionsDown > 0 else { break }
                connectionsDown -= 1
                guard connectionsDown == 0, var outage = lastOutage else { break }
                let milliseconds = Int((at - outage.startedAt) / 1_000)
                outage.endedAt = at
                outage.durationMilliseconds = milliseconds
                lastOutage = outage
                let seconds = (Double(milliseconds) / 1_000).formatted(.number.precision(.fractionLength(3)))
                lines.append("bus \(endpoint): reconnected after an outage of \(seconds) s (outage \(outages), \(attempts) attempts); the run carries on")
                incidents.append(SupervisorIncident(
                    atMicros: outage.startedAt, subject: "bus:\(endpoint)", severity: .warning,
                    summary: "Redis at \(endpoint) was unreachable for \(seconds) s (\(outage.reason)); every connection reconnected",
                    restartsTried: 0,
                    remedy: "nothing was lost if Redis persists with appendfsync always; otherwise check the strategy's streams. "
                        + "Find why Redis went away (restart, failover, network) in its log."))
                actions = supervision.handle(.busContact(endpoint, at: at))
            }
            for case .breaker(let transition) in actions {
                lines.append("bus \(endpoint): breaker \(transition.from.rawValue) → \(transition.to.rawValue)")
                if transition.to == .open {
                    incidents.append(SupervisorIncident(
                        atMicros: at, subject: "bus:\(endpoint)", severity: .critical,
                        summary: "Redis at \(endpoint) went away \(supervision.policy.breaker.errors) times within "
                            + "\(supervision.policy.breaker.windowMicroseconds / 1_000_000) s",
                        restartsTried: 0,
                        remedy: "the bus is unstable: check the Redis server and the network to it before trusting the run."))
                }
            }
            return lines
        }
        for line in lines { say(line) }
    }

    /// The bus carried a round trip: a breaker opened by repeated outages probes and closes.
    func contact() {
        let lines: [String] = lock.withLock {
            guard supervision.busBreakers[endpoint]?.state == .open, connectionsDown == 0 else { return [] }
            return supervision.handle(.busContact(endpoint, at: now())).compactMap {
                guard case .breaker(let transition) = $0 else { return nil }
                return "bus \(endpoint): breaker \(transition.from.rawValue) → \(transition.to.rawValue)"
            }
        }
        for line in lines { say(line) }
    }

    var status: BusStatus {
        lock.withLock {
            BusStatus(endpoint: endpoint, state: connectionsDown > 0 ? .lost : .connected, outages: outages,
                      breaker: supervision.busBreakers[endpoint]?.state ?? .closed, lastOutage: lastOutage, incidents: incidents)
        }
    }
}
