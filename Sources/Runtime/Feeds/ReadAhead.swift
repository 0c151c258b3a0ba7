import Dispatch
import Foundation
public import Indicators

extension BarFeed {
    /// Without a reading thread of its own, a feed reads as it goes.
    public func forEachBarReadingAhead(_ body: (Bar) throws -> Void) throws {
        try forEachBar(body)
    }

    /// `forEachBarReadingAhead`'s bars gathered into blocks of up to `FusedRunner.pipelineBars`:
    /// a pipelined run hands each whole block to its second thread as it is, without copying it
    /// into a block of its own. A feed error still reaches the caller after every bar before it
    /// (the partial block is handed over first), as bar by bar.
    public func forEachBlockReadingAhead(_ body: (UnsafeBufferPointer<Bar>) throws -> Void) throws {
        let size = FusedRunner.pipelineBars
        var block: [Bar] = []
        block.reserveCapacity(size)
        var bodyFailed = false
        func hand() throws {
            do {
                try block.withUnsafeBufferPointer(body)
            } catch {
                bodyFailed = true
                throw error
            }
            block.removeAll(keepingCapacity: true)
        }
        do {
            try forEachBarReadingAhead { bar in
                block.append(bar)
                if block.count == size { try hand() }
            }
        } catch {
            if !bodyFailed, !block.isEmpty { try hand() }
            throw error
        }
        if !block.isEmpty { try hand() }
    }
}

extension CSVBarReader {
    /// Bars per block handed from the reading thread to the caller's: large enough that the
    /// hand-over (a lock and a wake-up) costs nothing per bar, small enough that the blocks in
    /// flight stay near a megabyte whatever the file's length.
    static let readAheadBlock = 8_192

    /// What the reading thread hands over: a block of bars in file order, or the error that
    /// ended the read (after the block of the bars before it).
    enum ReadAhead: Sendable {
        case bars([Bar])
        case failed(any Error)
    }

    /// The caller stopped taking bars (its closure threw): the reading thread stops too.
    struct Stopped: Error {}

    /// Calls `body` with every bar in file order, on the caller's thread, while another thread
    /// parses the bars that follow: the same bars and the same errors as ``forEachBar(_:)``
    /// (a bad row is reported after every bar before it has been handed to `body`), with the
    /// parsing off the caller's thread. No thread outlives the call.
    public func forEachBarReadingAhead(_ body: (Bar) throws -> Void) throws {
        try forEachBlockReadingAhead { bars in
            for bar in bars { try body(bar) }
        }
    }

    /// ``forEachBarReadingAhead(_:)`` handing over each parsed block as it arrives from the
    /// reading thread, without copying its bars (the block is valid during its call only).
    public func forEachBlockReadingAhead(_ body: (UnsafeBufferPointer<Bar>) throws -> Void) throws {
        let channel = BatchChannel<ReadAhead>(capacity: 4)
        let done = DispatchSemaphore(value: 0)
        let reader = self
        let thread = Thread {
            defer {
                channel.close()
                done.signal()
            }
            let size = Self.readAheadBlock
            var block: [Bar] = []
            block.reserveCapacity(size)
            do {
                try reader.forEachBar { bar in
                    block.append(bar)
                    guard block.count == size else { return }
                    channel.send(.bars(block))
                    if channel.isAbandoned { throw Stopped() }
                    block = []
                    block.reserveCapacity(size)
                }
                if !block.isEmpty { channel.send(.bars(block)) }
            } catch is Stopped {
                return
            } catch {
                if !block.isEmpty { channel.send(.bars(block)) }
                channel.send(.failed(error))
            }
        }
        thread.name = "stratum.csv-read-ahead"
        thread.start()
        // On every way out, the reading thread is told to stop and waited for.
        defer {
            channel.abandon()
            done.wait()
        }
        while let batch = channel.receive() {
            switch batch {
            case .bars(let bars):
                try bars.withUnsafeBufferPointer(body)
            case .failed(let error):
                throw error
            }
        }
    }
}
