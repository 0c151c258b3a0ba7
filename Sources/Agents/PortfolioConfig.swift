import StrategyCompiler
import StrategyDSL

/// What PortfolioRisk needs from the plan: capital, sizing, limits, and when orders act.
public struct PortfolioConfig: Sendable {
    public var cash: Double
    public var instruments: [String]
    public var sizing: RiskSpec.Sizing
    public var maxLeverage: Double
    public var maxPosition: Double?
    public var maxPositionNotional: Double?
    public var maxOrderNotional: Double?
    public var orderRate: (count: Int, perMicroseconds: Int64)?
    public var valueAtRisk: RiskSpec.ValueAtRisk?
    public var maxDrawdown: (limit: Double, action: RiskSpec.DrawdownAction)?
    /// `.open`: decisions taken at a close act at the next bar's open; `.close`: at once.
    public var reference: PriceReference
    /// Fee rate and fixed fee, so sizing leaves room for the entry fee as backtesting.py does.
    public var feeRate: Double
    public var feeFixed: Double
    /// Bars per year, for annualising volatility in `vol_target` sizing.
    public var barsPerYear: Double

    public init(plan: Plan) {
        let spec = plan.spec
        cash = spec.portfolio.cash
        instruments = spec.dataSources.map(\.instrument)
        sizing = spec.risk.sizing
        maxLeverage = spec.risk.leverageLimit
        maxPosition = spec.risk.maxPosition?.value
        maxPositionNotional = spec.risk.maxPositionNotional?.value
        maxOrderNotional = spec.risk.maxOrderNotional?.value
        orderRate = spec.risk.orderRate
        valueAtRisk = spec.risk.valueAtRisk
        maxDrawdown = spec.risk.maxDrawdown
        switch spec.execution.venue {
        case .simulated(let venue):
            reference = venue.fill == .close ? .close : .open
            feeRate = venue.feeBps / 10_000
            feeFixed = venue.feeFixed
        case .exchange:
            reference = .open
            feeRate = 0
            feeFixed = 0
        }
        let interval = Double(spec.dataSources.first?.intervalMicroseconds ?? 86_400_000_000)
        // Daily or longer bars: 252 trading days a year; intraday bars: 252 sessions of 6.5 hours.
        barsPerYear = interval >= 86_400_000_000 ? 252 * 86_400_000_000 / interval : 252 * 6.5 * 3_600_000_000 / interval
    }
}
