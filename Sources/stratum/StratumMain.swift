import ArgumentParser
import Foundation
import StratumCLI

/// The executable: everything lives in StratumCLI so tests can run commands in-process.
@main
enum StratumMain {
    static func main() async {
        do {
            var command = try Stratum.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit 2 (docs/cli.md), not ArgumentParser's 64; every other code is the command's own.
            let code = Stratum.exitCode(for: error)
            let message = Stratum.fullMessage(for: error)
            if !message.isEmpty {
                FileHandle(fileDescriptor: code == .success ? STDOUT_FILENO : STDERR_FILENO).write(Data((message + "\n").utf8))
            }
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
