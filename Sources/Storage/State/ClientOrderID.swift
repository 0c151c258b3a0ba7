import ModelRegistry

/// The client order id of the `index`-th order a strategy issued while handling bar `barSequence`.
///
/// Derived, never drawn: replaying the journal after a crash makes the same orders with the same
/// ids, so the store recognises an order it already holds and the venue, which refuses a
/// duplicate client id, never executes one twice. The form is `s<10 hex>-<bar>-<index>`: the
/// first 10 hex digits of SHA-256 of the strategy id (distinct strategies on one account do not
/// collide), then the bar sequence and the index in base 36. At most 30 characters from the set
/// `[0-9a-z-]`, inside every major venue's limit (Binance: 36, `^[.A-Z:/a-z0-9_-]{1,36}$`).
public struct ClientOrderID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(strategyID: String, barSequence: UInt64, index: Int) {
        let prefix = SHA256.hex(strategyID).prefix(10)
        value = "s\(prefix)-\(String(barSequence, radix: 36))-\(String(max(index, 0), radix: 36))"
    }

    public var description: String { value }
}
