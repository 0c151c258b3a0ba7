import Agents
import Foundation
import Indicators
import StrategyCompiler

/// Turns a reload request into a new running plan, or a refusal, in two steps.
///
/// 1. `compile()` reads the strategy file and the registry (parse → lint → plan → load
///    models). It does I/O and takes milliseconds, so run it beside the bar loop, not in it.
/// 2. `apply(_:running:agents:recentBars:triggers:at:)` is the pure swap, called by the runner
///    between two bars with its agents (`Reloader.reload`).
///
/// A file that fails lint is refused in step 1: the old plan keeps running, and the record
/// carries the diagnostics as `stratum lint` prints them.
public struct ReloadCoordinator: Sendable {
    public let path: String
    public let registry: URL
    public let linter: Linter

    /// - Parameters:
    ///   - path: the strategy file the process runs.
    ///   - registry: the model registry folder its model references resolve in.
    ///   - workingDirectory: where relative data and indicator paths in the file resolve first.
    public init(path: String, registry: URL, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.path = path
        self.registry = registry
        linter = Linter(models: RegistryModelResolver(root: registry), workingDirectory: workingDirectory)
    }

    /// The edited file compiled, or why not.
    public enum Compilation: Sendable {
        case ready(CompiledStrategy)
        /// Lint errors (or a model that will not load), as text for the operator.
        case refused(diagnostics: String)
    }

    /// Step 1: parse → lint → plan → load models.
    public func compile() -> Compilation {
        do {
            return .ready(try CompiledStrategy.compile(path: path, linter: linter, registry: registry))
        } catch {
            let text = error.text()
            if case .lint = error { return .refused(diagnostics: "\(path) does not pass lint; the running plan is kept\n\n\(text)") }
            return .refused(diagnostics: text)
        }
    }

    /// Step 2, between two bars: the agents mapped onto the compiled plan, or the running ones kept.
    public func apply(_ compilation: Compilation, running: Plan, agents: AgentSet, recentBars: [[Bar]],
                      triggers: [ReloadTrigger], at timestamp: Int64) -> Reloader.Result {
        switch compilation {
        case .ready(let compiled):
            return Reloader.reload(running: running, agents: agents, to: compiled.plan, evaluators: compiled.evaluators,
                                   recentBars: recentBars, path: path, triggers: triggers, at: timestamp)
        case .refused(let diagnostics):
            return Reloader.Result(plan: running, agents: agents, diff: PlanDiff(from: running, to: running), carry: nil,
                                   record: .refused(diagnostics: diagnostics, path: path, running: running, triggers: triggers, at: timestamp))
        }
    }

    /// The model names a plan reads, whose `tags.json` the watcher should follow.
    public static func models(of plan: Plan) -> [String] {
        Array(Set(plan.strategy.models.values.map(\.name))).sorted()
    }
}
