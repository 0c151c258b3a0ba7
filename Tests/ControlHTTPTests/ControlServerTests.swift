import ControlHTTP
import Logging
import Runtime
import Testing

/// Where the server may listen, and that it stops when its task is cancelled.
@Suite struct ControlServerTests {
    static func server(host: String, allowsNonLoopback: Bool = false) throws -> ControlServer {
        try ControlServer(
            target: StubTarget(), metrics: RuntimeMetrics(), token: nil,
            configuration: .init(host: host, port: 0, allowsNonLoopback: allowsNonLoopback),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    @Test(arguments: ["127.0.0.1", "127.4.5.6", "::1", "localhost"])
    func loopbackAddressesAreAccepted(host: String) {
        #expect(throws: Never.self) { try Self.server(host: host) }
    }

    @Test(arguments: ["0.0.0.0", "192.168.1.20", "10.0.0.5", "::", "trading-box.internal", "127.0.0.1.example.com", "1270.0.0.1", ""])
    func otherAddressesAreRefused(host: String) throws {
        let error = #expect(throws: ControlPlaneError.self) { try Self.server(host: host) }
        #expect(error == .nonLoopbackAddress(host: host))
        #expect(try #require(error).description.contains("not loopback"))
    }

    @Test func otherAddressesNeedAnExplicitAllowance() {
        #expect(throws: Never.self) { try Self.server(host: "0.0.0.0", allowsNonLoopback: true) }
    }

    @Test func defaultHostIsLoopback() {
        #expect(ControlServer.Configuration(port: 9000).host == "127.0.0.1")
        #expect(ControlServer.Configuration(port: 9000).allowsNonLoopback == false)
    }

    @Test func cancellingTheTaskStopsTheServer() async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try ControlServer(
            target: StubTarget(), metrics: RuntimeMetrics(), token: nil,
            configuration: .init(port: 0), logger: LogRecord().logger(),
            onListening: { continuation.yield($0) }
        )
        let task = Task { try await server.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        task.cancel()
        _ = await task.result
        let harness = ControlHarness(port: port, target: StubTarget(), metrics: RuntimeMetrics(), log: LogRecord())
        await #expect(throws: (any Error).self) { try await harness.get("/live") }
    }
}
