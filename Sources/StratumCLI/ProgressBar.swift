import Foundation

/// A one-line progress display on standard error: bars done, bars/s and, when the total is
/// known, a bar and the time left. Silent unless standard error is a terminal, and it only
/// appears once a run has taken a second, so short runs and pipes stay clean.
final class ProgressBar {
    private let label: String
    private let total: Int?
    private let start = Date()
    private let enabled: Bool
    private var shown = false

    init(label: String, total: Int?, enabled: Bool = Console.stderrIsTerminal) {
        self.label = label
        self.total = total
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        guard elapsed >= 1 else { return }
        shown = true
        let rate = Double(done) / max(elapsed, 1e-9)
        var line = "\(label) \(Self.count(done)) bars, \(Self.count(Int(rate))) bars/s"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            let eta = rate > 0 ? Double(max(total - done, 0)) / rate : 0
            line = "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(fraction * 100))% \(Self.count(done)) bars, \(Self.count(Int(rate))) bars/s, ETA \(Int(eta.rounded()))s"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func count(_ value: Int) -> String {
        value >= 1_000_000 ? String(format: "%.1fM", Double(value) / 1e6) : value >= 10_000 ? "\(value / 1000)k" : "\(value)"
    }
}
