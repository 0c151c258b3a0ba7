import ArgumentParser
import Foundation
import Storage

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check a run's hash-chained audit log.",
        subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit chain of a run and name the first broken row.",
            discussion: """
            Every audit row carries the SHA-256 of the row before it and of its own content; the \
            walk recomputes them. Exit status: 0 intact, 1 broken (the first broken row is named), \
            2 the run cannot be read.
            """)

        @Argument(help: ArgumentHelp("Run id (in --runs) or run folder.", valueName: "run"))
        var runName: String

        @Option(help: ArgumentHelp("Folder that holds run folders.", valueName: "dir"))
        var runs: String = "runs"

        func run() throws {
            try reportingErrors {
                let folder = try Replay(run: runName, runsDirectory: runs, registry: URL(fileURLWithPath: "registry")).folder()
                let verification: AuditVerification
                do {
                    verification = try AuditVerifier.verify(databaseAt: folder.appendingPathComponent(RunStore.fileName))
                } catch {
                    throw CommandError("\(folder.path): \(error)", status: ExitStatus.usageOrIO)
                }
                switch verification {
                case .intact(let rows, _):
                    CommandOutput.line("\(folder.lastPathComponent): audit chain intact (\(rows) rows)")
                case .broken(let breakage):
                    throw CommandError("\(folder.lastPathComponent): audit chain broken at row \(breakage.seq): \(breakage.problem)")
                }
            }
        }
    }
}
