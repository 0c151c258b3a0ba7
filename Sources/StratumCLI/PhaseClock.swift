import Foundation

/// Times the phases of a command for `--timings`, printing each lap to standard error.
final class PhaseClock {
    private let enabled: Bool
    private var last = DispatchTime.now().uptimeNanoseconds

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func lap(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        Console.error(String(format: "%-20@ %8.3f s", phase as NSString, Double(now - last) / 1e9))
        last = now
    }
}
