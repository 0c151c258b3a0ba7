import Foundation
import Indicators
import ModelRegistry
import Runtime
import StrategyCompiler
import StrategyDSL
import Storage

/// A strategy loaded for `stratum run`: checked, planned, its models loaded, and each data source
/// opened the way a live run reads it (history to replay, or an exchange stream).
struct LiveStrategy {
    enum Source {
        /// Bars from a file, a table or the generator; `speed` is a `replay:` source's own speed.
        case historical(any BarFeed, speed: String?)
        case exchange(DataSourceSpec)
    }

    var path: String
    var plan: Plan
    var evaluators: [String: any ModelEvaluator]
    var sources: [Source]
    /// The file as compiled: with its text, what the state journal keeps of the plan.
    var compiled: CompiledStrategy

    /// - Throws: `CommandError` naming the file and line of the first source that cannot be opened,
    ///   or every lint error.
    static func load(path: String, registry: URL) throws -> LiveStrategy {
        let linter = Linter(models: RegistryModelResolver(root: registry))
        let compiled: CompiledStrategy
        do {
            compiled = try CompiledStrategy.compile(path: path, linter: linter, registry: registry)
        } catch {
            switch error {
            case .lint:
                throw CommandError("\(path) does not pass lint; nothing was started\n\n\(error.text(colour: Console.stderrIsTerminal))")
            case .planning(let message):
                throw CommandError("\(path): \(message)")
            case .model:
                throw CommandError(error.text())
            }
        }
        let bases = linter.baseDirectories(for: path)
        var sources: [Source] = []
        for source in compiled.plan.spec.dataSources {
            let timeZone = TimeZone(identifier: source.timezone) ?? .gmt
            switch source.kind {
            case .csv(let written), .replay(let written, _):
                guard let url = StrategyChecker.resolve(written.value, in: bases) else {
                    throw CommandError("\(path):\(written.range.start): data file '\(written.value)' not found")
                }
                let reader: CSVBarReader
                do {
                    reader = try CSVBarReader(path: url.path, timeZone: timeZone)
                } catch {
                    throw CommandError(wrapping: error)
                }
                if case .replay(_, let speed) = source.kind {
                    sources.append(.historical(reader, speed: speed.value))
                } else {
                    sources.append(.historical(reader, speed: nil))
                }
            case .synthetic(let synthetic):
                do {
                    sources.append(.historical(try SyntheticBarGenerator(synthetic, intervalMicroseconds: source.intervalMicroseconds), speed: nil))
                } catch {
                    throw CommandError("\(path):\(source.name.range.start): \(error)")
                }
            case .sqlite(let written, let table, let whereClause):
                guard let url = StrategyChecker.resolve(written.value, in: bases) else {
                    throw CommandError("\(path):\(written.range.start): database '\(written.value)' not found")
                }
                sources.append(.historical(SQLiteBarFeed(url: url, table: table, whereClause: whereClause, timeZone: timeZone), speed: nil))
            case .exchange:
                sources.append(.exchange(source))
            }
        }
        return LiveStrategy(path: path, plan: compiled.plan, evaluators: compiled.evaluators, sources: sources, compiled: compiled)
    }
}
