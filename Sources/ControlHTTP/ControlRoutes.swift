import Foundation
import Hummingbird
import Logging
import Runtime

/// The handlers behind every control endpoint, with what they share: the target, the metrics,
/// the token and the redactor every outgoing body and log message passes through.
struct ControlRoutes: Sendable {
    /// Command bodies are one short JSON object; anything larger is refused unread.
    static let maximumBodyBytes = 16 * 1024

    let target: any ControlTarget
    let metrics: RuntimeMetrics
    let token: ControlToken?
    let redactor: SecretRedactor
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("live") { _, _ in live() }
        router.get("ready") { _, _ in await ready() }
        router.get("status") { _, _ in await status() }
        router.get("metrics") { _, _ in metricsText() }
        router.post("reload") { request, _ in await reload(request) }
        router.post("kill") { request, _ in await kill(request) }
        router.post("resume") { request, _ in await resume(request) }
    }

    /// Answers while the process can serve HTTP at all; it asks the runtime nothing, so a stuck
    /// runtime shows as not ready rather than dead.
    func live() -> Response {
        json(.ok, LiveBody(live: true))
    }

    func ready() async -> Response {
        let report = await target.isReady()
        return json(report.isReady ? .ok : .serviceUnavailable, report)
    }

    func status() async -> Response {
        json(.ok, await target.status())
    }

    func metricsText() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }

    /// 200 when applied, 422 when refused: the file was read but failed its checks.
    func reload(_ request: Request) async -> Response {
        if let denied = deny(request) { return denied }
        let outcome = await target.reload()
        switch outcome {
        case .applied:
            logger.notice("reload applied", metadata: ["control.command": "reload"])
            return json(.ok, outcome)
        case .refused(let diagnostics):
            logger.warning("reload refused", metadata: ["control.command": "reload", "reload.diagnostics": "\(redactor.redact(diagnostics))"])
            return json(.unprocessableContent, outcome)
        }
    }

    func kill(_ request: Request) async -> Response {
        await command("kill", request) { await target.kill(reason: $0) }
    }

    func resume(_ request: Request) async -> Response {
        await command("resume", request) { await target.resume(reason: $0) }
    }

    /// Authorises, reads the reason, runs the command: 200 when accepted, 409 when the current
    /// state does not allow it.
    private func command(
        _ name: String, _ request: Request, run: (String) async -> CommandOutcome
    ) async -> Response {
        if let denied = deny(request) { return denied }
        let reason: String
        switch await Self.reason(in: request) {
        case .success(let value): reason = value
        case .failure(let problem): return error(problem.status, problem.message)
        }
        let outcome = await run(reason)
        logger.notice("\(name) \(outcome.accepted ? "accepted" : "refused")", metadata: [
            "control.command": "\(name)", "control.reason": "\(redactor.redact(reason))", "risk.state": "\(outcome.state.rawValue)",
        ])
        return json(outcome.accepted ? .ok : .conflict, outcome)
    }

    /// Nil when the request carries the right bearer token, else the response to send: 401
    /// without or with a wrong token, 403 when no token is configured at all.
    private func deny(_ request: Request) -> Response? {
        guard let token else {
            return error(.forbidden, "mutating endpoints are disabled: no control token is configured (\(ControlToken.environmentVariable) or a token file)")
        }
        guard let presented = Self.bearerToken(in: request) else {
            return unauthorized("missing bearer token")
        }
        guard token.matches(presented) else {
            logger.warning("control request with a wrong token", metadata: ["http.path": "\(request.uri.path)"])
            return unauthorized("wrong bearer token")
        }
        return nil
    }

    private func unauthorized(_ message: String) -> Response {
        var response = error(.unauthorized, message)
        response.headers[.wwwAuthenticate] = #"Bearer realm="stratum-control""#
        return response
    }

    /// The credentials of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
    static func bearerToken(in request: Request) -> Substring? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let credentials = parts[1].drop { $0 == " " }
        return credentials.isEmpty ? nil : credentials
    }

    /// The non-blank `reason` of a `{"reason": "..."}` body.
    static func reason(in request: Request) async -> Result<String, RequestProblem> {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return .failure(RequestProblem(status: .contentTooLarge, message: "body larger than \(maximumBodyBytes) bytes"))
        } catch {
            return .failure(RequestProblem(status: .badRequest, message: "body could not be read"))
        }
        guard let command = try? JSONDecoder().decode(CommandBody.self, from: Data(body.readableBytesView)) else {
            return .failure(RequestProblem(status: .badRequest, message: #"body must be a JSON object {"reason": "..."}"#))
        }
        guard let reason = command.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            return .failure(RequestProblem(status: .badRequest, message: "a non-empty reason is required"))
        }
        return .success(reason)
    }

    private func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, ErrorBody(error: message))
    }

    /// Every JSON body leaves through here, redacted after encoding so nothing nested escapes it.
    private func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text: String
        do {
            text = String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            logger.error("control response failed to encode", metadata: ["error": "\(redactor.redact(String(describing: error)))"])
            return Response(status: .internalServerError)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: redactor.redact(text) + "\n")))
    }
}

/// Why a command body was refused, and with which status.
struct RequestProblem: Error {
    var status: HTTPResponse.Status
    var message: String
}

struct CommandBody: Decodable {
    var reason: String?
}

struct ErrorBody: Encodable {
    var error: String
}

struct LiveBody: Encodable {
    var live: Bool
}
