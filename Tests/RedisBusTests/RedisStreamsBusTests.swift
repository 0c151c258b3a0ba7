import Agents
import Foundation
import Indicators
import Runtime
import Testing
@testable import RedisBus

/// The bus against the real redis-server: order, ack after commit, claims, dead letters,
/// idempotency and the cache. Expected values are counted by hand from what each test publishes.
@Suite struct RedisStreamsBusTests {
    static func fill(_ n: Int, trace: UInt64 = 1) -> Envelope {
        Envelope(timestamp: Int64(n), source: .execution, traceId: trace, topic: .executionFill,
                 payload: .fill(makeFill(order: UInt64(n), barIndex: n, quantity: 1, price: 100, arrivalPrice: 100)))
    }

    static func bar(_ n: Int, instrument: Int = 0) -> Envelope {
        Envelope(timestamp: Int64(n) * 60_000_000, source: .marketData, traceId: UInt64(n), topic: .marketRaw,
                 payload: .bar(MarketBar(instrument: instrument, bar: Bar(timestamp: Int64(n) * 60_000_000, open: Double(n), high: Double(n) + 1,
                                                                          low: Double(n) - 1, close: Double(n) + 0.5, volume: 10))))
    }

    func makeBus(_ options: RedisBusOptions = RedisBusOptions(), name: String = #function) throws -> RedisStreamsBus {
        RedisStreamsBus(strategy: TestRedis.uniqueStrategy(name), endpoint: try TestRedis.endpoint, options: options)
    }

    @Test func streamsAreNamedByStrategyAndTopic() {
        let keys = RedisKeys(strategy: "sma")
        #expect(keys.stream(.executionFill) == "stratum:sma:execution.fill")
        #expect(keys.cache("bar:0") == "stratum:sma:cache:bar:0")
        #expect(keys.deadLetter == "stratum:sma:dead-letter")
        #expect(keys.topic(ofStream: "stratum:sma:market.raw") == .marketRaw)
    }

    @Test func deliversEachTopicInPublishOrderWithIdsPerTrace() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p1")
        // Traces 1, 1, 1, 2, 2: sequences restart at each new trace.
        try await bus.publish(contentsOf: (0..<3).map { Self.fill($0, trace: 1) } + (3..<5).map { Self.fill($0, trace: 2) })
        var iterator = subscription.makeAsyncIterator()
        var ids: [String] = []
        var orders: [UInt64] = []
        for _ in 0..<5 {
            let delivery = try #require(try await iterator.next())
            ids.append(delivery.message.id)
            if case .fill(let fill) = delivery.envelope.payload { orders.append(fill.order) }
            #expect(delivery.deliveries == 1)
            try await delivery.ack()
        }
        #expect(orders == [0, 1, 2, 3, 4])
        let s = bus.strategy
        #expect(ids == ["\(s):1:execution.fill:0", "\(s):1:execution.fill:1", "\(s):1:execution.fill:2",
                        "\(s):2:execution.fill:0", "\(s):2:execution.fill:1"])
    }

    @Test func aMessageStaysPendingUntilItsConsumerAcks() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p1")
        try await bus.publish(Self.fill(1))
        var iterator = subscription.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        let stream = bus.keys.stream(.executionFill)
        #expect(try await bus.client.send(.xpending(stream, group: "portfolio", count: 10)).pendingEntries.count == 1)
        try await delivery.ack()
        #expect(try await bus.client.send(.xpending(stream, group: "portfolio", count: 10)).pendingEntries.isEmpty)
        #expect(try await bus.client.send(RedisCommand("EXISTS", bus.keys.processed(group: "portfolio", id: delivery.message.id))) == .integer(1))
    }

    @Test func everyGroupGetsEveryMessage() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let portfolio = try await bus.deliveries(of: [.executionFill], group: "portfolio", consumer: "p")
        let compliance = try await bus.deliveries(of: [.executionFill], group: "compliance", consumer: "c")
        try await bus.publish(contentsOf: (0..<4).map { Self.fill($0) })
        for subscription in [portfolio, compliance] {
            var iterator = subscription.makeAsyncIterator()
            var seen: [Int64] = []
            for _ in 0..<4 { seen.append(try #require(try await iterator.next()).envelope.timestamp) }
            #expect(seen == [0, 1, 2, 3])
        }
    }

    @Test func aRestartedConsumerFirstGetsBackWhatItDidNotAck() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        try await bus.publish(contentsOf: (0..<3).map { Self.fill($0) })
        var first = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "worker").makeAsyncIterator()
        try await #require(try await first.next()).ack()
        _ = try await first.next() // read, never acked: the process "dies" here
        // The same consumer name again: message 1 comes back (delivered twice), then message 2.
        var second = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "worker").makeAsyncIterator()
        let again = try #require(try await second.next())
        #expect(again.envelope.timestamp == 1)
        #expect(again.deliveries == 2)
        try await again.ack()
        #expect(try #require(try await second.next()).envelope.timestamp == 2)
    }

    @Test func anotherConsumerClaimsWhatADeadOneLeftPending() async throws {
        let bus = try makeBus(RedisBusOptions(blockMilliseconds: 20, claimIdleMilliseconds: 50, claimIntervalMilliseconds: 0))
        defer { Task { await bus.close() } }
        try await bus.publish(contentsOf: (0..<2).map { Self.fill($0) })
        var dead = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "dead").makeAsyncIterator()
        _ = try await dead.next()
        _ = try await dead.next()
        try await Task.sleep(for: .milliseconds(80))
        var alive = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "alive").makeAsyncIterator()
        var claimed: [Int64] = []
        for _ in 0..<2 {
            let delivery = try #require(try await alive.next())
            #expect(delivery.deliveries == 2)
            claimed.append(delivery.envelope.timestamp)
            try await delivery.ack()
        }
        #expect(claimed == [0, 1])
    }

    @Test func aMessageNeverAckedGoesToTheDeadLetterStreamAfterMaxDeliveries() async throws {
        let bus = try makeBus(RedisBusOptions(blockMilliseconds: 20, claimIdleMilliseconds: 30, claimIntervalMilliseconds: 0, maxDeliveries: 3))
        defer { Task { await bus.close() } }
        try await bus.publish(Self.fill(7))
        let subscription = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "c")
        var iterator = subscription.makeAsyncIterator()
        var counts: [Int] = []
        for _ in 0..<3 {
            let delivery = try #require(try await iterator.next())
            counts.append(delivery.deliveries)
            try await Task.sleep(for: .milliseconds(50)) // "handling" fails: no ack
        }
        #expect(counts == [1, 2, 3])
        #expect(try await subscription.claimAbandoned().isEmpty)
        let dead = try await bus.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.fields["deliveries"].map { String(decoding: $0, as: UTF8.self) } == "3")
        #expect(dead.first?.fields["group"].map { String(decoding: $0, as: UTF8.self) } == "g")
        let original = try bus.codec.decode(try #require(dead.first?.fields[RedisStreamsBus.envelopeField]))
        #expect(original.envelope.timestamp == 7)
        #expect(try await bus.client.send(.xpending(bus.keys.stream(.executionFill), group: "g", count: 10)).pendingEntries.isEmpty)
    }

    @Test func anEntryThatIsNotAnEnvelopeIsDeadLettered() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "c")
        try await bus.client.send(.xadd(bus.keys.stream(.executionFill), maxLength: nil, fields: [("envelope", Array("{not json".utf8))]))
        try await bus.publish(Self.fill(1))
        var iterator = subscription.makeAsyncIterator()
        #expect(try #require(try await iterator.next()).envelope.timestamp == 1)
        let dead = try await bus.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.fields["reason"].map { String(decoding: $0, as: UTF8.self).hasPrefix("envelope JSON") } == true)
    }

    @Test func aMessageWhoseIdWasProcessedIsSkipped() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "c")
        // The same message published twice (a producer's resend after a lost reply), then another.
        let message = WireEnvelope(id: "resent", envelope: Self.fill(1))
        try await bus.publish([message])
        var iterator = subscription.makeAsyncIterator()
        try await #require(try await iterator.next()).ack()
        try await bus.publish([message, WireEnvelope(id: "next", envelope: Self.fill(2))])
        #expect(try #require(try await iterator.next()).message.id == "next")
    }

    @Test func commitRunsTheEffectOnceAndAcks() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.deliveries(of: [.executionFill], group: "g", consumer: "c")
        try await bus.publish(Self.fill(1))
        var iterator = subscription.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        let effects = bus.keys.prefix + "effects"
        #expect(try await delivery.commit([RedisCommand("RPUSH", effects, delivery.message.id), RedisCommand("INCR", effects + ":n")]))
        // A second commit of the same message (as after a redelivery) only acks.
        #expect(try await delivery.commit([RedisCommand("RPUSH", effects, delivery.message.id)]) == false)
        #expect(try await bus.client.send(RedisCommand("LLEN", effects)) == .integer(1))
        #expect(try await bus.client.send(RedisCommand("GET", effects + ":n")).string == "1")
        #expect(try await bus.client.send(.xpending(bus.keys.stream(.executionFill), group: "g", count: 10)).pendingEntries.isEmpty)
    }

    @Test func busProtocolSubscriptionAcksEachMessageWhenTheNextIsTaken() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        let subscription = try await bus.subscribe(to: [.marketRaw], as: "feature")
        let anyBus: any Bus = bus
        for n in 0..<20 { try await anyBus.publish(Self.bar(n)) }
        var iterator = subscription.makeAsyncIterator()
        var closes: [Double] = []
        for _ in 0..<20 {
            guard let envelope = await iterator.next(), case .bar(let market) = envelope.payload else { break }
            closes.append(market.bar.close)
        }
        #expect(closes == (0..<20).map { Double($0) + 0.5 })
        // Nineteen taken-and-followed messages are acked; the twentieth is still being handled.
        let stream = bus.keys.stream(.marketRaw)
        var pending = try await bus.client.send(.xpending(stream, group: "feature", count: 100)).pendingEntries.count
        for _ in 0..<100 where pending > 1 {
            try await Task.sleep(for: .milliseconds(10))
            pending = try await bus.client.send(.xpending(stream, group: "feature", count: 100)).pendingEntries.count
        }
        #expect(pending == 1)
    }

    @Test func cacheHoldsTheLatestValues() async throws {
        let bus = try makeBus()
        defer { Task { await bus.close() } }
        try await bus.publish(contentsOf: [Self.bar(1), Self.bar(2), Self.bar(5, instrument: 1), Self.fill(1), Self.fill(2),
                                           Envelope(timestamp: 99, source: .execution, traceId: 2, topic: .heartbeat, payload: .heartbeat(.execution))])
        let bar = try await bus.latest("bar:0")
        #expect(bar["close"] == "2.5")
        #expect(bar["timestamp"] == "120000000")
        #expect(try await bus.latest("bar:1")["open"] == "5.0")
        #expect(try await bus.latest("positions")["0"] == "2")
        #expect(try await bus.latest("health")["execution"] == "99")
    }

    @Test func publishingAfterCloseIsRefused() async throws {
        let bus = try makeBus()
        await bus.close()
        await #expect(throws: BusError.closed) { try await bus.publish(Self.fill(1)) }
    }
}
