/// The text of one strategy file, kept so diagnostics can quote the offending line.
public struct SourceFile: Sendable {
    public let path: String
    public let text: String
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
    }

    /// The text of a 1-based line, or nil past the end of the file.
    public func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lines.count else { return nil }
        return lines[number - 1]
    }

    /// The location just past the last character of the file.
    public var endLocation: SourceLocation {
        SourceLocation(line: max(lines.count, 1), column: (lines.last?.unicodeScalars.count ?? 0) + 1)
    }

    /// Clamps a location into the file, so every reported position names a real place.
    public func clamp(_ location: SourceLocation) -> SourceLocation {
        guard let text = line(location.line) else { return endLocation }
        let width = text.unicodeScalars.count + 1
        return SourceLocation(line: location.line, column: min(max(location.column, 1), width))
    }
}
