import Foundation
import Testing
import Indicators

/// The committed reference files written by scripts/reference/talib_references.py.
enum ReferenceData {
    static let folder: URL = Bundle.module.resourceURL!.appendingPathComponent("References")

    /// The input bars of a dataset ("goog" from data/GOOG.csv, "randomwalk" seeded hourly bars).
    static func bars(_ dataset: String) -> BarSeries {
        let rows = table(named: "\(dataset).csv").rows
        return BarSeries(
            timestamps: rows.map { Int64($0[0])! },
            open: rows.map { Double($0[1])! },
            high: rows.map { Double($0[2])! },
            low: rows.map { Double($0[3])! },
            close: rows.map { Double($0[4])! },
            volume: rows.map { Double($0[5])! }
        )
    }

    static let goog = bars("goog")
    static let randomWalk = bars("randomwalk")

    static func dataset(_ name: String) -> BarSeries {
        name == "goog" ? goog : randomWalk
    }

    /// A CSV file under References/ as a header and rows of fields.
    static func table(named path: String) -> (header: [String], rows: [[String]]) {
        let text = try! String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        return (header, lines)
    }
}

/// One reference case: an indicator call on a dataset and TA-Lib's (or numpy's) outputs for it.
struct ReferenceCase: Sendable, Decodable, CustomTestStringConvertible {
    let dataset: String
    let indicator: String
    let parameters: [Double]
    /// Series arguments: "close", or a call such as "rsi(14)" evaluated on close with our own indicator.
    let inputs: [String]
    let outputs: [String]
    let lookback: Int
    /// Where the expected numbers come from, e.g. "talib.SMA(close, 20)".
    let source: String
    let file: String

    var testDescription: String { "\(dataset): \(source)" }

    static let all: [ReferenceCase] = {
        struct Manifest: Decodable { let cases: [ReferenceCase] }
        let data = try! Data(contentsOf: ReferenceData.folder.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data).cases
    }()

    /// Expected values, one array per output.
    func expected() -> [[Double]] {
        let rows = ReferenceData.table(named: file).rows
        return outputs.indices.map { column in rows.map { Double($0[column])! } }
    }
}

/// Relative error at most 1e-9, read as absolute 1e-9 for values below 1 in magnitude.
func agrees(_ actual: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
    if expected.isNaN { return actual.isNaN }
    return abs(actual - expected) <= tolerance * max(abs(expected), 1.0)
}

/// The first index holding a number, or the count when there is none.
func firstValid(_ values: [Double]) -> Int {
    values.firstIndex { !$0.isNaN } ?? values.count
}

/// Evaluates a series argument of a reference case: "close", or "name(p, ...)" applied to close.
func evaluateInput(_ expression: String, bars: BarSeries) -> [Double] {
    guard expression != "close" else { return bars.close }
    let name = String(expression.prefix { $0 != "(" })
    let arguments = expression.drop { $0 != "(" }.dropFirst().dropLast()
        .split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
    let spec = IndicatorCatalog.spec(named: name)!
    return try! Batch.compute(spec: spec, parameters: arguments, series: [bars.close])[0]
}
