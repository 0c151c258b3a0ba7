import Foundation

/// Replaces secret values with `***` in any text about to leave the process.
///
/// The control plane passes every response body and log message through one; other output paths
/// (incident files, handoff notes) can use the same value. Each secret is also matched in its
/// JSON-escaped form, so a secret with a quote or a backslash is caught after encoding too.
public struct SecretRedactor: Sendable {
    public static let mask = "***"
    /// Environment values shorter than this are settings (`true`, `1`), not keys: redacting them
    /// would mangle every number and boolean in a JSON body.
    public static let minimumEnvironmentSecretLength = 8
    /// Variable name endings that mark a secret: `BINANCE_API_KEY`, `STRATUM_CONTROL_TOKEN`.
    public static let secretNameSuffixes = ["_KEY", "_SECRET", "_TOKEN", "_PASSWORD", "_PASSPHRASE"]

    /// Longest first, so a secret that contains another is replaced whole.
    private let patterns: [String]

    public init(secrets: some Sequence<String>) {
        var found = Set<String>()
        for secret in secrets where !secret.isEmpty {
            found.insert(secret)
            found.insert(Self.jsonEscaped(secret))
        }
        patterns = found.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// The values of the environment variables whose names end in a secret suffix.
    public static func environment(_ environment: [String: String]) -> SecretRedactor {
        SecretRedactor(secrets: environment.compactMap { name, value in
            let upper = name.uppercased()
            guard secretNameSuffixes.contains(where: { upper.hasSuffix($0) }),
                  value.count >= minimumEnvironmentSecretLength
            else { return nil }
            return value
        })
    }

    /// This redactor with more secrets.
    public func adding(_ secrets: some Sequence<String>) -> SecretRedactor {
        SecretRedactor(secrets: patterns + secrets)
    }

    /// Also hides a control token, whose value never leaves `ControlToken`.
    public func adding(_ token: ControlToken) -> SecretRedactor {
        adding([token.value])
    }

    public func redact(_ text: String) -> String {
        var result = text
        for pattern in patterns where result.contains(pattern) {
            result = result.replacingOccurrences(of: pattern, with: Self.mask)
        }
        return result
    }

    private static func jsonEscaped(_ secret: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let data = try? encoder.encode(secret), let quoted = String(data: data, encoding: .utf8) else { return secret }
        return String(quoted.dropFirst().dropLast())
    }
}
