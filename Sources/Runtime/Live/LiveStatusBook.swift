import Agents
import Foundation

/// Positions, P&L, equity and risk state of a running strategy, kept from the messages the
/// runner reports: `/status` reads it without stopping the agents.
///
/// Positions follow the fills in first-in, first-out lots, as the portfolio books them, so the
/// average price is that of the lots still open; realized P&L is the sum of closed trades (after both fees); fees
/// are every fill's fee; unrealized P&L marks each position at its instrument's last close;
/// equity and state are the portfolio's own, from its last equity snapshot or command.
public final class LiveStatusBook: LiveObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let instruments: [String]
    /// Open lots per instrument, oldest first: (signed size, entry price).
    private var lots: [[(size: Double, price: Double)]]
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
        lots = Array(repeating: [], count: instruments.count)
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
        case .fill(let fill) where fill.instrument < lots.count:
            fees += fill.fee
            book(fill)
        case .trade(let trade):
            realized += trade.pnl
        case .equity(let snapshot):
            equity = snapshot.equity
            state = snapshot.state
        default:
            break
        }
    }

    /// Closes the oldest opposite lots first, then opens a lot with what is left (PortfolioRisk's rule).
    private func book(_ fill: Fill) {
        var remaining = fill.quantity
        while remaining != 0, let first = lots[fill.instrument].first, (first.size > 0) != (remaining > 0) {
            let closing = min(abs(first.size), abs(remaining))
            let closedSize = first.size > 0 ? closing : -closing
            if closing == abs(first.size) {
                lots[fill.instrument].removeFirst()
            } else {
                lots[fill.instrument][0].size -= closedSize
            }
            remaining += closedSize
        }
        if remaining != 0 { lots[fill.instrument].append((remaining, fill.price)) }
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
            for index in instruments.indices where !lots[index].isEmpty {
                let quantity = lots[index].reduce(0) { $0 + $1.size }
                let cost = lots[index].reduce(0) { $0 + $1.size * $1.price }
                let average = cost / quantity
                let mark = marks[index].isNaN ? average : marks[index]
                let open = quantity * mark - cost
                unrealized += open
                positions.append(PositionSnapshot(instrument: instruments[index], quantity: quantity,
                                                  averagePrice: average, markPrice: mark, unrealizedPnL: open))
            }
            return Snapshot(positions: positions, pnl: ProfitAndLoss(realized: realized, unrealized: unrealized, fees: fees),
                            equity: equity, state: state)
        }
    }
}
