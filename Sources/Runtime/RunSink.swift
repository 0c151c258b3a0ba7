import Agents

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
}
