import Foundation

/// The bearer token that authorises `POST /reload`, `/kill` and `/resume`.
///
/// The value stays inside this type: its description, debug description and mirror print `***`,
/// so interpolating a token into a log line or an error cannot leak it.
public struct ControlToken: Sendable {
    /// The environment variable read when no token file is given.
    public static let environmentVariable = "STRATUM_CONTROL_TOKEN"
    /// Tokens shorter than this are refused: guessable, and too short to redact safely.
    public static let minimumLength = 16

    let value: String

    /// - Parameter source: Where the value came from, for the error message.
    /// - Throws: `ControlPlaneError.tokenEmpty` or `.tokenTooShort`.
    public init(_ value: String, source: String = "the caller") throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ControlPlaneError.tokenEmpty(source: source) }
        guard trimmed.count >= Self.minimumLength else {
            throw ControlPlaneError.tokenTooShort(source: source, minimum: Self.minimumLength)
        }
        self.value = trimmed
    }

    /// The token from `file` when a path is given, else from `STRATUM_CONTROL_TOKEN`.
    ///
    /// An explicit file wins over the environment so that an operator who names a file gets that
    /// file, whatever the shell exported.
    /// - Returns: Nil when neither is set: the mutating endpoints then stay disabled.
    public static func load(environment: [String: String], file: String?) throws -> ControlToken? {
        if let file { return try read(file: file) }
        guard let value = environment[environmentVariable] else { return nil }
        return try ControlToken(value, source: environmentVariable)
    }

    /// Reads a token file, refusing one that users other than its owner and group can access.
    ///
    /// The first line's surrounding whitespace is ignored, so `echo TOKEN > file` works.
    public static func read(file path: String) throws -> ControlToken {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
        else { throw ControlPlaneError.tokenFileUnreadable(path: path) }
        guard mode & 0o007 == 0 else { throw ControlPlaneError.tokenFileOpenToOthers(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw ControlPlaneError.tokenFileUnreadable(path: path) }
        return try ControlToken(text, source: path)
    }

    /// Compares in time that depends only on the token's length, never on how many leading bytes
    /// of a guess are right.
    func matches(_ presented: some StringProtocol) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(presented.utf8)
        var difference: UInt8 = expected.count == given.count ? 0 : 1
        for index in expected.indices {
            let guess = index < given.count ? given[index] : 0
            difference |= expected[index] ^ guess
        }
        return difference == 0
    }
}

extension ControlToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "ControlToken(\(SecretRedactor.mask))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
