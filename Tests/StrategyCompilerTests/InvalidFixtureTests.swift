import Foundation
import StrategyCompiler
import StrategyDSL
import Testing

/// Each file under Fixtures/invalid states, in `# expect: CODE LINE:COLUMN` comments, the
/// diagnostics a careful reader finds by hand; the linter must report exactly those errors
/// (warnings not listed are allowed) at exactly those positions.
struct InvalidFixtureTests {
    struct Expectation: Hashable, CustomStringConvertible {
        var code: String
        var line: Int
        var column: Int
        var description: String { "\(code) \(line):\(column)" }
    }

    static let fixtures: [String] = {
        let folder = fixturesFolder.appendingPathComponent("invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    static func expectations(in path: String) -> [Expectation] {
        let bytes = FileManager.default.contents(atPath: path) ?? Data()
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let parts = line.dropFirst("# expect: ".count).split(separator: " ")
            let position = parts[1].split(separator: ":")
            return Expectation(code: String(parts[0]), line: Int(position[0])!, column: Int(position[1])!)
        }
    }

    @Test func thereAreAtLeastSixtyFixtures() {
        #expect(Self.fixtures.count >= 60)
    }

    @Test(arguments: fixtures)
    func fixtureReportsItsMarkedDiagnostics(_ name: String) {
        let relative = "Tests/StrategyCompilerTests/Fixtures/invalid/\(name)"
        let expected = Self.expectations(in: packageRoot.appendingPathComponent(relative).path)
        #expect(!expected.isEmpty, "fixture \(name) marks no expectation")
        let path = packageRoot.appendingPathComponent(relative).path
        let result = lint(path)
        let found = result.diagnostics.map {
            Expectation(code: $0.code.rawValue, line: $0.range.start.line, column: $0.range.start.column)
        }
        for expectation in expected {
            #expect(found.contains(expectation), "\(name): expected \(expectation), found \(result.diagnostics.map { "\($0.code.rawValue) \($0.range.start) \($0.message)" })")
        }
        // Errors inside imported files are context for the fixture's own error, which is what it marks.
        let unexpectedErrors = result.diagnostics.filter { diagnostic in
            diagnostic.severity == .error && diagnostic.range.file == path && !expected.contains(Expectation(code: diagnostic.code.rawValue, line: diagnostic.range.start.line, column: diagnostic.range.start.column))
        }
        #expect(unexpectedErrors.isEmpty, "\(name): unexpected \(unexpectedErrors.map { "\($0.code.rawValue) \($0.range.start) \($0.message)" })")
        // Every position names a real place in the file.
        if let source = result.source {
            for diagnostic in result.diagnostics where diagnostic.range.file == source.path {
                #expect(source.line(diagnostic.range.start.line) != nil, "\(name): line \(diagnostic.range.start.line) is outside the file")
            }
        }
    }
}
