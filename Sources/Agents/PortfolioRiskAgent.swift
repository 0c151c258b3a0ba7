import Foundation
import Indicators
import StrategyDSL

/// Sizes decisions into target positions, enforces every pre-trade limit, keeps the books
/// (cash, FIFO lots, closed trades, equity) and runs the drawdown state machine
/// ACTIVE → REDUCING → HALTED. Every limit that cuts or blocks a target emits `risk.alert`.
public struct PortfolioRiskAgent: Agent {
    public let id = AgentID.portfolioRisk
    let config: PortfolioConfig

    @usableFromInline
    struct Lot: Sendable {
        var size: Double
        var entryPrice: Double
        var entryBar: Int
        var entryTime: Int64
        var entryFee: Double
    }

    /// Where an instrument's decision stands.
    enum Phase: Sendable, Equatable {
        case idle
        /// Waiting for the close fills; then open towards `then` (nil: stay flat).
        case closing(then: Direction?)
        /// A target that opens a position is with Execution.
        case opening
    }

    /// Everything kept per instrument, in one value so a bar touches one array element.
    @usableFromInline
    struct Book: Sendable {
        @usableFromInline var lots: [Lot] = []
        /// Σ size and Σ size × entry price over `lots`, in lot order from zero (so bit for bit
        /// what summing the lots gives), refreshed whenever the lots change.
        @usableFromInline var size = 0.0
        @usableFromInline var cost = 0.0
        /// The last bar's open and close; `hasBar` is false until the first bar.
        @usableFromInline var open = 0.0
        @usableFromInline var close = 0.0
        @usableFromInline var hasBar = false
        var phase: Phase = .idle
        /// A decision waiting for the next open (`fill: next_open`); set through
        /// `PortfolioRiskAgent.wait(_:instrument:)`, which keeps `anyPending` true with it.
        var pending: Direction?
        /// Where the instrument's return ring (in `returnValues`) writes next, and how full it is.
        var returnNext = 0
        var returnCount = 0

        /// Records a bar's prices.
        @inlinable
        mutating func quote(_ bar: Bar) {
            open = bar.open
            close = bar.close
            hasBar = true
        }

        mutating func refreshTotals() {
            var size = 0.0, cost = 0.0
            for lot in lots {
                size += lot.size
                cost += lot.size * lot.entryPrice
            }
            self.size = size
            self.cost = cost
        }
    }

    public internal(set) var cash: Double
    public internal(set) var state: RiskState = .active
    /// The highest equity marked (reset by an operator's resume).
    public internal(set) var peakEquity: Double {
        get { equityPeak }
        set { equityPeak = newValue }
    }
    /// Equity at the last mark.
    public internal(set) var equity: Double {
        get { equityMark }
        set { equityMark = newValue }
    }
    // Stored under these names so that `closeBar`, inlined into the runner, can write them.
    @usableFromInline var equityPeak: Double
    @usableFromInline var equityMark: Double
    /// The drawdown at which `closeBar` looks at the limit (its `limit`; infinity without one),
    /// so an ordinary mark compares one number.
    @usableFromInline let drawdownTrigger: Double
    @usableFromInline var books: [Book]
    /// True while a book may hold a pending decision: an ordinary bar then only records its prices.
    @usableFromInline var anyPending = false
    /// The last returns of every instrument, for volatility targeting and VaR: instrument `i`'s
    /// ring is `returnValues[i * returnCapacity ..< (i + 1) * returnCapacity]`. Kept only when
    /// one of them is configured (`returnCapacity` is 0 otherwise): nothing else reads them.
    var returnValues: [Double]
    @usableFromInline let returnCapacity: Int
    var orderTimes: [Int64] = []
    var nextTargetID: UInt64 = 1
    @usableFromInline var lastTimestamp: Int64 = 0
    @usableFromInline var barIndex = -1
    var closedTrades: [(pnl: Double, win: Bool)] = []

    public init(config: PortfolioConfig) {
        self.config = config
        cash = config.cash
        equityMark = config.cash
        equityPeak = config.cash
        drawdownTrigger = config.maxDrawdown?.limit ?? .infinity
        let count = max(config.instruments.count, 1)
        books = Array(repeating: Book(), count: count)
        let readsReturns: Bool
        if case .volatilityTarget = config.sizing.mode { readsReturns = true } else { readsReturns = config.valueAtRisk != nil }
        returnCapacity = readsReturns ? max(max(config.valueAtRisk?.window ?? 0, config.sizing.window) + 1, 2) : 0
        returnValues = Array(repeating: 0, count: count * returnCapacity)
    }

    /// Each instrument's lots, as FIFO books.
    var lots: [[Lot]] { books.map(\.lots) }

    public func position(_ instrument: Int) -> Double {
        books[instrument].size
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        lastTimestamp = message.timestamp
        switch message.payload {
        case .bar(let market):
            onBar(market, stamp: message.stamp, into: &outbox)
        case .signal(let event) where !event.shadow:
            guard state != .halted || event.direction == .flat else {
                alert(.halted, instrument: event.instrument, requested: Double(event.direction.rawValue), allowed: 0,
                      measured: drawdown, limit: config.maxDrawdown?.limit ?? 0, message.stamp, &outbox)
                return
            }
            if config.reference == .open {
                wait(event.direction, instrument: event.instrument)
            } else if books[event.instrument].hasBar {
                decide(event.direction, instrument: event.instrument, price: books[event.instrument].close,
                       reference: .close, message.stamp, &outbox)
            }
        case .fill(let fill):
            book(fill, message.stamp, &outbox)
        case .command(let command):
            obey(command, message.stamp, &outbox)
        case .barClosed:
            let snapshot = closeBar(message.stamp, into: &outbox)
            outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                                 topic: .portfolioEquity, payload: .equity(snapshot)))
        default:
            break
        }
    }

    /// A bar on `market.raw`, as `handle` takes it, for a runner that calls this directly: the
    /// return joins the instrument's window, and a decision waiting for this open acts.
    ///
    /// Inlinable, and on an ordinary bar (no return ring, no decision waiting) three stores into
    /// the book: the runner calls it on every bar.
    @inlinable @inline(__always)
    public mutating func onBar(_ market: MarketBar, stamp: Stamp, into outbox: inout Outbox) {
        lastTimestamp = stamp.timestamp
        barIndex = Int(stamp.traceId)
        if returnCapacity == 0, !anyPending {
            books[market.instrument].quote(market.bar)
        } else {
            takeBar(market, stamp, &outbox)
        }
    }

    /// `onBar` with a return ring to write or a decision waiting.
    @usableFromInline @inline(never)
    mutating func takeBar(_ market: MarketBar, _ stamp: Stamp, _ outbox: inout Outbox) {
        // One access to the book and one to the return rings.
        let waiting = Self.take(market.bar, book: &books[market.instrument], returns: &returnValues,
                                ring: market.instrument &* returnCapacity, capacity: returnCapacity)
        if anyPending { anyPending = books.contains { $0.pending != nil } }
        if let direction = waiting {
            decideAtOpen(direction, instrument: market.instrument, price: market.bar.open, stamp, &outbox)
        }
    }

    /// Leaves `direction` waiting for the instrument's next open.
    private mutating func wait(_ direction: Direction, instrument: Int) {
        books[instrument].pending = direction
        anyPending = true
    }

    /// Out of line, so the ordinary bar's path stays short.
    @inline(never)
    private mutating func decideAtOpen(_ direction: Direction, instrument: Int, price: Double,
                                       _ message: Stamp, _ outbox: inout Outbox) {
        decide(direction, instrument: instrument, price: price, reference: .open, message, &outbox)
    }

    /// Records `bar` in `book` (and its return in the instrument's ring at `ring`); returns the
    /// decision that was waiting for this open, now taken.
    @inline(__always)
    private static func take(_ bar: Bar, book: inout Book, returns: inout [Double], ring: Int, capacity: Int) -> Direction? {
        if capacity > 0, book.hasBar, book.close > 0 {
            returns[ring &+ book.returnNext] = bar.close / book.close - 1
            book.returnNext = book.returnNext &+ 1 == capacity ? 0 : book.returnNext &+ 1
            book.returnCount = min(book.returnCount &+ 1, capacity)
        }
        book.open = bar.open
        book.close = bar.close
        book.hasBar = true
        guard let direction = book.pending else { return nil }
        book.pending = nil
        return direction
    }

    // MARK: Returns

    /// Writes `value` as the instrument's latest return (used when a book is carried over).
    mutating func appendReturn(_ value: Double, instrument: Int) {
        guard returnCapacity > 0 else { return }
        let ring = instrument * returnCapacity
        returnValues[ring + books[instrument].returnNext] = value
        books[instrument].returnNext = books[instrument].returnNext + 1 == returnCapacity ? 0 : books[instrument].returnNext + 1
        books[instrument].returnCount = min(books[instrument].returnCount + 1, returnCapacity)
    }

    /// The instrument's last `n` returns (fewer while the ring fills), newest first.
    func recentReturns(_ instrument: Int, _ n: Int) -> [Double] {
        let book = books[instrument], ring = instrument * returnCapacity
        let take = min(n, book.returnCount)
        return (0..<take).map { returnValues[ring + (book.returnNext - 1 - $0 + returnCapacity * 2) % returnCapacity] }
    }

    // MARK: Decisions

    private mutating func decide(_ direction: Direction, instrument: Int, price: Double, reference: PriceReference,
                                 _ message: Stamp, _ outbox: inout Outbox) {
        let current = position(instrument)
        if direction == .flat {
            guard current != 0 else { return }
            books[instrument].phase = .closing(then: nil)
            target(0, instrument: instrument, reference: reference, message, &outbox)
            return
        }
        if current != 0 {
            if (current > 0) == (direction == .long) { return }
            // A reversal: close first, then size the new position with the equity the close leaves.
            books[instrument].phase = .closing(then: direction)
            target(0, instrument: instrument, reference: reference, message, &outbox)
            return
        }
        open(direction, instrument: instrument, price: price, reference: reference, message, &outbox)
    }

    private mutating func open(_ direction: Direction, instrument: Int, price: Double, reference: PriceReference,
                               _ message: Stamp, _ outbox: inout Outbox) {
        guard state == .active else {
            alert(state == .halted ? .halted : .reduceOnly, instrument: instrument, requested: Double(direction.rawValue),
                  allowed: 0, measured: drawdown, limit: config.maxDrawdown?.limit ?? 0, message, &outbox)
            books[instrument].phase = .idle
            return
        }
        let equityNow = markedEquity()
        var size = units(for: instrument, price: price, equity: equityNow)
        size = limit(size, instrument: instrument, price: price, equity: equityNow, message, &outbox)
        guard size > 0 else {
            books[instrument].phase = .idle
            return
        }
        if let rate = config.orderRate {
            orderTimes.removeAll { $0 <= message.timestamp - rate.perMicroseconds }
            guard orderTimes.count < rate.count else {
                alert(.orderRate, instrument: instrument, requested: size, allowed: 0, measured: Double(orderTimes.count),
                      limit: Double(rate.count), message, &outbox)
                books[instrument].phase = .idle
                return
            }
            orderTimes.append(message.timestamp)
        }
        books[instrument].phase = .opening
        target(direction == .long ? size : -size, instrument: instrument, reference: reference, message, &outbox)
    }

    /// Units before limits, in whole lots.
    ///
    /// Mutating (it writes nothing) and inlined, so that `open`, which holds the agent `inout`,
    /// reads it in place: lent to a non-mutating method, the agent (some 340 bytes) is first
    /// copied to the stack with a call to `memcpy`. `grossExposure` is inlined for the same reason.
    @inline(__always)
    private mutating func units(for instrument: Int, price: Double, equity: Double) -> Double {
        guard price > 0, equity > 0 else { return 0 }
        let lot = Double(config.sizing.lot)
        let fraction: Double
        switch config.sizing.mode {
        case .fixed(let quantity):
            return (quantity / lot).rounded(.down) * lot
        case .equityFraction(let f):
            // backtesting.py's rule: the entry fee per unit is added to the price before dividing.
            let perUnit = price + (config.feeFixed + f * price * config.feeRate) / f
            return ((equity * f) / (perUnit * lot)).rounded(.down) * lot
        case .volatilityTarget(let annualised):
            let volatility = ReturnStatistics.standardDeviation(recentReturns(instrument, config.sizing.window)) * config.barsPerYear.squareRoot()
            guard volatility > 0 else { return 0 }
            fraction = min(config.sizing.maxFraction, annualised / volatility)
        case .kelly(let k):
            fraction = min(config.sizing.maxFraction, max(0, k * kellyFraction()))
        }
        return (fraction * equity / (price * lot)).rounded(.down) * lot
    }

    /// The Kelly bet from this run's closed trades: W − (1 − W) / R, or a quarter of the cap until
    /// enough trades exist to estimate it.
    private func kellyFraction() -> Double {
        let recent = closedTrades.suffix(config.sizing.window)
        guard recent.count >= 5 else { return 0.25 * config.sizing.maxFraction }
        let wins = recent.filter(\.win), losses = recent.filter { !$0.win }
        let winRate = Double(wins.count) / Double(recent.count)
        let averageWin = wins.isEmpty ? 0 : wins.reduce(0) { $0 + $1.pnl } / Double(wins.count)
        let averageLoss = losses.isEmpty ? 0 : -losses.reduce(0) { $0 + $1.pnl } / Double(losses.count)
        guard averageLoss > 0 else { return winRate }
        return winRate - (1 - winRate) / (averageWin / averageLoss)
    }

    /// Applies every pre-trade limit to an opening size; each cut is an alert.
    private mutating func limit(_ requested: Double, instrument: Int, price: Double, equity: Double,
                                _ message: Stamp, _ outbox: inout Outbox) -> Double {
        let lot = Double(config.sizing.lot)
        func floorLots(_ units: Double) -> Double { max(0, (units / lot).rounded(.down) * lot) }
        var size = requested
        if let maxPosition = config.maxPosition, size > maxPosition {
            let allowed = floorLots(maxPosition)
            alert(.maxPosition, instrument: instrument, requested: size, allowed: allowed, measured: size, limit: maxPosition, message, &outbox)
            size = allowed
        }
        if let notional = config.maxPositionNotional, size * price > notional {
            let allowed = floorLots(notional / price)
            alert(.maxPositionNotional, instrument: instrument, requested: size, allowed: allowed, measured: size * price, limit: notional, message, &outbox)
            size = allowed
        }
        if let notional = config.maxOrderNotional, size * price > notional {
            let allowed = floorLots(notional / price)
            alert(.maxOrderNotional, instrument: instrument, requested: size, allowed: allowed, measured: size * price, limit: notional, message, &outbox)
            size = allowed
        }
        let others = grossExposure(excluding: instrument)
        if equity > 0, (others + size * price) / equity > config.maxLeverage * (1 + 1e-12) {
            let allowed = floorLots((config.maxLeverage * equity - others) / price)
            alert(.maxLeverage, instrument: instrument, requested: size, allowed: allowed,
                  measured: (others + size * price) / equity, limit: config.maxLeverage, message, &outbox)
            size = allowed
        }
        if let risk = config.valueAtRisk, size > 0, let loss = ReturnStatistics.lossQuantile(recentReturns(instrument, risk.window), risk) {
            let valueAtRisk = size * price * loss
            if valueAtRisk > risk.limit * equity {
                let allowed = floorLots(risk.limit * equity / (price * loss))
                alert(.valueAtRisk, instrument: instrument, requested: size, allowed: allowed,
                      measured: valueAtRisk / equity, limit: risk.limit, message, &outbox)
                size = allowed
            }
        }
        return size
    }

    @inline(__always)
    private func grossExposure(excluding instrument: Int) -> Double {
        var total = 0.0
        for (index, book) in books.enumerated() where index != instrument {
            total += abs(book.size) * (book.hasBar ? book.close : 0)
        }
        return total
    }

    private mutating func target(_ quantity: Double, instrument: Int, reference: PriceReference,
                                 _ message: Stamp, _ outbox: inout Outbox) {
        let order = TargetOrder(id: nextTargetID, instrument: instrument, quantity: quantity, reference: reference)
        nextTargetID += 1
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                             topic: .portfolioTarget, payload: .target(order)))
    }

    private mutating func alert(_ kind: RiskAlert.Kind, instrument: Int, requested: Double, allowed: Double,
                                measured: Double, limit: Double, _ message: Stamp, _ outbox: inout Outbox) {
        let alert = RiskAlert(kind: kind, instrument: instrument, requested: requested, allowed: allowed, measured: measured, limit: limit)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .riskAlert, payload: .alert(alert)))
    }

    // MARK: Books

    /// FIFO lots, as backtesting.py keeps trades: a fill first closes opposite lots, then opens.
    private mutating func book(_ fill: Fill, _ message: Stamp, _ outbox: inout Outbox) {
        let instrument = fill.instrument
        var remaining = fill.quantity
        let feePerUnit = fill.quantity == 0 ? 0 : fill.fee / abs(fill.quantity)
        while remaining != 0, let first = books[instrument].lots.first, (first.size > 0) != (remaining > 0) {
            let closing = min(abs(first.size), abs(remaining))
            let closedSize = first.size > 0 ? closing : -closing
            let entryFee = first.entryFee * closing / abs(first.size)
            let exitFee = feePerUnit * closing
            cash += closedSize * (fill.price - first.entryPrice) - exitFee
            record(TradeRecord(instrument: instrument, entryTime: first.entryTime, exitTime: message.timestamp,
                               entryBar: first.entryBar, exitBar: fill.barIndex, size: closedSize,
                               entryPrice: first.entryPrice, exitPrice: fill.price, fees: entryFee + exitFee,
                               pnl: closedSize * (fill.price - first.entryPrice) - (entryFee + exitFee),
                               returnFraction: (closedSize > 0 ? 1 : -1) * (fill.price / first.entryPrice - 1) - (entryFee + exitFee) / (closing * first.entryPrice),
                               closedAtEnd: false), message, &outbox)
            if closing == abs(first.size) {
                // A reversal closes the only lot: removing the last one skips the general
                // range removal (which emptying the array runs too).
                if books[instrument].lots.count == 1 {
                    books[instrument].lots.removeLast()
                } else {
                    books[instrument].lots.removeFirst()
                }
            } else {
                books[instrument].lots[0].size -= closedSize
                books[instrument].lots[0].entryFee -= entryFee
            }
            remaining += closedSize
        }
        if remaining != 0 {
            let fee = feePerUnit * abs(remaining)
            cash -= fee
            books[instrument].lots.append(Lot(size: remaining, entryPrice: fill.price, entryBar: fill.barIndex,
                                              entryTime: message.timestamp, entryFee: fee))
        }
        books[instrument].refreshTotals()
        if case .closing(let then) = books[instrument].phase, position(instrument) == 0 {
            books[instrument].phase = .idle
            if let then, books[instrument].hasBar {
                // The reversal's second leg works against the same price as the close did.
                let price = fill.reference == .close ? books[instrument].close : books[instrument].open
                open(then, instrument: instrument, price: price,
                     reference: fill.reference, message, &outbox)
            }
        } else if books[instrument].phase == .opening {
            books[instrument].phase = .idle
        }
    }

    private mutating func record(_ trade: TradeRecord, _ message: Stamp, _ outbox: inout Outbox) {
        closedTrades.append((trade.pnl, trade.pnl > 0))
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                             topic: .portfolioTrade, payload: .trade(trade)))
    }

    /// Equity as backtesting.py marks it: cash plus, per instrument, last × position − Σ size × entry.
    ///
    /// Inlined: called out of line from `closeBar`, the agent (some 300 bytes) is copied on
    /// every bar to be passed to it.
    @inlinable @inline(__always)
    func markedEquity() -> Double {
        var value = cash
        // Called on every bar: one loop over a buffer, no copies and no bounds checks. The
        // books' totals are the lot sums in lot order, so the result is the same bit for bit.
        books.withUnsafeBufferPointer { books in
            for book in books where book.hasBar && !book.lots.isEmpty {
                value += book.close * book.size - book.cost
            }
        }
        return value
    }

    @inlinable
    var drawdown: Double { equityPeak > 0 ? 1 - equityMark / equityPeak : 0 }

    /// The end of a moment (`clock`), as `handle` takes it, for a runner that calls this
    /// directly: marks equity and runs the drawdown state machine. Alerts and the orders a halt
    /// sends go to `outbox`; the mark is returned, for the caller to publish on
    /// `portfolio.equity` after them.
    ///
    /// Inlinable: the runner calls it on every bar, and the mark goes straight to its sink.
    @inlinable @inline(__always)
    public mutating func closeBar(_ message: Stamp, into outbox: inout Outbox) -> EquitySnapshot {
        lastTimestamp = message.timestamp
        equityMark = markedEquity()
        equityPeak = max(equityPeak, equityMark)
        // Read once: nothing below moves equity or its peak.
        let drawdown = self.drawdown
        if drawdown >= drawdownTrigger { checkDrawdown(drawdown, message, &outbox) }
        return EquitySnapshot(barIndex: Int(message.traceId), timestamp: message.timestamp, cash: cash,
                              equity: equityMark, drawdown: drawdown, state: state)
    }

    /// The drawdown reached the limit's level: an active book breaches it. Out of line, so the
    /// ordinary bar's path stays short.
    @usableFromInline @inline(never)
    mutating func checkDrawdown(_ drawdown: Double, _ message: Stamp, _ outbox: inout Outbox) {
        if state == .active, let limit = config.maxDrawdown, drawdown >= limit.limit {
            breach(limit, drawdown: drawdown, message, &outbox)
        }
    }

    /// The drawdown limit is reached: reduce-only or halt (flattening everything).
    private mutating func breach(_ limit: (limit: Double, action: RiskSpec.DrawdownAction), drawdown: Double, _ message: Stamp, _ outbox: inout Outbox) {
        state = limit.action == .halt ? .halted : .reducing
        alert(.drawdown, instrument: 0, requested: 0, allowed: 0, measured: drawdown, limit: limit.limit, message, &outbox)
        if state == .halted { flattenAll(message, &outbox) }
    }

    private mutating func flattenAll(_ message: Stamp, _ outbox: inout Outbox) {
        for instrument in books.indices where position(instrument) != 0 {
            if config.reference == .open {
                wait(.flat, instrument: instrument)
            } else {
                decide(.flat, instrument: instrument, price: books[instrument].hasBar ? books[instrument].close : 0,
                       reference: .close, message, &outbox)
            }
        }
    }

    private mutating func obey(_ command: SupervisorCommand, _ message: Stamp, _ outbox: inout Outbox) {
        switch command {
        case .halt:
            state = .halted
            flattenAll(message, &outbox)
        case .reduceOnly:
            if state == .active { state = .reducing }
        case .resume:
            state = .active
            peakEquity = equity
        }
    }

    /// Closes every open lot at its instrument's last close without a fee, so the final equity
    /// equals the last mark. The runner calls this once, after the last bar.
    public mutating func closeOut(at timestamp: Int64, barIndex: Int) -> [TradeRecord] {
        var trades: [TradeRecord] = []
        for instrument in books.indices {
            guard books[instrument].hasBar else { continue }
            let last = books[instrument].close
            for lot in books[instrument].lots {
                cash += lot.size * (last - lot.entryPrice)
                trades.append(TradeRecord(instrument: instrument, entryTime: lot.entryTime, exitTime: timestamp,
                                          entryBar: lot.entryBar, exitBar: barIndex, size: lot.size,
                                          entryPrice: lot.entryPrice, exitPrice: last, fees: lot.entryFee,
                                          pnl: lot.size * (last - lot.entryPrice) - lot.entryFee,
                                          returnFraction: (lot.size > 0 ? 1 : -1) * (last / lot.entryPrice - 1) - lot.entryFee / (abs(lot.size) * lot.entryPrice),
                                          closedAtEnd: true))
            }
            books[instrument].lots.removeAll()
            books[instrument].refreshTotals()
        }
        return trades
    }
}

/// Statistics of an instrument's recent returns (newest first), for volatility targeting and VaR.
enum ReturnStatistics {
    static func standardDeviation(_ sample: [Double]) -> Double {
        guard sample.count >= 2 else { return 0 }
        let mean = sample.reduce(0, +) / Double(sample.count)
        return (sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sample.count - 1)).squareRoot()
    }

    /// The loss (a positive fraction of position value) not exceeded with the given confidence.
    static func lossQuantile(_ sample: [Double], _ risk: RiskSpec.ValueAtRisk) -> Double? {
        guard sample.count >= 10 else { return nil }
        let horizon = Double(risk.horizon).squareRoot()
        switch risk.method {
        case .historical:
            let sorted = sample.sorted()
            let index = Int((Double(sorted.count - 1) * (1 - risk.confidence)).rounded(.down))
            return max(0, -sorted[index]) * horizon
        case .parametric:
            let mean = sample.reduce(0, +) / Double(sample.count)
            let sd = (sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sample.count - 1)).squareRoot()
            return max(0, -(mean - NormalQuantile.z(risk.confidence) * sd)) * horizon
        }
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
enum NormalQuantile {
    static func z(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
