import ArgumentParser
import Foundation
import ModelRegistry

/// `stratum model ...`: use a registered model outside a strategy.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Run registered models on feature files.",
        subcommands: [Predict.self]
    )
}

extension ModelCommand {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Batch inference: predict every row of a feature CSV.",
            discussion: """
            The input's first column is `timestamp`; the other columns are features, matched to the model's \
            features by name (order is free, extra columns are ignored). An empty cell is a missing value. The \
            output has `timestamp` and `prediction`, or `prediction.<class>` per class for a multi-class model; \
            numbers are written in the shortest form that reads back exactly, an undefined prediction as an \
            empty cell. The model's files are verified first.

            Exit codes: 0 ok; 1 the model failed verification or the input was refused; 2 usage or I/O error.
            """)

        @OptionGroup var location: RegistryLocation
        @Argument(help: ArgumentHelp("The model version or tag.", valueName: "name@ref")) var model: String
        @Option(help: ArgumentHelp("The feature CSV.", valueName: "path")) var input: String
        @Option(help: ArgumentHelp("Where to write the predictions (default: standard output).", valueName: "path")) var out: String?

        func run() throws {
            try reportingRegistryErrors {
                let resolved = try location.value.resolve(ModelReference(parsing: model))
                let evaluator = try resolved.loadEvaluator()
                guard let data = FileManager.default.contents(atPath: input) else {
                    throw RegistryError.io(input, reason: "cannot read the feature file")
                }
                let batch = try BatchPrediction(csv: String(decoding: data, as: UTF8.self), file: input, featureNames: evaluator.featureNames)
                let text = batch.predictions(using: evaluator)
                guard let out else { return CommandOutput.current.standard(text) }
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw RegistryError.io(out, reason: "cannot write the predictions: \(error.localizedDescription)")
                }
                CommandOutput.current.error("\(resolved.reference): \(batch.rows.count) predictions written to \(out)\n")
            }
        }
    }
}
