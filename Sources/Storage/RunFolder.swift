import Foundation

/// The `runs/` folder: publishes each run's folder atomically and finds what crashes left.
///
/// A run is built in `runs/.tmp-<run-id>/` and renamed to `runs/<run-id>/` only when the
/// build succeeds, so `runs/<run-id>/` is always complete. A failed build removes its
/// temporary folder; a crashed one leaves it, and ``unfinishedRuns()`` finds it.
public struct RunFolder: Sendable {
    /// Prefix of folders still being built.
    public static let temporaryPrefix = ".tmp-"

    public let runsDirectory: URL

    /// - Parameter runsDirectory: The `runs/` folder; created on first use if missing.
    public init(runsDirectory: URL) {
        self.runsDirectory = runsDirectory
    }

    /// Where the run with `runID` lives once published.
    public func directory(for runID: RunID) -> URL {
        runsDirectory.appendingPathComponent(runID.rawValue, isDirectory: true)
    }

    /// The run database of the run with `runID` once published.
    public func databaseURL(for runID: RunID) -> URL {
        directory(for: runID).appendingPathComponent(RunStore.fileName)
    }

    /// Builds a run in a temporary folder and publishes it when `body` returns.
    ///
    /// - Parameters:
    ///   - date: The run's start time, from the caller's clock; it names the run.
    ///   - fingerprint: Tells runs started in the same second apart (the strategy's SHA-256).
    ///   - body: Receives the run id and the temporary folder to write into. It must close
    ///     any ``RunStore`` it opened there before returning.
    /// - Returns: The published run: its id, folder and what `body` returned.
    /// - Throws: What `body` throws (the temporary folder is then removed), or
    ///   ``StorageError`` when the folder cannot be created or published.
    public func build<Value>(
        at date: Date, fingerprint: String, _ body: (RunID, URL) throws -> Value
    ) throws -> PublishedRun<Value> {
        let (runID, temporary) = try claim(at: date, fingerprint: fingerprint)
        let result: Value
        do {
            result = try body(runID, temporary)
        } catch {
            discard(temporary)
            throw error
        }
        return PublishedRun(runID: runID, directory: try publish(temporary, as: runID), result: result)
    }

    /// The `async` form of ``build(at:fingerprint:_:)``, for runs driven by async code.
    public func build<Value>(
        at date: Date, fingerprint: String, _ body: (RunID, URL) async throws -> Value
    ) async throws -> PublishedRun<Value> {
        let (runID, temporary) = try claim(at: date, fingerprint: fingerprint)
        let result: Value
        do {
            result = try await body(runID, temporary)
        } catch {
            discard(temporary)
            throw error
        }
        return PublishedRun(runID: runID, directory: try publish(temporary, as: runID), result: result)
    }

    /// Runs that did not complete: temporary folders left by a crash, and published runs whose
    /// database is missing, unreadable, or not marked completed (a live run still going, or
    /// one that failed or crashed).
    ///
    /// A temporary folder may also belong to a build still in progress in another process;
    /// the caller decides what to remove.
    public func unfinishedRuns() throws -> [UnfinishedRun] {
        let files = FileManager.default
        guard files.fileExists(atPath: runsDirectory.path) else { return [] }
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: runsDirectory.path).sorted()
        } catch {
            throw StorageError.runFolderFailure(runsDirectory, action: "list the runs", message: "\(error)")
        }
        return names.compactMap(unfinishedRun(named:))
    }

    /// Removes an unfinished run's folder with everything in it.
    ///
    /// - Throws: ``StorageError`` when the folder is not directly inside `runs/` (nothing is
    ///   removed then) or cannot be removed.
    public func remove(_ run: UnfinishedRun) throws {
        guard run.directory.deletingLastPathComponent().standardizedFileURL.path
            == runsDirectory.standardizedFileURL.path
        else {
            throw StorageError.runFolderFailure(
                run.directory, action: "remove it", message: "it is not directly inside \(runsDirectory.path)")
        }
        do {
            try FileManager.default.removeItem(at: run.directory)
        } catch {
            throw StorageError.runFolderFailure(run.directory, action: "remove it", message: "\(error)")
        }
    }

    /// Classifies one entry of `runs/`; nil for completed runs and for unrelated files.
    private func unfinishedRun(named name: String) -> UnfinishedRun? {
        let url = runsDirectory.appendingPathComponent(name, isDirectory: true)
        if name.hasPrefix(Self.temporaryPrefix) {
            let runID = try? RunID(String(name.dropFirst(Self.temporaryPrefix.count)))
            return UnfinishedRun(directory: url, runID: runID, reason: .interruptedBuild)
        }
        guard let runID = try? RunID(name) else { return nil }
        let database = databaseURL(for: runID)
        guard FileManager.default.fileExists(atPath: database.path) else {
            return UnfinishedRun(directory: url, runID: runID, reason: .missingDatabase)
        }
        do {
            let store = try RunStore.openReadOnly(at: database)
            defer { try? store.close() }
            let status = try store.state().status
            return status == .completed ? nil : UnfinishedRun(directory: url, runID: runID, reason: .status(status))
        } catch {
            return UnfinishedRun(directory: url, runID: runID, reason: .unreadable("\(error)"))
        }
    }

    /// Creates `runs/.tmp-<id>` for the first id free both as a temporary and a published
    /// folder. Creating a directory fails if it exists, so two processes never share one.
    private func claim(at date: Date, fingerprint: String) throws -> (RunID, URL) {
        let files = FileManager.default
        do {
            try files.createDirectory(at: runsDirectory, withIntermediateDirectories: true)
        } catch {
            throw StorageError.runFolderFailure(runsDirectory, action: "create the runs folder", message: "\(error)")
        }
        for attempt in 0..<100 {
            let runID = RunID.make(at: date, fingerprint: fingerprint, attempt: attempt)
            guard !files.fileExists(atPath: directory(for: runID).path) else { continue }
            let temporary = runsDirectory.appendingPathComponent(
                Self.temporaryPrefix + runID.rawValue, isDirectory: true)
            if (try? files.createDirectory(at: temporary, withIntermediateDirectories: false)) != nil {
                return (runID, temporary)
            }
        }
        throw StorageError.runFolderFailure(
            runsDirectory, action: "find a free run id for \(fingerprint)",
            message: "100 candidate ids were taken")
    }

    /// Renames the temporary folder to its published name. rename(2) is atomic, and it
    /// refuses to replace a non-empty folder, so a published run is never overwritten.
    private func publish(_ temporary: URL, as runID: RunID) throws -> URL {
        let destination = directory(for: runID)
        guard rename(temporary.path, destination.path) == 0 else {
            let message = String(cString: strerror(errno))
            throw StorageError.runFolderFailure(
                temporary, action: "publish it as \(destination.path)",
                message: "\(message); the finished run is kept in \(temporary.lastPathComponent)")
        }
        return destination
    }

    /// Removes a temporary folder after a failed build; the error being reported matters
    /// more than a failure to clean up, which ``unfinishedRuns()`` will show later.
    private func discard(_ temporary: URL) {
        try? FileManager.default.removeItem(at: temporary)
    }
}

/// A run folder that ``RunFolder/build(at:fingerprint:_:)`` published.
public struct PublishedRun<Value> {
    public let runID: RunID
    public let directory: URL
    public let result: Value
}

extension PublishedRun: Sendable where Value: Sendable {}

/// An entry of `runs/` that does not hold a completed run.
public struct UnfinishedRun: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// A `.tmp-` folder: a build that crashed, or one still running in another process.
        case interruptedBuild
        /// A published folder without `run.sqlite`.
        case missingDatabase
        /// A run database that cannot be read; the message says why.
        case unreadable(String)
        /// A run database whose status is not `completed`.
        case status(RunStatus)
    }

    public let directory: URL
    /// Nil when the folder's name is not a valid run id.
    public let runID: RunID?
    public let reason: Reason
}
