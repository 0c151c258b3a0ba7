import Agents

/// What the next shift needs to know: the state of the strategy now, and what happened since
/// the last handoff.
public struct HandoffNote: Sendable, Equatable, Codable {
    public struct Position: Sendable, Equatable, Codable {
        public var instrument: String
        /// Signed: negative is short.
        public var quantity: Double
        /// Average entry price of the open quantity.
        public var averagePrice: Double
        /// The close of the instrument's last journaled bar; the average price when none.
        public var markPrice: Double
        public var unrealizedPnL: Double

        enum CodingKeys: String, CodingKey {
            case instrument, quantity, averagePrice = "average_price", markPrice = "mark_price", unrealizedPnL = "unrealized_pnl"
        }
    }

    public struct PnL: Sendable, Equatable, Codable {
        /// Realized over the whole life of the state folder, before fees.
        public var realized: Double
        public var unrealized: Double
        public var fees: Double
        /// Realized minus fees since the last handoff.
        public var netSinceLastHandoff: Double

        enum CodingKeys: String, CodingKey {
            case realized, unrealized, fees, netSinceLastHandoff = "net_since_last_handoff"
        }
    }

    public struct KillSwitchState: Sendable, Equatable, Codable {
        public var state: RiskState
        public var reason: String?
        public var actor: String?
        public var atMicros: Int64?

        enum CodingKeys: String, CodingKey {
            case state, reason, actor, atMicros = "at_us"
        }
    }

    public var strategy: String?
    public var generatedAtMicros: Int64
    /// When the previous handoff was marked; nil for the first.
    public var previousHandoffMicros: Int64?
    public var killSwitch: KillSwitchState
    public var positions: [Position]
    public var pnl: PnL
    public var openOrders: [StoredOrder]
    public var incidents: [StoredIncident]
    public var reloads: [StoredReload]
    public var alerts: [StoredAlert]
    /// Row ids this note covers up to; the handoff mark records them.
    var coverage: HandoffCoverage

    enum CodingKeys: String, CodingKey {
        case strategy, generatedAtMicros = "generated_at_us", previousHandoffMicros = "previous_handoff_at_us"
        case killSwitch = "kill_switch", positions, pnl, openOrders = "open_orders", incidents, reloads, alerts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        strategy = try container.decodeIfPresent(String.self, forKey: .strategy)
        generatedAtMicros = try container.decode(Int64.self, forKey: .generatedAtMicros)
        previousHandoffMicros = try container.decodeIfPresent(Int64.self, forKey: .previousHandoffMicros)
        killSwitch = try container.decode(KillSwitchState.self, forKey: .killSwitch)
        positions = try container.decode([Position].self, forKey: .positions)
        pnl = try container.decode(PnL.self, forKey: .pnl)
        openOrders = try container.decode([StoredOrder].self, forKey: .openOrders)
        incidents = try container.decode([StoredIncident].self, forKey: .incidents)
        reloads = try container.decode([StoredReload].self, forKey: .reloads)
        alerts = try container.decode([StoredAlert].self, forKey: .alerts)
        coverage = HandoffCoverage()
    }

    init(strategy: String?, generatedAtMicros: Int64, previousHandoffMicros: Int64?, killSwitch: KillSwitchState, positions: [Position],
         pnl: PnL, openOrders: [StoredOrder], incidents: [StoredIncident], reloads: [StoredReload], alerts: [StoredAlert],
         coverage: HandoffCoverage) {
        self.strategy = strategy
        self.generatedAtMicros = generatedAtMicros
        self.previousHandoffMicros = previousHandoffMicros
        self.killSwitch = killSwitch
        self.positions = positions
        self.pnl = pnl
        self.openOrders = openOrders
        self.incidents = incidents
        self.reloads = reloads
        self.alerts = alerts
        self.coverage = coverage
    }
}

/// The highest row id of each table a handoff note covered.
struct HandoffCoverage: Sendable, Equatable {
    var incident: Int64 = 0
    var reload: Int64 = 0
    var alert: Int64 = 0
    var fill: Int64 = 0
}

/// Positions and P&L from fills, by average cost.
///
/// Per instrument, in fill order: a fill that adds to the position (or opens one) moves the
/// average price to the quantity-weighted mean; a fill against it realizes
/// `closed × (price − average) × direction` and keeps the average; a fill that crosses zero
/// closes the old position and opens the remainder at the fill's price.
struct PositionBook {
    struct Holding {
        var quantity = 0.0
        var averagePrice = 0.0
    }

    private(set) var holdings: [String: Holding] = [:]
    private(set) var realized = 0.0
    private(set) var fees = 0.0

    mutating func apply(instrument: String, signedQuantity: Double, price: Double, fee: Double) {
        fees += fee
        var holding = holdings[instrument] ?? Holding()
        let q = holding.quantity
        if q == 0 || (q > 0) == (signedQuantity > 0) {
            let total = abs(q) + abs(signedQuantity)
            holding.averagePrice = (holding.averagePrice * abs(q) + price * abs(signedQuantity)) / total
            holding.quantity = q + signedQuantity
        } else {
            let closed = min(abs(signedQuantity), abs(q))
            realized += closed * (price - holding.averagePrice) * (q > 0 ? 1 : -1)
            holding.quantity = q + signedQuantity
            if abs(holding.quantity) < 1e-12 {
                holding = Holding()
            } else if (holding.quantity > 0) != (q > 0) {
                holding.averagePrice = price
            }
        }
        holdings[instrument] = holding
    }
}
