/// A model named by a strategy: `momentum@v261124`, `momentum@v261124.2` or `momentum@prod`.
///
/// Parsing validates every part, so a reference that reaches the registry can be used to
/// build a path without any further checks.
public struct ModelReference: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let selector: Selector

    /// Which version of the model: a fixed version, or whatever a tag points to when resolved.
    public enum Selector: Sendable, Hashable {
        case version(String)
        case tag(String)
    }

    /// - Throws: `RegistryError.invalidName`, `.invalidVersion` or `.invalidTag` for a bad part.
    public init(name: String, selector: Selector) throws {
        try RegistryNames.validateModel(name)
        switch selector {
        case let .version(version): try RegistryNames.validateVersion(version)
        case let .tag(tag): try RegistryNames.validateTag(tag)
        }
        self.name = name
        self.selector = selector
    }

    /// Parses `NAME@vYYMMDD[.n]` or `NAME@TAG`.
    ///
    /// A selector that starts with `v` and a digit is a version; anything else is a tag. Tags
    /// that look like versions are refused for that reason.
    /// - Throws: `RegistryError.invalidReference` or a name/version error.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw RegistryError.invalidReference(text, reason: parts.count == 1 ? "no '@'" : "more than one '@'")
        }
        let name = String(parts[0]), selectorText = String(parts[1])
        guard !name.isEmpty, !selectorText.isEmpty else {
            throw RegistryError.invalidReference(text, reason: name.isEmpty ? "no model name" : "nothing after '@'")
        }
        let selector: Selector = RegistryNames.looksLikeVersion(selectorText) ? .version(selectorText) : .tag(selectorText)
        try self.init(name: name, selector: selector)
    }

    public var description: String {
        switch selector {
        case let .version(version): return "\(name)@\(version)"
        case let .tag(tag): return "\(name)@\(tag)"
        }
    }
}

/// The naming rules for models, tags and versions.
///
/// Names become folder and file names, so the rules are strict enough that no name can
/// contain a path separator, `..`, or anything a shell would expand.
public enum RegistryNames {
    static let maximumLength = 64

    /// `[a-z][a-z0-9_-]*`, at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maximumLength, isLowercaseLetter(first) else { return false }
        return bytes.allSatisfy { isLowercaseLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func validateModel(_ name: String) throws {
        guard isValidName(name) else { throw RegistryError.invalidName(name, kind: "model") }
    }

    public static func validateTag(_ tag: String) throws {
        guard isValidName(tag), !looksLikeVersion(tag) else { throw RegistryError.invalidName(tag, kind: "tag") }
    }

    /// A `v` followed by a digit: what a version starts with, and what a tag may not.
    static func looksLikeVersion(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count >= 2 && bytes[0] == UInt8(ascii: "v") && isDigit(bytes[1])
    }

    /// Checks `vYYMMDD[.n]`: six digits forming a real date in 2000–2099, then an optional
    /// sequence number from 1 without leading zeros.
    public static func validateVersion(_ version: String) throws {
        _ = try versionKey(version)
    }

    /// Sort key of a version: its date digits, then its sequence number (0 when absent), so
    /// that `v261124.10` sorts after `v261124.2`.
    public static func versionKey(_ version: String) throws -> (date: Int, sequence: Int) {
        let bytes = Array(version.utf8)
        guard bytes.count >= 7, bytes[0] == UInt8(ascii: "v"), bytes[1...6].allSatisfy(isDigit) else {
            throw RegistryError.invalidVersion(version, reason: "expected 'v' and six digits")
        }
        let digits = bytes[1...6].map { Int($0 - UInt8(ascii: "0")) }
        let year = 2000 + digits[0] * 10 + digits[1], month = digits[2] * 10 + digits[3], day = digits[4] * 10 + digits[5]
        guard (1...12).contains(month) else {
            throw RegistryError.invalidVersion(version, reason: "month \(month) does not exist")
        }
        guard (1...daysIn(month: month, year: year)).contains(day) else {
            throw RegistryError.invalidVersion(version, reason: "day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        var sequence = 0
        if bytes.count > 7 {
            let tail = bytes[8...]
            guard bytes[7] == UInt8(ascii: "."), !tail.isEmpty, tail.count <= 4, tail.allSatisfy(isDigit),
                  tail.first != UInt8(ascii: "0") else {
                throw RegistryError.invalidVersion(version, reason: "the part after the date must be '.' and a number from 1")
            }
            sequence = Int(String(decoding: tail, as: UTF8.self))!
        }
        return (digits.reduce(0) { $0 * 10 + $1 }, sequence)
    }

    /// Versions in chronological order.
    public static func sortedVersions(_ versions: [String]) -> [String] {
        versions.sorted { lhs, rhs in
            let left = (try? versionKey(lhs)) ?? (0, 0), right = (try? versionKey(rhs)) ?? (0, 0)
            return left != right ? left < right : lhs < rhs
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
