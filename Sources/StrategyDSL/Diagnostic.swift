/// How bad a finding is. Errors stop a strategy from running; warnings do not (unless `--strict`).
public enum Severity: String, Sendable, Codable, Comparable {
    case note, warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        let order: [Severity] = [.note, .warning, .error]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// One finding about a strategy file, as a value: every stage returns all of them, never only the first.
public struct Diagnostic: Sendable, Hashable {
    /// A secondary message, optionally pointing elsewhere (for example the first of two duplicate keys).
    public struct Note: Sendable, Hashable {
        public var message: String
        public var range: SourceRange?

        public init(_ message: String, at range: SourceRange? = nil) {
            self.message = message
            self.range = range
        }
    }

    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var range: SourceRange
    public var notes: [Note]
    /// A replacement text that fixes the problem, when there is an obvious one (did-you-mean).
    public var suggestion: String?

    public init(_ code: DiagnosticCode, _ message: String, at range: SourceRange,
                notes: [Note] = [], suggestion: String? = nil, severity: Severity? = nil) {
        self.code = code
        self.severity = severity ?? code.severity
        self.message = message
        self.range = range
        self.notes = notes
        self.suggestion = suggestion
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, then position, then code: the order a reader meets them.
    public func sortedForDisplay() -> [Diagnostic] {
        sorted { a, b in
            if a.range.file != b.range.file { return a.range.file < b.range.file }
            if a.range.start != b.range.start { return a.range.start < b.range.start }
            return a.code.rawValue < b.code.rawValue
        }
    }
}
