import Foundation
import StrategyCompiler
import StrategyDSL

/// The package root, so fixtures resolve `data/GOOG.csv` as a user in the project folder would.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixturesFolder = packageRoot.appendingPathComponent("Tests/StrategyCompilerTests/Fixtures")

/// A registry with fixed answers: `momentum` (versions v261124 = prod, v261125 = staging) reads
/// rsi14, z and macd.hist; `trend` (v261124 = prod) reads fast and slow.
struct FixedModels: ModelResolving {
    static let features = ["momentum": ["rsi14", "z", "macd.hist"], "trend": ["fast", "slow"]]

    func resolve(_ reference: String) -> ModelResolution {
        let parts = reference.split(separator: "@").map(String.init)
        guard parts.count == 2, let features = Self.features[parts[0]] else { return .unknownModel(known: ["momentum", "trend"]) }
        let known = ["v261124", "v261125", "prod", "staging"]
        guard known.contains(parts[1]) else { return .unknownSelector(model: parts[0], known: known) }
        let version = ["prod": "v261124", "staging": "v261125"][parts[1]] ?? parts[1]
        return .resolved(ResolvedModelInfo(name: parts[0], version: version, features: features,
                                           outputs: ["prediction"], manifestHash: String(repeating: "0", count: 64)))
    }
}

func lint(_ path: String, models: (any ModelResolving)? = FixedModels()) -> Linter.Result {
    Linter(models: models, workingDirectory: packageRoot).lint(path: path)
}

func lint(text: String, path: String = "strategy.yaml", models: (any ModelResolving)? = FixedModels()) -> Linter.Result {
    Linter(models: models, workingDirectory: packageRoot).lint(text: text, path: path)
}
