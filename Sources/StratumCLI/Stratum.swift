import ArgumentParser

/// The `stratum` command: the composition root that wires the modules together.
@available(macOS 10.15, *)
public struct Stratum: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "stratum",
        abstract: "A declarative strategy runtime: lint, compile and run trading strategies written in YAML.",
        version: StratumVersion.current,
        subcommands: [LintCommand.self, SchemaCommand.self, GraphCommand.self, FeaturesCommand.self, BacktestCommand.self,
                      AuditCommand.self, RegistryCommand.self, ModelCommand.self, RunCommand.self,
                      ResumeCommand.self, HandoffCommand.self, StateWriterCommand.self, AgentCommand.self]
    )

    public init() {}
}

public enum StratumVersion {
    public static let current = "0.1.0"
}
