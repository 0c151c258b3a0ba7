import Agents
import Foundation

extension HandoffNote {
    /// The note as people read it at the terminal: sections in a fixed order, each saying
    /// `(none)` rather than disappearing, so an empty section is visibly empty.
    public var text: String {
        var lines = [String]()
        let previous = previousHandoffMicros.map(UTCTimestamp.iso8601) ?? "none"
        lines.append("Handoff: \(strategy ?? "(no strategy bound)") at \(UTCTimestamp.iso8601(generatedAtMicros)) (previous handoff: \(previous))")
        var state = "State: \(killSwitch.state.rawValue)"
        if let at = killSwitch.atMicros, let actor = killSwitch.actor, let reason = killSwitch.reason {
            state += " since \(UTCTimestamp.iso8601(at)) by \(actor): \(reason)"
        }
        lines.append(state)

        lines.append("")
        lines.append("Positions (\(positions.count))")
        if positions.isEmpty { lines.append("  (none)") }
        for position in positions {
            lines.append("  \(position.instrument)  \(Self.number(position.quantity))  avg \(Self.number(position.averagePrice))  "
                         + "mark \(Self.number(position.markPrice))  unrealized \(Self.money(position.unrealizedPnL))")
        }

        lines.append("")
        lines.append("P&L: realized \(Self.money(pnl.realized)), unrealized \(Self.money(pnl.unrealized)), fees \(Self.money(pnl.fees)), "
                     + "net since last handoff \(Self.money(pnl.netSinceLastHandoff))")

        lines.append("")
        lines.append("Open orders (\(openOrders.count))")
        if openOrders.isEmpty { lines.append("  (none)") }
        for order in openOrders {
            let price = order.limitPrice.map { " @ \(Self.number($0))" } ?? ""
            lines.append("  \(order.clientOrderID)  \(order.side.rawValue) \(Self.number(order.quantity)) \(order.instrument)  "
                         + "\(order.kind.rawValue)\(price)  \(order.status.rawValue)  filled \(Self.number(order.filledQuantity))")
        }

        lines.append("")
        lines.append("Incidents since the last handoff (\(incidents.count))")
        if incidents.isEmpty { lines.append("  (none)") }
        for stored in incidents {
            let incident = stored.incident
            lines.append("  \(UTCTimestamp.iso8601(incident.atMicros))  \(incident.subject)  \(incident.severity.rawValue)  "
                         + "\(incident.summary)  (\(stored.file))")
        }

        lines.append("")
        lines.append("Reloads since the last handoff (\(reloads.count))")
        if reloads.isEmpty { lines.append("  (none)") }
        for reload in reloads {
            let detail = reload.result == .applied ? reload.diffJSON ?? "" : Self.firstLine(reload.diagnostics ?? "")
            lines.append("  \(UTCTimestamp.iso8601(reload.atMicros))  \(reload.result.rawValue)  \(detail)")
        }

        lines.append("")
        lines.append("Alerts since the last handoff (\(alerts.count))")
        if alerts.isEmpty { lines.append("  (none)") }
        for alert in alerts {
            lines.append("  \(UTCTimestamp.iso8601(alert.atMicros))  \(alert.kind)  \(alert.message)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Account currency with two decimals.
    static func money(_ value: Double) -> String {
        String(format: "%.2f", value == 0 ? 0 : value)
    }

    /// Quantities and prices as written: no trailing `.0`, no rounding.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? "")
    }
}
