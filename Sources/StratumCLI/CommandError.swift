import ArgumentParser
import Runtime

/// A failure the user can act on: the message says what and where, the status follows docs/cli.md.
struct CommandError: Error, CustomStringConvertible {
    var message: String
    var status: ExitCode
    /// False when the message already reads `file:line:column: error: ...`, as feed errors do.
    var prefixed = true

    init(_ message: String, status: ExitCode = ExitStatus.failure) {
        self.message = message
        self.status = status
    }

    /// Wraps an error from a lower layer, keeping a feed error's compiler-style position.
    init(wrapping error: any Error) {
        self.init("\(error)")
        prefixed = !(error is FeedError)
    }

    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, printing a `CommandError` as `error: ...` on standard error and exiting with its status.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CommandError {
            Console.error(error.prefixed ? "error: \(error.message)" : error.message)
            throw error.status
        }
    }
}
