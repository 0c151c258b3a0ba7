import Agents
import ControlHTTP
import Foundation
import RedisBus
import Runtime
import Testing
@testable import StratumCLI

/// The bus's outages as the run reports them, from the Redis connections' events. Expected
/// values are hand-computed from the event times the test gives (microseconds).
struct BusOutageWatchTests {
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        private var time: Int64 = 0
        func say(_ line: String) { lock.withLock { stored.append(line) } }
        var lines: [String] { lock.withLock { stored } }
        func at(_ micros: Int64) { lock.withLock { time = micros } }
        var now: Int64 { lock.withLock { time } }
    }

    static let endpoint = RedisEndpoint(host: "127.0.0.1", port: 6390)

    static func watch(errors: Int = 5) -> (BusOutageWatch, Recorder, RuntimeMetrics) {
        let recorder = Recorder()
        let metrics = RuntimeMetrics()
        let policy = SupervisionPolicy(breaker: CircuitBreaker.Settings(errors: errors, windowMicroseconds: 60_000_000, cooldownMicroseconds: 30_000_000))
        let watch = BusOutageWatch(endpoint: endpoint, policy: policy, metrics: metrics, say: { recorder.say($0) }, now: { recorder.now })
        return (watch, recorder, metrics)
    }

    @Test func twoConnectionsLostAndBackAreOneOutageFromTheFirstLossToTheLastReconnect() {
        let (watch, recorder, metrics) = Self.watch()
        #expect(metrics.exposition().contains("stratum_bus_outages_total 0"))
        recorder.at(1_000_000)
        watch.record(.lost(Self.endpoint, reason: "EOF"))
        recorder.at(1_100_000)
        watch.record(.lost(Self.endpoint, reason: "connection reset"))
        #expect(watch.status.state == .lost)
        recorder.at(2_000_000)
        watch.record(.reconnected(Self.endpoint, attempts: 3, downtimeMilliseconds: 1_000))
        #expect(watch.status.state == .lost, "one connection is still down")
        recorder.at(2_500_000)
        watch.record(.reconnected(Self.endpoint, attempts: 4, downtimeMilliseconds: 1_400))
        let status = watch.status
        #expect(status.state == .connected)
        #expect(status.outages == 1)
        // 2.5 s − 1.0 s = 1 500 ms.
        #expect(status.lastOutage == BusOutage(startedAt: 1_000_000, endedAt: 2_500_000, durationMilliseconds: 1_500, reason: "EOF"))
        #expect(status.breaker == .closed)
        #expect(status.incidents.map(\.severity) == [.warning])
        #expect(status.incidents.first?.subject == "bus:redis://127.0.0.1:6390")
        #expect(recorder.lines == [
            "bus redis://127.0.0.1:6390: connection lost (EOF); outage 1, reconnecting with backoff",
            "bus redis://127.0.0.1:6390: reconnected after an outage of 1.500 s (outage 1, 4 attempts); the run carries on",
        ])
        #expect(metrics.exposition().contains("stratum_bus_outages_total 1"))
    }

    @Test func repeatedOutagesOpenTheBusBreakerAndARoundTripAfterTheCooldownClosesIt() {
        let (watch, recorder, _) = Self.watch(errors: 2)
        for (lost, back) in [(Int64(1_000_000), Int64(2_000_000)), (10_000_000, 11_000_000)] {
            recorder.at(lost)
            watch.record(.lost(Self.endpoint, reason: "EOF"))
            recorder.at(back)
            watch.record(.reconnected(Self.endpoint, attempts: 1, downtimeMilliseconds: 1_000))
        }
        #expect(watch.status.breaker == .open)
        #expect(recorder.lines.contains("bus redis://127.0.0.1:6390: breaker closed → open"))
        #expect(watch.status.incidents.map(\.severity) == [.warning, .critical, .warning])
        // Opened at 10 s; the cooldown is 30 s: a round trip at 39 s changes nothing, one at 40 s closes it.
        recorder.at(39_000_000)
        watch.contact()
        #expect(watch.status.breaker == .open)
        recorder.at(40_000_000)
        watch.contact()
        #expect(watch.status.breaker == .closed)
        #expect(recorder.lines.suffix(2) == ["bus redis://127.0.0.1:6390: breaker open → half_open",
                                             "bus redis://127.0.0.1:6390: breaker half_open → closed"])
    }

    @Test func aReconnectWithoutALossChangesNothing() {
        let (watch, recorder, _) = Self.watch()
        watch.record(.reconnected(Self.endpoint, attempts: 1, downtimeMilliseconds: 5))
        #expect(watch.status.outages == 0 && watch.status.state == .connected && watch.status.lastOutage == nil)
        #expect(recorder.lines.isEmpty)
    }
}
