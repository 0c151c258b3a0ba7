import Agents
import Foundation
import Glibc
import Testing
@testable import RedisBus

/// The redis-server that scripts/with-redis.sh started for this test run.
enum TestRedis {
    static var endpoint: RedisEndpoint {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["STRATUM_TEST_REDIS_URL"] else {
                throw TestSetupError("STRATUM_TEST_REDIS_URL is not set: run the tests as scripts/with-redis.sh swift test")
            }
            return try RedisEndpoint(url: url)
        }
    }

    /// A strategy name no other test uses, so every test has keys of its own.
    static func uniqueStrategy(_ name: String = #function) -> String {
        "test-\(name.prefix { $0 != "(" })-\(UUID().uuidString.prefix(8))"
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A port on 127.0.0.1 with nothing listening on it (bound, read, released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSetupError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestSetupError("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A child process started with posix_spawn and reaped with waitpid: Foundation's `Process`
/// waits by spinning a run loop, which starves Swift's cooperative pool on a small machine.
final class ChildProcess {
    let pid: pid_t
    private var reaped = false

    init(_ executable: String, _ arguments: [String]) throws {
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, executable, nil, nil, argv, environ)
        guard status == 0 else { throw TestSetupError("cannot start \(executable): error \(status)") }
        self.pid = pid
    }

    deinit { kill(SIGKILL) }

    /// Sends `signal` and waits for the process to end.
    func kill(_ signal: Int32) {
        guard !reaped else { return }
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped = true
    }
}

/// A redis-server of the test's own on a free loopback port, persisting every write
/// (`appendonly yes`, `appendfsync always`) in a temporary directory, so it can be killed and
/// restarted with its data.
final class PrivateRedisServer {
    let port: Int
    let directory: URL
    private var process: ChildProcess?

    init() throws {
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        process?.kill(SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }

    /// Starts the server and waits until it answers PING.
    func start() async throws {
        process = try ChildProcess(try Self.serverBinary().path, [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
            "--appendonly", "yes", "--appendfsync", "always", "--logfile", directory.appendingPathComponent("redis.log").path,
        ])
        let client = RedisClient(endpoint: endpoint, options: RedisClientOptions(backoff: Backoff(initialMilliseconds: 20, maximumMilliseconds: 100)))
        defer { client.close() }
        try await client.waitUntilReachable(timeoutMilliseconds: 10_000)
    }

    /// Kills the server outright (SIGKILL): only what was fsynced survives.
    func kill() {
        process?.kill(SIGKILL)
        process = nil
    }

    static func serverBinary() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestSetupError("redis-server is not on PATH: install it with `make deps`")
    }
}

/// A fill as Execution emits it (Fill has no public memberwise initialiser; its JSON is its contract).
func makeFill(order: UInt64, barIndex: Int, quantity: Double, price: Double, fee: Double = 0, arrivalPrice: Double, reference: Int = 1) -> Fill {
    try! JSONDecoder().decode(Fill.self, from: Data("""
        {"order":\(order),"parent":\(order),"instrument":0,"barIndex":\(barIndex),"quantity":\(quantity),"price":\(price),\
        "fee":\(fee),"arrivalPrice":\(arrivalPrice),"reference":\(reference)}
        """.utf8))
}
