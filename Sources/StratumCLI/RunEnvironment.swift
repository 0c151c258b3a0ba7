import Foundation

/// The environment of `stratum run`: the process's variables over those of the `.env` file
/// beside the strategy (a variable set in the shell wins, as with other dotenv tools).
///
/// Values are secrets as often as not: they are never printed; the control plane's redactor is
/// built from them.
enum RunEnvironment {
    static let fileName = ".env"

    /// - Throws: `CommandError` naming `.env`'s line when a line is not `NAME=value`.
    static func load(strategyPath: String, process: [String: String]) throws -> [String: String] {
        let file = URL(fileURLWithPath: strategyPath).deletingLastPathComponent().appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return process }
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw CommandError("\(file.path): cannot be read as UTF-8 text", status: ExitStatus.usageOrIO)
        }
        var values = try parse(text, path: file.path)
        values.merge(process) { _, shell in shell }
        return values
    }

    /// `NAME=value` lines; `export ` before the name, blank lines and `#` comments are allowed, and
    /// a value in matching single or double quotes loses them.
    static func parse(_ text: String, path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                // The line's text is not repeated: it may be a secret pasted without its name.
                throw CommandError("\(path):\(index + 1): expected NAME=value; fix or remove the line")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }), !name.first!.isNumber else {
                throw CommandError("\(path):\(index + 1): '\(name)' is not a variable name (letters, digits and _, not starting with a digit)")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[name] = value
        }
        return values
    }
}
