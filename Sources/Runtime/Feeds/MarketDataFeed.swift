public import Foundation
import Indicators
public import Agents
public import StrategyDSL

/// A strategy's data source opened for reading: bars from its file or generator, through the
/// MarketData stage (anomaly filter and gap policy), with a `FeedSummary` at the end.
public struct MarketDataFeed: Sendable {
    enum Origin: Sendable {
        case csv(CSVBarReader)
        case synthetic(SyntheticBarGenerator)
    }

    public let source: DataSourceSpec
    public let timeZone: TimeZone
    let origin: Origin

    /// Opens the source: reads a CSV (or replay) file's header, or checks a synthetic source's
    /// parameters. SQLite tables are read by the Storage module (this module has no database);
    /// live exchange streams have no history to read.
    ///
    /// - Parameter baseDirectory: the folder relative file paths are resolved against (the
    ///   current directory when nil).
    /// - Throws: `FeedError` for an unknown time zone, a file that cannot be opened or a
    ///   source kind this runner does not read.
    public init(_ source: DataSourceSpec, baseDirectory: String? = nil) throws(FeedError) {
        self.source = source
        guard let zone = TimeZone(identifier: source.timezone) else {
            throw FeedError.unknownTimeZone(file: source.name.value, identifier: source.timezone)
        }
        timeZone = zone
        switch source.kind {
        case .csv(let path), .replay(let path, _):
            // A replay's speed paces a live run; read as history, it is its file.
            origin = .csv(try CSVBarReader(path: Self.resolve(path.value, against: baseDirectory), timeZone: zone))
        case .synthetic(let spec):
            origin = .synthetic(try SyntheticBarGenerator(spec, intervalMicroseconds: source.intervalMicroseconds))
        case .sqlite:
            throw FeedError.unsupportedSource(source: source.name.value, kind: "sqlite")
        case .exchange:
            throw FeedError.unsupportedSource(source: source.name.value, kind: "exchange")
        }
    }

    /// Streams every bar through the MarketData stage into `body`, in time order.
    ///
    /// - Returns: what the source delivered and what the stage found.
    /// - Throws: `FeedError` for the first bad row of a file, or what `body` throws.
    public func run(_ body: (NormalisedBar) throws -> Void) throws -> FeedSummary {
        var stage = MarketDataNormaliser(
            source: sourceLabel, anomalies: source.anomalies, gaps: source.gaps,
            intervalMicroseconds: source.intervalMicroseconds, calendar: source.calendar, timeZone: timeZone)
        var output: [NormalisedBar] = []
        output.reserveCapacity(16)
        // Closure literals, not a local function: their captures are checked for exclusive
        // access at compile time instead of on every bar.
        switch origin {
        case .csv(let reader):
            try reader.forEachBar { bar in
                output.removeAll(keepingCapacity: true)
                stage.process(bar, into: &output)
                for normalised in output { try body(normalised) }
            }
        case .synthetic(let generator):
            for bar in generator {
                output.removeAll(keepingCapacity: true)
                stage.process(bar, into: &output)
                for normalised in output { try body(normalised) }
            }
        }
        return stage.summary
    }

    /// The source's name and, for a file, its path.
    private var sourceLabel: String {
        switch origin {
        case .csv(let reader): "\(source.name.value) (\(reader.path))"
        case .synthetic: "\(source.name.value) (synthetic)"
        }
    }

    private static func resolve(_ path: String, against base: String?) -> String {
        guard let base, !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: base).appendingPathComponent(path).path
    }
}
