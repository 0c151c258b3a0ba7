import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `stratum run` as a real child process: the built `stratum` binary, its standard error
/// collected as it arrives, signals sent by pid.
final class StratumProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var errText = ""
    private var outText = ""

    /// The `stratum` binary beside the test bundle (`swift build` puts every product in one folder).
    static func binary() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("stratum"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("stratum"),
            Bundle.main.bundleURL.appendingPathComponent("stratum"),
            BacktestFixture.packageRoot.appendingPathComponent(".build/debug/stratum"),
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                            "no stratum binary in \(candidates.map(\.path)); run `swift build --product stratum` first")
    }

    init(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws {
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "STRATUM_CONTROL_TOKEN")
        env.merge(environment) { _, new in new }
        process.environment = env
        let err = Pipe(), out = Pipe()
        process.standardError = err
        process.standardOutput = out
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            // At end of file the handler would be called again and again: stop listening.
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            guard let self else { return }
            self.lock.withLock { self.errText += String(decoding: data, as: UTF8.self) }
        }
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            // At end of file the handler would be called again and again: stop listening.
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            guard let self else { return }
            self.lock.withLock { self.outText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var standardError: String { lock.withLock { errText } }
    var isRunning: Bool { process.isRunning }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end (at most `limit`; then it is killed and the test fails).
    func exitCode(within limit: Duration = waitLimit) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("stratum did not exit within \(limit); stderr:\n\(standardError)")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        // Let the pipes' last bytes arrive.
        try await Task.sleep(for: .milliseconds(100))
        return process.terminationStatus
    }

    /// Polls standard error until `pattern` appears; returns its first match's capture group 1.
    func await(_ pattern: String, within limit: Duration = waitLimit) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let text = standardError
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                return match.numberOfRanges > 1 ? (Range(match.range(at: 1), in: text).map { String(text[$0]) } ?? "") : ""
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessWaitError(pattern: pattern, stderr: standardError)
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

struct ProcessWaitError: Error, CustomStringConvertible {
    var pattern: String
    var stderr: String
    var description: String { "'\(pattern)' never appeared on standard error:\n\(stderr)" }
}

/// How long a test waits for a running process to get somewhere before it fails: generous, since
/// the whole suite shares two cores; a test that gets there sooner goes on at once.
let waitLimit: Duration = .seconds(300)

/// One HTTP request over a real loopback socket.
func http(_ method: String, _ url: String, token: String? = nil, body: String? = nil) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}
