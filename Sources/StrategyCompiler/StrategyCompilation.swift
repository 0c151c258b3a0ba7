import Foundation
import ModelRegistry
import StrategyDSL

/// A strategy file compiled for running: linted, planned, and its models loaded with their
/// checksums verified. What `stratum backtest` and `stratum run` start from, and what a hot
/// reload compiles the edited file into before it maps the running agents.
public struct CompiledStrategy: Sendable {
    public var path: String
    public var plan: Plan
    /// Evaluators by model alias.
    public var evaluators: [String: any ModelEvaluator]
    public var lint: Linter.Result

    /// Parse → lint → plan → load models.
    ///
    /// - Parameters:
    ///   - linter: resolves model references (the registry, or versions a run pinned).
    ///   - registry: where the resolved versions' artefacts are loaded from.
    /// - Throws: `CompilationError`, naming the stage that failed and everything it found.
    public static func compile(path: String, linter: Linter, registry: URL) throws(CompilationError) -> CompiledStrategy {
        try compile(linter.lint(path: path), path: path, registry: registry)
    }

    /// The same from the file's text, as a run kept it (relative paths still resolve beside `path`).
    public static func compile(text: String, path: String, linter: Linter, registry: URL) throws(CompilationError) -> CompiledStrategy {
        try compile(linter.lint(text: text, path: path), path: path, registry: registry)
    }

    private static func compile(_ result: Linter.Result, path: String, registry: URL) throws(CompilationError) -> CompiledStrategy {
        guard !result.hasErrors, let checked = result.checked else { throw .lint(result) }
        let plan: Plan
        do {
            plan = try Planner.plan(checked)
        } catch {
            throw .planning("\(error)")
        }
        var evaluators: [String: any ModelEvaluator] = [:]
        let store = ModelRegistry(root: registry)
        for (alias, info) in checked.models {
            do {
                let reference = try ModelReference(name: info.name, selector: .version(info.version))
                evaluators[alias] = try store.resolve(reference).loadEvaluator()
            } catch {
                throw .model(alias: alias, model: "\(info.name)@\(info.version)", reason: "\(error)")
            }
        }
        return CompiledStrategy(path: path, plan: plan, evaluators: evaluators, lint: result)
    }
}

/// Why a strategy file could not be compiled for running.
public enum CompilationError: Error, Sendable {
    /// The file does not pass lint; the result holds every diagnostic and the source to show them with.
    case lint(Linter.Result)
    /// Lint passed but lowering failed (a planner limitation, not a user error).
    case planning(String)
    /// A model the strategy reads cannot be loaded (missing artefact, checksum mismatch).
    case model(alias: String, model: String, reason: String)

    /// The errors as `stratum lint` prints them (`file:line:column: error[E104]: ...` with the
    /// source line and a caret), or the planning/model problem in one line.
    public func text(colour: Bool = false) -> String {
        switch self {
        case .lint(let result):
            let renderer = DiagnosticRenderer(colour: colour)
            return result.diagnostics.filter { $0.severity == .error }.map { renderer.text($0, source: result.source) }.joined(separator: "\n")
        case .planning(let message):
            return message
        case .model(let alias, let model, let reason):
            return "model '\(alias)' (\(model)) cannot be loaded: \(reason)"
        }
    }
}
