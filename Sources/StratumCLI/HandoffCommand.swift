import ArgumentParser
import Foundation
import Storage

/// `stratum handoff`: the shift handoff note, and the mark the next note starts from.
struct HandoffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "Print the shift handoff note of a strategy and mark the handoff.",
        discussion: """
        The note lists the kill-switch state, positions marked at the last bar, P&L (realized, \
        unrealized, fees, and net since the last handoff), open orders, and the incidents, reloads \
        and alerts since the last handoff. Printing it records a handoff mark, so the next note \
        starts where this one ends (--no-mark to only look). Exit status: 0 printed, 2 bad usage \
        or unreadable state.
        """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print the note as JSON (fixed snake_case keys).")
    var json = false

    @Flag(help: "Print the note without recording a handoff mark.")
    var noMark = false

    @Option(help: ArgumentHelp("Who takes the handoff note (default: $USER).", valueName: "name"))
    var by: String?

    func run() throws {
        try reportingErrors {
            let store = try stateOptions.openExisting()
            defer { try? store.close() }
            let now = wallClockMicros()
            do {
                let note = try store.handoffNote(at: now)
                let output = try json ? jsonText(note) : String(note.text.dropLast())
                CommandOutput.line(output)
                if !noMark { try store.markHandoff(note, actor: operatorName(by), at: now) }
            } catch let error as CommandError {
                throw error
            } catch {
                throw CommandError("\(error)", status: ExitStatus.usageOrIO)
            }
        }
    }
}
