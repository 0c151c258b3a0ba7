import Agents

/// Where a runner sends what a run produces (equity, trades, orders, fills, alerts, audit
/// records), and the normalised bars and bar closes that a shadow book replays. The runner
/// does no I/O itself: a sink may collect in memory or write to a store.
public protocol RunSink {
    mutating func receive(_ envelope: Envelope)
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
}
