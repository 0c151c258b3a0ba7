import GRDB
import GRDBSQLite

/// A cached INSERT statement that binds Int64, Double, String and BLOB values straight into SQLite.
///
/// GRDB's `StatementArguments` box each value and copy the row into an array; for a
/// backtest storing a million rows that costs twice what SQLite itself spends. Binding the
/// native values directly keeps a batch close to SQLite's own speed. An inserter lives only
/// inside one write transaction, and it resets its statement after every row so the cached
/// statement is clean for GRDB's next use.
struct RowInserter {
    /// SQLite copies text bound with this destructor before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private let handle: SQLiteStatement
    private var column: CInt = 0

    init(_ db: Database, sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    mutating func bind(_ value: Int64) {
        column += 1
        sqlite3_bind_int64(handle, column, value)
    }

    mutating func bind(_ value: Double) {
        column += 1
        sqlite3_bind_double(handle, column, value)
    }

    mutating func bind(_ value: Double?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: String) {
        column += 1
        let length = CInt(value.utf8.count)
        _ = value.withCString { sqlite3_bind_text(handle, column, $0, length, Self.transient) }
    }

    mutating func bind(_ value: String?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    /// Binds bytes as one BLOB; SQLite copies them before the call returns.
    mutating func bind(blob bytes: UnsafeRawBufferPointer) {
        column += 1
        sqlite3_bind_blob(handle, column, bytes.baseAddress, CInt(bytes.count), Self.transient)
    }

    private mutating func bindNull() {
        column += 1
        sqlite3_bind_null(handle, column)
    }

    /// Executes the statement with the values bound since the last row.
    ///
    /// - Throws: `DatabaseError` with SQLite's result code and message, such as
    ///   `CHECK constraint failed: volume >= 0`.
    mutating func insertRow() throws {
        column = 0
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: message, sql: String(cString: sqlite3_sql(handle)))
        }
        sqlite3_reset(handle)
    }
}
