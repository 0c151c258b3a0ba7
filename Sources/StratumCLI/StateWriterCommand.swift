import ArgumentParser
import Foundation
import Storage

/// `stratum state-writer`: a deterministic stand-in for a live runner, for the crash-safety test.
///
/// Hidden from `--help`: it exists so a test can kill a real process (SIGKILL) at random points
/// while it journals bars, records orders before "sending" them, sends them to a file that plays
/// the venue, and records fills; and then restart it on the same state. On every start it
/// replays the whole journal as a runner does, so the test sees the restart logic at work:
/// orders already sent are never sent again, orders recorded but not confirmed are reconciled
/// with the venue first.
struct StateWriterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state-writer",
        abstract: "Write a deterministic stream of bars, orders and fills to a state folder (crash-safety testing).",
        shouldDisplay: false)

    static let strategyID = "crash-safety"

    @Option var state: String
    /// The file the "venue" appends each client order id it receives to, one per line.
    @Option var venueLog: String
    @Option var bars: Int = 1_000
    @Option var ordersPerBar: Int = 3

    func run() throws {
        let store = try StateStore.open(directory: URL(fileURLWithPath: state), redacting: { $0 })
        defer { try? store.close() }
        // Tells the test the process is up, so its kill lands in the restart and the writing.
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        try store.bind(strategyID: Self.strategyID, at: 0)
        var venue = try FileVenue(path: venueLog)
        // A restart first settles the orders whose send was never confirmed.
        for order in try store.load().unconfirmedOrders {
            if !venue.has(order.clientOrderID) { try venue.send(order.clientOrderID) }
            try store.markSent(order.clientOrderID, at: order.createdMicros)
        }
        for sequence in 0..<UInt64(bars) {
            try store.recordBar(Self.bar(sequence))
            for index in 0..<ordersPerBar {
                let intent = Self.order(sequence, index)
                switch try store.admit(intent) {
                case .send(let id):
                    try venue.send(id.value)
                    try store.markSent(id.value, at: intent.createdMicros)
                    try fill(id.value, intent, store)
                case .reconcile(let order):
                    if !venue.has(order.clientOrderID) { try venue.send(order.clientOrderID) }
                    try store.markSent(order.clientOrderID, at: intent.createdMicros)
                    try fill(order.clientOrderID, intent, store)
                case .alreadySent(let order) where order.status == .sent:
                    // The venue re-delivers the fills of an order it holds; the store keeps one of each.
                    try fill(order.clientOrderID, intent, store)
                case .alreadySent:
                    break
                }
            }
        }
    }

    private func fill(_ id: String, _ intent: OrderIntent, _ store: StateStore) throws {
        try store.recordFill(FillReport(clientOrderID: id, venueFillID: "\(id)-1", quantity: intent.quantity,
                                        price: 100 + Double(intent.barSequence % 7), fee: 0.01, timestampMicros: intent.createdMicros))
    }

    static func bar(_ sequence: UInt64) -> JournalBar {
        let price = 100 + Double(sequence % 7)
        return JournalBar(sequence: sequence, instrument: "TEST", timestampMicros: Int64(sequence) * 60_000_000,
                          open: price, high: price + 1, low: price - 1, close: price, volume: 10)
    }

    static func order(_ sequence: UInt64, _ index: Int) -> OrderIntent {
        OrderIntent(barSequence: sequence, index: index, instrument: "TEST", side: index % 2 == 0 ? .buy : .sell,
                    quantity: Double(index + 1), createdMicros: Int64(sequence) * 60_000_000 + Int64(index))
    }
}

/// The venue of the crash test: an append-only file of the client order ids it received.
struct FileVenue {
    private let handle: FileHandle
    private var received: Set<String>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        received = Set(text.split(separator: "\n").map(String.init))
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandError("\(path): cannot open the venue log for writing", status: ExitStatus.usageOrIO)
        }
        _ = try handle.seekToEnd()
        self.handle = handle
    }

    func has(_ id: String) -> Bool { received.contains(id) }

    /// One write(2) per id, synced: a kill leaves either the whole line or none of it.
    mutating func send(_ id: String) throws {
        try handle.write(contentsOf: Data("\(id)\n".utf8))
        try handle.synchronize()
        received.insert(id)
    }
}
