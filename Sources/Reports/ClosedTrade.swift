/// One round trip: a position opened and closed again, as the blotter and the statistics see it.
///
/// Sizes are signed so that a trade carries its direction without a separate side field;
/// the statistics only need the outcome (`pnl`, `returnPct`) and where it sat in time.
public struct ClosedTrade: Sendable, Equatable, Codable {
    /// Entry time, microseconds since the Unix epoch, UTC.
    public var entryTime: Int64
    /// Exit time, microseconds since the Unix epoch, UTC.
    public var exitTime: Int64
    /// Index of the bar the entry filled on.
    public var entryBar: Int
    /// Index of the bar the exit filled on.
    public var exitBar: Int
    /// Quantity in units: positive for a long trade, negative for a short one.
    public var size: Double
    /// Fill price of the entry, in account currency per unit.
    public var entryPrice: Double
    /// Fill price of the exit, in account currency per unit.
    public var exitPrice: Double
    /// Commissions paid on entry and exit together, in account currency.
    public var fees: Double
    /// Profit or loss after fees, in account currency.
    public var pnl: Double
    /// Return after fees as a fraction of the entry value (0.05 = 5 %).
    public var returnPct: Double

    public init(
        entryTime: Int64, exitTime: Int64, entryBar: Int, exitBar: Int, size: Double,
        entryPrice: Double, exitPrice: Double, fees: Double, pnl: Double, returnPct: Double
    ) {
        self.entryTime = entryTime
        self.exitTime = exitTime
        self.entryBar = entryBar
        self.exitBar = exitBar
        self.size = size
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.fees = fees
        self.pnl = pnl
        self.returnPct = returnPct
    }

    /// Whether the trade bought first (positive size).
    public var isLong: Bool { size > 0 }
}
