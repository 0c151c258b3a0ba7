import Foundation
import ModelRegistry
import StrategyCompiler

/// What compiles to a running plan again, exactly: the strategy file's text as it was compiled
/// and the version each model reference resolved to then (a tag such as `momentum@prod` may
/// point elsewhere by now).
///
/// The state journal keeps one per plan the run used (at start and at each applied reload), so
/// a restart replays each stretch of bars through the plan that handled it.
public struct PlanSource: Sendable, Equatable {
    /// The strategy file, as the run was given it: relative data and indicator paths resolve beside it.
    public var path: String
    public var text: String
    /// Each model reference as written (`momentum@prod`) → the version it resolved to (`v261124`).
    public var models: [String: String]
    /// The strategy's name (`strategy.name`) and plan hash, to check a recompilation against.
    public var strategy: String
    public var planHash: String

    public init(path: String, text: String, models: [String: String], strategy: String, planHash: String) {
        self.path = path
        self.text = text
        self.models = models
        self.strategy = strategy
        self.planHash = planHash
    }

    /// The source of a compiled file (lint keeps the text it read).
    public init(_ compiled: CompiledStrategy) {
        self.init(path: compiled.path, text: compiled.lint.source?.text ?? "", plan: compiled.plan)
    }

    public init(path: String, text: String, plan: Plan) {
        var models: [String: String] = [:]
        for alias in plan.spec.models {
            if let resolved = plan.strategy.models[alias.name.value] { models[alias.reference.value] = resolved.version }
        }
        self.init(path: path, text: text, models: models, strategy: plan.spec.name.value, planHash: plan.hash)
    }

    /// Whether `other` compiles to the same plan: the same text and the same model versions.
    public func compilesLike(_ other: PlanSource) -> Bool {
        text == other.text && models == other.models
    }
}

/// Resolves model references as the registry does, except that each reference a plan source
/// recorded resolves to the version it recorded.
public struct PinnedModelVersions: ModelResolving {
    public let base: RegistryModelResolver
    /// Reference as written → version.
    public let versions: [String: String]

    public init(base: RegistryModelResolver, versions: [String: String]) {
        self.base = base
        self.versions = versions
    }

    public func resolve(_ reference: String) -> ModelResolution {
        guard let version = versions[reference], let parsed = try? ModelReference(parsing: reference) else { return base.resolve(reference) }
        return base.resolve("\(parsed.name)@\(version)")
    }
}

extension ReloadCoordinator {
    /// Compiles a recorded plan source with its recorded model versions: the plan it ran on, or
    /// why that plan cannot be built again (a model version gone from the registry, an imported
    /// file edited since, so that the plan hash differs).
    public func compile(_ source: PlanSource) -> Compilation {
        let pinned = Linter(models: PinnedModelVersions(base: RegistryModelResolver(root: registry), versions: source.models),
                            workingDirectory: linter.workingDirectory)
        let compiled: CompiledStrategy
        do {
            compiled = try CompiledStrategy.compile(text: source.text, path: source.path, linter: pinned, registry: registry)
        } catch {
            return .refused(diagnostics: error.text())
        }
        guard compiled.plan.hash == source.planHash else {
            return .refused(diagnostics: "\(source.path) as recorded compiles to plan \(compiled.plan.hash.prefix(12)), not to the plan "
                + "\(source.planHash.prefix(12)) it ran as (a file it imports, or a data file it names, has changed)")
        }
        return .ready(compiled)
    }
}
