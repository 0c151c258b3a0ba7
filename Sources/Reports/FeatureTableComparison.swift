import Foundation

/// Compares two feature CSV files column by column and reports, for each column, the first
/// row where they differ: the drift check behind `stratum features --verify`.
///
/// Cells are compared as text: both files come from the same writer, whose numbers are the
/// shortest exact spelling, so equal text means equal Doubles and any difference is real.
public struct FeatureTableComparison: Sendable {
    public struct Divergence: Sendable, Equatable, CustomStringConvertible {
        public var column: String
        /// 1-based data row (the header is row 0).
        public var row: Int
        public var timestamp: String
        public var left: String
        public var right: String

        public var description: String {
            "\(column): first differs at row \(row) (\(timestamp)): \(left.isEmpty ? "(empty)" : left) vs \(right.isEmpty ? "(empty)" : right)"
        }
    }

    public var rows: Int
    public var columns: [String]
    public var divergences: [Divergence]
    /// Set when the files do not even have the same shape.
    public var structuralProblem: String?

    public var identical: Bool { divergences.isEmpty && structuralProblem == nil }

    public static func compare(_ left: URL, _ right: URL) throws -> FeatureTableComparison {
        let a = try LineReader(url: left), b = try LineReader(url: right)
        guard let headerA = a.next(), let headerB = b.next() else {
            return FeatureTableComparison(rows: 0, columns: [], divergences: [], structuralProblem: "a file is empty")
        }
        let columnsA = headerA.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let columnsB = headerB.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard columnsA == columnsB else {
            return FeatureTableComparison(rows: 0, columns: columnsA, divergences: [],
                                          structuralProblem: "the headers differ: \(left.lastPathComponent) has \(columnsA.joined(separator: ",")), \(right.lastPathComponent) has \(columnsB.joined(separator: ","))")
        }
        var found: [String: Divergence] = [:]
        var row = 0
        while true {
            let lineA = a.next(), lineB = b.next()
            if lineA == nil && lineB == nil { break }
            row += 1
            guard let lineA, let lineB else {
                let longer = lineA == nil ? right.lastPathComponent : left.lastPathComponent
                return FeatureTableComparison(rows: row - 1, columns: columnsA, divergences: Self.ordered(found, columnsA),
                                              structuralProblem: "\(longer) has more rows (the other ends after row \(row - 1))")
            }
            if lineA == lineB { continue }
            let cellsA = lineA.split(separator: ",", omittingEmptySubsequences: false)
            let cellsB = lineB.split(separator: ",", omittingEmptySubsequences: false)
            for (index, column) in columnsA.enumerated() where found[column] == nil {
                let x = index < cellsA.count ? String(cellsA[index]) : ""
                let y = index < cellsB.count ? String(cellsB[index]) : ""
                if x != y {
                    found[column] = Divergence(column: column, row: row, timestamp: cellsA.first.map(String.init) ?? "", left: x, right: y)
                }
            }
        }
        return FeatureTableComparison(rows: row, columns: columnsA, divergences: Self.ordered(found, columnsA), structuralProblem: nil)
    }

    static func ordered(_ found: [String: Divergence], _ columns: [String]) -> [Divergence] {
        columns.compactMap { found[$0] }
    }
}

/// Lines of a text file, read in blocks so large files stay out of memory.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false

    init(url: URL) throws {
        handle = try FileHandle(forReadingFrom: url)
    }

    deinit { try? handle.close() }

    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                var text = String(decoding: line, as: UTF8.self)
                if text.hasSuffix("\r") { text.removeLast() }
                return text
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let chunk = (try? handle.read(upToCount: 1 << 20)) ?? nil
            if let chunk, !chunk.isEmpty { buffer.append(chunk) } else { atEnd = true }
        }
    }
}
