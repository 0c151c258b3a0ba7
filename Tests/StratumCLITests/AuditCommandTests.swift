import Foundation
import GRDB
import Testing
@testable import StratumCLI

/// `stratum audit verify` on a real run folder: intact after a backtest, and broken, naming
/// the row, once a payload is edited behind the triggers' back.
struct AuditCommandTests {
    @Test func verifyReportsAnIntactChain() throws {
        let fixture = try BacktestFixture()
        #expect(fixture.backtest(try fixture.shippedStrategy()).code == 0)
        let run = try fixture.onlyRun()
        let rows = try DatabaseQueue(path: run.appendingPathComponent("run.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit")
        }
        let verify = fixture.run(["audit", "verify", run.path])
        #expect(verify.code == 0, "\(verify.err)")
        #expect(verify.out == "\(run.lastPathComponent): audit chain intact (\(try #require(rows)) rows)\n")
        // By run id, in --runs.
        #expect(fixture.run(["audit", "verify", run.lastPathComponent, "--runs", fixture.runs.path]).code == 0)
    }

    @Test func verifyNamesTheRowWhosePayloadWasEdited() throws {
        let fixture = try BacktestFixture()
        #expect(fixture.backtest(try fixture.shippedStrategy()).code == 0)
        let run = try fixture.onlyRun()
        // A separate connection, as someone editing the file would use: the trigger that refuses
        // updates has to go first.
        let database = try DatabaseQueue(path: run.appendingPathComponent("run.sqlite").path)
        let seq = try database.write { db -> Int64 in
            let seq = try #require(try Int64.fetchOne(db, sql: "SELECT min(seq) FROM audit WHERE kind = 'execution.fill'"))
            try db.execute(sql: "DROP TRIGGER audit_no_update")
            try db.execute(sql: "UPDATE audit SET payload = json_set(payload, '$.price', 1.0) WHERE seq = ?", arguments: [seq])
            #expect(db.changesCount == 1)
            return seq
        }
        try database.close()
        let verify = fixture.run(["audit", "verify", run.path])
        #expect(verify.code == 1)
        #expect(verify.err.hasPrefix("error: \(run.lastPathComponent): audit chain broken at row \(seq):"), "\(verify.err)")
    }

    @Test func updatesAreRefusedWhileTheTriggerStands() throws {
        let fixture = try BacktestFixture()
        #expect(fixture.backtest(try fixture.shippedStrategy()).code == 0)
        let database = try DatabaseQueue(path: try fixture.onlyRun().appendingPathComponent("run.sqlite").path)
        #expect(throws: DatabaseError.self) {
            try database.write { db in try db.execute(sql: "UPDATE audit SET payload = '{}' WHERE seq = 2") }
        }
        #expect(throws: DatabaseError.self) {
            try database.write { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 2") }
        }
    }

    @Test func verifyOfAMissingRunIsAUsageError() throws {
        let fixture = try BacktestFixture()
        let verify = fixture.run(["audit", "verify", "nothing-here", "--runs", fixture.runs.path])
        #expect(verify.code == 2)
        #expect(verify.err.contains("no run 'nothing-here'"))
    }
}
