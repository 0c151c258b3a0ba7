import Foundation
import Runtime
import Testing

#if canImport(Glibc)
import Glibc

/// Temporary folders and the ways editors save a file, for the watcher tests.
enum EditorSave {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Truncates and writes the file in place, as `echo > file` and many IDEs do.
    static func inPlace(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Writes a temporary file beside it and renames it over the original (VS Code, emacs, atomic writers).
    static func renameOver(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try Data(text.utf8).write(to: temporary)
        #expect(rename(temporary.path, url.path) == 0)
    }

    /// vim with `backupcopy=no`: rename the original to `file~`, write a new file, delete the backup.
    static func vimStyle(_ text: String, to url: URL) throws {
        let backup = url.appendingPathExtension("~")
        #expect(rename(url.path, backup.path) == 0)
        FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
        #expect(unlink(backup.path) == 0)
    }

    /// Deletes the file, then creates it again.
    static func deleteAndRecreate(_ text: String, to url: URL) throws {
        #expect(unlink(url.path) == 0)
        FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
    }
}

extension AsyncStream where Element == ReloadRequest {
    /// The next request, or nil if none comes within `seconds` (a liveness bound, not a timing assertion).
    func next(within seconds: Double = 10) async -> ReloadRequest? {
        await withTaskGroup(of: ReloadRequest?.self) { group in
            group.addTask {
                var iterator = self.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
#endif
