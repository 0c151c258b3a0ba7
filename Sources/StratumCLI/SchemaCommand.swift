import ArgumentParser
import Foundation
import StrategyDSL

/// `stratum schema`: the language as a JSON Schema for editors, or as the Markdown field reference.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the strategy language as a JSON Schema (draft 2020-12) or a Markdown field reference.",
        discussion: """
        The JSON Schema gives editors that run the YAML language server completion, hover text \
        and inline errors for strategy files. Save it once and point a strategy at it with a \
        first-line comment:

          stratum schema > docs/strategy.schema.json
          # yaml-language-server: $schema=../docs/strategy.schema.json

        The schema checks shape (keys, types, ranges, spellings); references between names \
        (a signal reading a feature, a model in the registry) are checked by `stratum lint`.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, markdown
    }

    @Option(help: "Output format: json (JSON Schema) or markdown (one table per section).")
    var format: Format = .json

    func run() throws {
        FileHandle.standardOutput.write(Data(output().utf8))
    }

    /// What the command prints, in the chosen format.
    func output() -> String {
        switch format {
        case .json: JSONSchemaGenerator().schema().rendered()
        case .markdown: ReferenceGenerator().markdown()
        }
    }
}
