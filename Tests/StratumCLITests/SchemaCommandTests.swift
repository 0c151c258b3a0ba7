import ArgumentParser
import Foundation
import Testing
@testable import StratumCLI

/// The repository root, where `swift test` runs and where the example paths are relative to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct SchemaCommandTests {
    @Test func defaultFormatIsAJSONSchemaDocument() throws {
        let command = try SchemaCommand.parse([])
        let object = try JSONSerialization.jsonObject(with: Data(command.output().utf8)) as? [String: Any]
        #expect(object?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect((object?["properties"] as? [String: Any])?.keys.sorted() == [
            "compliance", "data", "execution", "features", "imports", "models", "portfolio", "regimes", "risk", "signals",
            "strategy", "supervisor",
        ])
    }

    @Test func markdownFormatIsTheFieldReference() throws {
        let text = try SchemaCommand.parse(["--format", "markdown"]).output()
        #expect(text.hasPrefix("### Top-level fields\n"))
        #expect(text.contains("| field | type | default | example | meaning |"))
        #expect(text.contains("### `risk.sizing` fields"))
    }

    @Test func unknownFormatIsAUsageError() {
        #expect(throws: (any Error).self) { try SchemaCommand.parse(["--format", "yaml"]) }
    }

    @Test func helpShowsTheEditorWiring() {
        let help = SchemaCommand.helpMessage()
        #expect(help.contains("# yaml-language-server: $schema="))
        #expect(help.contains("--format <format>"))
    }

    @Test func cliReferenceHasASectionPerCommandOfThisModule() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        for command in ["lint", "schema", "graph"] {
            #expect(text.contains("## `stratum \(command)`"), "docs/cli.md has no section for \(command)")
        }
        let names = Stratum.configuration.subcommands.compactMap { $0.configuration.commandName }
        #expect(names.contains("schema") && names.contains("graph"))
    }
}
