import Foundation
import GRDB

/// The crash-safe state of one paper or live strategy: `<state dir>/state.sqlite` and
/// `<state dir>/incidents/*.md`.
///
/// What a restart needs, written before it is acted on: every input bar before the agents see
/// it (replaying the journal through the same deterministic agents restores their indicator
/// windows, positions and equity exactly), every order before it is sent, every fill, the kill
/// switch, incidents, reloads, alerts and handoff marks, and a hash-chained audit of operator
/// and supervisor decisions. The database runs in WAL mode with `synchronous = FULL`: a commit
/// has reached the disk when the call returns, so a `kill -9` (or a power cut) at any moment
/// loses nothing that was reported written, and leaves nothing half-written.
///
/// A runner uses it in this order: ``open(directory:redacting:)`` and ``bind(strategyID:at:)``,
/// ``load()`` (kill switch, journal to replay, orders to reconcile), then per bar
/// ``recordBar(_:)`` before the agents handle it, ``admit(_:)`` before sending each order and
/// ``markSent(_:at:)`` once the venue has it, ``recordFill(_:)`` as fills arrive, and
/// ``recordKillSwitch(_:)`` / ``recordIncident(_:)`` for the Supervisor's actions.
///
/// Calls are serialized by GRDB; one store may be shared between tasks, and `stratum resume`
/// or `stratum handoff` may open the same file from another process while a runner writes.
public final class StateStore: Sendable {
    /// The database's file name inside the state folder.
    public static let fileName = "state.sqlite"
    /// The folder, inside the state folder, of incident files.
    public static let incidentsFolder = "incidents"

    public let directory: URL
    public let url: URL
    let pool: DatabasePool
    /// Applied to every text that leaves the process through an incident file or a handoff note.
    let redact: @Sendable (String) -> String

    private init(directory: URL, pool: DatabasePool, redact: @escaping @Sendable (String) -> String) {
        self.directory = directory
        url = directory.appendingPathComponent(Self.fileName)
        self.pool = pool
        self.redact = redact
    }

    /// Opens the state in `directory`, creating the folder and the database when they do not
    /// exist, and brings the schema forward. A database left by a killed process opens
    /// normally: SQLite replays its WAL up to the last committed transaction.
    ///
    /// - Parameters:
    ///   - directory: The `--state` folder.
    ///   - redacting: Hides secrets in incident files and notes (the CLI passes ControlHTTP's
    ///     `SecretRedactor`); required, so no caller forgets it.
    /// - Throws: ``StorageError``: `databaseFailure` (folder not writable, not a database),
    ///   `newerSchema`, `notARunDatabase` when the file is some other SQLite database.
    public static func open(directory: URL, redacting: @escaping @Sendable (String) -> String) throws -> StateStore {
        let database = directory.appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StorageError.databaseFailure(database, action: "creating the state folder", message: "\(error)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: database.path, configuration: configuration)
            // FULL on the one writer connection: every commit (orders, fills above all) is on disk
            // before the call returns.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(database, action: "opening the state database", message: error.message ?? "\(error)")
        }
        let store = StateStore(directory: directory, pool: pool, redact: redacting)
        do {
            try store.checkSchema()
            try StateSchema.migrator.migrate(pool)
        } catch let error as DatabaseError {
            try? pool.close()
            throw StorageError.databaseFailure(database, action: "migrating the state schema", message: error.message ?? "\(error)")
        } catch {
            try? pool.close()
            throw error
        }
        return store
    }

    /// Closes the connections; the last close checkpoints the WAL into the main file.
    public func close() throws {
        do {
            try pool.close()
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "closing the state database", message: error.message ?? "\(error)")
        }
    }

    /// Refuses a file that another program (or a newer Stratum) wrote, before touching it.
    private func checkSchema() throws {
        let (applied, tables) = try read("the schema") { db in
            (try StateSchema.migrator.appliedIdentifiers(db),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        }
        let unknown = applied.subtracting(StateSchema.knownMigrations).sorted()
        guard unknown.isEmpty else { throw StorageError.newerSchema(url, unknown: unknown) }
        if applied.isEmpty, tables.contains(where: { $0 != "grdb_migrations" }) {
            throw StorageError(
                kind: .notARunDatabase, path: url.path, problem: "is not a Stratum state database (it holds other tables)",
                remedy: "point --state at the folder a `stratum run` writes its state to; the file was not modified")
        }
    }

    /// Binds the state folder to one strategy, or checks that it is bound to this one.
    ///
    /// Client order ids are derived from the strategy id, so a folder reused by another strategy
    /// would mix two strategies' orders; that is refused. A strategy renamed by an applied hot
    /// reload is still the same one: the name of the last journaled plan is accepted too, and
    /// its orders keep the ids derived from the bound id.
    ///
    /// - Throws: ``StorageError`` of kind `rejected` when the folder belongs to another strategy.
    public func bind(strategyID: String, at timestampMicros: Int64) throws {
        try write("binding the state to a strategy") { db in
            if let bound = try String.fetchOne(db, sql: "SELECT strategy_id FROM strategy") {
                let renamed = try String.fetchOne(db, sql: "SELECT strategy FROM plans ORDER BY id DESC LIMIT 1")
                guard bound == strategyID || renamed == strategyID else {
                    throw StorageError(
                        kind: .rejected, path: self.url.path,
                        problem: "holds the state of strategy '\(bound)'\(renamed.map { $0 == bound ? "" : " (running as '\($0)')" } ?? ""), not '\(strategyID)'",
                        remedy: "give each strategy its own --state folder")
                }
                return
            }
            try db.execute(sql: "INSERT INTO strategy (singleton, strategy_id, bound_us) VALUES (1, ?, ?)",
                           arguments: [strategyID, timestampMicros])
        }
    }

    /// The strategy the folder is bound to; nil before the first run.
    public func strategyID() throws -> String? {
        try read("strategy") { db in try String.fetchOne(db, sql: "SELECT strategy_id FROM strategy") }
    }

    /// Runs `body` in one write transaction; any error rolls the whole of it back.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StorageError(
                kind: .rejected, path: url.path, problem: "refused a row while \(action): \(error.message ?? "\(error)")",
                remedy: "nothing from this step was written; the state before it is intact")
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: action, message: error.message ?? "\(error)")
        }
    }

    /// Runs `body` in a read transaction.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "reading \(what)", message: error.message ?? "\(error)")
        } catch {
            throw StorageError.corruptRow(url, table: what, detail: "\(error)")
        }
    }

    /// Runs SQLite's own consistency checks; returns the problems found (empty when sound).
    public func integrityProblems() throws -> [String] {
        try read("the integrity check") { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let keys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            return integrity + keys
        }
    }
}
