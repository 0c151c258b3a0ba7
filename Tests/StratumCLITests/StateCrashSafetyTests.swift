import Agents
import Foundation
import Storage
import Testing
@testable import StratumCLI

/// Kills a real process writing to a state folder with SIGKILL at random moments, 50 times and
/// more, and checks after each kill what a restart relies on: the database opens and passes
/// SQLite's integrity check, the journal has no gaps, every bar before the last has all its
/// orders, every order the venue received is recorded exactly once and none was sent twice,
/// nothing recorded earlier has gone, and statuses only moved forward.
///
/// The writer is `stratum state-writer` (hidden), a deterministic stand-in for the live runner
/// that replays its journal on every start. The kill delays come from a seeded generator, so a
/// failure can be rerun; where the kill lands still depends on the machine's speed.
struct StateCrashSafetyTests {
    static let ordersPerBar = 3

    @Test func killedAtRandomPointsNothingIsLostOrSentTwice() throws {
        let binary = try Self.stratumBinary()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        let venueLog = folder.appendingPathComponent("venue.log")

        var random = JitterSource(seed: 2026)
        var seen: [String: StoredOrder.Status] = [:]
        var kills = 0
        var runs = 0
        while kills < 60, runs < 300 {
            runs += 1
            let process = Process()
            process.executableURL = binary
            process.arguments = ["state-writer", "--state", state.path, "--venue-log", venueLog.path,
                                 "--bars", "1000000", "--orders-per-bar", "\(Self.ordersPerBar)"]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            // The writer says `ready` once its store is open; from then on, 0 to 250 ms covers the
            // restart (reconciliation, journal replay) and the writing of new bars (every commit
            // waits for fsync, some milliseconds each).
            _ = output.fileHandleForReading.availableData
            usleep(UInt32(random.next() % 250_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationReason == .exit {
                Issue.record("the writer exited by itself (\(process.terminationStatus)): \(stderr)")
                return
            }
            try Self.check(state: state, venueLog: venueLog, seen: &seen, run: runs)
        }
        #expect(kills >= 50)
        #expect(seen.count >= Self.ordersPerBar * 5, "the writer made progress across restarts: \(seen.count) orders")
    }

    /// The invariants after one kill.
    static func check(state: URL, venueLog: URL, seen: inout [String: StoredOrder.Status], run: Int) throws {
        guard FileManager.default.fileExists(atPath: state.appendingPathComponent(StateStore.fileName).path) else { return }
        let store = try StateStore.open(directory: state, redacting: { $0 })
        defer { try? store.close() }
        #expect(try store.integrityProblems().isEmpty, "run \(run)")
        let journal = try store.journal().map(\.sequence)
        #expect(journal == Array(0..<UInt64(journal.count)), "run \(run): the journal has gaps")
        let orders = try store.orders()
        let strategy = try store.strategyID() ?? StateWriterCommand.strategyID
        for order in orders {
            #expect(order.clientOrderID == ClientOrderID(strategyID: strategy, barSequence: order.barSequence, index: order.index).value)
            #expect(order.barSequence < UInt64(journal.count), "run \(run): order \(order.clientOrderID) for a bar never journaled")
        }
        // Every bar before the last journaled one was handled whole before the next was journaled.
        let perBar = Dictionary(grouping: orders, by: \.barSequence)
        for sequence in journal.dropLast() {
            #expect(perBar[sequence]?.map(\.index).sorted() == Array(0..<ordersPerBar), "run \(run): bar \(sequence) lacks orders")
        }
        let sent = ((try? String(contentsOf: venueLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(Set(sent).count == sent.count, "run \(run): an order was sent twice")
        let byID = Dictionary(uniqueKeysWithValues: orders.map { ($0.clientOrderID, $0) })
        for id in sent { #expect(byID[id] != nil, "run \(run): \(id) reached the venue but is not recorded") }
        let sentSet = Set(sent)
        for order in orders where order.status != .pending {
            #expect(sentSet.contains(order.clientOrderID), "run \(run): \(order.clientOrderID) marked sent but never sent")
        }
        #expect(orders.filter { $0.status == .pending }.count <= 1, "run \(run): only the order in flight may be unconfirmed")
        for order in orders where order.status == .filled {
            #expect(order.filledQuantity == order.quantity)
        }
        // Nothing recorded before disappears; a status never goes back.
        let rank: [StoredOrder.Status: Int] = [.pending: 0, .sent: 1, .partiallyFilled: 2, .filled: 3]
        for (id, status) in seen {
            guard let now = byID[id] else {
                Issue.record("run \(run): \(id) was recorded and is gone")
                continue
            }
            #expect(rank[now.status, default: 9] >= rank[status, default: 9], "run \(run): \(id) went from \(status) to \(now.status)")
        }
        for order in orders { seen[order.clientOrderID] = order.status }
    }

    /// The `stratum` executable built beside this test bundle (or `STRATUM_BINARY`).
    static func stratumBinary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["STRATUM_BINARY"] { return URL(fileURLWithPath: path) }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for folder in [beside, beside.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("stratum")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw StratumBinaryMissing(searched: beside.path)
    }
}

struct StratumBinaryMissing: Error, CustomStringConvertible {
    var searched: String
    var description: String { "no stratum executable in \(searched); build it with `swift build --product stratum` or set STRATUM_BINARY" }
}
