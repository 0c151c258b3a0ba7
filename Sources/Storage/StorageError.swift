import Foundation

/// A storage failure, phrased for the person who has to act on it.
///
/// Every error names the file it concerns, says what went wrong and what to do next. The
/// messages live here, one static factory each, sorted by name, so the whole set a user can
/// meet reads in one place. A failed write never leaves part of its batch behind: the
/// transaction is rolled back and earlier batches stay as they were.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for callers that choose an exit code or a retry.
    public enum Kind: String, Sendable, Equatable {
        case alreadyExists
        case corruptRow
        case databaseFailure
        case invalidRunID
        case missingFile
        case newerSchema
        case notARunDatabase
        case readOnly
        case rejected
        case runFolderFailure
    }

    public let kind: Kind
    /// The file or folder the failure concerns.
    public let path: String
    /// What went wrong.
    public let problem: String
    /// What the reader should do about it.
    public let remedy: String

    public init(kind: Kind, path: String, problem: String, remedy: String) {
        self.kind = kind
        self.path = path
        self.problem = problem
        self.remedy = remedy
    }

    /// `path: problem; remedy`, the way compilers print a file-scoped error.
    public var description: String { "\(path): \(problem); \(remedy)" }
}

extension StorageError {
    static func alreadyExists(_ url: URL) -> StorageError {
        StorageError(
            kind: .alreadyExists, path: url.path,
            problem: "already exists",
            remedy: "a run is never written over; choose a new run id or remove the old run first")
    }

    static func corruptRow(_ url: URL, table: String, detail: String) -> StorageError {
        StorageError(
            kind: .corruptRow, path: url.path,
            problem: "table \(table) holds a value this version cannot read (\(detail))",
            remedy: "the file was edited outside Stratum; run `stratum audit verify` on it and restore the run "
                + "from a backup")
    }

    static func databaseFailure(_ url: URL, action: String, message: String) -> StorageError {
        StorageError(
            kind: .databaseFailure, path: url.path,
            problem: "SQLite failed while \(action): \(message)",
            remedy: "check free disk space and file permissions; nothing from this step was written")
    }

    static func invalidRunID(_ text: String) -> StorageError {
        StorageError(
            kind: .invalidRunID, path: text,
            problem: "is not a run id",
            remedy: "run ids look like 20240305-140709-3fa8c21 (UTC date, time, short hash); list them with `ls runs/`")
    }

    static func missingFile(_ url: URL) -> StorageError {
        StorageError(
            kind: .missingFile, path: url.path,
            problem: "no such file",
            remedy: "check the path; runs live in runs/<run-id>/run.sqlite")
    }

    static func newerSchema(_ url: URL, unknown: [String]) -> StorageError {
        StorageError(
            kind: .newerSchema, path: url.path,
            problem: "was written by a newer Stratum (unknown migrations: \(unknown.joined(separator: ", ")))",
            remedy: "upgrade stratum to read this run; it was not modified")
    }

    static func notARunDatabase(_ url: URL, reason: String) -> StorageError {
        StorageError(
            kind: .notARunDatabase, path: url.path,
            problem: "is not a Stratum run database (\(reason))",
            remedy: "point at a runs/<run-id>/run.sqlite file; the file was not modified")
    }

    static func readOnly(_ url: URL, action: String) -> StorageError {
        StorageError(
            kind: .readOnly, path: url.path,
            problem: "was opened read-only, so \(action) is not allowed",
            remedy: "open it with RunStore.open(at:) to write")
    }

    static func rejected(_ url: URL, action: String, record: String, reason: String) -> StorageError {
        StorageError(
            kind: .rejected, path: url.path,
            problem: "refused \(record) while \(action): \(reason)",
            remedy: "fix the record and retry; nothing from this batch was written and earlier data is intact")
    }

    static func runFolderFailure(_ url: URL, action: String, message: String) -> StorageError {
        StorageError(
            kind: .runFolderFailure, path: url.path,
            problem: "could not \(action): \(message)",
            remedy: "check that the runs folder exists and is writable")
    }
}
