import Foundation
import StrategyDSL

/// The package root, to reach data/GOOG.csv as a user in the project folder would.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let googPath = repositoryRoot.appendingPathComponent("data/GOOG.csv").path

/// A scratch folder for one test, removed when the value goes away.
final class ScratchFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-feed-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` byte for byte (line breaks as given) and returns the path.
    func file(_ name: String, _ text: String) -> String {
        let path = url.appendingPathComponent(name).path
        precondition(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot write \(path)")
        return path
    }
}

/// The first data source of a strategy whose `data:` entry has these lines, decoded by the real loader.
func declaredSource(_ lines: String) -> DataSourceSpec {
    let text = """
    strategy: { name: test }
    data:
      feed:
    \(lines.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    signals:
      s: { long: close > 0 }
    """
    guard let spec = StrategyLoader().load(text: text, path: "test.yaml").spec, let source = spec.dataSources.first else {
        fatalError("test strategy did not decode:\n\(text)")
    }
    return source
}

/// A synthetic spec as a strategy declares it.
func syntheticSpec(seed: UInt64, bars: Int, start: String, startPrice: Double, drift: Double, volatility: Double) -> SyntheticSpec {
    let source = declaredSource("""
    synthetic: { seed: \(seed), bars: \(bars), start: "\(start)", start_price: \(startPrice), drift: \(drift), volatility: \(volatility) }
    """)
    guard case .synthetic(let spec) = source.kind else { fatalError("not a synthetic source") }
    return spec
}
