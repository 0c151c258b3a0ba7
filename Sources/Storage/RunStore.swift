import Foundation
import GRDB

/// One run's SQLite database, `runs/<run-id>/run.sqlite`: the writer the engine feeds and
/// the reader that reports, the CLI and the audit verifier use.
///
/// Writes take batches and commit each batch in one transaction with cached prepared
/// statements, which is what lets a backtest store a million rows in about a second. A batch
/// that breaks a schema rule throws a ``StorageError`` naming the file and the record, and
/// leaves nothing of itself behind. Calls are serialized by GRDB, so one store may be shared
/// between tasks; reads run beside writes (a WAL `DatabasePool`).
public final class RunStore: Sendable {
    /// The database's file name inside a run folder.
    public static let fileName = "run.sqlite"

    /// The database file.
    public let url: URL
    let reader: any DatabaseReader
    /// Nil when the store was opened read-only.
    let writer: (any DatabaseWriter)?

    /// True when the store refuses writes.
    public var isReadOnly: Bool { writer == nil }

    init(url: URL, reader: any DatabaseReader, writer: (any DatabaseWriter)?) {
        self.url = url
        self.reader = reader
        self.writer = writer
    }

    /// Creates a run database, records its manifest and opens the audit chain with a
    /// `run.created` row whose payload is the manifest.
    ///
    /// - Parameters:
    ///   - url: The file to create; its folder must exist and the file must not.
    ///   - manifest: What the run is made from.
    ///   - durability: `.normal` for backtests, `.full` for paper and live runs.
    /// - Throws: ``StorageError``: `alreadyExists` if the file exists (it is left untouched),
    ///   `missingFile` if the folder does not, `rejected` if the manifest breaks a schema
    ///   rule (the new file is then removed).
    public static func create(at url: URL, manifest: RunManifest, durability: Durability = .normal) throws -> RunStore {
        let files = FileManager.default
        guard !files.fileExists(atPath: url.path) else { throw StorageError.alreadyExists(url) }
        let folder = url.deletingLastPathComponent()
        guard files.fileExists(atPath: folder.path) else { throw StorageError.missingFile(folder) }
        let pool = try openPool(at: url, durability: durability, action: "creating the database")
        let store = RunStore(url: url, reader: pool, writer: pool)
        do {
            try store.migrate(pool)
            try store.write("recording the manifest") { db in
                try store.insertManifest(manifest, db)
                let payload = try AuditChain.encodePayload(manifest)
                _ = try store.appendAuditRows(
                    [AuditEvent(uncheckedKind: "run.created", payload: payload, at: manifest.createdMicros)], db)
            }
        } catch {
            try? pool.close()
            for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: url.path + suffix) }
            throw error
        }
        return store
    }

    /// Opens an existing run database for writing, bringing its schema forward if it was
    /// written by an older Stratum. A database left by a crashed process opens normally: SQLite
    /// replays or discards its WAL.
    ///
    /// - Throws: ``StorageError``: `missingFile`, `notARunDatabase` (checked before anything
    ///   is written), `newerSchema`.
    public static func open(at url: URL, durability: Durability = .normal) throws -> RunStore {
        try inspect(url, requireCurrentSchema: false)
        let pool = try openPool(at: url, durability: durability, action: "opening the database")
        let store = RunStore(url: url, reader: pool, writer: pool)
        do {
            try store.migrate(pool)
        } catch {
            try? pool.close()
            throw error
        }
        return store
    }

    /// Opens an existing run database for reading only; nothing in the file changes.
    ///
    /// - Throws: ``StorageError``: `missingFile`, `notARunDatabase`, `newerSchema`.
    public static func openReadOnly(at url: URL) throws -> RunStore {
        let queue = try inspect(url, requireCurrentSchema: true)
        return RunStore(url: url, reader: queue, writer: nil)
    }

    /// Closes the connections; the last close checkpoints the WAL into the main file.
    ///
    /// Close the store before ``RunFolder`` moves the run folder into place.
    public func close() throws {
        do {
            try reader.close()
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "closing the database", message: error.message ?? "\(error)")
        }
    }

    /// Applies the migrations this version knows and the file lacks.
    func migrate(_ writer: any DatabaseWriter) throws {
        do {
            try RunSchema.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "migrating the schema", message: error.message ?? "\(error)")
        }
    }

    private static func openPool(at url: URL, durability: Durability, action: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        do {
            let pool = try DatabasePool(path: url.path, configuration: configuration)
            // Set after opening: the pool's WAL setup sets NORMAL on its one writer connection,
            // which is the only connection that commits, so this is where the choice applies.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
            }
            return pool
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: action, message: error.message ?? "\(error)")
        }
    }

    /// Checks, without writing, that `url` is a run database this version can read, and
    /// returns the read-only connection it used.
    @discardableResult
    static func inspect(_ url: URL, requireCurrentSchema: Bool) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: url.path) else { throw StorageError.missingFile(url) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue: DatabaseQueue
        let applied: Set<String>
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            applied = try queue.read { db in try RunSchema.migrator.appliedIdentifiers(db) }
        } catch let error as DatabaseError {
            throw StorageError.notARunDatabase(url, reason: "SQLite: \(error.message ?? "\(error)")")
        }
        let known = RunSchema.knownMigrations
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else { throw StorageError.newerSchema(url, unknown: unknown) }
        guard applied.contains("v1-core") else {
            throw StorageError.notARunDatabase(url, reason: "it has no Stratum schema")
        }
        let missing = known.filter { !applied.contains($0) }
        if requireCurrentSchema, !missing.isEmpty {
            throw StorageError.notARunDatabase(
                url,
                reason: "its schema lacks \(missing.joined(separator: ", ")); open it for writing once to bring it forward")
        }
        return queue
    }

    /// Runs `body` in one write transaction; any error rolls the whole transaction back.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        guard let writer else { throw StorageError.readOnly(url, action: action) }
        do {
            return try writer.write(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: action, message: error.message ?? "\(error)")
        }
    }

    /// Runs `body` in a read transaction; values the schema should have excluded are reported
    /// as a corrupt row in `table`.
    func read<T>(_ table: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try reader.read(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "reading \(table)", message: error.message ?? "\(error)")
        } catch {
            throw StorageError.corruptRow(url, table: table, detail: "\(error)")
        }
    }

    /// Executes one GRDB statement, turning a schema refusal into an error naming the record.
    func execute(
        _ statement: Statement, _ arguments: StatementArguments, action: String, record: @autoclosure () -> String
    ) throws {
        try refusing(action: action, record: record()) { try statement.execute(arguments: arguments) }
    }

    /// Runs one row's write; a constraint or trigger refusal becomes a `rejected` error that
    /// names the file and `record`, and rolls back the enclosing transaction.
    func refusing(action: String, record: @autoclosure () -> String, _ write: () throws -> Void) throws {
        do {
            try write()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StorageError.rejected(url, action: action, record: record(), reason: error.message ?? "\(error)")
        }
    }
}
