import ArgumentParser
import Foundation

/// Flags shared by every command that reads models.
struct RegistryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Model registry folder.", valueName: "dir"))
    var registry: String = "registry"

    var registryURL: URL { URL(fileURLWithPath: registry) }
}

/// Exit codes, one meaning each (docs/cli.md lists them).
enum ExitStatus {
    /// The check found errors, or a run was refused.
    static let failure = ExitCode(1)
    /// Bad usage, or a file that cannot be read or written.
    static let usageOrIO = ExitCode(2)
}

/// Standard error, for progress and messages that are not the command's output.
enum Console {
    static func error(_ message: String) {
        // Through CommandOutput, so in-process runs (tests) capture it like the command's output.
        CommandOutput.current.error(message + "\n")
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
