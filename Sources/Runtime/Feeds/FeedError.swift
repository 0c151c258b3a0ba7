/// A problem with a data source, naming the file, the line and field, and what to do about it.
///
/// Every constructor is a static member below, so the set of data errors a user can meet is
/// readable in one place (docs/data.md lists them with their fixes).
public struct FeedError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        case missingFile = "missing_file"
        case unreadableFile = "unreadable_file"
        case missingHeader = "missing_header"
        case unknownHeader = "unknown_header"
        case fieldCount = "field_count"
        case badNumber = "bad_number"
        case badTimestamp = "bad_timestamp"
        case unsortedTimestamps = "unsorted_timestamps"
        case duplicateTimestamp = "duplicate_timestamp"
        case blankLine = "blank_line"
        case noRows = "no_rows"
        case unknownTimeZone = "unknown_time_zone"
        case badSyntheticSpec = "bad_synthetic_spec"
        case unsupportedSource = "unsupported_source"
    }

    public var reason: Reason
    /// The data file (or, for a synthetic source, the strategy's source name).
    public var file: String
    /// 1-based line in `file`, when the problem is on one line.
    public var line: Int?
    /// 1-based byte column where the offending field starts.
    public var column: Int?
    /// The header name of the offending field.
    public var field: String?
    /// The other line involved (the earlier row of an unsorted or duplicate pair).
    public var relatedLine: Int?
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var fix: String

    public init(reason: Reason, file: String, line: Int? = nil, column: Int? = nil, field: String? = nil,
                relatedLine: Int? = nil, message: String, fix: String) {
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.relatedLine = relatedLine
        self.message = message
        self.fix = fix
    }

    /// `file:line:column: error: message`, then the fix, as compilers print it.
    public var description: String {
        var position = file
        if let line { position += ":\(line)" }
        if let line, line > 0, let column { position += ":\(column)" }
        return "\(position): error: \(message)\n  fix: \(fix)"
    }
}

extension FeedError {
    static let acceptedHeaders = "`timestamp,open,high,low,close,volume` or `Date,Open,High,Low,Close,Volume` (first cell may be empty; names are case-insensitive; extra columns are ignored)"
    static let timestampFormats = "ISO 8601 (2024-01-02, 2024-01-02T09:30:00, 2024-01-02 09:30:00.250, optionally ending in Z or an offset such as +01:00) or whole epoch seconds or milliseconds"

    static func badNumber(file: String, line: Int, column: Int, field: String, text: String) -> FeedError {
        FeedError(reason: .badNumber, file: file, line: line, column: column, field: field,
                  message: "`\(text)` in column `\(field)` is not a number",
                  fix: "write a decimal number such as 101.25 or 1.5e3 (no thousands separators, quotes or currency signs)")
    }

    static func badSyntheticSpec(source: String, message: String, fix: String) -> FeedError {
        FeedError(reason: .badSyntheticSpec, file: source, message: message, fix: fix)
    }

    static func badTimestamp(file: String, line: Int, column: Int, field: String, text: String, problem: String) -> FeedError {
        FeedError(reason: .badTimestamp, file: file, line: line, column: column, field: field,
                  message: "`\(text)` in column `\(field)` is not a timestamp: \(problem)",
                  fix: "write \(timestampFormats)")
    }

    static func blankLine(file: String, line: Int, nextRow: Int) -> FeedError {
        FeedError(reason: .blankLine, file: file, line: line, relatedLine: nextRow,
                  message: "line \(line) is blank but rows follow it (line \(nextRow)); a blank line is not a bar",
                  fix: "delete the blank line, or restore the row that was there")
    }

    static func duplicateTimestamp(file: String, line: Int, column: Int, field: String, previousLine: Int, text: String) -> FeedError {
        FeedError(reason: .duplicateTimestamp, file: file, line: line, column: column, field: field, relatedLine: previousLine,
                  message: "timestamp `\(text)` on line \(line) repeats the timestamp of line \(previousLine)",
                  fix: "keep one bar per timestamp: remove or merge one of lines \(previousLine) and \(line)")
    }

    static func fieldCount(file: String, line: Int, expected: Int, found: Int) -> FeedError {
        FeedError(reason: .fieldCount, file: file, line: line,
                  message: "line \(line) has \(found) field\(found == 1 ? "" : "s"); the header has \(expected)",
                  fix: "give every row one value per header column, separated by commas (no commas inside values)")
    }

    static func missingFile(file: String) -> FeedError {
        FeedError(reason: .missingFile, file: file, message: "no such file",
                  fix: "check the path; relative paths are resolved from the current directory")
    }

    static func missingHeader(file: String, firstLine: String?) -> FeedError {
        let message = firstLine.map { "line 1 (`\($0)`) is data, not a header" } ?? "the file is empty"
        return FeedError(reason: .missingHeader, file: file, line: 1, message: message,
                         fix: "start the file with a header line: \(acceptedHeaders)")
    }

    static func noRows(file: String) -> FeedError {
        FeedError(reason: .noRows, file: file, line: 1, message: "the file has a header but no bars",
                  fix: "add rows below the header, or point the data source at another file")
    }

    static func unknownHeader(file: String, header: String, problem: String) -> FeedError {
        FeedError(reason: .unknownHeader, file: file, line: 1, column: 1,
                  message: "header `\(header)` is not a bar header: \(problem)",
                  fix: "use \(acceptedHeaders)")
    }

    static func unknownTimeZone(file: String, identifier: String) -> FeedError {
        FeedError(reason: .unknownTimeZone, file: file, message: "`\(identifier)` is not an IANA time zone",
                  fix: "use a name such as UTC, America/New_York or Europe/London")
    }

    static func unreadableFile(file: String, line: Int? = nil, reason: String) -> FeedError {
        FeedError(reason: .unreadableFile, file: file, line: line, message: "cannot read the file: \(reason)",
                  fix: "check that it is a regular file and that this user may read it")
    }

    static func unsortedTimestamps(file: String, line: Int, column: Int, field: String, previousLine: Int, text: String) -> FeedError {
        FeedError(reason: .unsortedTimestamps, file: file, line: line, column: column, field: field, relatedLine: previousLine,
                  message: "timestamp `\(text)` on line \(line) is earlier than the timestamp on line \(previousLine)",
                  fix: "sort the file by time, oldest first (for example `sort -t, -k1,1` after the header)")
    }

    static func unsupportedSource(source: String, kind: String) -> FeedError {
        FeedError(reason: .unsupportedSource, file: source, message: "a \(kind) source cannot be read here",
                  fix: "read sqlite sources through the Storage module's feed; run exchange sources live; or export the bars to CSV")
    }
}
