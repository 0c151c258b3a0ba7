/// Where a Redis server listens: `redis://HOST:PORT[/DB]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int

    public init(host: String, port: Int = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://HOST[:PORT][/DB]`; the port defaults to 6379 and the database to 0.
    ///
    /// - Throws: `RedisError.invalidURL` naming what is wrong and the expected shape.
    public init(url: String) throws {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            throw RedisError.invalidURL(url, reason: "it does not start with redis://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw RedisError.invalidURL(url, reason: "the database '\(path)' is not a number ≥ 0")
                }
                database = number
            }
        }
        guard !rest.contains("@") else {
            throw RedisError.invalidURL(url, reason: "credentials in the URL are not supported")
        }
        var host = rest
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw RedisError.invalidURL(url, reason: "the port '\(rest[rest.index(after: colon)...])' is not a number in 1...65535")
            }
            port = number
        }
        guard !host.isEmpty else { throw RedisError.invalidURL(url, reason: "the host is missing") }
        self.init(host: String(host), port: port, database: database)
    }

    public var description: String {
        database == 0 ? "redis://\(host):\(port)" : "redis://\(host):\(port)/\(database)"
    }
}
