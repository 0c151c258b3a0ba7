import Foundation
import StrategyCompiler
import StrategyDSL
import Testing

/// Lints thousands of mutated copies of the shipped strategies, composite indicators and invalid
/// fixtures, in process: a crash fails the run, and every diagnostic must point inside its file.
/// Seeded, so a failure reproduces with the index it reports.
struct MutationFuzzTests {
    /// SplitMix64: small, fast, and the same sequence on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    enum Mutation: CaseIterable {
        case deleteLine, duplicateLine, swapLines, swapType, swapNumber, truncate, randomBytes, shiftIndent, spliceExpression
    }

    /// Edge numbers find the most bugs per mutant, so they are drawn three times as often.
    static let weighted: [Mutation] = Mutation.allCases + [.swapNumber, .swapNumber]

    /// Values of every YAML kind, and text that stresses expressions and the scanner.
    static let replacements = ["12", "-3", "0", "1e999", ".nan", "abc", "NO", "1.10", "yes", "true", "~", "''", "\"x\"",
                               "[1, 2]", "[]", "{a: 1}", "{}", "[[[", "&x 1", "*x", "!!python/object:x y", "|\n  block",
                               "sma(close, 10)", "close[-1]", "a@b", "1m", "0s", "\"\\u0000\"", "- item"]
    /// Numbers at the edges: zero divisors, negatives, past Int64, denormal, huge lags and periods.
    static let extremes = ["0", "0", "-1", "-0", "0.5", "1e300", "1e-300", "99999999999999999999", "9223372036854775807", "999999", "100001"]
    static let fragments = ["(", ")", "[", "]", ",", ".", "*", "/", " and ", " not ", "[-1]", "[1]", "close", "sma(", "1e308",
                            "macd.", "crossover(", "==", "\"", "'", ":", "#", "\t", "&a", "*a", "---", "\u{00E9}", "\u{1F600}"]

    static func corpus() -> [(path: String, text: String)] {
        var files: [(String, String)] = []
        for folder in ["strategies", "indicators", "Tests/StrategyCompilerTests/Fixtures/invalid"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(folder).path)) ?? []
            for name in names.sorted() where name.hasSuffix(".yaml") {
                // Files that are hostile by design (a billion laughs) stay in: mutating them is the point.
                guard let data = FileManager.default.contents(atPath: packageRoot.appendingPathComponent("\(folder)/\(name)").path) else { continue }
                files.append(("\(folder)/\(name)", String(decoding: data, as: UTF8.self)))
            }
        }
        return files
    }

    static func mutate(_ text: String, _ random: inout Generator) -> [UInt8] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let count = Int.random(in: 1...3, using: &random)
        for _ in 0..<count {
            guard !lines.isEmpty else { break }
            let i = Int.random(in: 0..<lines.count, using: &random)
            switch Self.weighted.randomElement(using: &random)! {
            case .deleteLine:
                lines.remove(at: i)
            case .duplicateLine:
                lines.insert(lines[i], at: i)
            case .swapLines:
                lines.swapAt(i, Int.random(in: 0..<lines.count, using: &random))
            case .swapType:
                let line = lines[i]
                if let colon = line.range(of: ": ") {
                    lines[i] = String(line[..<colon.upperBound]) + replacements.randomElement(using: &random)!
                } else if let dash = line.range(of: "- ") {
                    lines[i] = String(line[..<dash.upperBound]) + replacements.randomElement(using: &random)!
                }
            case .swapNumber:
                // Numbers anywhere in the file, not only on line i: values are where checks divide and convert.
                for _ in 0..<Int.random(in: 1...4, using: &random) { swapNumber(in: &lines, &random) }
            case .truncate:
                let joined = Array(lines.joined(separator: "\n").utf8)
                let cut = Int.random(in: 0...joined.count, using: &random)
                // Cutting inside a multi-byte character is part of the test.
                return Array(joined.prefix(cut))
            case .randomBytes:
                var bytes = Array(lines.joined(separator: "\n").utf8)
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let at = Int.random(in: 0...bytes.count, using: &random)
                    let byte = UInt8.random(in: 0...255, using: &random)
                    if at < bytes.count, Bool.random(using: &random) { bytes[at] = byte } else { bytes.insert(byte, at: at) }
                }
                return bytes
            case .shiftIndent:
                let line = lines[i]
                if Bool.random(using: &random) {
                    lines[i] = String(repeating: " ", count: Int.random(in: 1...3, using: &random)) + line
                } else {
                    lines[i] = String(line.drop { $0 == " " }.prefix(line.count))
                    if lines[i].count == line.count { lines[i] = String(line.dropFirst()) }
                }
            case .spliceExpression:
                var line = Array(lines[i])
                let at = Int.random(in: 0...line.count, using: &random)
                line.insert(contentsOf: Array(fragments.randomElement(using: &random)!), at: at)
                lines[i] = String(line)
            }
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// Replaces one run of digits (with its decimal point) somewhere in the file by an edge number.
    static func swapNumber(in lines: inout [String], _ random: inout Generator) {
        let numbered = lines.indices.filter { lines[$0].unicodeScalars.contains { $0.properties.numericType == .decimal } }
        guard let target = numbered.randomElement(using: &random) else { return }
        var line = Array(lines[target].unicodeScalars)
        func isPartOfNumber(_ index: Int) -> Bool { line[index].properties.numericType == .decimal || line[index] == "." }
        guard let at = line.indices.filter({ line[$0].properties.numericType == .decimal }).randomElement(using: &random) else { return }
        var start = at, end = at
        while start > 0, isPartOfNumber(start - 1) { start -= 1 }
        while end + 1 < line.count, isPartOfNumber(end + 1) { end += 1 }
        line.replaceSubrange(start...end, with: extremes.randomElement(using: &random)!.unicodeScalars)
        lines[target] = String(String.UnicodeScalarView(line))
    }

    /// The widths a position may take: one past the end of each line is where the caret goes
    /// for "expected more here". Bytes that are not UTF-8 count as one replacement character.
    static func lineWidths(_ bytes: [UInt8]) -> [Int] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { ($0.hasSuffix("\r") ? $0.dropLast() : $0).unicodeScalars.count }
    }

    static let mutants = 10_000

    /// Found by this fuzzer: a real indicator parameter past Int.max (nbdev accepts up to 3e37)
    /// trapped while the warm-up was computed. It is a legal value and now checks clean.
    @Test func hugeRealParameterChecks() throws {
        let text = "strategy: {name: x}\ndata:\n  g: {csv: data/GOOG.csv}\nfeatures:\n  mid: bbands(close, 20, 99999999999999999999).middle\nsignals:\n  s: {long: close > mid}\n"
        let result = lint(text: text)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        #expect(try #require(result.checked).warmup == 19)
    }

    /// Found by this fuzzer: a TWAP with `slices: 0` divided by zero, and a duration past Int64
    /// trapped in conversion. Both are now reported once, at the value.
    @Test(arguments: [("twap: { horizon: 5d, slices: 0 }", "E106", 8, 32), ("twap: { horizon: 1e300d, slices: 2 }", "E602", 8, 20),
                      ("twap: { horizon: 5d, slices: 100001 }", "E107", 8, 32)])
    func edgeNumbersInExecutionAreReportedOnce(_ twap: String, _ code: String, _ line: Int, _ column: Int) {
        let text = "strategy: {name: x}\ndata:\n  g: {csv: data/GOOG.csv}\nsignals:\n  s: {long: close > open}\nexecution:\n  algo: twap\n  \(twap)\n"
        let result = lint(text: text)
        #expect(result.diagnostics.map(\.code.rawValue) == [code])
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: line, column: column))
    }

    @Test func lintNeverCrashesAndEveryPositionIsInsideItsFile() {
        let corpus = Self.corpus()
        #expect(corpus.count >= 100)
        let linter = Linter(models: FixedModels(), workingDirectory: packageRoot)
        var random = Generator(state: 20_261_126)
        var problems: [String] = []
        var slowest = (seconds: 0.0, index: -1)
        var diagnosed = 0
        var rawFiles = 0
        for index in 0..<Self.mutants {
            let (origin, text) = corpus[index % corpus.count]
            let bytes = Self.mutate(text, &random)
            // Same folder as the original, so relative paths resolve as they do for the real file.
            let path = origin.replacingOccurrences(of: ".yaml", with: ".mutant\(index).yaml")
            let start = Date()
            let diagnostics: [Diagnostic]
            if String(validating: bytes, as: UTF8.self) != nil {
                diagnostics = linter.lint(text: String(decoding: bytes, as: UTF8.self), path: path).diagnostics
            } else {
                // Text cannot carry bytes that are not UTF-8: the loader reads them raw, as it does
                // from a file, and refuses them before anything else runs.
                diagnostics = YAMLLoader().load(bytes: bytes, path: path).diagnostics
                rawFiles += 1
            }
            let seconds = Date().timeIntervalSince(start)
            if seconds > slowest.seconds { slowest = (seconds, index) }
            if !diagnostics.isEmpty { diagnosed += 1 }
            let widths = Self.lineWidths(bytes)
            for diagnostic in diagnostics {
                let ranges = [diagnostic.range] + diagnostic.notes.compactMap(\.range)
                for range in ranges where range.file == path {
                    let line = range.start.line, column = range.start.column
                    guard line >= 1, line <= widths.count, column >= 1, column <= widths[line - 1] + 1 else {
                        problems.append("mutant \(index) of \(origin): \(diagnostic.code.rawValue) at \(line):\(column) outside the file (\(widths.count) lines): \(diagnostic.message)")
                        continue
                    }
                }
            }
            if problems.count > 20 { break }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // A hang would show as one file taking far longer than the rest; seconds are generous for a debug build.
        #expect(slowest.seconds < 2, "mutant \(slowest.index) took \(slowest.seconds) s")
        // The mutations are not so gentle that everything still lints clean.
        #expect(diagnosed > Self.mutants / 2)
        #expect(rawFiles > 100, "too few mutants with bytes that are not UTF-8")
    }
}
