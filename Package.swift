// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
    name: "Stratum",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "stratum", targets: ["stratum"]),
        .library(name: "RedisBus", targets: ["RedisBus"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
    ],
    targets: [
        // Bottom layer: no database, no server, no network.
        .target(name: "StrategyDSL", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Indicators"),
        .target(name: "ModelRegistry"),
        .target(name: "StrategyCompiler", dependencies: ["StrategyDSL", "ModelRegistry", "Indicators"]),
        // C kernels that need AVX2/AVX-512, chosen at run time (Sources/CKernels/README.md).
        .target(name: "CKernels"),
        .target(name: "Agents", dependencies: ["StrategyCompiler", "CKernels"]),
        .target(name: "Runtime", dependencies: [
            "Agents", .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            // The actor runner and its feeds are Services of the process's ServiceGroup.
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: [
            // The runner is generic over its sink: this lets a module with its own sink (the
            // benchmark's, a test's) specialise it rather than call every sink method through
            // the protocol's witness table, bar by bar.
            .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
        ]),
        // Adapters: the only modules that may import GRDB (and later hiredis, Hummingbird).
        .target(name: "Storage", dependencies: ["Runtime", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "Reports", dependencies: ["Runtime"]),
        // The distributed bus: Redis Streams through the system libhiredis.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(name: "RedisBus", dependencies: ["Runtime", "Agents", "Indicators", "CHiredis", .product(name: "AsyncAlgorithms", package: "swift-async-algorithms")]),
        // A consumer that a test kills between reading and acknowledging.
        .executableTarget(name: "redis-bus-consumer", dependencies: ["RedisBus"], path: "Tests/RedisBusConsumer"),
        // The control plane: health, readiness, status, metrics, reload, kill, resume over HTTP.
        .target(name: "ControlHTTP", dependencies: [
            "Runtime",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Exchange adapters: live streams and REST backfill in a real exchange's message format.
        .target(name: "ExchangeAdapters", dependencies: [
            "Runtime", "Indicators", "StrategyDSL",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "StratumCLI", dependencies: [
            "StrategyDSL", "StrategyCompiler", "ModelRegistry", "Indicators", "Agents", "Runtime", "Storage", "Reports", "RedisBus",
            "ControlHTTP", "ExchangeAdapters",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "stratum", dependencies: ["StratumCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Benchmarks: release builds only, run by the scripts under benchmarks/.
        .executableTarget(name: "bench-indicators", dependencies: ["Indicators"], path: "benchmarks/indicators/Sources"),
        .executableTarget(name: "bench-data", dependencies: ["Runtime"], path: "benchmarks/data/Sources"),
        .executableTarget(name: "bench-redis", dependencies: ["RedisBus", "Agents"], path: "benchmarks/redis/Sources"),
        .executableTarget(name: "bench-backtest", dependencies: ["Runtime", "StrategyCompiler", "Agents", "Indicators"], path: "benchmarks/backtest/Sources"),
        .executableTarget(name: "bench-reload", dependencies: ["Runtime", "StrategyCompiler", "Agents", "Indicators"], path: "benchmarks/reload/Sources"),
        .executableTarget(name: "bench-live", dependencies: ["Runtime", "StrategyCompiler", "Agents", "Indicators"], path: "benchmarks/live/Sources"),

        .testTarget(name: "StrategyDSLTests", dependencies: ["StrategyDSL"]),
        .testTarget(name: "IndicatorsTests", dependencies: ["Indicators"], resources: [.copy("References")]),
        .testTarget(name: "ModelRegistryTests", dependencies: ["ModelRegistry"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StrategyCompilerTests", dependencies: ["StrategyCompiler", "ModelRegistry"], exclude: ["Fixtures"]),
        .testTarget(name: "AgentsTests", dependencies: ["Agents", "CKernels"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"], resources: [.copy("References")]),
        .testTarget(name: "StratumCLITests", dependencies: [
            "StratumCLI", "RedisBus",
            // `stratum run` against a local server in Binance's stream and REST formats.
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ]),
        .testTarget(name: "ControlHTTPTests", dependencies: [
            "ControlHTTP", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "RedisBusTests", dependencies: ["RedisBus", "Runtime", "Agents", "StrategyCompiler", "Indicators", "redis-bus-consumer"]),
        .testTarget(name: "ExchangeAdaptersTests", dependencies: [
            "ExchangeAdapters", "Runtime", "Indicators", .product(name: "Hummingbird", package: "hummingbird"),
            // The feed's circuit breaker lives in the Supervisor of a runner, which needs a plan.
            "Agents", "StrategyCompiler", "StrategyDSL",
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ]),
    ]
)

// One set of strict settings for every target.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
    // Each module's README states its job; it is documentation, not a resource.
    if target.type == .regular, FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/\(target.path ?? "Sources/\(target.name)")/README.md") {
        target.exclude.append("README.md")
    }
}
