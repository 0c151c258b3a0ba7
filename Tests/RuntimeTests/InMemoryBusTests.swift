import Agents
import Indicators
import Runtime
import Testing

/// The in-memory bus: topic filtering, per-subscriber order, back-pressure and closing.
struct InMemoryBusTests {
    static func bar(_ sequence: UInt64) -> Envelope {
        Envelope(timestamp: Int64(sequence), source: .marketData, traceId: sequence, topic: .marketRaw,
                 payload: .bar(MarketBar(instrument: 0, bar: Bar(timestamp: Int64(sequence), open: 1, high: 1, low: 1, close: 1, volume: 1))))
    }

    static func alert(_ sequence: UInt64) -> Envelope {
        Envelope(timestamp: Int64(sequence), source: .portfolioRisk, traceId: sequence, topic: .riskAlert,
                 payload: .heartbeat(.portfolioRisk))
    }

    @Test func eachSubscriberGetsItsTopicsInPublishOrder() async throws {
        let bus = InMemoryBus()
        let features = try await bus.subscribe(to: [.marketRaw], as: "feature")
        let supervisor = try await bus.subscribe(to: [.riskAlert], as: "supervisor")
        let compliance = try await bus.subscribe(to: [.marketRaw, .riskAlert], as: "compliance")
        async let seenByFeature = features.map(\.traceId).reduce(into: [UInt64]()) { $0.append($1) }
        async let seenBySupervisor = supervisor.map(\.traceId).reduce(into: [UInt64]()) { $0.append($1) }
        async let seenByCompliance = compliance.map(\.traceId).reduce(into: [UInt64]()) { $0.append($1) }
        // bars 0, 2, 4 and alerts 1, 3 interleaved
        for sequence in UInt64(0)..<5 {
            try await bus.publish(sequence % 2 == 0 ? Self.bar(sequence) : Self.alert(sequence))
        }
        await bus.close()
        #expect(await seenByFeature == [0, 2, 4])
        #expect(await seenBySupervisor == [1, 3])
        #expect(await seenByCompliance == [0, 1, 2, 3, 4])
    }

    @Test func aPublisherWaitsForASlowSubscriber() async throws {
        let bus = InMemoryBus()
        let subscription = try await bus.subscribe(to: [.marketRaw], as: "slow")
        let published = Counter()
        let publisher = Task {
            for sequence in UInt64(0)..<3 {
                try await bus.publish(Self.bar(sequence))
                await published.increment()
            }
        }
        // Nobody has read yet: the first publish cannot have returned.
        try await Task.sleep(for: .milliseconds(50))
        #expect(await published.value == 0)
        var iterator = subscription.makeAsyncIterator()
        #expect(await iterator.next()?.traceId == 0)
        #expect(await iterator.next()?.traceId == 1)
        #expect(await iterator.next()?.traceId == 2)
        try await publisher.value
        #expect(await published.value == 3)
        await bus.close()
        #expect(await iterator.next() == nil)
    }

    @Test func aClosedBusRefusesMessages() async throws {
        let bus = InMemoryBus()
        await bus.close()
        await #expect(throws: BusError.closed) { try await bus.publish(Self.bar(0)) }
    }
}

actor Counter {
    var value = 0
    func increment() { value += 1 }
}
