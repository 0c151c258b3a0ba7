import Foundation
import ModelRegistry
import Runtime
import StrategyCompiler
import StrategyDSL
import Storage

/// A strategy file made ready to run: linted, planned, its models loaded (checksums verified)
/// and its data sources opened. Every command that runs a strategy starts here.
struct PreparedStrategy {
    var path: String
    var plan: Plan
    var evaluators: [String: any ModelEvaluator]
    var feeds: [any BarFeed]
    /// Data files the run reads, as written in the strategy, with their resolved locations.
    var dataFiles: [(written: String, url: URL)]
    var lint: Linter.Result

    /// - Parameter pinned: model name → the versions a manifest recorded, to re-run exactly that.
    static func load(path: String, registry: URL, pinned: [String: [String]] = [:]) throws -> PreparedStrategy {
        let resolver = PinnedModels(base: RegistryModelResolver(root: registry), pinned: pinned)
        let linter = Linter(models: resolver)
        let compiled: CompiledStrategy
        do {
            compiled = try CompiledStrategy.compile(path: path, linter: linter, registry: registry)
        } catch {
            switch error {
            case .lint:
                throw CommandError("\(path) does not pass lint; nothing was run\n\n\(error.text(colour: Console.stderrIsTerminal))")
            case .planning(let message):
                throw CommandError("\(path): \(message)")
            case .model:
                throw CommandError(error.text())
            }
        }
        let (plan, evaluators, checked) = (compiled.plan, compiled.evaluators, compiled.plan.strategy)
        let bases = linter.baseDirectories(for: path)
        var feeds: [any BarFeed] = []
        var dataFiles: [(String, URL)] = []
        for source in checked.spec.dataSources {
            let timeZone = TimeZone(identifier: source.timezone) ?? .gmt
            switch source.kind {
            case .csv(let written), .replay(let written, _):
                guard let url = StrategyChecker.resolve(written.value, in: bases) else {
                    throw CommandError("\(path):\(written.range.start): data file '\(written.value)' not found")
                }
                do {
                    feeds.append(try CSVBarReader(path: url.path, timeZone: timeZone))
                } catch {
                    throw CommandError(wrapping: error)
                }
                dataFiles.append((written.value, url))
            case .synthetic(let synthetic):
                do {
                    feeds.append(try SyntheticBarGenerator(synthetic, intervalMicroseconds: source.intervalMicroseconds))
                } catch {
                    throw CommandError("\(path):\(source.name.range.start): \(error)")
                }
            case .sqlite(let written, let table, let whereClause):
                guard let url = StrategyChecker.resolve(written.value, in: bases) else {
                    throw CommandError("\(path):\(written.range.start): database '\(written.value)' not found")
                }
                feeds.append(SQLiteBarFeed(url: url, table: table, whereClause: whereClause, timeZone: timeZone))
                dataFiles.append((written.value, url))
            case .exchange(let venue, let symbol, _, _, _):
                throw CommandError("\(path):\(source.name.range.start): data source '\(source.name.value)' is a live \(venue) stream (\(symbol)); a backtest needs a historical source (csv, sqlite, synthetic or replay)")
            }
        }
        return PreparedStrategy(path: path, plan: plan, evaluators: evaluators, feeds: feeds, dataFiles: dataFiles, lint: compiled.lint)
    }
}

/// Resolves model references as the registry does, except that tags resolve to a version the
/// run recorded.
///
/// A strategy may read several versions of one model (a live model and its shadow), so a name
/// maps to every version recorded. A reference to a version is exact already; a tag keeps what
/// it points to now when the run read that version, and otherwise takes the first recorded one.
struct PinnedModels: ModelResolving {
    let base: RegistryModelResolver
    /// Model name → the versions the run recorded.
    let pinned: [String: [String]]

    func resolve(_ reference: String) -> ModelResolution {
        guard let parsed = try? ModelReference(parsing: reference), let recorded = pinned[parsed.name], let first = recorded.first,
              case .tag = parsed.selector else { return base.resolve(reference) }
        if case .resolved(let now) = base.resolve(reference), recorded.contains(now.version) { return .resolved(now) }
        return base.resolve("\(parsed.name)@\(first)")
    }
}
