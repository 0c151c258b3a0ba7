import Foundation

/// Batch inference over a feature CSV: the engine of `stratum model predict`.
///
/// Input: a header whose first column is `timestamp` and whose other columns are features,
/// matched to the model's features by name (extra columns are ignored, order is free);
/// an empty cell is a missing value. Output: `timestamp` and one column per model output,
/// numbers in the shortest form that reads back to the same Double, NaN as an empty cell.
public struct BatchPrediction: Sendable {
    public let timestamps: [String]
    /// One row per timestamp, in the model's feature order.
    public let rows: [[Double]]

    /// Parses `text` (the content of `file`) into rows for a model with `featureNames`.
    ///
    /// - Throws: `RegistryError.malformedFile` naming the file, line and column of a bad cell
    ///   or the features the header lacks.
    public init(csv text: String, file: String, featureNames: [String]) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else {
            throw RegistryError.malformedFile(file, line: 1, reason: "empty file; expected a header 'timestamp,\(featureNames.joined(separator: ","))'")
        }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.first == "timestamp" else {
            throw RegistryError.malformedFile(file, line: 1, reason: "the first column must be 'timestamp', found '\(columns.first ?? "")'")
        }
        let missing = featureNames.filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw RegistryError.malformedFile(file, line: 1, reason:
                "no column for feature(s) \(missing.joined(separator: ", ")); the model needs \(featureNames.joined(separator: ", "))")
        }
        let positions = featureNames.map { columns.firstIndex(of: $0)! }
        var timestamps: [String] = [], rows: [[Double]] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == columns.count else {
                throw RegistryError.malformedFile(file, line: index + 1, reason: "\(cells.count) cells, the header has \(columns.count)")
            }
            let row = try positions.map { position -> Double in
                let cell = cells[position].trimmingCharacters(in: .whitespaces)
                if cell.isEmpty { return .nan }
                guard let value = Double(cell) else {
                    throw RegistryError.malformedFile(file, line: index + 1, reason:
                        "column \(position + 1) (\(columns[position])): '\(cell)' is not a number; leave the cell empty for a missing value")
                }
                return value
            }
            timestamps.append(String(cells[0]))
            rows.append(row)
        }
        self.timestamps = timestamps
        self.rows = rows
    }

    /// Runs the model on every row and renders the output CSV.
    public func predictions(using evaluator: any ModelEvaluator) -> String {
        var output = [Double](repeating: 0, count: evaluator.outputNames.count)
        var text = (["timestamp"] + evaluator.outputNames).joined(separator: ",") + "\n"
        for (timestamp, row) in zip(timestamps, rows) {
            evaluator.predict(row, into: &output)
            text += timestamp
            for value in output { text += "," + (value.isNaN ? "" : "\(value)") }
            text += "\n"
        }
        return text
    }
}
