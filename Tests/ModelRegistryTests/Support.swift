import Foundation
@testable import ModelRegistry

/// The committed fixtures written by scripts/models/train.py.
enum Fixtures {
    static var models: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent("models")
    }

    static func url(_ name: String) -> URL { models.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }

    /// A numeric CSV: header, then rows whose first column is a timestamp; empty cells are NaN.
    static func table(_ name: String) throws -> (columns: [String], rows: [[Double]]) {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let columns = lines[0].split(separator: ",").dropFirst().map(String.init)
        let rows = lines.dropFirst().map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map { Double($0) ?? .nan }
        }
        return (columns, rows)
    }
}

/// A fresh folder under the system temporary directory, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// A registry in a temporary folder, with a fixed clock and user so history lines are predictable.
struct RegistryFixture {
    let directory: TemporaryDirectory
    let registry: ModelRegistry

    init() throws {
        directory = try TemporaryDirectory()
        let root = directory.url.appendingPathComponent("registry")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        registry = ModelRegistry(root: root, user: "tester", now: { Date(timeIntervalSince1970: 1_795_000_000) })
    }

    var root: URL { registry.root }

    /// Adds the fixture logistic regression as `name@version`.
    @discardableResult
    func addLogistic(_ name: String = "momentum", version: String, fixture: String = "logistic.json") throws -> ModelManifest {
        try registry.add(name, version: version, from: Fixtures.url(fixture))
    }

    func shadow(_ version: String, signals: Int = 150, hitRate: Double, sharpe: Double, run: String = "run-1",
                model: String = "momentum") throws {
        try registry.recordShadowEvaluation(ShadowEvaluation(
            model: model, version: version, runId: run, time: Date(timeIntervalSince1970: 1_795_000_000),
            signals: signals, hitRate: hitRate, pnl: 100 * sharpe, sharpe: sharpe))
    }
}

/// The description of the error a throwing call raises, or nil if it does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}
