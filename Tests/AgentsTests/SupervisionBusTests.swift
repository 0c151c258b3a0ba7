@testable import Agents
import Testing

private let second: Int64 = 1_000_000

/// The Supervisor's breaker per bus: the expected transitions are read off CircuitBreaker's
/// documented rule (N errors within the window open it; after the cooldown the next contact is
/// the probe, whose success closes it), with N = 3, a 60 s window and a 30 s cooldown.
struct SupervisionBusTests {
    static let policy = SupervisionPolicy(breaker: CircuitBreaker.Settings(errors: 3, windowMicroseconds: 60 * second, cooldownMicroseconds: 30 * second))
    static let bus = "redis://127.0.0.1:6379"

    @Test func outagesWithinTheWindowOpenTheBreakerAndAContactAfterTheCooldownClosesIt() {
        var supervision = Supervision(policy: Self.policy, seed: 0)
        #expect(supervision.handle(.busError(Self.bus, message: "connection refused", at: 0)).isEmpty)
        #expect(supervision.handle(.busContact(Self.bus, at: 1 * second)).isEmpty, "one outage over: still closed")
        #expect(supervision.handle(.busError(Self.bus, message: "connection refused", at: 10 * second)).isEmpty)
        let opened = supervision.handle(.busError(Self.bus, message: "connection refused", at: 20 * second))
        #expect(opened == [.breaker(.init(name: "bus:\(Self.bus)", from: .closed, to: .open, atMicros: 20 * second))])
        #expect(supervision.busBreakers[Self.bus]?.state == .open)
        // Within the cooldown a contact changes nothing.
        #expect(supervision.handle(.busContact(Self.bus, at: 40 * second)).isEmpty)
        let closed = supervision.handle(.busContact(Self.bus, at: 50 * second))
        #expect(closed == [.breaker(.init(name: "bus:\(Self.bus)", from: .open, to: .halfOpen, atMicros: 50 * second)),
                           .breaker(.init(name: "bus:\(Self.bus)", from: .halfOpen, to: .closed, atMicros: 50 * second))])
        #expect(supervision.busBreakers[Self.bus]?.state == .closed)
    }

    @Test func outagesSpreadBeyondTheWindowNeverOpenIt() {
        var supervision = Supervision(policy: Self.policy, seed: 0)
        for minute in 0..<5 {
            #expect(supervision.handle(.busError(Self.bus, message: "reset", at: Int64(minute) * 61 * second)).isEmpty)
        }
        #expect(supervision.busBreakers[Self.bus]?.state == .closed)
        #expect(SupervisionEvent.busError(Self.bus, message: "x", at: 7).timestamp == 7)
        #expect(SupervisionEvent.busContact(Self.bus, at: 9).timestamp == 9)
    }

    @Test func eachBusHasItsOwnBreaker() {
        var supervision = Supervision(policy: Self.policy, seed: 0)
        for at in [0, 1, 2] as [Int64] { _ = supervision.handle(.busError("redis://a:1", message: "x", at: at * second)) }
        _ = supervision.handle(.busError("redis://b:1", message: "x", at: 3 * second))
        #expect(supervision.busBreakers["redis://a:1"]?.state == .open)
        #expect(supervision.busBreakers["redis://b:1"]?.state == .closed)
    }
}
