import GRDB

/// The run database's schema, as forward-only named migrations.
///
/// A migration that has shipped is never edited: a change to the schema is a new migration
/// appended to the list, so every run database, old or new, can be brought forward and read.
/// Constraints live in the schema rather than in Swift, so a buggy caller or a hand edit
/// through the sqlite3 CLI meets the same rules. docs/storage.md documents every column.
enum RunSchema {
    /// The migrations in the order they apply.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in try db.execute(sql: coreSQL) }
        migrator.registerMigration("v1-audit") { db in try db.execute(sql: auditSQL) }
        migrator.registerMigration("v2-shadow") { db in try db.execute(sql: shadowSQL) }
        migrator.registerMigration("v3-optional-json") { db in try db.execute(sql: optionalJSONSQL) }
        migrator.registerMigration("v4-column-blocks") { db in try db.execute(sql: columnBlocksSQL) }
        migrator.registerMigration("v5-audit-prev-hash") { db in try db.execute(sql: auditPrevHashSQL) }
        migrator.registerMigration("v6-audit-hash-trigger") { db in try db.execute(sql: auditHashTriggerSQL) }
        migrator.registerMigration("v7-orders-without-in-lists") { db in try replaceOrders(db, sql: ordersWithoutINListsSQL) }
        return migrator
    }()

    /// Identifiers of the migrations this version knows.
    static var knownMigrations: [String] { migrator.migrations }

    /// GLOB pattern of a run id: 8 digits, `-`, 6 digits, `-`, 7 lowercase hex digits.
    private static let runIDPattern = "'"
        + String(repeating: "[0-9]", count: 8) + "-" + String(repeating: "[0-9]", count: 6) + "-"
        + String(repeating: "[0-9a-f]", count: 7) + "'"

    private static let finalOrderStatuses = "('filled', 'cancelled', 'rejected', 'expired')"

    /// The run manifest, market data and trading tables.
    static let coreSQL = """
        CREATE TABLE run (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            run_id TEXT NOT NULL CHECK (run_id GLOB \(runIDPattern)),
            created_us INTEGER NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('backtest', 'paper', 'live')),
            strategy_path TEXT NOT NULL CHECK (length(strategy_path) > 0),
            strategy_sha256 TEXT NOT NULL CHECK (\(SchemaSQL.isHex64("strategy_sha256"))),
            stratum_version TEXT NOT NULL CHECK (length(stratum_version) > 0),
            parameters_json TEXT NOT NULL CHECK (json_valid(parameters_json) AND json_type(parameters_json) = 'object'),
            status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
            finished_us INTEGER CHECK (finished_us >= created_us),
            failure_reason TEXT CHECK (length(failure_reason) > 0),
            audit_head_seq INTEGER CHECK (audit_head_seq >= 1),
            audit_head_hash TEXT CHECK (\(SchemaSQL.isHex64("audit_head_hash"))),
            CHECK ((status = 'running') = (finished_us IS NULL)),
            CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
            CHECK ((audit_head_seq IS NULL) = (audit_head_hash IS NULL))
        ) STRICT;
        CREATE TRIGGER run_manifest_is_fixed BEFORE UPDATE ON run
        WHEN NEW.singleton IS NOT OLD.singleton OR NEW.run_id IS NOT OLD.run_id
          OR NEW.created_us IS NOT OLD.created_us OR NEW.mode IS NOT OLD.mode
          OR NEW.strategy_path IS NOT OLD.strategy_path OR NEW.strategy_sha256 IS NOT OLD.strategy_sha256
          OR NEW.stratum_version IS NOT OLD.stratum_version OR NEW.parameters_json IS NOT OLD.parameters_json
        BEGIN SELECT RAISE(ABORT, 'run: the manifest cannot change once recorded'); END;
        CREATE TRIGGER run_finish_is_final BEFORE UPDATE ON run WHEN OLD.status IS NOT 'running'
        BEGIN SELECT RAISE(ABORT, 'run: a completed or failed run cannot change'); END;
        CREATE TRIGGER run_is_kept BEFORE DELETE ON run
        BEGIN SELECT RAISE(ABORT, 'run: the run row cannot be deleted; remove the run folder instead'); END;

        CREATE TABLE run_data_files (
            position INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE CHECK (length(path) > 0),
            sha256 TEXT NOT NULL CHECK (\(SchemaSQL.isHex64("sha256")))
        ) STRICT;
        CREATE TABLE run_models (
            position INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) > 0),
            version TEXT NOT NULL CHECK (length(version) > 0),
            sha256 TEXT NOT NULL CHECK (\(SchemaSQL.isHex64("sha256"))),
            UNIQUE (name, version)
        ) STRICT;
        CREATE TRIGGER run_data_files_are_fixed BEFORE UPDATE ON run_data_files
        BEGIN SELECT RAISE(ABORT, 'run_data_files: the manifest cannot change once recorded'); END;
        CREATE TRIGGER run_data_files_are_kept BEFORE DELETE ON run_data_files
        BEGIN SELECT RAISE(ABORT, 'run_data_files: the manifest cannot change once recorded'); END;
        CREATE TRIGGER run_models_are_fixed BEFORE UPDATE ON run_models
        BEGIN SELECT RAISE(ABORT, 'run_models: the manifest cannot change once recorded'); END;
        CREATE TRIGGER run_models_are_kept BEFORE DELETE ON run_models
        BEGIN SELECT RAISE(ABORT, 'run_models: the manifest cannot change once recorded'); END;

        CREATE TABLE bars (
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            ts_us INTEGER NOT NULL,
            open REAL NOT NULL,
            high REAL NOT NULL,
            low REAL NOT NULL,
            close REAL NOT NULL,
            -- No OHLC consistency check: these are the bars a run used, anomalies it flagged included.
            volume REAL NOT NULL,
            PRIMARY KEY (instrument, ts_us)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE orders (
            client_order_id TEXT NOT NULL PRIMARY KEY CHECK (length(client_order_id) > 0),
            parent_client_order_id TEXT REFERENCES orders (client_order_id)
                CHECK (parent_client_order_id IS NOT client_order_id),
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
            type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
            quantity REAL NOT NULL CHECK (quantity > 0),
            limit_price REAL CHECK (limit_price > 0),
            stop_price REAL CHECK (stop_price > 0),
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'accepted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')),
            created_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL CHECK (updated_us >= created_us),
            trace_id TEXT NOT NULL CHECK (length(trace_id) > 0),
            CHECK ((type IN ('limit', 'stop_limit')) = (limit_price IS NOT NULL)),
            CHECK ((type IN ('stop', 'stop_limit')) = (stop_price IS NOT NULL))
        ) STRICT;
        CREATE INDEX orders_by_parent ON orders (parent_client_order_id) WHERE parent_client_order_id IS NOT NULL;
        CREATE TRIGGER orders_fixed_fields BEFORE UPDATE ON orders
        WHEN NEW.client_order_id IS NOT OLD.client_order_id
          OR NEW.parent_client_order_id IS NOT OLD.parent_client_order_id
          OR NEW.instrument IS NOT OLD.instrument OR NEW.side IS NOT OLD.side OR NEW.type IS NOT OLD.type
          OR NEW.quantity IS NOT OLD.quantity OR NEW.limit_price IS NOT OLD.limit_price
          OR NEW.stop_price IS NOT OLD.stop_price OR NEW.created_us IS NOT OLD.created_us
          OR NEW.trace_id IS NOT OLD.trace_id
        BEGIN
            SELECT RAISE(ABORT,
                'orders: only status and updated_us may change once an order is recorded; amend with a new client order id');
        END;
        CREATE TRIGGER orders_final_status BEFORE UPDATE ON orders
        WHEN OLD.status IN \(finalOrderStatuses) AND NEW.status IS NOT OLD.status
        BEGIN SELECT RAISE(ABORT, 'orders: a filled, cancelled, rejected or expired order keeps its status'); END;
        CREATE TRIGGER orders_time_forward BEFORE UPDATE ON orders WHEN NEW.updated_us < OLD.updated_us
        BEGIN SELECT RAISE(ABORT, 'orders: updated_us cannot move back'); END;
        CREATE TRIGGER orders_are_kept BEFORE DELETE ON orders
        BEGIN SELECT RAISE(ABORT, 'orders: orders are never deleted; record a cancelled status instead'); END;

        CREATE TABLE fills (
            fill_id TEXT NOT NULL PRIMARY KEY CHECK (length(fill_id) > 0),
            client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
            ts_us INTEGER NOT NULL,
            quantity REAL NOT NULL CHECK (quantity > 0),
            price REAL NOT NULL CHECK (price > 0),
            fee REAL NOT NULL,
            liquidity TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker'))
        ) STRICT;
        CREATE INDEX fills_by_order ON fills (client_order_id);
        CREATE TRIGGER fills_within_order BEFORE INSERT ON fills
        WHEN NEW.quantity + (SELECT coalesce(sum(quantity), 0) FROM fills WHERE client_order_id = NEW.client_order_id)
           > (SELECT quantity FROM orders WHERE client_order_id = NEW.client_order_id) * (1 + 1e-9)
        BEGIN SELECT RAISE(ABORT, 'fills: the fills of an order add up to more than its quantity'); END;
        CREATE TRIGGER fills_are_fixed BEFORE UPDATE ON fills
        BEGIN SELECT RAISE(ABORT, 'fills: a fill cannot change once recorded'); END;
        CREATE TRIGGER fills_are_kept BEFORE DELETE ON fills
        BEGIN SELECT RAISE(ABORT, 'fills: fills are never deleted'); END;

        CREATE TABLE positions (
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            ts_us INTEGER NOT NULL,
            quantity REAL NOT NULL,
            average_price REAL NOT NULL CHECK (average_price >= 0),
            PRIMARY KEY (instrument, ts_us)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE equity (
            ts_us INTEGER PRIMARY KEY,
            cash REAL NOT NULL,
            equity REAL NOT NULL,
            drawdown REAL NOT NULL CHECK (drawdown >= 0)
        ) STRICT;

        CREATE TABLE risk_events (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            message TEXT NOT NULL CHECK (length(message) > 0),
            subject_json TEXT CHECK (json_valid(subject_json))
        ) STRICT;

        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            opened_us INTEGER NOT NULL,
            agent TEXT NOT NULL CHECK (length(agent) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            summary TEXT NOT NULL CHECK (length(summary) > 0),
            details_json TEXT CHECK (json_valid(details_json)),
            closed_us INTEGER CHECK (closed_us >= opened_us),
            resolution TEXT CHECK (length(resolution) > 0),
            CHECK ((closed_us IS NULL) = (resolution IS NULL))
        ) STRICT;
        CREATE TRIGGER incidents_close_once BEFORE UPDATE ON incidents WHEN OLD.closed_us IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'incidents: a closed incident cannot change'); END;

        CREATE TABLE features (
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            name TEXT NOT NULL CHECK (length(name) > 0),
            ts_us INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (instrument, name, ts_us)
        ) STRICT, WITHOUT ROWID;
        """

    /// The hash-chained audit log (``SchemaSQL/auditChain``) and the triggers that keep it
    /// append-only and sealed once the run ends. (RAISE takes only a string literal, so its
    /// messages stay on one line.)
    static let auditSQL = SchemaSQL.auditChain + "\n" + auditGuards

    /// The audit log's triggers besides `audit_follows_head`: sealed once the run ends, no
    /// UPDATE, no DELETE.
    static let auditGuards = """
        CREATE TRIGGER audit_sealed_when_finished BEFORE INSERT ON audit
        WHEN (SELECT status FROM run) IS NOT 'running'
        BEGIN SELECT RAISE(ABORT, 'audit is sealed: the run has finished or was never recorded'); END;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only: rows cannot be updated'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only: rows cannot be deleted'); END;
        """

    /// Model scores from shadow books: one row per model of a model signal (its live model and
    /// each shadow), written once when a run finishes. docs/backtesting.md defines the measures.
    static let shadowSQL = """
        CREATE TABLE shadow_evaluations (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL CHECK (run_id GLOB \(runIDPattern)),
            signal TEXT NOT NULL CHECK (length(signal) > 0),
            model TEXT NOT NULL CHECK (length(model) > 0),
            version TEXT NOT NULL CHECK (length(version) > 0),
            role TEXT NOT NULL CHECK (role IN ('live', 'shadow')),
            signals INTEGER NOT NULL CHECK (signals >= 0),
            hits INTEGER NOT NULL CHECK (hits >= 0 AND hits <= signals),
            hit_rate REAL NOT NULL CHECK (hit_rate >= 0 AND hit_rate <= 1),
            pnl REAL NOT NULL,
            sharpe REAL NOT NULL,
            benchmark_return REAL NOT NULL,
            benchmark_sharpe REAL NOT NULL,
            UNIQUE (signal, model, version, role)
        ) STRICT;
        CREATE TRIGGER shadow_evaluations_are_fixed BEFORE UPDATE ON shadow_evaluations
        BEGIN SELECT RAISE(ABORT, 'shadow_evaluations: a recorded evaluation cannot change'); END;
        CREATE TRIGGER shadow_evaluations_are_kept BEFORE DELETE ON shadow_evaluations
        BEGIN SELECT RAISE(ABORT, 'shadow_evaluations: recorded evaluations are never deleted'); END;
        CREATE TRIGGER shadow_evaluations_of_this_run BEFORE INSERT ON shadow_evaluations
        WHEN NEW.run_id IS NOT (SELECT run_id FROM run)
        BEGIN SELECT RAISE(ABORT, 'shadow_evaluations: run_id must be this database''s run'); END;
        """

    /// `risk_events.subject_json` and `incidents.details_json` are optional, but SQLite before
    /// 3.45 answers `json_valid(NULL)` with 0, so v1's checks refused a row without them. SQLite
    /// cannot alter a check: both tables are rebuilt with `IS NULL OR json_valid(...)`.
    static let optionalJSONSQL = """
        CREATE TABLE risk_events_v3 (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            message TEXT NOT NULL CHECK (length(message) > 0),
            subject_json TEXT CHECK (subject_json IS NULL OR json_valid(subject_json))
        ) STRICT;
        INSERT INTO risk_events_v3 SELECT id, ts_us, kind, severity, message, subject_json FROM risk_events;
        DROP TABLE risk_events;
        ALTER TABLE risk_events_v3 RENAME TO risk_events;

        CREATE TABLE incidents_v3 (
            id INTEGER PRIMARY KEY,
            opened_us INTEGER NOT NULL,
            agent TEXT NOT NULL CHECK (length(agent) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            summary TEXT NOT NULL CHECK (length(summary) > 0),
            details_json TEXT CHECK (details_json IS NULL OR json_valid(details_json)),
            closed_us INTEGER CHECK (closed_us >= opened_us),
            resolution TEXT CHECK (length(resolution) > 0),
            CHECK ((closed_us IS NULL) = (resolution IS NULL))
        ) STRICT;
        INSERT INTO incidents_v3
            SELECT id, opened_us, agent, severity, summary, details_json, closed_us, resolution FROM incidents;
        DROP TABLE incidents;
        ALTER TABLE incidents_v3 RENAME TO incidents;
        CREATE TRIGGER incidents_close_once BEFORE UPDATE ON incidents WHEN OLD.closed_us IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'incidents: a closed incident cannot change'); END;
        """

    /// Bars and equity points by column, 4,096 rows of a run to a row (``ColumnBlocks``): each
    /// column a BLOB of little-endian 8-byte values, binary64 for prices, signed integers for
    /// times. `first_ts_us` and `last_ts_us` are the block's first and last time, so a reader
    /// finds the blocks of a time range without decoding; the writer checks that times rise
    /// strictly within and across an instrument's blocks, which SQLite cannot see in a BLOB.
    static let columnBlocksSQL = """
        CREATE TABLE bar_blocks (
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            first_ts_us INTEGER NOT NULL,
            last_ts_us INTEGER NOT NULL CHECK (last_ts_us >= first_ts_us),
            count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 4096),
            ts_us BLOB NOT NULL CHECK (length(ts_us) = 8 * count),
            open BLOB NOT NULL CHECK (length(open) = 8 * count),
            high BLOB NOT NULL CHECK (length(high) = 8 * count),
            low BLOB NOT NULL CHECK (length(low) = 8 * count),
            close BLOB NOT NULL CHECK (length(close) = 8 * count),
            volume BLOB NOT NULL CHECK (length(volume) = 8 * count),
            PRIMARY KEY (instrument, first_ts_us)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE equity_blocks (
            first_ts_us INTEGER PRIMARY KEY,
            last_ts_us INTEGER NOT NULL CHECK (last_ts_us >= first_ts_us),
            count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 4096),
            ts_us BLOB NOT NULL CHECK (length(ts_us) = 8 * count),
            cash BLOB NOT NULL CHECK (length(cash) = 8 * count),
            equity BLOB NOT NULL CHECK (length(equity) = 8 * count),
            drawdown BLOB NOT NULL CHECK (length(drawdown) = 8 * count)
        ) STRICT;
        CREATE TRIGGER bar_blocks_are_fixed BEFORE UPDATE ON bar_blocks
        BEGIN SELECT RAISE(ABORT, 'bar_blocks: stored bars cannot change'); END;
        CREATE TRIGGER equity_blocks_are_fixed BEFORE UPDATE ON equity_blocks
        BEGIN SELECT RAISE(ABORT, 'equity_blocks: stored equity points cannot change'); END;
        """

    /// `audit.prev_hash` loses its own format check: `audit_follows_head` (and a bulk load's
    /// check of the whole chain) already require it to equal the previous row's `hash`, which
    /// has that check, or the genesis hash. The check was a third of the cost of writing an
    /// audit row. SQLite cannot drop a CHECK, so the table is rebuilt with its triggers.
    static let auditPrevHashSQL = """
        CREATE TABLE audit_v5 (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0 AND instr(kind, char(10)) = 0),
            payload TEXT NOT NULL CHECK (json_valid(payload)),
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL CHECK (\(SchemaSQL.isHex64("hash")))
        ) STRICT;
        INSERT INTO audit_v5 (seq, ts_us, kind, payload, prev_hash, hash)
            SELECT seq, ts_us, kind, payload, prev_hash, hash FROM audit ORDER BY seq;
        DROP TABLE audit;
        ALTER TABLE audit_v5 RENAME TO audit;
        \(SchemaSQL.auditFollowsHead)
        \(auditGuards)
        """

    /// `audit.hash`'s format rule, 64 lowercase hex digits, moves from a CHECK to the trigger
    /// `audit_hash_format`: the same rows are admitted and refused, but a trigger can be set
    /// aside for a bulk load (``RunStore/setBasedTriggers``), which checks the rule in Swift
    /// as each row arrives. SQLite's GLOB tries `*[^0-9a-f]*` again from every position of the
    /// hash, which made this check a fifth of the time spent storing a backtest and its largest
    /// part per audit row. SQLite cannot drop a CHECK, so the table is rebuilt with its triggers.
    static let auditHashTriggerSQL = """
        CREATE TABLE audit_v6 (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0 AND instr(kind, char(10)) = 0),
            payload TEXT NOT NULL CHECK (json_valid(payload)),
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        ) STRICT;
        INSERT INTO audit_v6 (seq, ts_us, kind, payload, prev_hash, hash)
            SELECT seq, ts_us, kind, payload, prev_hash, hash FROM audit ORDER BY seq;
        DROP TABLE audit;
        ALTER TABLE audit_v6 RENAME TO audit;
        \(auditHashFormat)
        \(SchemaSQL.auditFollowsHead)
        \(auditGuards)
        """

    /// Refuses a row whose `hash` is not 64 lowercase hex digits. (RAISE takes only a string
    /// literal, so the rule's text is repeated in its message.)
    static let auditHashFormat = """
        CREATE TRIGGER audit_hash_format BEFORE INSERT ON audit
        WHEN NOT (\(SchemaSQL.isHex64("NEW.hash")))
        BEGIN SELECT RAISE(ABORT, '\(auditHashFormatMessage)'); END;
        """

    static let auditHashFormatMessage = "audit: hash must be 64 lowercase hex digits"

    /// `column` equal to one of `values`, as comparisons joined by OR. The same truth as
    /// `column IN (values)`, NULL included, but SQLite codes an IN of more than two constants
    /// as a temporary table built each time the statement runs: for `orders`, two such tables
    /// per INSERT or UPDATE cost more than the rest of writing the row.
    static func isOneOf(_ column: String, _ values: [String]) -> String {
        "(" + values.map { "\(column) = '\($0)'" }.joined(separator: " OR ") + ")"
    }

    /// Replaces `orders` by the table and triggers `sql` creates as `orders_v7` (rows kept).
    /// `fills_within_order` reads `orders` in its body, so it is set aside meanwhile: renaming a
    /// table checks every trigger, and it would name a table that is gone. (GRDB runs a
    /// migration with foreign keys off and checks them all before committing.)
    static func replaceOrders(_ db: Database, sql: String) throws {
        let fillsTrigger = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'fills_within_order'")
        try db.execute(sql: "DROP TRIGGER IF EXISTS fills_within_order")
        try db.execute(sql: sql)
        if let fillsTrigger { try db.execute(sql: fillsTrigger) }
    }

    /// `orders` with the same rules, its IN lists of more than two values written as OR
    /// chains (``isOneOf(_:_:)``), and its index and triggers as v1 made them.
    static let ordersWithoutINListsSQL = """
        CREATE TABLE orders_v7 (
            client_order_id TEXT NOT NULL PRIMARY KEY CHECK (length(client_order_id) > 0),
            parent_client_order_id TEXT REFERENCES orders (client_order_id)
                CHECK (parent_client_order_id IS NOT client_order_id),
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
            type TEXT NOT NULL CHECK \(isOneOf("type", ["market", "limit", "stop", "stop_limit"])),
            quantity REAL NOT NULL CHECK (quantity > 0),
            limit_price REAL CHECK (limit_price > 0),
            stop_price REAL CHECK (stop_price > 0),
            status TEXT NOT NULL CHECK \(isOneOf("status", ["pending", "accepted", "partially_filled", "filled", "cancelled", "rejected", "expired"])),
            created_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL CHECK (updated_us >= created_us),
            trace_id TEXT NOT NULL CHECK (length(trace_id) > 0),
            CHECK ((type IN ('limit', 'stop_limit')) = (limit_price IS NOT NULL)),
            CHECK ((type IN ('stop', 'stop_limit')) = (stop_price IS NOT NULL))
        ) STRICT;
        INSERT INTO orders_v7 (client_order_id, parent_client_order_id, instrument, side, type, quantity, limit_price,
                               stop_price, status, created_us, updated_us, trace_id)
            SELECT client_order_id, parent_client_order_id, instrument, side, type, quantity, limit_price,
                   stop_price, status, created_us, updated_us, trace_id FROM orders;
        DROP TABLE orders;
        ALTER TABLE orders_v7 RENAME TO orders;
        CREATE INDEX orders_by_parent ON orders (parent_client_order_id) WHERE parent_client_order_id IS NOT NULL;
        CREATE TRIGGER orders_fixed_fields BEFORE UPDATE ON orders
        WHEN NEW.client_order_id IS NOT OLD.client_order_id
          OR NEW.parent_client_order_id IS NOT OLD.parent_client_order_id
          OR NEW.instrument IS NOT OLD.instrument OR NEW.side IS NOT OLD.side OR NEW.type IS NOT OLD.type
          OR NEW.quantity IS NOT OLD.quantity OR NEW.limit_price IS NOT OLD.limit_price
          OR NEW.stop_price IS NOT OLD.stop_price OR NEW.created_us IS NOT OLD.created_us
          OR NEW.trace_id IS NOT OLD.trace_id
        BEGIN
            SELECT RAISE(ABORT,
                'orders: only status and updated_us may change once an order is recorded; amend with a new client order id');
        END;
        CREATE TRIGGER orders_final_status BEFORE UPDATE ON orders
        WHEN \(isOneOf("OLD.status", ["filled", "cancelled", "rejected", "expired"])) AND NEW.status IS NOT OLD.status
        BEGIN SELECT RAISE(ABORT, 'orders: a filled, cancelled, rejected or expired order keeps its status'); END;
        CREATE TRIGGER orders_time_forward BEFORE UPDATE ON orders WHEN NEW.updated_us < OLD.updated_us
        BEGIN SELECT RAISE(ABORT, 'orders: updated_us cannot move back'); END;
        CREATE TRIGGER orders_are_kept BEFORE DELETE ON orders
        BEGIN SELECT RAISE(ABORT, 'orders: orders are never deleted; record a cancelled status instead'); END;
        """
}
