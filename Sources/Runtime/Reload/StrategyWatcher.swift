#if canImport(Glibc)
import Dispatch
import Foundation
import Glibc

/// Watches a strategy file and the registry tags its plan reads, and emits reload requests.
///
/// The file's folder is watched (inotify), not the file: editors that save by writing a
/// temporary file and renaming it over the original (most of them), vim's backup-and-rename,
/// and delete-then-recreate all replace the file's inode, which a watch on the file itself
/// would lose. A save is a close after writing (`IN_CLOSE_WRITE`) or a rename onto the name
/// (`IN_MOVED_TO`); a deletion alone triggers nothing (the old plan keeps running until the
/// file is back). Each model's folder is watched for its `tags.json` being replaced, which is
/// how `stratum registry promote` and `rollback` write it. SIGHUP is a trigger too, when asked.
///
/// Events within `debounce` of each other are one request: an editor's save is several events,
/// and a burst of saves is reloaded once, after the last.
///
/// All state lives on one serial queue; the class is Sendable because nothing else touches it.
public final class StrategyWatcher: @unchecked Sendable {
    /// Reload requests, in order. Ends when the watcher stops.
    public let requests: AsyncStream<ReloadRequest>
    public let strategy: URL
    public let registry: URL?
    public let debounce: Duration

    private let continuation: AsyncStream<ReloadRequest>.Continuation
    private let queue = DispatchQueue(label: "stratum.reload.watcher")
    private let descriptor: Int32
    private var readSource: (any DispatchSourceRead)?
    private var hangup: UUID?
    private var strategyWatch: Int32 = -1
    /// Watch descriptor → model name.
    private var modelWatches: [Int32: String] = [:]
    private var pending: [ReloadTrigger] = []
    private var flush: DispatchWorkItem?
    private var stopped = false

    /// Starts watching at once.
    ///
    /// - Parameters:
    ///   - strategy: the strategy file (it may be absent for a moment, its folder may not).
    ///   - registry: the registry folder; nil when the strategy reads no models.
    ///   - models: model names whose `tags.json` to follow (`ReloadCoordinator.models(of:)`).
    ///   - debounce: quiet time after the last event before a request goes out.
    ///   - sighup: also emit a request on SIGHUP (from then on the process no longer dies of it).
    /// - Throws: `WatchError` when the folder cannot be watched.
    public init(strategy: String, registry: URL? = nil, models: [String] = [], debounce: Duration = .milliseconds(25),
                sighup: Bool = false) throws(WatchError) {
        self.strategy = URL(fileURLWithPath: strategy).standardizedFileURL
        self.registry = registry?.standardizedFileURL
        self.debounce = debounce
        (requests, continuation) = AsyncStream.makeStream(of: ReloadRequest.self)
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw WatchError(path: strategy, reason: "cannot start inotify: \(String(cString: strerror(errno)))") }
        let folder = self.strategy.deletingLastPathComponent().path
        strategyWatch = inotify_add_watch(descriptor, folder, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO))
        guard strategyWatch >= 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            continuation.finish()
            throw WatchError(path: folder, reason: "cannot watch the strategy's folder: \(reason)")
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.drainEvents() }
        // The descriptor closes only once the source no longer reads it.
        let watched = descriptor
        source.setCancelHandler { close(watched) }
        readSource = source
        if sighup {
            hangup = HangupSignal.shared.subscribe { [weak self] in
                guard let self else { return }
                self.queue.async { self.note(.signal) }
            }
        }
        queue.sync { self.replaceModelWatches(models) }
        source.resume()
        continuation.onTermination = { [weak self] _ in self?.stop() }
    }

    deinit {
        readSource?.cancel()
        if let hangup { HangupSignal.shared.unsubscribe(hangup) }
        continuation.finish()
    }

    /// Follows these models' tags from now on (after a reload changed what the plan reads).
    public func watchModels(_ models: [String]) {
        queue.sync { self.replaceModelWatches(models) }
    }

    /// Stops watching and ends `requests` (also when the consumer stops iterating them).
    public func stop() {
        queue.async { [weak self] in
            guard let self, !self.stopped else { return }
            self.stopped = true
            self.flush?.cancel()
            self.readSource?.cancel()
            if let hangup = self.hangup { HangupSignal.shared.unsubscribe(hangup) }
            self.continuation.finish()
        }
    }

    private func replaceModelWatches(_ models: [String]) {
        for watch in modelWatches.keys { inotify_rm_watch(descriptor, watch) }
        modelWatches = [:]
        guard let registry else { return }
        for model in Set(models) {
            let folder = registry.appendingPathComponent(model).path
            let watch = inotify_add_watch(descriptor, folder, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO))
            // A model folder that is missing now fails lint on the next reload, which says so.
            if watch >= 0 { modelWatches[watch] = model }
        }
    }

    /// Reads every queued inotify event and notes the ones that matter.
    private func drainEvents() {
        let name = strategy.lastPathComponent
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let (watch, length) = buffer.withUnsafeBytes { raw in
                    (raw.loadUnaligned(fromByteOffset: offset, as: Int32.self), Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + header)..<min(offset + header + length, count)].prefix { $0 != 0 }
                let file = String(decoding: nameBytes, as: UTF8.self)
                if watch == strategyWatch, file == name {
                    note(.file)
                } else if let model = modelWatches[watch], file == "tags.json" {
                    note(.tags(model: model))
                }
                offset += header + length
            }
        }
    }

    /// Adds a trigger to the burst and restarts the quiet-time countdown.
    private func note(_ trigger: ReloadTrigger) {
        guard !stopped else { return }
        if !pending.contains(trigger) { pending.append(trigger) }
        flush?.cancel()
        let work = DispatchWorkItem { [weak self] in
            guard let self, !self.stopped, !self.pending.isEmpty else { return }
            self.continuation.yield(ReloadRequest(triggers: self.pending))
            self.pending = []
        }
        flush = work
        let (seconds, attoseconds) = debounce.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: work)
    }
}

/// A folder that cannot be watched.
public struct WatchError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String {
        "\(path): \(reason); check that the folder exists and is readable, or raise fs.inotify.max_user_watches"
    }
}
#endif
