import Indicators
import StrategyDSL

/// Works targets into orders and fills them on the simulated venue: market, limit, TWAP and
/// VWAP, fees and slippage in basis points, partial fills by volume participation. Parent and
/// child ids are the run's order sequence, so the same run gives the same ids.
public struct ExecutionAgent: Agent {
    public let id = AgentID.execution
    let config: ExecutionConfig

    /// An order still working: market remainders (participation), limits, and algo children.
    @usableFromInline
    struct WorkingOrder: Sendable {
        var id: UInt64
        var parent: UInt64
        var instrument: Int
        var kind: OrderUpdate.Kind
        var quantity: Double
        var filled: Double
        var limitPrice: Double
        var barsLeft: Int
        var arrivalPrice: Double
        /// Bar sequence number at which this child becomes due (algo slices, latency).
        var dueBar: Int
        /// The fixed fee is charged once per order, on its first fill.
        var feeCharged = false

        var remaining: Double { quantity - filled }
    }

    public internal(set) var positions: [Double]
    /// The last bar of every instrument but `latest`'s: a bar of the instrument the last bar was
    /// of overwrites `latest` and leaves the array alone (with one instrument, every bar).
    var bars: [Bar?]
    /// The last bar seen (instrument -1: none yet).
    @usableFromInline var latest = MarketBar(instrument: -1, bar: Bar(timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0))
    @usableFromInline var working: [WorkingOrder] = []
    /// TWAP/VWAP parents still open: their children's fills add up here, so the parent's own
    /// updates (and the orders table) show what the algorithm has done.
    var parents: [WorkingOrder] = []
    var nextOrderID: UInt64 = 1
    @usableFromInline var barIndex = -1
    /// Volume by time of day per instrument, for VWAP profiles; the current bar's volume joins
    /// it only when the next bar arrives, since a bar's volume is not known at its open.
    var profiles: [VolumeProfile]
    var pendingVolume: [(timestamp: Int64, volume: Double)?]
    public internal(set) var halted = false
    /// `config.keepsVolumeProfile`, read once: every bar asks.
    @usableFromInline let keepsVolumeProfile: Bool

    public init(config: ExecutionConfig) {
        self.config = config
        positions = Array(repeating: 0, count: config.instruments)
        bars = Array(repeating: nil, count: config.instruments)
        profiles = Array(repeating: VolumeProfile(intervalMicroseconds: config.intervalMicroseconds, sessions: config.profileSessions),
                         count: config.instruments)
        pendingVolume = Array(repeating: nil, count: config.instruments)
        keepsVolumeProfile = config.keepsVolumeProfile
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        switch message.payload {
        case .bar(let market):
            onBar(market, stamp: message.stamp, into: &outbox)
        case .target(let target):
            guard !halted || abs(target.quantity) < abs(positions[target.instrument]) || target.quantity == 0 else {
                reject(target, reason: "halted: only orders that reduce a position are accepted", message.stamp, &outbox)
                return
            }
            work(target, message.stamp, &outbox)
        case .command(.halt):
            halted = true
            cancelAll(message.stamp, &outbox)
        case .command(.reduceOnly):
            // A tripped kill switch cancels every open order in both of its states; REDUCING then
            // lets PortfolioRisk send only targets that shrink a position.
            cancelAll(message.stamp, &outbox)
        case .command(.resume):
            halted = false
        default:
            break
        }
    }

    /// A bar on `market.raw`, as `handle` takes it, for a runner that calls this directly: the
    /// bar becomes the current price and resting orders work against it. Emits only when an
    /// order works.
    ///
    /// Inlinable, and on most bars (one instrument, no VWAP profile, nothing resting) a few
    /// stores: the runner calls it on every bar.
    @inlinable @inline(__always)
    public mutating func onBar(_ market: MarketBar, stamp: Stamp, into outbox: inout Outbox) {
        barIndex = Int(stamp.traceId)
        if market.instrument != latest.instrument { keepLatest() }
        latest = market
        if keepsVolumeProfile || !working.isEmpty { workBar(market, stamp, &outbox) }
    }

    /// A bar of another instrument than the last one's: the last one's bar moves to `bars`.
    @usableFromInline @inline(never)
    mutating func keepLatest() {
        if latest.instrument >= 0 { bars[latest.instrument] = latest.bar }
    }

    /// The rest of `onBar`: the volume profile and resting orders.
    @usableFromInline @inline(never)
    mutating func workBar(_ market: MarketBar, _ stamp: Stamp, _ outbox: inout Outbox) {
        if keepsVolumeProfile {
            if let previous = pendingVolume[market.instrument] {
                profiles[market.instrument].record(previous.volume, at: previous.timestamp)
            }
            pendingVolume[market.instrument] = (market.bar.timestamp, market.bar.volume)
        }
        // Most bars find nothing resting: no call.
        if !working.isEmpty { workResting(instrument: market.instrument, bar: market.bar, stamp, &outbox) }
    }

    /// The instrument's last bar, nil before its first.
    func bar(of instrument: Int) -> Bar? {
        instrument == latest.instrument ? latest.bar : bars[instrument]
    }

    // MARK: Targets

    private mutating func work(_ target: TargetOrder, _ message: Stamp, _ outbox: inout Outbox) {
        // A new target replaces whatever still works towards the old one. Most targets find
        // nothing working: no call.
        if !parents.isEmpty || !working.isEmpty { cancel(instrument: target.instrument, message, &outbox) }
        let delta = target.quantity - positions[target.instrument]
        guard delta != 0, let bar = bar(of: target.instrument) else { return }
        let reference = target.reference == .close ? bar.close : bar.open
        let parent = nextOrderID
        nextOrderID += 1
        switch config.algorithm {
        case .market:
            var order = WorkingOrder(id: parent, parent: parent, instrument: target.instrument, kind: .market, quantity: delta,
                                     filled: 0, limitPrice: .nan, barsLeft: 0, arrivalPrice: reference,
                                     dueBar: barIndex + config.latencyBars)
            publish(order, status: .accepted, message, &outbox)
            // Without latency the order meets the price it was sent against; with it, a later open.
            if config.latencyBars == 0 {
                fill(&order, at: reference, bar: bar, priceReference: target.reference, message, &outbox)
            }
            if order.remaining != 0 { working.append(order) }
        case .limit(let offsetBps, let ttl):
            // Buy below and sell above the reference by the offset. Sent at an open, the order
            // already works during that bar; sent at a close, from the next bar.
            let price = reference * (1 - (delta > 0 ? 1 : -1) * offsetBps / 10_000)
            let order = WorkingOrder(id: parent, parent: parent, instrument: target.instrument, kind: .limit, quantity: delta,
                                     filled: 0, limitPrice: price, barsLeft: ttl, arrivalPrice: reference,
                                     dueBar: barIndex + (target.reference == .open ? 0 : 1) + config.latencyBars)
            publish(order, status: .accepted, message, &outbox)
            working.append(order)
            if target.reference == .open, config.latencyBars == 0 {
                workResting(instrument: target.instrument, bar: bar, message, &outbox, only: parent)
            }
        case .twap(let horizon, let slices), .vwap(let horizon, let slices, _, _):
            let barsInHorizon = max(1, Int(horizon / max(config.intervalMicroseconds, 1)))
            let count = max(1, min(slices, barsInHorizon))
            let step = max(1, barsInHorizon / count)
            let weights = sliceWeights(count: count, step: step, instrument: target.instrument, from: bar.timestamp)
            let total = abs(delta)
            var cumulative = 0.0
            let parentOrder = WorkingOrder(id: parent, parent: parent, instrument: target.instrument, kind: .market, quantity: delta,
                                           filled: 0, limitPrice: .nan, barsLeft: 0, arrivalPrice: reference, dueBar: barIndex)
            publish(parentOrder, status: .accepted, message, &outbox)
            parents.append(parentOrder)
            for slice in 0..<count {
                // Whole units per child, spread by cumulative weight so rounding never piles up
                // in the last child (10 over 4 equal slices: 2, 3, 2, 3).
                let before = (total * cumulative).rounded(.down)
                cumulative += weights[slice]
                let size = slice == count - 1 ? total - before : (total * cumulative).rounded(.down) - before
                guard size > 0 else { continue }
                let child = WorkingOrder(id: nextOrderID, parent: parent, instrument: target.instrument, kind: .market,
                                         quantity: delta > 0 ? size : -size, filled: 0, limitPrice: .nan, barsLeft: 0,
                                         arrivalPrice: reference, dueBar: barIndex + 1 + slice * step + config.latencyBars)
                nextOrderID += 1
                publish(child, status: .accepted, message, &outbox)
                working.append(child)
            }
        }
    }

    /// Slice weights: equal for TWAP and flat VWAP; for VWAP, the average volume of past
    /// sessions at each child's time of day. Until every child's time has history, equal.
    private func sliceWeights(count: Int, step: Int, instrument: Int, from timestamp: Int64) -> [Double] {
        if case .vwap(_, _, let profile, _) = config.algorithm, profile == "data" {
            let volumes = (0..<count).map { slice in
                profiles[instrument].average(at: timestamp + Int64(1 + slice * step) * config.intervalMicroseconds)
            }
            let known = volumes.compactMap { $0 }
            let sum = known.reduce(0, +)
            if known.count == count, sum > 0 { return known.map { $0 / sum } }
        }
        return Array(repeating: 1 / Double(count), count: count)
    }

    // MARK: Fills

    /// Works resting orders against a new bar: due children and remainders at the open, limits when touched.
    private mutating func workResting(instrument: Int, bar: Bar, _ message: Stamp, _ outbox: inout Outbox, only: UInt64? = nil) {
        guard !working.isEmpty else { return }
        var index = 0
        while index < working.count {
            var order = working[index]
            guard order.instrument == instrument, order.dueBar <= barIndex, only == nil || order.id == only else { index += 1; continue }
            switch order.kind {
            case .market:
                fill(&order, at: bar.open, bar: bar, priceReference: .open, message, &outbox)
            case .limit:
                let buying = order.remaining > 0
                if buying ? bar.open <= order.limitPrice : bar.open >= order.limitPrice {
                    fill(&order, at: bar.open, bar: bar, priceReference: .open, message, &outbox)
                } else if buying ? bar.low <= order.limitPrice : bar.high >= order.limitPrice {
                    fill(&order, at: order.limitPrice, bar: bar, priceReference: .open, message, &outbox, slippage: false)
                }
                order.barsLeft -= 1
                if order.remaining != 0, order.barsLeft <= 0 {
                    publish(order, status: .expired, message, &outbox)
                    working.remove(at: index)
                    continue
                }
            }
            if order.remaining == 0 {
                working.remove(at: index)
            } else {
                working[index] = order
                index += 1
            }
        }
    }

    private mutating func fill(_ order: inout WorkingOrder, at reference: Double, bar: Bar, priceReference: PriceReference,
                               _ message: Stamp, _ outbox: inout Outbox, slippage: Bool = true) {
        var quantity = order.remaining
        if let participation = config.venue.participation {
            // Whole units only: a participation cap never rounds up.
            let cap = (participation * bar.volume).rounded(.down)
            if abs(quantity) > cap { quantity = quantity > 0 ? cap : -cap }
        }
        guard quantity != 0 else { return }
        let slip = slippage ? config.venue.slippageBps / 10_000 : 0
        let price = reference * (1 + (quantity > 0 ? slip : -slip))
        let fee = (order.feeCharged ? 0 : config.venue.feeFixed) + abs(quantity) * price * config.venue.feeBps / 10_000
        order.feeCharged = true
        order.filled += quantity
        positions[order.instrument] += quantity
        let fill = Fill(order: order.id, parent: order.parent, instrument: order.instrument, barIndex: barIndex,
                        quantity: quantity, price: price, fee: fee, arrivalPrice: order.arrivalPrice, reference: priceReference)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .executionFill, payload: .fill(fill)))
        publish(order, status: order.remaining == 0 ? .filled : .partiallyFilled, message, &outbox)
        if order.parent != order.id, let index = parents.firstIndex(where: { $0.id == order.parent }) {
            parents[index].filled += quantity
            let parent = parents[index]
            publish(parent, status: parent.remaining == 0 ? .filled : .partiallyFilled, message, &outbox)
            if parent.remaining == 0 { parents.remove(at: index) }
        }
    }

    private func publish(_ order: WorkingOrder, status: OrderUpdate.Status, _ message: Stamp, _ outbox: inout Outbox) {
        let update = OrderUpdate(id: order.id, parent: order.parent, instrument: order.instrument, kind: order.kind,
                                 quantity: order.quantity, limitPrice: order.limitPrice.isNaN ? nil : order.limitPrice,
                                 filled: order.filled, status: status)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .executionOrder, payload: .order(update)))
    }

    private mutating func cancel(instrument: Int, _ message: Stamp, _ outbox: inout Outbox) {
        let cancelled = parents.filter { $0.instrument == instrument } + working.filter { $0.instrument == instrument }
        guard !cancelled.isEmpty else { return }
        for order in cancelled { publish(order, status: .cancelled, message, &outbox) }
        parents.removeAll { $0.instrument == instrument }
        working.removeAll { $0.instrument == instrument }
    }

    private mutating func cancelAll(_ message: Stamp, _ outbox: inout Outbox) {
        for order in parents + working { publish(order, status: .cancelled, message, &outbox) }
        parents.removeAll()
        working.removeAll()
    }

    private mutating func reject(_ target: TargetOrder, reason: String, _ message: Stamp, _ outbox: inout Outbox) {
        let failure = ExecutionFailure(order: target.id, reason: reason)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .executionError,
                             payload: .executionError(failure)))
    }
}

/// Average volume by time of day over the last few sessions: the profile VWAP slices follow.
struct VolumeProfile: Sendable {
    let intervalMicroseconds: Int64
    let sessions: Int
    /// Time-of-day bucket → the last `sessions` volumes seen in it.
    private var buckets: [Int64: [Double]] = [:]

    init(intervalMicroseconds: Int64, sessions: Int) {
        self.intervalMicroseconds = max(intervalMicroseconds, 1)
        self.sessions = max(sessions, 1)
    }

    private func bucket(_ timestamp: Int64) -> Int64 {
        let day: Int64 = 86_400_000_000
        return ((timestamp % day) + day) % day / intervalMicroseconds
    }

    mutating func record(_ volume: Double, at timestamp: Int64) {
        let key = bucket(timestamp)
        buckets[key, default: []].append(volume)
        if let count = buckets[key]?.count, count > sessions { buckets[key]?.removeFirst(count - sessions) }
    }

    func average(at timestamp: Int64) -> Double? {
        guard let values = buckets[bucket(timestamp)], !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }
}
