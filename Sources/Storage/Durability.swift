/// How hard SQLite works to keep a committed transaction through a power cut.
///
/// Both settings use the WAL journal, so a crashed process never corrupts the database and
/// every committed transaction survives a process crash. They differ only on power loss or
/// an operating-system crash.
public enum Durability: String, Sendable, CaseIterable {
    /// `PRAGMA synchronous = NORMAL`: the WAL is synced at checkpoints, not at every commit,
    /// so the last transactions may roll back after a power cut. Right for backtests, which
    /// can be rerun from their inputs.
    case normal
    /// `PRAGMA synchronous = FULL`: every commit is synced before it returns. Right for live
    /// and paper orders and fills, which cannot be reproduced.
    case full

    var pragmaValue: String {
        switch self {
        case .normal: "NORMAL"
        case .full: "FULL"
        }
    }
}
