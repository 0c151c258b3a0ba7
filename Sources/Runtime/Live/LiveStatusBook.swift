import Agents
import Foundation

/// Positions, P&L, equity and risk state of a running strategy, kept from the messages the
/// runner reports: `/status` reads it without stopping the agents.
///
/// Positions and their average prices follow the fills (an average that resets when a
/// position crosses zero); realized P&L is the sum of closed trades (after both fees); fees
/// are every fill's fee; unrealized P&L marks each position at its instrument's last close;
/// equity and state are the portfolio's own, from its last equity snapshot or command.
public final class LiveStatusBook: LiveObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let instruments: [String]
    private var quantities: [Double]
    private var averages: [Double]
    private var marks: [Double]
    private var realized = 0.0
    private var fees = 0.0
    private var equity: Double
    private var state = RiskState.active

    /// - Parameters:
    ///   - instruments: the plan's instrument names, by index.
    ///   - cash: the starting equity, reported until the first bar closes.
    public init(instruments: [String], cash: Double) {
        self.instruments = instruments
        quantities = Array(repeating: 0, count: instruments.count)
        averages = Array(repeating: 0, count: instruments.count)
        marks = Array(repeating: .nan, count: instruments.count)
        equity = cash
    }

    public func observe(_ report: LiveReport) async {
        lock.withLock {
            for envelope in report.envelopes { record(envelope) }
        }
    }

    /// Sets the state after a command, before the next equity snapshot reports it.
    public func setState(_ state: RiskState) {
        lock.withLock { self.state = state }
    }

    private func record(_ envelope: Envelope) {
        switch envelope.payload {
        case .bar(let market) where market.instrument < marks.count:
            marks[market.instrument] = market.bar.close
        case .fill(let fill) where fill.instrument < quantities.count:
            fees += fill.fee
            let held = quantities[fill.instrument]
            let after = held + fill.quantity
            if held == 0 || (held > 0) != (after > 0) && after != 0 {
                averages[fill.instrument] = fill.price
            } else if (held > 0) == (fill.quantity > 0) {
                averages[fill.instrument] = (averages[fill.instrument] * abs(held) + fill.price * abs(fill.quantity)) / abs(after)
            }
            quantities[fill.instrument] = abs(after) < 1e-12 ? 0 : after
            if quantities[fill.instrument] == 0 { averages[fill.instrument] = 0 }
        case .trade(let trade):
            realized += trade.pnl
        case .equity(let snapshot):
            equity = snapshot.equity
            state = snapshot.state
        default:
            break
        }
    }

    public struct Snapshot: Sendable, Equatable {
        public var positions: [PositionSnapshot]
        public var pnl: ProfitAndLoss
        public var equity: Double
        public var state: RiskState
    }

    public var snapshot: Snapshot {
        lock.withLock {
            var positions: [PositionSnapshot] = []
            var unrealized = 0.0
            for index in instruments.indices where quantities[index] != 0 {
                let mark = marks[index].isNaN ? averages[index] : marks[index]
                let open = quantities[index] * (mark - averages[index])
                unrealized += open
                positions.append(PositionSnapshot(instrument: instruments[index], quantity: quantities[index],
                                                  averagePrice: averages[index], markPrice: mark, unrealizedPnL: open))
            }
            return Snapshot(positions: positions, pnl: ProfitAndLoss(realized: realized, unrealized: unrealized, fees: fees),
                            equity: equity, state: state)
        }
    }
}
