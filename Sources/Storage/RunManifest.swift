import Foundation
import ModelRegistry

/// What a run was made from: enough to reproduce it or to prove what produced its results.
///
/// Stored in the `run`, `run_data_files` and `run_models` tables, and also written as the
/// payload of the first audit row (`run.created`), so the chain covers it.
public struct RunManifest: Sendable, Equatable, Codable {
    public var runID: RunID
    /// When the run was created, microseconds since the Unix epoch (UTC).
    public var createdMicros: Int64
    public var mode: RunMode
    /// The strategy YAML file as given on the command line, and its SHA-256.
    public var strategy: FileDigest
    /// Every market-data file the run reads, in the order the strategy declares them.
    public var dataFiles: [FileDigest]
    /// Every model version the plan resolved, tags already replaced by versions.
    public var models: [ModelDigest]
    /// The `stratum --version` string that produced the run.
    public var stratumVersion: String
    /// Strategy parameters after defaults and overrides, as a JSON object.
    public var parametersJSON: String

    public init(
        runID: RunID, createdMicros: Int64, mode: RunMode, strategy: FileDigest, dataFiles: [FileDigest],
        models: [ModelDigest], stratumVersion: String, parametersJSON: String
    ) {
        self.runID = runID
        self.createdMicros = createdMicros
        self.mode = mode
        self.strategy = strategy
        self.dataFiles = dataFiles
        self.models = models
        self.stratumVersion = stratumVersion
        self.parametersJSON = parametersJSON
    }
}

/// How a run meets the market.
public enum RunMode: String, Sendable, Codable, CaseIterable {
    case backtest
    case paper
    case live
}

/// Where a run is in its life; anything but `completed` marks a run the CLI may clean up.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running
    case completed
    case failed
}

/// A file path and the SHA-256 of its bytes.
public struct FileDigest: Sendable, Equatable, Codable {
    public var path: String
    /// 64 lowercase hex digits.
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }

    /// Hashes the file at `url` and records it under `path` (as the user wrote it).
    ///
    /// - Throws: ``StorageError`` of kind `missingFile` when the file cannot be read.
    public init(contentsOf url: URL, recordedAs path: String) throws {
        // Read in chunks: a data file may be gigabytes, and hashing needs none of it kept.
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw StorageError.missingFile(url)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update(bytes: $0) }
            }
        } catch {
            throw StorageError.missingFile(url)
        }
        self.path = path
        self.sha256 = SHA256.hexString(hasher.finalize())
    }
}

/// A model version the run used and the SHA-256 of its registry manifest.
public struct ModelDigest: Sendable, Equatable, Codable {
    public var name: String
    /// A concrete version such as `v261124`, never a tag.
    public var version: String
    public var sha256: String

    public init(name: String, version: String, sha256: String) {
        self.name = name
        self.version = version
        self.sha256 = sha256
    }
}

/// A run's lifecycle fields, which change after creation, unlike the manifest.
public struct RunState: Sendable, Equatable {
    public var status: RunStatus
    /// When the run completed or failed; nil while running.
    public var finishedMicros: Int64?
    /// Why the run failed; nil unless `status` is `failed`.
    public var failureReason: String?
    /// The last audit row when the run finished; lets the verifier notice removed tail rows.
    public var auditHead: AuditHead?

    public init(status: RunStatus, finishedMicros: Int64?, failureReason: String?, auditHead: AuditHead?) {
        self.status = status
        self.finishedMicros = finishedMicros
        self.failureReason = failureReason
        self.auditHead = auditHead
    }
}

/// The seq and hash of the audit chain's last row, sealed into `run` when the run finishes.
public struct AuditHead: Sendable, Equatable {
    public var seq: Int64
    public var hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}
