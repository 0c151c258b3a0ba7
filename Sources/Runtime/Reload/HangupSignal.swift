#if canImport(Glibc)
import Dispatch
import Foundation
import Glibc

/// SIGHUP as an event for any number of subscribers.
///
/// On Linux an ignored signal is discarded when it is raised, and a `signalfd` only sees a
/// signal every thread blocks, which a process that already runs threads cannot arrange. So a
/// plain handler writes one byte to a pipe (`write` is async-signal-safe), and a dispatch read
/// source on the pipe calls the subscribers on an ordinary queue. Installed on first use; from
/// then on SIGHUP no longer ends the process.
final class HangupSignal: @unchecked Sendable {
    static let shared = HangupSignal()

    /// Confines `subscribers`, `source` and the installation.
    private let queue = DispatchQueue(label: "stratum.reload.sighup")
    private var subscribers: [UUID: @Sendable () -> Void] = [:]
    private var source: (any DispatchSourceRead)?

    func subscribe(_ handler: @escaping @Sendable () -> Void) -> UUID {
        queue.sync {
            installIfNeeded()
            let id = UUID()
            subscribers[id] = handler
            return id
        }
    }

    func unsubscribe(_ id: UUID) {
        queue.async { self.subscribers[id] = nil }
    }

    private func installIfNeeded() {
        guard source == nil else { return }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        hangupWriteEnd = ends[1]
        let readEnd = ends[0]
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: queue)
        source.setEventHandler { [unowned self] in
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(readEnd, &bytes, bytes.count) > 0 {}
            for handler in self.subscribers.values { handler() }
        }
        source.resume()
        self.source = source
        _ = signal(SIGHUP, hangupHandler)
    }
}

/// Written once before the handler is installed, only read by it afterwards.
nonisolated(unsafe) private var hangupWriteEnd: Int32 = -1

private func hangupHandler(_: Int32) {
    var byte: UInt8 = 1
    _ = write(hangupWriteEnd, &byte, 1)
}
#endif
