import Agents
import Indicators

/// Where a runner sends what a run produces (equity, trades, orders, fills, alerts, audit
/// records), and the normalised bars and bar closes that a shadow book replays. The runner
/// does no I/O itself: a sink may collect in memory or write to a store.
///
/// The fused runner hands over the three things it produces on every bar through typed
/// callbacks, without building their envelopes; each defaults to `receive` with the envelope
/// the message-by-message delivery would carry, so a sink that wants envelopes only implements
/// `receive`, and one that wants speed implements the callbacks too.
public protocol RunSink {
    mutating func receive(_ envelope: Envelope)
    /// A bar MarketData passed on (`market.raw`; `stamp.timestamp` is the bar's).
    mutating func receiveBar(_ bar: MarketBar, stamp: Stamp)
    /// The end of a moment (`clock`): every message the moment's bars caused has been handled.
    mutating func receiveClock(_ stamp: Stamp)
    /// PortfolioRisk's equity mark at the end of a moment (`portfolio.equity`).
    mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp)
    /// Bars on which nothing but the bar, its close and its equity mark happened, one moment
    /// each: for each bar in order, what `receiveBar`, `receiveClock` and `receiveEquity` would
    /// be handed (the default makes those calls).
    mutating func receiveQuiet(_ run: QuietRun)
}

/// Consecutive moments of one instrument's bars on which no agent emitted anything but the
/// equity mark: what the fused runner hands a sink at once (`RunSink.receiveQuiet`) where it
/// would otherwise call `receiveBar`, `receiveClock` and `receiveEquity` for each bar. Valid
/// during the call only.
public struct QuietRun {
    /// The bars and their trace ids; bar `i`'s moment is stamped `bars.stamp(i)`.
    public let bars: BarRun
    /// PortfolioRisk's mark at each bar's close.
    public let marks: UnsafeBufferPointer<EquityMark>
    /// Cash and risk state, the same at every bar of the run.
    public let cash: Double
    public let state: RiskState

    @inlinable
    public init(bars: BarRun, marks: UnsafeBufferPointer<EquityMark>, cash: Double, state: RiskState) {
        self.bars = bars
        self.marks = marks
        self.cash = cash
        self.state = state
    }

    @inlinable
    public var count: Int { bars.count }

    /// The equity mark at bar `index`'s close, as `receiveEquity` would get it.
    @inlinable
    public func snapshot(_ index: Int) -> EquitySnapshot {
        EquitySnapshot(barIndex: Int(bars.traceId(index)), timestamp: bars.bars[index].bar.timestamp, cash: cash,
                       equity: marks[index].equity, drawdown: marks[index].drawdown, state: state)
    }
}

extension RunSink {
    public mutating func receiveBar(_ bar: MarketBar, stamp: Stamp) {
        receive(Envelope(timestamp: stamp.timestamp, source: .marketData, traceId: stamp.traceId, topic: .marketRaw, payload: .bar(bar)))
    }

    public mutating func receiveClock(_ stamp: Stamp) {
        receive(Envelope(timestamp: stamp.timestamp, source: .runner, traceId: stamp.traceId, topic: .clock,
                         payload: .barClosed(instrument: 0)))
    }

    public mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp) {
        receive(Envelope(timestamp: stamp.timestamp, source: .portfolioRisk, traceId: stamp.traceId, topic: .portfolioEquity,
                         payload: .equity(snapshot)))
    }

    public mutating func receiveQuiet(_ run: QuietRun) {
        for index in 0..<run.count {
            let stamp = run.bars.stamp(index)
            receiveBar(run.bars.bars[index], stamp: stamp)
            receiveClock(stamp)
            receiveEquity(run.snapshot(index), stamp: stamp)
        }
    }
}

/// Collects a run's results in memory: what statistics, the blotter and the report need.
public struct CollectingSink: RunSink {
    public var equity: [EquitySnapshot] = []
    public var trades: [TradeRecord] = []
    public var orders: [(timestamp: Int64, order: OrderUpdate)] = []
    public var fills: [(timestamp: Int64, fill: Fill)] = []
    public var alerts: [(timestamp: Int64, alert: RiskAlert)] = []
    public var commands: [SupervisorCommand] = []
    public var audit: [AuditRecord] = []
    public var signals: [(timestamp: Int64, event: SignalEvent)] = []
    /// The bars the strategy ran on, as MarketData passed them on (run.sqlite's `bars`).
    public var bars: [MarketBar] = []
    /// The first instrument's latest close at each equity point (Buy & Hold, the price chart);
    /// NaN before its first bar.
    public var closes: [Double] = []
    private var lastClose = Double.nan
    /// Whether to keep audit records (the store wants them; a benchmark may not).
    public var keepAudit: Bool

    public init(keepAudit: Bool = true) {
        self.keepAudit = keepAudit
    }

    public mutating func receive(_ envelope: Envelope) {
        switch envelope.payload {
        case .equity(let snapshot):
            equity.append(snapshot)
            closes.append(lastClose)
        case .trade(let trade): trades.append(trade)
        case .order(let order): orders.append((envelope.timestamp, order))
        case .fill(let fill): fills.append((envelope.timestamp, fill))
        case .alert(let alert): alerts.append((envelope.timestamp, alert))
        case .command(let command): commands.append(command)
        case .audit(let record) where keepAudit: audit.append(record)
        case .bar(let bar):
            bars.append(bar)
            if bar.instrument == 0 { lastClose = bar.bar.close }
        case .signal(let event): signals.append((envelope.timestamp, event))
        default: break
        }
    }

    public mutating func receiveBar(_ bar: MarketBar, stamp: Stamp) {
        bars.append(bar)
        if bar.instrument == 0 { lastClose = bar.bar.close }
    }

    public mutating func receiveClock(_ stamp: Stamp) {}

    public mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp) {
        equity.append(snapshot)
        closes.append(lastClose)
    }

    /// The per-bar callbacks' appends, a run at a time.
    public mutating func receiveQuiet(_ run: QuietRun) {
        guard run.count > 0 else { return }
        bars.append(contentsOf: run.bars.bars)
        equity.append(count: run.count, placeholder: EquitySnapshot(barIndex: 0, timestamp: 0, cash: 0, equity: 0, drawdown: 0, state: .active)) {
            run.snapshot($0)
        }
        // A run's bars are of one instrument.
        let own = run.bars.bars[0].instrument == 0, held = lastClose, bars = run.bars.bars
        closes.append(count: run.count, placeholder: 0) { own ? bars[$0].bar.close : held }
        lastClose = closes[closes.count - 1]
    }
}

extension Array {
    /// Appends `count` elements, the `i`th `element(i)`: the storage grows once and the elements
    /// are written in place, without `append`'s uniqueness and capacity checks on each.
    @inlinable
    mutating func append(count: Int, placeholder: Element, _ element: (Int) -> Element) {
        let start = self.count
        append(contentsOf: repeatElement(placeholder, count: count))
        withUnsafeMutableBufferPointer { slots in
            for index in 0..<count { slots[start + index] = element(index) }
        }
    }
}
