import Foundation
import Testing
@testable import Storage

/// Run ids and the runs/ folder. Expected short hashes come from sha256sum, e.g.
/// `printf 'abc\n1709647629000000\n0' | sha256sum | cut -c1-7` for 2024-03-05T14:07:09Z.
@Suite struct RunFolderTests {
    /// 2024-03-05T14:07:09Z (`date -u -d 2024-03-05T14:07:09Z +%s`).
    static let start = Date(timeIntervalSince1970: 1_709_647_629)

    @Test func runIDIsUTCStampThenShortHash() {
        #expect(RunID.make(at: Self.start, fingerprint: "abc").rawValue == "20240305-140709-865f361")
        #expect(RunID.make(at: Self.start, fingerprint: "abc", attempt: 1).rawValue == "20240305-140709-0e1997a")
        let quarterPast = Self.start.addingTimeInterval(0.25)
        #expect(RunID.make(at: quarterPast, fingerprint: "abc").rawValue == "20240305-140709-774ad2b")
    }

    @Test func runIDsSortByTime() {
        let dates = [0.0, 1, 59, 3_600, 86_400 * 40].map { Self.start.addingTimeInterval($0) }
        let ids = dates.reversed().map { RunID.make(at: $0, fingerprint: "x") }
        #expect(ids.sorted() == ids.reversed())
        #expect(ids.sorted().last?.rawValue.hasPrefix("20240414-140709-") == true)
    }

    @Test(arguments: ["2024-03-05", "20240305-140709-865F361", "20240305-140709-865f36", "20240305_140709-865f361", ""])
    func malformedRunIDIsRefused(_ text: String) {
        #expect {
            try RunID(text)
        } throws: { error in
            (error as? StorageError)?.kind == .invalidRunID && "\(error)".contains("run ids look like")
        }
    }

    @Test func successfulBuildIsPublishedWhole() throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let published = try runs.build(at: Self.start, fingerprint: "abc") { runID, temporary in
            #expect(temporary.lastPathComponent == ".tmp-\(runID)")
            var manifest = try Fixture.manifest()
            manifest.runID = runID
            let store = try RunStore.create(at: temporary.appendingPathComponent(RunStore.fileName), manifest: manifest)
            try store.markCompleted(at: manifest.createdMicros + 1)
            try store.close()
            return 42
        }
        #expect(published.runID.rawValue == "20240305-140709-865f361")
        #expect(published.result == 42)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.runsDirectory.path) == ["20240305-140709-865f361"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: published.directory.path) == ["run.sqlite"])
        let store = try RunStore.openReadOnly(at: runs.databaseURL(for: published.runID))
        #expect(try store.state().status == .completed)
        #expect(try runs.unfinishedRuns().isEmpty)
    }

    @Test func failedBuildLeavesNothingBehind() throws {
        struct Boom: Error {}
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        #expect(throws: Boom.self) {
            try runs.build(at: Self.start, fingerprint: "abc") { _, temporary in
                try Data("half".utf8).write(to: temporary.appendingPathComponent("run.sqlite"))
                throw Boom()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.runsDirectory.path).isEmpty)
    }

    @Test func asyncBuildPublishesToo() async throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let published = try await runs.build(at: Self.start, fingerprint: "abc") { _, temporary in
            await Task.yield()
            try Data("x".utf8).write(to: temporary.appendingPathComponent("notes"))
            return "done"
        }
        #expect(published.result == "done")
        #expect(FileManager.default.fileExists(atPath: published.directory.appendingPathComponent("notes").path))
    }

    @Test func takenIdMovesToTheNextAttempt() throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let first = try runs.build(at: Self.start, fingerprint: "abc") { _, _ in () }
        let second = try runs.build(at: Self.start, fingerprint: "abc") { _, _ in () }
        #expect(first.runID.rawValue == "20240305-140709-865f361")
        #expect(second.runID.rawValue == "20240305-140709-0e1997a")
    }

    @Test func unfinishedRunsAreFoundAndRemovable() throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let files = FileManager.default
        try files.createDirectory(at: runs.runsDirectory, withIntermediateDirectories: true)

        // A crash during a build leaves its temporary folder.
        let crashed = runs.runsDirectory.appendingPathComponent(".tmp-20240305-140709-1111111")
        try files.createDirectory(at: crashed, withIntermediateDirectories: false)
        // A live run that was never marked completed.
        let runningID = try RunID("20240305-140710-2222222")
        try files.createDirectory(at: runs.directory(for: runningID), withIntermediateDirectories: false)
        var manifest = try Fixture.manifest(mode: .live)
        manifest.runID = runningID
        try RunStore.create(at: runs.databaseURL(for: runningID), manifest: manifest).close()
        // A published folder whose database is gone.
        let emptyID = try RunID("20240305-140711-3333333")
        try files.createDirectory(at: runs.directory(for: emptyID), withIntermediateDirectories: false)
        // A completed run and an unrelated file, neither of which is unfinished.
        _ = try runs.build(at: Self.start, fingerprint: "done") { runID, temporary in
            var manifest = try Fixture.manifest()
            manifest.runID = runID
            let store = try RunStore.create(at: temporary.appendingPathComponent(RunStore.fileName), manifest: manifest)
            try store.markCompleted(at: manifest.createdMicros)
            try store.close()
        }
        try Data("notes".utf8).write(to: runs.runsDirectory.appendingPathComponent("README"))

        let unfinished = try runs.unfinishedRuns()
        #expect(unfinished.map(\.reason) == [.interruptedBuild, .status(.running), .missingDatabase])
        #expect(unfinished.map(\.runID?.rawValue) == [
            "20240305-140709-1111111", "20240305-140710-2222222", "20240305-140711-3333333",
        ])
        for run in unfinished { try runs.remove(run) }
        #expect(try runs.unfinishedRuns().isEmpty)
        #expect(try files.contentsOfDirectory(atPath: runs.runsDirectory.path).count == 2)
    }

    @Test func runWithAnUnreadableDatabaseIsUnfinished() throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let runID = try RunID("20240305-140709-4444444")
        try FileManager.default.createDirectory(at: runs.directory(for: runID), withIntermediateDirectories: true)
        try Data(String(repeating: "garbage ", count: 200).utf8).write(to: runs.databaseURL(for: runID))
        let unfinished = try runs.unfinishedRuns()
        #expect(unfinished.count == 1)
        guard case .unreadable(let message) = unfinished.first?.reason else {
            Issue.record("expected an unreadable run, got \(unfinished)")
            return
        }
        #expect(message.contains("is not a Stratum run database"))
    }

    @Test func removeRefusesFoldersOutsideRuns() throws {
        let folder = try TemporaryDirectory()
        let runs = RunFolder(runsDirectory: folder.file("runs"))
        let outside = folder.file("precious")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        #expect {
            try runs.remove(UnfinishedRun(directory: outside, runID: nil, reason: .interruptedBuild))
        } throws: { ($0 as? StorageError)?.kind == .runFolderFailure }
        #expect(FileManager.default.fileExists(atPath: outside.path))
    }
}
