import Foundation
import ModelRegistry

/// A run's identifier, `YYYYMMDD-HHMMSS-<7 hex>`: the UTC start time, then a short hash.
///
/// The time comes first so that sorting ids as strings sorts runs by start time, which is
/// what `ls runs/` shows. The hash separates runs started in the same second.
public struct RunID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts text already in run-id form.
    ///
    /// - Throws: ``StorageError`` of kind `invalidRunID` when `text` is not in that form.
    public init(_ text: String) throws {
        guard RunID.isWellFormed(text) else { throw StorageError.invalidRunID(text) }
        rawValue = text
    }

    private init(unchecked text: String) { rawValue = text }

    /// The id of a run started at `date`.
    ///
    /// - Parameters:
    ///   - date: The start time, from the caller's clock (tests inject a fixed one).
    ///   - fingerprint: Anything that tells this run apart, such as the strategy's SHA-256.
    ///   - attempt: Bumped by ``RunFolder`` when the id is already taken.
    /// - Returns: The UTC date and time, then the first 7 hex digits of
    ///   SHA-256(`"<fingerprint>\n<microseconds since epoch>\n<attempt>"`).
    public static func make(at date: Date, fingerprint: String, attempt: Int = 0) -> RunID {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let digest = SHA256.hex("\(fingerprint)\n\(micros)\n\(attempt)")
        return RunID(unchecked: "\(utcStamp(date))-\(digest.prefix(7))")
    }

    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard RunID.isWellFormed(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not a run id")
        }
        rawValue = text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `YYYYMMDD-HHMMSS` in UTC.
    private static func utcStamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let number = value ?? 0
            return number < 10 ? "0\(number)" : "\(number)"
        }
        let day = "\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))"
        return "\(day)-\(two(parts.hour))\(two(parts.minute))\(two(parts.second))"
    }

    /// Eight digits, `-`, six digits, `-`, seven lowercase hex digits.
    private static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 23, bytes[8] == UInt8(ascii: "-"), bytes[15] == UInt8(ascii: "-") else { return false }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let isHex = { (byte: UInt8) in isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) }
        return bytes[0..<8].allSatisfy(isDigit) && bytes[9..<15].allSatisfy(isDigit) && bytes[16...].allSatisfy(isHex)
    }
}
