import ArgumentParser
import Foundation
import Reports
import Runtime

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute a strategy's features from its data, or compare two feature files.",
        discussion: """
        Runs the data sources and the feature graph only (no signals, no orders) and writes one \
        row per bar: timestamp, then one column per feature in declaration order, multi-output \
        indicators as name.output (macd.signal), empty cells while warming up, numbers at full \
        precision. Rows stream, so memory stays constant however long the data.

        --verify A.csv B.csv compares two feature files and reports the first divergence of each \
        column (the drift check: recompute from stored bars, compare with stored features).

        Exit status: 0 written (or files identical), 1 the strategy fails lint or the files \
        differ, 2 usage or I/O error.

        Examples:
          stratum features strategies/sma_cross.yaml --out features.csv
          stratum features --verify features.csv recomputed.csv
        """)

    @Argument(help: ArgumentHelp("Strategy file.", valueName: "file"))
    var file: String?

    @OptionGroup var registryOptions: RegistryOptions

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: "csv, or json (an array of objects, null while warming up).")
    var format: FeatureTableWriter.Format = .csv

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Compare two feature CSV files instead.", valueName: "a.csv b.csv"))
    var verify: [String] = []

    func validate() throws {
        if !verify.isEmpty && verify.count != 2 { throw ValidationError("--verify takes two files") }
        if verify.isEmpty && file == nil { throw ValidationError("give a strategy file, or --verify A.csv B.csv") }
    }

    func run() throws {
        try reportingErrors {
            if verify.count == 2 {
                try compare(URL(fileURLWithPath: verify[0]), URL(fileURLWithPath: verify[1]))
            } else {
                try write(file!)
            }
        }
    }

    private func write(_ path: String) throws {
        let prepared = try PreparedStrategy.load(path: path, registry: registryOptions.registryURL)
        let plan = prepared.plan
        let handle: FileHandle
        var temporary: URL?
        if let out {
            // Written beside the target and renamed at the end: a failed run leaves no half file.
            let target = URL(fileURLWithPath: out)
            let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial")
            guard FileManager.default.createFile(atPath: partial.path, contents: nil),
                  let opened = FileHandle(forWritingAtPath: partial.path) else {
                throw CommandError("cannot write \(out): check that its folder exists and is writable", status: ExitStatus.usageOrIO)
            }
            handle = opened
            temporary = partial
        } else {
            handle = FileHandle.standardOutput
        }
        let instruments = plan.spec.dataSources.map(\.instrument)
        var writer = FeatureTableWriter(handle: handle, format: format, columns: plan.columns.map { ($0.name, $0.register) },
                                        instruments: instruments.count > 1 ? instruments : nil)
        let progress = ProgressBar(label: "features", total: nil)
        do {
            var count = 0
            let summaries = try FeatureRun(plan: plan).run(feeds: prepared.feeds) { instrument, timestamp, values in
                try writer.row(instrument: instrument, timestamp: timestamp, values: values)
                count += 1
                if count % 65_536 == 0 { progress.update(count) }
            }
            try writer.finish()
            progress.finish()
            if let temporary, let out {
                try handle.close()
                // rename(2) replaces the target atomically whether or not it exists.
                guard rename(temporary.path, out) == 0 else {
                    throw CommandError("cannot move the finished file to \(out): \(String(cString: strerror(errno)))", status: ExitStatus.usageOrIO)
                }
                Console.error("\(count) rows, \(plan.columns.count) feature columns written to \(out)")
                for summary in summaries { Console.error(summary.description) }
            }
        } catch {
            progress.finish()
            if let temporary { try? FileManager.default.removeItem(at: temporary) }
            if error is CommandError { throw error }
            throw CommandError(wrapping: error)
        }
    }

    private func compare(_ left: URL, _ right: URL) throws {
        let comparison: FeatureTableComparison
        do {
            comparison = try FeatureTableComparison.compare(left, right)
        } catch {
            throw CommandError("cannot read \(left.path) or \(right.path): \(error)", status: ExitStatus.usageOrIO)
        }
        if let problem = comparison.structuralProblem {
            throw CommandError(problem)
        }
        if comparison.identical {
            CommandOutput.line("identical: \(comparison.rows) rows, \(comparison.columns.count) columns")
            return
        }
        for divergence in comparison.divergences { CommandOutput.line(divergence.description) }
        throw CommandError("\(comparison.divergences.count) of \(comparison.columns.count) columns differ")
    }
}

extension FeatureTableWriter.Format: ExpressibleByArgument {}
