import Agents
import ArgumentParser
import ControlHTTP
import Foundation
import Storage
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `stratum resume`: leaves HALTED or REDUCING, with a reason, persisted and audited.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a halted strategy: record why in its state, and tell the running process.",
        discussion: """
        The kill switch stays HALTED (or REDUCING) across restarts until it is resumed. This writes \
        the resume, with the reason and who gave it, to the state database and its audit log. With \
        --control it also sends POST /resume to the running process, with the bearer token from \
        --token-file or STRATUM_CONTROL_TOKEN. Exit status: 0 resumed, 1 refused (not halted, or \
        the running process refused), 2 bad usage or unreadable state.
        """)

    @OptionGroup var stateOptions: StateOptions

    @Option(help: ArgumentHelp("Why trading may start again (required; goes to the audit log).", valueName: "text"))
    var reason: String?

    @Option(help: ArgumentHelp("Who resumes (default: $USER).", valueName: "name"))
    var by: String?

    @Option(help: ArgumentHelp("Control plane of the running process, such as 127.0.0.1:9464.", valueName: "host:port"))
    var control: String?

    @Option(help: ArgumentHelp("File holding the control token (default: $STRATUM_CONTROL_TOKEN).", valueName: "path"))
    var tokenFile: String?

    func validate() throws {
        guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("a resume needs --reason \"...\": say why trading may start again (it goes to the audit log)")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try stateOptions.openExisting()
            defer { try? store.close() }
            let reason = (self.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let actor = operatorName(by)
            let before = try store.killSwitch().state
            do {
                try store.resume(reason: reason, actor: actor, at: wallClockMicros())
            } catch let refusal as KillSwitchRefusal {
                throw CommandError("\(stateOptions.state): \(refusal)")
            } catch {
                throw CommandError("\(error)", status: ExitStatus.usageOrIO)
            }
            CommandOutput.line("resumed: \(before.rawValue) → ACTIVE by \(actor): \(reason)")
            if let control {
                let reply = try ControlClient(address: control, token: try controlToken()).post("/resume", body: ["reason": reason])
                guard (200..<300).contains(reply.status) else {
                    throw CommandError("\(control): the running process answered \(reply.status) to POST /resume: \(reply.text); "
                                       + "the resume is recorded in the state and applies when the process restarts")
                }
                CommandOutput.line("\(control): \(reply.text)")
            }
        }
    }

    /// The token from --token-file or the environment, checked the way the server checks it.
    private func controlToken() throws -> String {
        do {
            guard try ControlToken.load(environment: ProcessInfo.processInfo.environment, file: tokenFile) != nil else {
                throw CommandError("--control needs a token: set \(ControlToken.environmentVariable) or pass --token-file",
                                   status: ExitStatus.usageOrIO)
            }
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("\(error)", status: ExitStatus.usageOrIO)
        }
        if let tokenFile {
            let text = (try? String(contentsOfFile: tokenFile, encoding: .utf8)) ?? ""
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (ProcessInfo.processInfo.environment[ControlToken.environmentVariable] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A blocking HTTP client for one request to a control plane on loopback.
struct ControlClient {
    struct Reply {
        var status: Int
        var text: String
    }

    var url: URL
    var token: String

    init(address: String, token: String) throws {
        let text = address.contains("://") ? address : "http://\(address)"
        guard let url = URL(string: text), url.host != nil, url.scheme == "http" || url.scheme == "https" else {
            throw CommandError("--control \(address): expected host:port or an http URL", status: ExitStatus.usageOrIO)
        }
        self.url = url
        self.token = token
    }

    func post(_ path: String, body: [String: String]) throws -> Reply {
        var request = URLRequest(url: url.appendingPathComponent(String(path.drop(while: { $0 == "/" }))))
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONEncoder().encode(body)
        let exchange = Exchange()
        URLSession.shared.dataTask(with: request) { data, response, error in
            exchange.finish(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
        }.resume()
        return try exchange.wait(for: url)
    }

    /// Hands the answer from URLSession's callback to the waiting command.
    private final class Exchange: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var reply: Result<Reply, any Error>?

        func finish(data: Data?, status: Int?, error: (any Error)?) {
            if let status {
                reply = .success(Reply(status: status, text: String(decoding: data ?? Data(), as: UTF8.self)))
            } else {
                reply = .failure(error ?? URLError(.badServerResponse))
            }
            done.signal()
        }

        func wait(for url: URL) throws -> Reply {
            guard done.wait(timeout: .now() + 15) == .success, let reply else {
                throw CommandError("\(url.absoluteString): no answer within 15 s", status: ExitStatus.usageOrIO)
            }
            switch reply {
            case .success(let value): return value
            case .failure(let error):
                throw CommandError("\(url.absoluteString): \(error.localizedDescription)", status: ExitStatus.usageOrIO)
            }
        }
    }
}
