import ArgumentParser
import Foundation
import StrategyCompiler
import StrategyDSL

/// `stratum graph`: the checked feature and signal DAG, for people (dot, mermaid) and tools (json).
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a strategy's feature and signal graph, or its agents and topics (dot, mermaid or json).",
        discussion: """
        Bar columns feed indicator computations and features, which feed models, regimes and \
        signals, which feed ensembles. A computation written in several places is drawn once. \
        Every node shows its warm-up: the bars before its first valid value.

        The file is checked first; if it has errors they are printed as `stratum lint` prints \
        them and the exit status is 1. Exit status 2: the file cannot be read.

        --agents draws the compiled plan instead: the seven agents (one node per data source, \
        feature and signal) and the topics between them.

        Examples:
          stratum graph strategies/sma_cross.yaml | dot -Tsvg > sma_cross.svg
          stratum graph --agents strategies/sma_cross.yaml --format mermaid
          stratum graph --format mermaid strategies/ensemble_regime.yaml
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid, json
    }

    @Argument(help: ArgumentHelp("Strategy file to draw.", valueName: "file"))
    var file: String

    @OptionGroup var registryOptions: RegistryOptions

    @Option(help: "Output format: dot (Graphviz), mermaid (Markdown diagrams) or json.")
    var format: Format = .dot

    @Flag(help: "Draw the plan's agents and their topics instead of the feature graph.")
    var agents = false

    func run() throws {
        FileHandle.standardOutput.write(Data(try output().utf8))
    }

    /// The graph in the chosen format.
    ///
    /// - Throws: `ExitCode` 1 when the file has errors (printed to standard error first), 2 when it cannot be read.
    func output() throws -> String {
        let result = Linter(models: RegistryModelResolver(root: registryOptions.registryURL)).lint(path: file)
        guard !result.hasErrors, let checked = result.checked else {
            let renderer = DiagnosticRenderer(colour: Console.stderrIsTerminal)
            var out = result.diagnostics.map { renderer.text($0, source: result.source) + "\n" }.joined()
            out += renderer.summary(result.diagnostics, files: 1)
            Console.error(out)
            throw result.diagnostics.contains { $0.code == .fileUnreadable } ? ExitStatus.usageOrIO : ExitStatus.failure
        }
        if agents {
            let graph: AgentGraph
            do {
                graph = AgentGraph(try Planner.plan(checked))
            } catch {
                Console.error("error: \(file): \(error)")
                throw ExitStatus.failure
            }
            return switch format {
            case .dot: graph.dot()
            case .mermaid: graph.mermaid()
            case .json: graph.json()
            }
        }
        let graph = FeatureGraphExport(checked)
        return switch format {
        case .dot: graph.dot()
        case .mermaid: graph.mermaid()
        case .json: graph.json().rendered()
        }
    }
}
