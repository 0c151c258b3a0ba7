public import ServiceLifecycle
import Hummingbird
public import Logging
public import Runtime

/// The HTTP control plane of one running strategy: health, readiness, status, metrics, and the
/// reload, kill and resume commands.
///
/// Its whole life is `run()`, which serves until the task is cancelled or the service group it
/// belongs to shuts down gracefully. It binds a loopback address unless told otherwise: the
/// control plane can halt trading, so reaching it from another machine must be a decision.
///
/// | route | auth | answers |
/// |---|---|---|
/// | `GET /live` | none | 200 |
/// | `GET /ready` | none | 200 ready, 503 with reasons |
/// | `GET /status` | none | 200 JSON `StatusSnapshot` |
/// | `GET /metrics` | none | 200 Prometheus text |
/// | `POST /reload` | bearer | 200 applied, 422 refused |
/// | `POST /kill`, `POST /resume` | bearer | 200 accepted, 409 refused, 400 without a reason |
public struct ControlServer: Sendable {
    /// Where to listen.
    public struct Configuration: Sendable {
        public var host: String
        /// 0 asks the system for a free port; `onListening` reports the one it chose.
        public var port: Int
        /// Binding an address other than loopback needs this, on purpose.
        public var allowsNonLoopback: Bool

        public init(host: String = "127.0.0.1", port: Int, allowsNonLoopback: Bool = false) {
            self.host = host
            self.port = port
            self.allowsNonLoopback = allowsNonLoopback
        }
    }

    private let configuration: Configuration
    private let routes: ControlRoutes
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) async -> Void

    /// - Parameters:
    ///   - target: The running strategy.
    ///   - metrics: What `GET /metrics` serves; the runtime updates it, this server only reads it.
    ///   - token: The bearer token of the mutating endpoints; nil disables them (403).
    ///   - redactor: Secrets to hide from every body and log line; the token is added to it.
    ///   - onListening: Called once the socket is bound, with its port.
    /// - Throws: `ControlPlaneError.nonLoopbackAddress` for a non-loopback host not allowed.
    public init(
        target: any ControlTarget,
        metrics: RuntimeMetrics,
        token: ControlToken?,
        redactor: SecretRedactor = SecretRedactor(secrets: []),
        configuration: Configuration,
        logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) throws {
        guard configuration.allowsNonLoopback || Self.isLoopback(configuration.host) else {
            throw ControlPlaneError.nonLoopbackAddress(host: configuration.host)
        }
        let redactor = token.map { redactor.adding($0) } ?? redactor
        self.configuration = configuration
        self.routes = ControlRoutes(target: target, metrics: metrics, token: token, redactor: redactor, logger: logger)
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves until cancelled or shut down gracefully.
    public func run() async throws {
        let router = Router()
        routes.register(on: router)
        let (host, requestedPort, logger, onListening) = (configuration.host, configuration.port, logger, onListening)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: requestedPort)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? requestedPort
                logger.info("control plane listening", metadata: ["control.host": "\(host)", "control.port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
        try await application.run()
    }

    /// `localhost`, `::1` and the whole 127.0.0.0/8 block; anything else, names included, is not.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}

/// A service in the runtime's ServiceGroup: `run()` already ends on cancellation and on graceful
/// shutdown, so the server stops in order with the rest of the strategy on SIGTERM/SIGINT.
extension ControlServer: Service {}
