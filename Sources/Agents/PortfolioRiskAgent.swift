import Foundation
import Indicators
import StrategyDSL

/// Sizes decisions into target positions, enforces every pre-trade limit, keeps the books
/// (cash, FIFO lots, closed trades, equity) and runs the drawdown state machine
/// ACTIVE → REDUCING → HALTED. Every limit that cuts or blocks a target emits `risk.alert`.
public struct PortfolioRiskAgent: Agent {
    public let id = AgentID.portfolioRisk
    let config: PortfolioConfig

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

    public internal(set) var cash: Double
    public internal(set) var state: RiskState = .active
    public internal(set) var peakEquity: Double
    public internal(set) var equity: Double
    var lots: [[Lot]]
    var bars: [Bar?]
    var phase: [Phase]
    /// Decisions waiting for the next open (`fill: next_open`).
    var pending: [Direction?]
    var returns: [ReturnWindow]
    var orderTimes: [Int64] = []
    var nextTargetID: UInt64 = 1
    var lastTimestamp: Int64 = 0
    var barIndex = -1
    var closedTrades: [(pnl: Double, win: Bool)] = []

    public init(config: PortfolioConfig) {
        self.config = config
        cash = config.cash
        equity = config.cash
        peakEquity = config.cash
        let count = max(config.instruments.count, 1)
        lots = Array(repeating: [], count: count)
        bars = Array(repeating: nil, count: count)
        phase = Array(repeating: .idle, count: count)
        pending = Array(repeating: nil, count: count)
        let window = max(config.valueAtRisk?.window ?? 0, config.sizing.window) + 1
        returns = Array(repeating: ReturnWindow(capacity: window), count: count)
    }

    public func position(_ instrument: Int) -> Double {
        lots[instrument].reduce(0) { $0 + $1.size }
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
                pending[event.instrument] = event.direction
            } else if let bar = bars[event.instrument] {
                decide(event.direction, instrument: event.instrument, price: bar.close, reference: .close, message.stamp, &outbox)
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
    public mutating func onBar(_ market: MarketBar, stamp: Stamp, into outbox: inout Outbox) {
        lastTimestamp = stamp.timestamp
        if let previous = bars[market.instrument]?.close, previous > 0 {
            returns[market.instrument].append(market.bar.close / previous - 1)
        }
        bars[market.instrument] = market.bar
        barIndex = Int(stamp.traceId)
        if let direction = pending[market.instrument] {
            pending[market.instrument] = nil
            decide(direction, instrument: market.instrument, price: market.bar.open, reference: .open, stamp, &outbox)
        }
    }

    // MARK: Decisions

    private mutating func decide(_ direction: Direction, instrument: Int, price: Double, reference: PriceReference,
                                 _ message: Stamp, _ outbox: inout Outbox) {
        let current = position(instrument)
        if direction == .flat {
            guard current != 0 else { return }
            phase[instrument] = .closing(then: nil)
            target(0, instrument: instrument, reference: reference, message, &outbox)
            return
        }
        if current != 0 {
            if (current > 0) == (direction == .long) { return }
            // A reversal: close first, then size the new position with the equity the close leaves.
            phase[instrument] = .closing(then: direction)
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
            phase[instrument] = .idle
            return
        }
        let equityNow = markedEquity()
        var size = units(for: instrument, price: price, equity: equityNow)
        size = limit(size, instrument: instrument, price: price, equity: equityNow, message, &outbox)
        guard size > 0 else {
            phase[instrument] = .idle
            return
        }
        if let rate = config.orderRate {
            orderTimes.removeAll { $0 <= message.timestamp - rate.perMicroseconds }
            guard orderTimes.count < rate.count else {
                alert(.orderRate, instrument: instrument, requested: size, allowed: 0, measured: Double(orderTimes.count),
                      limit: Double(rate.count), message, &outbox)
                phase[instrument] = .idle
                return
            }
            orderTimes.append(message.timestamp)
        }
        phase[instrument] = .opening
        target(direction == .long ? size : -size, instrument: instrument, reference: reference, message, &outbox)
    }

    /// Units before limits, in whole lots.
    private func units(for instrument: Int, price: Double, equity: Double) -> Double {
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
            let volatility = returns[instrument].standardDeviation(last: config.sizing.window) * config.barsPerYear.squareRoot()
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
        if let risk = config.valueAtRisk, size > 0, let loss = returns[instrument].lossQuantile(risk) {
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

    private func grossExposure(excluding instrument: Int) -> Double {
        var total = 0.0
        for (index, held) in lots.enumerated() where index != instrument {
            total += abs(held.reduce(0) { $0 + $1.size }) * (bars[index]?.close ?? 0)
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
        while remaining != 0, let first = lots[instrument].first, (first.size > 0) != (remaining > 0) {
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
                lots[instrument].removeFirst()
            } else {
                lots[instrument][0].size -= closedSize
                lots[instrument][0].entryFee -= entryFee
            }
            remaining += closedSize
        }
        if remaining != 0 {
            let fee = feePerUnit * abs(remaining)
            cash -= fee
            lots[instrument].append(Lot(size: remaining, entryPrice: fill.price, entryBar: fill.barIndex,
                                        entryTime: message.timestamp, entryFee: fee))
        }
        if case .closing(let then) = phase[instrument], position(instrument) == 0 {
            phase[instrument] = .idle
            if let then, let bar = bars[instrument] {
                // The reversal's second leg works against the same price as the close did.
                open(then, instrument: instrument, price: fill.reference == .close ? bar.close : bar.open,
                     reference: fill.reference, message, &outbox)
            }
        } else if phase[instrument] == .opening {
            phase[instrument] = .idle
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
    @inline(__always)
    func markedEquity() -> Double {
        var value = cash
        // Called on every bar: loops over buffers, no copies of the lot arrays and no bounds
        // checks. Both sums run in lot order from zero, as two separate reductions would, so the
        // result is the same bit for bit.
        lots.withUnsafeBufferPointer { books in
            bars.withUnsafeBufferPointer { prices in
                for index in 0..<min(books.count, prices.count) where !books[index].isEmpty {
                    guard let last = prices[index]?.close else { continue }
                    var size = 0.0, cost = 0.0
                    books[index].withUnsafeBufferPointer { held in
                        for lot in held {
                            size += lot.size
                            cost += lot.size * lot.entryPrice
                        }
                    }
                    value += last * size - cost
                }
            }
        }
        return value
    }

    var drawdown: Double { peakEquity > 0 ? 1 - equity / peakEquity : 0 }

    /// The end of a moment (`clock`), as `handle` takes it, for a runner that calls this
    /// directly: marks equity and runs the drawdown state machine. Alerts and the orders a halt
    /// sends go to `outbox`; the mark is returned, for the caller to publish on
    /// `portfolio.equity` after them.
    public mutating func closeBar(_ message: Stamp, into outbox: inout Outbox) -> EquitySnapshot {
        lastTimestamp = message.timestamp
        equity = markedEquity()
        peakEquity = max(peakEquity, equity)
        // Read once: nothing below moves equity or its peak.
        let drawdown = self.drawdown
        if state == .active, let limit = config.maxDrawdown, drawdown >= limit.limit {
            state = limit.action == .halt ? .halted : .reducing
            alert(.drawdown, instrument: 0, requested: 0, allowed: 0, measured: drawdown, limit: limit.limit, message, &outbox)
            if state == .halted { flattenAll(message, &outbox) }
        }
        return EquitySnapshot(barIndex: Int(message.traceId), timestamp: message.timestamp, cash: cash,
                              equity: equity, drawdown: drawdown, state: state)
    }

    private mutating func flattenAll(_ message: Stamp, _ outbox: inout Outbox) {
        for instrument in lots.indices where position(instrument) != 0 {
            if config.reference == .open {
                pending[instrument] = .flat
            } else {
                decide(.flat, instrument: instrument, price: bars[instrument]?.close ?? 0, reference: .close, message, &outbox)
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
        for instrument in lots.indices {
            guard let last = bars[instrument]?.close else { continue }
            for lot in lots[instrument] {
                cash += lot.size * (last - lot.entryPrice)
                trades.append(TradeRecord(instrument: instrument, entryTime: lot.entryTime, exitTime: timestamp,
                                          entryBar: lot.entryBar, exitBar: barIndex, size: lot.size,
                                          entryPrice: lot.entryPrice, exitPrice: last, fees: lot.entryFee,
                                          pnl: lot.size * (last - lot.entryPrice) - lot.entryFee,
                                          returnFraction: (lot.size > 0 ? 1 : -1) * (last / lot.entryPrice - 1) - lot.entryFee / (abs(lot.size) * lot.entryPrice),
                                          closedAtEnd: true))
            }
            lots[instrument].removeAll()
        }
        return trades
    }
}

/// The last returns of one instrument, for volatility targeting and VaR.
struct ReturnWindow: Sendable {
    private var values: [Double]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        values = Array(repeating: 0, count: max(capacity, 2))
    }

    @inline(__always)
    mutating func append(_ value: Double) {
        values[next] = value
        next = next + 1 == values.count ? 0 : next + 1
        count = min(count + 1, values.count)
    }

    func recent(_ n: Int) -> [Double] {
        let take = min(n, count)
        return (0..<take).map { values[(next - 1 - $0 + values.count * 2) % values.count] }
    }

    func standardDeviation(last n: Int) -> Double {
        let sample = recent(n)
        guard sample.count >= 2 else { return 0 }
        let mean = sample.reduce(0, +) / Double(sample.count)
        return (sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sample.count - 1)).squareRoot()
    }

    /// The loss (a positive fraction of position value) not exceeded with the given confidence.
    func lossQuantile(_ risk: RiskSpec.ValueAtRisk) -> Double? {
        let sample = recent(risk.window)
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
