import ArgumentParser

/// A failure the user can act on: the message says what and where, the status follows docs/cli.md.
struct CommandError: Error, CustomStringConvertible {
    var message: String
    var status: ExitCode

    init(_ message: String, status: ExitCode = ExitStatus.failure) {
        self.message = message
        self.status = status
    }

    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, printing a `CommandError` as `error: ...` on standard error and exiting with its status.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CommandError {
            Console.error("error: \(error.message)")
            throw error.status
        }
    }
}
