import ArgumentParser
import ControlHTTP
import Foundation
import Storage

/// The `--state DIR` of the commands that read or change a live strategy's state.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("State folder of the strategy (the --state of `stratum run`).", valueName: "dir"))
    var state: String

    /// Opens an existing state folder; a missing one is a usage error, never created here.
    func openExisting() throws -> StateStore {
        let folder = URL(fileURLWithPath: state)
        let database = folder.appendingPathComponent(StateStore.fileName)
        guard FileManager.default.fileExists(atPath: database.path) else {
            throw CommandError("\(database.path): no state here; point --state at the folder `stratum run --state` writes",
                               status: ExitStatus.usageOrIO)
        }
        let redactor = SecretRedactor.environment(ProcessInfo.processInfo.environment)
        do {
            return try StateStore.open(directory: folder, redacting: { redactor.redact($0) })
        } catch {
            throw CommandError("\(error)", status: ExitStatus.usageOrIO)
        }
    }
}

/// Who runs the command, for the audit trail: `--by`, else `$USER`, else `operator`.
func operatorName(_ by: String?) -> String {
    if let by, !by.trimmingCharacters(in: .whitespaces).isEmpty { return by }
    return ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "operator"
}

/// Microseconds since the Unix epoch, from the wall clock: commands stamp what operators do.
func wallClockMicros() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
}
