import ArgumentParser
import Foundation
import Testing
@testable import StratumCLI

struct GraphCommandTests {
    func command(_ file: String, _ extra: [String] = []) throws -> GraphCommand {
        try GraphCommand.parse([repositoryRoot.appendingPathComponent(file).path,
                                "--registry", repositoryRoot.appendingPathComponent("registry").path] + extra)
    }

    /// registry/momentum/tags.json maps prod to v261124; the staging shadow is pinned to v261125.
    @Test func jsonGraphOfTheModelStrategyShowsModelsAndTheShadow() throws {
        #expect(FileManager.default.currentDirectoryPath == repositoryRoot.path, "tests run from the repository root")
        let text = try command("strategies/momentum_model.yaml", ["--format", "json"]).output()
        let graph = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let nodes = try #require(graph["nodes"] as? [[String: Any]])
        let edges = try #require(graph["edges"] as? [[String: Any]])
        let labels = Dictionary(uniqueKeysWithValues: nodes.map { ($0["id"] as? String ?? "", $0["label"] as? String ?? "") })
        #expect(labels["model:mom"] == "mom = momentum@v261124")
        #expect(labels["model:mom_next"] == "mom_next = momentum@v261125")
        func has(_ from: String, _ to: String, _ role: String, _ output: String? = nil) -> Bool {
            edges.contains { $0["from"] as? String == from && $0["to"] as? String == to && $0["role"] as? String == role
                && $0["output"] as? String == output }
        }
        #expect(has("feature:macd", "model:mom", "input", "hist"))
        #expect(has("model:mom", "signal:model", "model", "prediction"))
        #expect(has("model:mom_next", "signal:model", "shadow"))
        // macd(12, 26, 9) needs 33 bars; the model, and so the signal, wait for it.
        #expect(graph["warmup"] as? Int == 33)
    }

    @Test func dotAndMermaidFormats() throws {
        #expect(try command("strategies/sma_cross.yaml").output().hasPrefix("digraph \"sma-cross\" {\n"))
        #expect(try command("strategies/sma_cross.yaml", ["--format", "mermaid"]).output().hasPrefix("flowchart LR\n"))
    }

    @Test func aFileWithErrorsExitsOne() throws {
        let error = #expect(throws: ExitCode.self) {
            try command("Tests/StrategyCompilerTests/Fixtures/invalid/e104_misspelt_feature.yaml").output()
        }
        #expect(error == ExitCode(1))
    }

    @Test func aMissingFileExitsTwo() throws {
        let error = #expect(throws: ExitCode.self) { try command("strategies/no_such_file.yaml").output() }
        #expect(error == ExitCode(2))
    }

    @Test func fileIsRequired() {
        #expect(throws: (any Error).self) { try GraphCommand.parse([]) }
    }
}
