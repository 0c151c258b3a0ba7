import GRDB

/// The schema of a live strategy's `state.sqlite`, as forward-only named migrations.
///
/// Like the run schema, a shipped migration is never edited; rules live in the schema
/// (constraints and triggers), so a hand edit through the sqlite3 CLI meets them too. Everything
/// a restart needs is append-only except an order's status, which only moves forward.
enum StateSchema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("state-v1") { db in try db.execute(sql: v1SQL) }
        migrator.registerMigration("state-v2-plans") { db in try db.execute(sql: v2PlansSQL) }
        return migrator
    }()

    static var knownMigrations: [String] { migrator.migrations }

    private static func appendOnly(_ table: String) -> String {
        """
        CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
        BEGIN SELECT RAISE(ABORT, '\(table) is append-only: rows cannot be updated'); END;
        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
        BEGIN SELECT RAISE(ABORT, '\(table) is append-only: rows cannot be deleted'); END;
        """
    }

    static let v1SQL = """
        CREATE TABLE strategy (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            strategy_id TEXT NOT NULL CHECK (length(strategy_id) > 0),
            bound_us INTEGER NOT NULL
        ) STRICT;
        \(appendOnly("strategy"))

        -- Every input bar, written before the agents see it: replaying it restores their state.
        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY CHECK (seq >= 0),
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            ts_us INTEGER NOT NULL,
            open REAL NOT NULL,
            high REAL NOT NULL,
            low REAL NOT NULL,
            close REAL NOT NULL,
            volume REAL NOT NULL CHECK (volume >= 0),
            CHECK (low <= high)
        ) STRICT;
        CREATE TRIGGER journal_in_sequence BEFORE INSERT ON journal
        WHEN (SELECT max(seq) FROM journal) IS NOT NULL AND NEW.seq IS NOT (SELECT max(seq) FROM journal) + 1
        BEGIN SELECT RAISE(ABORT, 'journal: bars are recorded in sequence, one after the other, without gaps'); END;
        \(appendOnly("journal"))

        -- Orders, written before they are sent (status pending), marked sent once the venue has them.
        CREATE TABLE orders (
            client_order_id TEXT PRIMARY KEY CHECK (length(client_order_id) BETWEEN 1 AND 36),
            bar_seq INTEGER NOT NULL REFERENCES journal(seq),
            bar_index INTEGER NOT NULL CHECK (bar_index >= 0),
            instrument TEXT NOT NULL CHECK (length(instrument) > 0),
            side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
            quantity REAL NOT NULL CHECK (quantity > 0),
            kind TEXT NOT NULL CHECK (kind IN ('market', 'limit')),
            limit_price REAL CHECK (limit_price > 0),
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'sent', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')),
            created_us INTEGER NOT NULL,
            sent_us INTEGER,
            updated_us INTEGER NOT NULL,
            UNIQUE (bar_seq, bar_index),
            CHECK ((kind = 'limit') = (limit_price IS NOT NULL)),
            CHECK (status <> 'pending' OR sent_us IS NULL),
            CHECK (status NOT IN ('sent', 'partially_filled', 'filled') OR sent_us IS NOT NULL)
        ) STRICT;
        CREATE TRIGGER orders_identity_is_fixed BEFORE UPDATE ON orders
        WHEN NEW.client_order_id IS NOT OLD.client_order_id OR NEW.bar_seq IS NOT OLD.bar_seq
          OR NEW.bar_index IS NOT OLD.bar_index OR NEW.instrument IS NOT OLD.instrument OR NEW.side IS NOT OLD.side
          OR NEW.quantity IS NOT OLD.quantity OR NEW.kind IS NOT OLD.kind OR NEW.limit_price IS NOT OLD.limit_price
          OR NEW.created_us IS NOT OLD.created_us OR (OLD.sent_us IS NOT NULL AND NEW.sent_us IS NOT OLD.sent_us)
        BEGIN SELECT RAISE(ABORT, 'orders: only an order''s status changes once it is recorded'); END;
        CREATE TRIGGER orders_final_status BEFORE UPDATE ON orders
        WHEN OLD.status IN ('filled', 'cancelled', 'rejected', 'expired') AND NEW.status IS NOT OLD.status
        BEGIN SELECT RAISE(ABORT, 'orders: a filled, cancelled, rejected or expired order cannot change'); END;
        CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders
        BEGIN SELECT RAISE(ABORT, 'orders: recorded orders are never deleted'); END;

        -- Fills as the venue reports them; a fill delivered twice is stored once.
        CREATE TABLE fills (
            id INTEGER PRIMARY KEY,
            client_order_id TEXT NOT NULL REFERENCES orders(client_order_id),
            venue_fill_id TEXT NOT NULL CHECK (length(venue_fill_id) > 0),
            quantity REAL NOT NULL CHECK (quantity > 0),
            price REAL NOT NULL CHECK (price > 0),
            fee REAL NOT NULL CHECK (fee >= 0),
            ts_us INTEGER NOT NULL,
            UNIQUE (client_order_id, venue_fill_id)
        ) STRICT;
        CREATE TRIGGER fills_within_order BEFORE INSERT ON fills
        WHEN coalesce((SELECT sum(quantity) FROM fills WHERE client_order_id = NEW.client_order_id), 0) + NEW.quantity
             > (SELECT quantity FROM orders WHERE client_order_id = NEW.client_order_id) * (1 + 1e-9)
        BEGIN SELECT RAISE(ABORT, 'fills: the fills of an order cannot exceed its quantity'); END;
        \(appendOnly("fills"))

        CREATE TABLE kill_switch (
            id INTEGER PRIMARY KEY,
            from_state TEXT NOT NULL CHECK (from_state IN ('ACTIVE', 'REDUCING', 'HALTED')),
            state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
            trigger TEXT NOT NULL CHECK (length(trigger) > 0),
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            actor TEXT NOT NULL CHECK (length(actor) > 0),
            ts_us INTEGER NOT NULL,
            CHECK (state <> from_state)
        ) STRICT;
        \(appendOnly("kill_switch"))

        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            subject TEXT NOT NULL CHECK (length(subject) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
            summary TEXT NOT NULL CHECK (length(summary) > 0),
            restarts_tried INTEGER NOT NULL CHECK (restarts_tried >= 0),
            remedy TEXT NOT NULL CHECK (length(remedy) > 0),
            file TEXT NOT NULL CHECK (length(file) > 0)
        ) STRICT;
        \(appendOnly("incidents"))

        CREATE TABLE reloads (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('applied', 'refused')),
            diff_json TEXT CHECK (diff_json IS NULL OR json_valid(diff_json)),
            diagnostics TEXT,
            CHECK ((result = 'applied') = (diff_json IS NOT NULL)),
            CHECK ((result = 'refused') = (diagnostics IS NOT NULL))
        ) STRICT;
        \(appendOnly("reloads"))

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            message TEXT NOT NULL CHECK (length(message) > 0)
        ) STRICT;
        \(appendOnly("alerts"))

        -- A handoff mark: what the last note covered, by the highest row id of each table.
        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY,
            ts_us INTEGER NOT NULL,
            actor TEXT NOT NULL CHECK (length(actor) > 0),
            last_incident_id INTEGER NOT NULL CHECK (last_incident_id >= 0),
            last_reload_id INTEGER NOT NULL CHECK (last_reload_id >= 0),
            last_alert_id INTEGER NOT NULL CHECK (last_alert_id >= 0),
            last_fill_id INTEGER NOT NULL CHECK (last_fill_id >= 0)
        ) STRICT;
        \(appendOnly("handoffs"))

        -- The hash chain of operator and supervisor decisions (the run audit's format, docs/storage.md).
        \(SchemaSQL.auditChain)
        \(appendOnly("audit"))
        """

    /// The plan each stretch of the journal ran on, so a restart replays every bar through the plan
    /// that handled it: the strategy file's text and the model versions it resolved, from the bar
    /// where it took over. `start` rows begin with fresh agents; `reload` rows are hot reloads,
    /// written before the swap. `last_alert_id` orders a reload among the Supervisor commands
    /// journaled (as alerts) at the same bar boundary: it came after those with an id up to it.
    static let v2PlansSQL = """
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            from_seq INTEGER NOT NULL CHECK (from_seq >= 0),
            last_alert_id INTEGER NOT NULL CHECK (last_alert_id >= 0),
            cause TEXT NOT NULL CHECK (cause IN ('start', 'reload')),
            strategy TEXT NOT NULL CHECK (length(strategy) > 0),
            path TEXT NOT NULL CHECK (length(path) > 0),
            source TEXT NOT NULL,
            models_json TEXT NOT NULL CHECK (json_valid(models_json) AND json_type(models_json) = 'object'),
            plan_hash TEXT NOT NULL CHECK (\(SchemaSQL.isHex64("plan_hash"))),
            ts_us INTEGER NOT NULL
        ) STRICT;
        CREATE TRIGGER plans_in_order BEFORE INSERT ON plans
        WHEN NEW.from_seq < coalesce((SELECT max(from_seq) FROM plans), 0)
          OR ((SELECT max(seq) FROM journal) IS NOT NULL AND NEW.from_seq > (SELECT max(seq) FROM journal) + 1)
        BEGIN SELECT RAISE(ABORT, 'plans: a plan takes over at the next bar, never before an earlier plan or past the journal'); END;
        \(appendOnly("plans"))
        """
}
