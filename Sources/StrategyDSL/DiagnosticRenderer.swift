import Foundation

/// Prints diagnostics the way swiftc and rustc do, or as JSON, or as SARIF 2.1.0 for code scanning.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
    case text, json, sarif
}

public struct DiagnosticRenderer: Sendable {
    public var colour: Bool

    public init(colour: Bool = false) {
        self.colour = colour
    }

    // MARK: Text

    /// `file:line:column: error[E104]: message`, the source line, a caret under the span, then notes.
    public func text(_ diagnostic: Diagnostic, source: SourceFile?) -> String {
        let label = "\(diagnostic.severity.rawValue)[\(diagnostic.code.rawValue)]"
        var out = "\(bold("\(diagnostic.range.file):\(diagnostic.range.start):")) \(paint(label, for: diagnostic.severity)): \(bold(diagnostic.message))\n"
        out += snippet(diagnostic.range, source: source)
        for note in diagnostic.notes {
            if let range = note.range {
                out += "\(bold("\(range.file):\(range.start):")) \(paint("note", for: .note)): \(note.message)\n"
                out += snippet(range, source: source)
            } else {
                out += "  = note: \(note.message)\n"
            }
        }
        if let suggestion = diagnostic.suggestion {
            out += "  = help: replace with '\(suggestion)'\n"
        }
        return out
    }

    private func snippet(_ range: SourceRange, source: SourceFile?) -> String {
        guard let source, source.path == range.file, let line = source.line(range.start.line) else { return "" }
        let number = String(range.start.line)
        let gutter = String(repeating: " ", count: number.count)
        let scalars = Array(line.unicodeScalars)
        // Tabs keep their width under the caret so it lines up in any terminal.
        let lead = scalars.prefix(max(0, range.start.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        let width = range.end.line == range.start.line
            ? max(1, min(range.end.column, scalars.count + 1) - range.start.column)
            : max(1, scalars.count - range.start.column + 1)
        let caret = "^" + String(repeating: "~", count: max(0, width - 1))
        return "\(gutter) |\n\(number) | \(line)\n\(gutter) | \(lead)\(paint(caret, for: .error))\n"
    }

    /// A one-line summary: "2 errors, 1 warning in 3 files".
    public func summary(_ diagnostics: [Diagnostic], files: Int) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(errors, "error")), \(plural(warnings, "warning")) in \(plural(files, "file"))"
    }

    private func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    private func paint(_ text: String, for severity: Severity) -> String {
        guard colour else { return text }
        let code = switch severity {
        case .error: "31"
        case .warning: "33"
        case .note: "36"
        }
        return "\u{1B}[1;\(code)m\(text)\u{1B}[0m"
    }

    // MARK: JSON

    struct JSONDiagnostic: Encodable {
        var code: String
        var severity: String
        var file: String
        var line: Int
        var column: Int
        var endLine: Int
        var endColumn: Int
        var message: String
        var suggestion: String?
        var notes: [String]
    }

    /// An array of {code, severity, file, line, column, endLine, endColumn, message, suggestion, notes}.
    public func json(_ diagnostics: [Diagnostic]) -> String {
        let rows = diagnostics.map {
            JSONDiagnostic(code: $0.code.rawValue, severity: $0.severity.rawValue, file: $0.range.file,
                           line: $0.range.start.line, column: $0.range.start.column,
                           endLine: $0.range.end.line, endColumn: $0.range.end.column,
                           message: $0.message, suggestion: $0.suggestion,
                           notes: $0.notes.map { note in note.range.map { "\($0.file):\($0.start): \(note.message)" } ?? note.message })
        }
        return Self.encode(rows)
    }

    // MARK: SARIF

    /// SARIF 2.1.0 with one run, the catalogue's codes as rules, and a result per diagnostic.
    public func sarif(_ diagnostics: [Diagnostic], toolVersion: String) -> String {
        let used = Set(diagnostics.map(\.code))
        let rules: [[String: Any]] = DiagnosticCode.allCases.filter { used.contains($0) }.map { code in
            ["id": code.rawValue, "name": code.title, "shortDescription": ["text": code.title],
             "helpUri": "docs/diagnostics.md#\(code.rawValue.lowercased())",
             "defaultConfiguration": ["level": code.severity == .error ? "error" : "warning"]]
        }
        let results: [[String: Any]] = diagnostics.map { d in
            var result: [String: Any] = [
                "ruleId": d.code.rawValue,
                "level": d.severity == .error ? "error" : d.severity == .warning ? "warning" : "note",
                "message": ["text": d.message],
                "locations": [[
                    "physicalLocation": [
                        "artifactLocation": ["uri": d.range.file],
                        "region": ["startLine": d.range.start.line, "startColumn": d.range.start.column,
                                   "endLine": d.range.end.line, "endColumn": d.range.end.column],
                    ],
                ]],
            ]
            if let suggestion = d.suggestion {
                result["fixes"] = [[
                    "description": ["text": "replace with '\(suggestion)'"],
                    "artifactChanges": [[
                        "artifactLocation": ["uri": d.range.file],
                        "replacements": [[
                            "deletedRegion": ["startLine": d.range.start.line, "startColumn": d.range.start.column,
                                              "endLine": d.range.end.line, "endColumn": d.range.end.column],
                            "insertedContent": ["text": suggestion],
                        ]],
                    ]],
                ]]
            }
            return result
        }
        let document: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": ["name": "stratum", "version": toolVersion,
                                    "informationUri": "docs/diagnostics.md", "rules": rules]],
                "columnKind": "unicodeCodePoints",
                "results": results,
            ]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
