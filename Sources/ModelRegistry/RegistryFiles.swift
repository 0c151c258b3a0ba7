import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system operations the registry relies on for safety, in one place.
///
/// Foundation does not expose `flock`, `fsync` or `realpath` portably, so these go straight
/// to the C library.
enum RegistryFiles {
    /// Reads a whole file.
    ///
    /// - Throws: `RegistryError.missingFile` when it does not exist, `.io` otherwise.
    static func read(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw RegistryError.missingFile(url.path) }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw RegistryError.io(url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Replaces a file's content atomically: readers see the old or the new bytes, never a mix.
    ///
    /// The bytes go to a temporary file in the same folder, are flushed to disk, and the
    /// temporary file is renamed over the target (`rename(2)` is atomic within a file system).
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw ioError(temporary, "cannot create") }
        defer { unlink(temporary.path) }  // fails harmlessly once renamed
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else { throw ioError(url, "cannot write") }
        guard rename(temporary.path, url.path) == 0 else { throw ioError(url, "cannot replace") }
    }

    /// Appends one record to a log file, creating it if needed, and flushes it to disk.
    static func append(_ bytes: [UInt8], to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw ioError(url, "cannot open for appending") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else { throw ioError(url, "cannot append") }
    }

    /// Runs `body` while holding an exclusive `flock` on `lockFile`.
    ///
    /// Every read-modify-write of a model's tags, history and shadow log happens under its
    /// lock, so two processes promoting at once are serialised and the second one sees the
    /// first one's result. The lock is released when the descriptor closes, even on a crash.
    static func withExclusiveLock<Result>(_ lockFile: URL, _ body: () throws -> Result) throws -> Result {
        let descriptor = open(lockFile.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw ioError(lockFile, "cannot open the lock file") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw ioError(lockFile, "cannot take the lock") }
        }
        return try body()
    }

    /// The canonical path of an existing file, with every symlink resolved.
    static func realPath(_ url: URL) -> String? {
        guard let resolved = realpath(url.path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Checks that `url` exists and, after resolving symlinks, lies inside `root`.
    ///
    /// - Throws: `RegistryError.missingFile` or `.pathEscapesRegistry`.
    static func requireInside(_ url: URL, root: String) throws {
        guard let real = realPath(url) else { throw RegistryError.missingFile(url.path) }
        guard real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw RegistryError.pathEscapesRegistry(url.path)
        }
    }

    /// The SHA-256 of a file, streamed in blocks.
    static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw RegistryError.missingFile(url.path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let block: Data
            do {
                block = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw RegistryError.io(url.path, reason: "cannot read: \(error.localizedDescription)")
            }
            if block.isEmpty { break }
            block.withUnsafeBytes { hasher.update(bytes: $0) }
        }
        return SHA256.hexString(hasher.finalize())
    }

    /// The names in a folder, without hidden entries (lock and temporary files start with '.').
    static func visibleEntries(of url: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw RegistryError.io(url.path, reason: "cannot list the folder: \(error.localizedDescription)")
        }
    }

    /// The login name of the process's user id, from the password database.
    static func accountName() -> String? {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func ioError(_ url: URL, _ what: String) -> RegistryError {
        RegistryError.io(url.path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
