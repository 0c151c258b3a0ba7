import ArgumentParser
import Foundation
import StrategyCompiler
import StrategyDSL

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check strategy files the way a compiler checks code.",
        discussion: """
        Reports every problem in every file, each at its file:line:column, with a did-you-mean \
        where one is likely. Exit status: 0 clean (warnings allowed unless --strict), 1 errors \
        found, 2 usage or I/O error (a file that cannot be read).

        Examples:
          stratum lint strategies/*.yaml
          stratum lint --format sarif strategies/*.yaml > lint.sarif
        """)

    @Argument(help: ArgumentHelp("Strategy files to check.", valueName: "file"))
    var files: [String]

    @OptionGroup var registryOptions: RegistryOptions

    @Option(help: "Output format: text (like swiftc and rustc), json, or sarif (SARIF 2.1.0 for code scanning).")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one strategy file") }
    }

    func run() throws {
        let linter = Linter(models: RegistryModelResolver(root: registryOptions.registryURL))
        let results = files.map { linter.lint(path: $0) }
        let diagnostics = results.flatMap(\.diagnostics)
        let renderer = DiagnosticRenderer(colour: format == .text && Console.stdoutIsTerminal)
        switch format {
        case .text:
            var out = ""
            for result in results {
                for diagnostic in result.diagnostics {
                    out += renderer.text(diagnostic, source: result.source) + "\n"
                }
                if !result.hasErrors, let checked = result.checked {
                    out += "\(result.path): \(checked.spec.name.value) checks; warm-up \(checked.warmup) bar\(checked.warmup == 1 ? "" : "s")\n"
                }
            }
            out += renderer.summary(diagnostics, files: results.count) + "\n"
            FileHandle.standardOutput.write(Data(out.utf8))
        case .json:
            print(renderer.json(diagnostics))
        case .sarif:
            print(renderer.sarif(diagnostics, toolVersion: StratumVersion.current))
        }
        if results.contains(where: { $0.diagnostics.contains { $0.code == .fileUnreadable } }) {
            throw ExitStatus.usageOrIO
        }
        if diagnostics.hasErrors || (strict && diagnostics.contains { $0.severity == .warning }) {
            throw ExitStatus.failure
        }
    }
}

extension DiagnosticFormat: ExpressibleByArgument {}
