import ControlHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Runtime

/// A test token long enough to pass `ControlToken.minimumLength`.
let testTokenValue = "ctl-7f3a9c1e5b2d4a6f8e0c"
/// An exchange key as it would sit in the environment.
let testAPIKeyValue = "binance-key-4d2c8e6a1f9b3d7c"

/// A running `ControlServer` on 127.0.0.1 and an HTTP client for it.
///
/// The server listens on a port the system picks; every request opens a real TCP connection to
/// it. The server task is cancelled when the body returns.
struct ControlHarness: Sendable {
    let port: Int
    let target: StubTarget
    let metrics: RuntimeMetrics
    let log: LogRecord

    static func run<Value: Sendable>(
        target: StubTarget = StubTarget(),
        token: ControlToken? = try! ControlToken(testTokenValue),
        redactor: SecretRedactor = SecretRedactor.environment(["BINANCE_API_KEY": testAPIKeyValue]),
        metrics: RuntimeMetrics = RuntimeMetrics(),
        _ body: @Sendable (ControlHarness) async throws -> Value
    ) async throws -> Value {
        let log = LogRecord()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try ControlServer(
            target: target, metrics: metrics, token: token, redactor: redactor,
            configuration: .init(host: "127.0.0.1", port: 0), logger: log.logger(),
            onListening: { port in
                continuation.yield(port)
                continuation.finish()
            }
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw HarnessError.serverDidNotStart }
            return try await body(ControlHarness(port: port, target: target, metrics: metrics, log: log))
        }
    }

    func get(_ path: String) async throws -> Reply {
        try await send(.get, path)
    }

    /// POST with `Authorization: Bearer <token>` when a token is given.
    func post(_ path: String, token: String? = nil, body: String? = nil) async throws -> Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await send(.post, path, headers: headers, body: body)
    }

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: String? = nil) async throws -> Reply {
        let request = TestClient.Request(path, method: method, authority: "127.0.0.1:\(port)", headers: headers, body: body.map { ByteBuffer(string: $0) })
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.execute(request)
        }
        return Reply(status: response.status, headers: response.headers, text: response.body.map { String(buffer: $0) } ?? "")
    }
}

struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// The `error` of an error body.
    var error: String? {
        (try? decode([String: String].self))?["error"]
    }
}

enum HarnessError: Error {
    case serverDidNotStart
}
