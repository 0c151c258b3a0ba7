import Agents
import ArgumentParser
import ControlHTTP
import Foundation
import Logging
import Runtime
import ServiceLifecycle
import StrategyDSL

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a strategy as paper (or live) trading: agents as actors, fed bar by bar, with a control plane.",
        discussion: """
        Lints and plans the strategy, then runs its seven agents as actors fed by its data \
        sources as live feeds. Paper mode trades on the simulated venue with the same agents as \
        the backtest, and gives the same trades on the same bars.

        Feeds: an `exchange:` source streams live bars (Binance kline streams, with REST backfill). \
        File, table and synthetic sources are replayed as a live feed at --replay SPEED: 60x \
        (times real time, from the bars' timestamps), 100/s (bars per second) or max. A `replay:` \
        source has its own speed, which --replay overrides.

        --control HOST:PORT serves /live, /ready, /status, /metrics and POST /reload, /kill, \
        /resume on a loopback address (port 0 picks a free one; the port is printed). Commands \
        need a bearer token from STRATUM_CONTROL_TOKEN or --control-token-file. Secrets come \
        from the environment or a .env file beside the strategy and never appear in output.

        Hot reload: a save of the file (in place or by rename), a registry tag move of a model it \
        reads, SIGHUP or POST /reload reloads it between two bars, keeping positions and unchanged \
        state; a file that fails lint is refused and the old plan runs on. /status shows the \
        running plan_hash and last_reload; with --state, each reload is recorded in DIR/state.sqlite's \
        audit chain and appended to DIR/audit.jsonl.

        --state DIR makes the run crash-safe: every bar is journaled in DIR/state.sqlite before \
        the agents see it, every order before it is sent, every fill and kill-switch change as it \
        happens. Started again on the same folder (after a stop or a kill -9), the run replays the \
        journal through fresh agents (same positions, orders, equity and indicators), never sends \
        an order id twice, and continues with the next bar. A kill (POST /kill, or a drawdown \
        halt) is persisted: the restart stays HALTED until `stratum resume --state DIR --reason` \
        or POST /resume. Without --state nothing survives the process.

        SIGTERM or SIGINT: the bar in hand finishes, state is checkpointed and flushed, \
        --state DIR/status.json is written, and the process exits 0. When a replay ends, the \
        process exits the same way unless --control is given: then it keeps serving until \
        signalled, so the final status can be read.

        --bus redis://HOST:PORT[/DB] runs the seven agents over Redis Streams: every message \
        between agents is published on its topic stream and read through the receiving agent's \
        consumer group, driven in waves so the trades equal the plain run's (docs/messages.md). \
        --agents in-process runs them as tasks of this process; --agents external waits for \
        `stratum agent NAME --strategy FILE --bus URL` processes. Latest values are cached in \
        Redis hashes. A lost Redis is reconnected with backoff: the outage is logged with its \
        duration, counted in /metrics and shown in /status. --state works with in-process \
        agents (not with --agents external, whose processes start fresh). Hot reload is off with \
        --bus: restart the run to apply an edit.

        Exit status: 0 stopped cleanly, 1 the strategy fails lint or cannot run in the mode asked \
        (live without a venue adapter), or the bus failed, 2 usage or I/O error.
        """)

    @Argument(help: ArgumentHelp("Strategy file.", valueName: "file"))
    var file: String

    @OptionGroup var registryOptions: RegistryOptions

    @Option(help: ArgumentHelp("paper: the simulated venue; live: the strategy's real venue.", valueName: "mode"))
    var mode: TradingMode = .paper

    @Option(help: ArgumentHelp("Serve the control plane on this loopback address (port 0: any free port).", valueName: "host:port"))
    var control: String?

    @Option(help: ArgumentHelp("Bearer token file of the control plane's commands (mode 600); else STRATUM_CONTROL_TOKEN.", valueName: "file"))
    var controlTokenFile: String?

    @Option(help: ArgumentHelp("Folder of the strategy's crash-safe state (state.sqlite: journal, orders, fills, kill switch; status.json at shutdown). A restart on it resumes where the run stopped.", valueName: "dir"))
    var state: String?

    @Option(help: ArgumentHelp("Replay file, table and synthetic sources as a live feed at 60x, 100/s or max.", valueName: "speed"))
    var replay: String?

    @Option(help: ArgumentHelp("Print a progress line on standard error every this many bars (0: never).", valueName: "bars"))
    var progressEvery: Int = 1000

    @OptionGroup var busOptions: RunBusOptions

    func validate() throws {
        if let control { _ = try ControlAddress(parsing: control) }
        if let replay {
            do {
                _ = try ReplaySpeed(parsing: replay)
            } catch {
                throw ValidationError("--replay: \(error)")
            }
        }
        if progressEvery < 0 { throw ValidationError("--progress-every must be 0 or more") }
        try busOptions.validate(state: state)
    }

    func run() async throws {
        do {
            if busOptions.bus != nil {
                try await LiveBusSession(command: self).run()
            } else {
                try await LiveSession(command: self).run()
            }
        } catch let error as CommandError {
            Console.error(error.prefixed ? "error: \(error.message)" : error.message)
            throw error.status
        }
    }
}

extension TradingMode: ExpressibleByArgument {}

/// `--control HOST:PORT`: an IPv4 address or name, or `[::1]`, and a port.
struct ControlAddress: Equatable {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--control '\(text)': give HOST:PORT, for example 127.0.0.1:9464 (port 0 picks a free port)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--control '\(text)': the host is missing; use 127.0.0.1:\(port)") }
        self.host = host
        self.port = port
    }
}
