import Yams

/// Turns the YAML parser's errors into diagnostics at the position the parser names.
enum YAMLErrorTranslation {
    static func diagnostic(for error: any Error, in source: SourceFile) -> Diagnostic {
        func at(_ mark: Mark?, length: Int = 1) -> SourceRange {
            let start = source.clamp(SourceLocation(line: mark?.line ?? 1, column: mark?.column ?? 1))
            return SourceRange(file: source.path, start: start, length: length)
        }
        guard let yamlError = error as? YamlError else {
            return Diagnostic(.yamlSyntax, "the YAML parser failed: \(error)", at: at(nil))
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var notes: [Diagnostic.Note] = []
            if let context {
                notes.append(.init(context.text, at: at(context.mark)))
            }
            if problem.contains("another document") {
                return Diagnostic(.notAMapping, "a strategy file holds one YAML document; remove the `---` separator and what follows",
                                  at: at(mark), notes: notes)
            }
            return Diagnostic(.yamlSyntax, problem, at: at(mark), notes: notes)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKey(duplicates.first ?? "", first: context.mark, in: source)
        case .reader(let problem, _, _, _):
            return Diagnostic(.invalidUTF8, problem, at: at(nil))
        default:
            return Diagnostic(.yamlSyntax, "\(yamlError)", at: at(nil))
        }
    }

    /// The parser names the first occurrence; the error belongs at the second, the one to delete.
    static func duplicateKey(_ key: String, first: Mark, in source: SourceFile) -> Diagnostic {
        let firstRange = SourceRange(file: source.path,
                                     start: source.clamp(SourceLocation(line: first.line, column: first.column)),
                                     length: key.unicodeScalars.count)
        let spellings = [key + ":", "\"\(key)\":", "'\(key)':"]
        if first.line < source.lines.count {
            for lineNumber in (first.line + 1)...source.lines.count {
                guard let line = source.line(lineNumber) else { break }
                let scalars = Array(line.unicodeScalars)
                let indent = scalars.prefix { $0 == " " }.count
                if indent < first.column - 1, !scalars.isEmpty, indent < scalars.count, scalars[indent] != "#" { break }
                guard indent == first.column - 1 else { continue }
                let rest = String(String.UnicodeScalarView(scalars[indent...]))
                if spellings.contains(where: { rest.hasPrefix($0) && (rest == $0 || rest.dropFirst($0.count).first == " ") }) {
                    let here = SourceRange(file: source.path, start: SourceLocation(line: lineNumber, column: indent + 1),
                                           length: key.unicodeScalars.count)
                    return Diagnostic(.duplicateKey, "duplicate key '\(key)'", at: here,
                                      notes: [.init("'\(key)' is first set here", at: firstRange)])
                }
            }
        }
        return Diagnostic(.duplicateKey, "key '\(key)' appears more than once in this mapping", at: firstRange,
                          notes: [.init("keep one of them; YAML keeps neither reliably")])
    }
}
