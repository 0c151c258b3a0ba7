import Foundation
import ModelRegistry
import Runtime
import Testing

#if canImport(Glibc)
import Glibc

/// The watcher on real files in temporary folders: every way an editor saves reaches it as one
/// request, and so does a promoted registry tag.
@Suite(.serialized)
struct StrategyWatcherTests {
    static let content = "strategy: { name: watched }\n"

    func watched(debounce: Duration = .milliseconds(25)) throws -> (URL, StrategyWatcher) {
        let folder = try EditorSave.temporaryFolder()
        let file = folder.appendingPathComponent("strategy.yaml")
        try Data(Self.content.utf8).write(to: file)
        return (file, try StrategyWatcher(strategy: file.path, debounce: debounce))
    }

    @Test(arguments: ["in place", "rename", "vim", "delete and recreate"])
    func everyWayOfSavingIsOneRequest(_ how: String) async throws {
        let (file, watcher) = try watched(debounce: .milliseconds(200))
        defer { watcher.stop() }
        switch how {
        case "in place": try EditorSave.inPlace("# saved\n", to: file)
        case "rename": try EditorSave.renameOver("# saved\n", to: file)
        case "vim": try EditorSave.vimStyle("# saved\n", to: file)
        default: try EditorSave.deleteAndRecreate("# saved\n", to: file)
        }
        let request = await watcher.requests.next()
        #expect(request == ReloadRequest(triggers: [.file]), "\(how)")
        // A second save after the first request is a second request: the watch survived the inode change.
        try EditorSave.renameOver("# again\n", to: file)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.file]), "\(how), second save")
    }

    @Test func aBurstOfSavesIsOneRequest() async throws {
        // The quiet time is far longer than the burst takes, so the burst is one request.
        let (file, watcher) = try watched(debounce: .milliseconds(750))
        defer { watcher.stop() }
        for index in 0..<5 { try EditorSave.renameOver("# save \(index)\n", to: file) }
        // Another file in the folder is not the strategy.
        try Data("x".utf8).write(to: file.deletingLastPathComponent().appendingPathComponent("notes.txt"))
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.file]))
        // Then the stream stays quiet until the next save, which proves the burst was not queued twice.
        try EditorSave.inPlace("# last\n", to: file)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.file]))
    }

    @Test func deletingTheFileAloneTriggersNothing() async throws {
        let (file, watcher) = try watched()
        defer { watcher.stop() }
        #expect(unlink(file.path) == 0)
        FileManager.default.createFile(atPath: file.path, contents: Data("# back\n".utf8))
        // The only request is the recreation's; the deletion added no trigger of its own.
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.file]))
    }

    @Test func promotedTagIsARequest() async throws {
        let folder = try EditorSave.temporaryFolder()
        let registry = folder.appendingPathComponent("registry")
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("registry"), to: registry)
        let file = folder.appendingPathComponent("strategy.yaml")
        try Data(Self.content.utf8).write(to: file)
        let watcher = try StrategyWatcher(strategy: file.path, registry: registry, models: ["momentum"])
        defer { watcher.stop() }
        // `stratum registry promote --force`: the registry replaces tags.json by rename.
        let store = ModelRegistry(root: registry, user: "test")
        #expect(try store.promote("momentum", version: "v261125", to: "prod", force: true, reason: "reload test") != nil)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.tags(model: "momentum")]))
        // A model the plan does not read is not followed.
        #expect(try store.promote("trend", version: "v261124", to: "staging") != nil)
        watcher.watchModels(["trend"])
        #expect(try store.promote("trend", version: "v261124", to: "canary") != nil)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.tags(model: "trend")]))
    }

    @Test func sighupIsARequest() async throws {
        let folder = try EditorSave.temporaryFolder()
        let file = folder.appendingPathComponent("strategy.yaml")
        try Data(Self.content.utf8).write(to: file)
        let watcher = try StrategyWatcher(strategy: file.path, sighup: true)
        defer { watcher.stop() }
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.signal]))
    }

    @Test func missingFolderIsAClearError() throws {
        #expect {
            _ = try StrategyWatcher(strategy: "/nonexistent-\(UUID().uuidString)/strategy.yaml")
        } throws: { error in
            "\(error)".contains("cannot watch the strategy's folder")
        }
    }
}
#endif
