import ArgumentParser
import Foundation
import ModelRegistry
import Testing
@testable import StratumCLI

/// Captures what a command writes to standard output and standard error.
final class CapturedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var standardText = "", errorText = ""

    var standard: String { lock.withLock { standardText } }
    var error: String { lock.withLock { errorText } }

    var output: CommandOutput {
        CommandOutput(standard: { text in self.lock.withLock { self.standardText += text } },
                      error: { text in self.lock.withLock { self.errorText += text } })
    }
}

/// A temporary registry folder and a way to run `stratum` commands against it in-process.
final class CLIFixture: @unchecked Sendable {
    let folder: URL
    var registryPath: String { folder.appendingPathComponent("registry").path }
    var registry: ModelRegistry { ModelRegistry(root: URL(fileURLWithPath: registryPath), user: "tester") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("registry"), withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Parses and runs one command line the way the executable does, against this fixture's
    /// registry unless another is given; returns the exit code ArgumentParser would use and
    /// everything the command printed.
    func run(_ arguments: [String], registry: String? = nil) -> (code: Int32, out: String, err: String) {
        let captured = CapturedOutput()
        let code: Int32 = CommandOutput.$current.withValue(captured.output) {
            do {
                var command = try Stratum.parseAsRoot(arguments + ["--registry", registry ?? registryPath])
                try command.run()
                return 0
            } catch {
                return Stratum.exitCode(for: error).rawValue
            }
        }
        return (code, captured.standard, captured.error)
    }

    /// A logistic model on features a, b: p = sigmoid(0.5 + 2a − b).
    func addLogistic(_ name: String = "momentum", version: String, intercept: Double = 0.5) throws {
        let model = try write("model-\(version)-\(intercept).json", """
            {"format":"linear-json","kind":"logistic","feature_names":["a","b"],"coefficients":[2,-1],"intercept":\(intercept)}
            """)
        let result = run(["registry", "add", name, "--version", version, "--from", model, "--notes", "test model"])
        #expect(result.code == 0, "\(result.err)")
    }
}

/// `stratum registry ...` and `stratum model predict` run in-process against temporary registries.
/// Expected numbers are computed by hand in each test.
struct RegistryCommandTests {
    @Test func addListAndShow() throws {
        let fixture = try CLIFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125", intercept: 0.25)

        let list = fixture.run(["registry", "list"])
        #expect(list.code == 0)
        #expect(list.out == "momentum  versions: v261124, v261125  tags: none\n")

        let json = fixture.run(["registry", "list", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]]
        #expect(entries?.first?["versions"] as? [String] == ["v261124", "v261125"])

        let show = fixture.run(["registry", "show", "momentum@v261124", "--json"])
        #expect(show.code == 0)
        let view = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any]
        let manifest = view?["manifest"] as? [String: Any]
        #expect(manifest?["features"] as? [String] == ["a", "b"])
        #expect(manifest?["notes"] as? String == "test model")
        #expect((view?["manifestHash"] as? String)?.count == 64)
    }

    @Test func badInputsExitTwoWithAClearMessage() throws {
        let fixture = try CLIFixture()
        let bad = fixture.run(["registry", "add", "momentum", "--version", "v261131", "--from", "/nonexistent"])
        #expect(bad.code == 2)
        #expect(bad.err == "error: invalid version 'v261131': day 31 does not exist in 2026-11; write vYYMMDD or vYYMMDD.n, e.g. v261124 or v261124.2\n")

        try fixture.addLogistic(version: "v261124")
        let unknown = fixture.run(["registry", "show", "momentun@prod"])
        #expect(unknown.code == 2)
        #expect(unknown.err == "error: unknown model 'momentun' (known models: momentum); add it with `stratum registry add`\n")

        let again = fixture.run(["registry", "add", "momentum", "--version", "v261124", "--from", fixture.folder.appendingPathComponent("model-v261124-0.5.json").path])
        #expect(again.code == 1)
        #expect(again.err.contains("already exists and versions are immutable"))
    }

    @Test func promoteIsGatedForceIsRecordedRollbackReturns() throws {
        let fixture = try CLIFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125", intercept: 0.25)

        let refused = fixture.run(["registry", "promote", "momentum@v261124", "--tag", "prod"])
        #expect(refused.code == 1)
        #expect(refused.err.contains("no shadow evaluation recorded for this version"))

        // --force without --reason is a usage error, reported by ArgumentParser.
        #expect(fixture.run(["registry", "promote", "momentum@v261124", "--tag", "prod", "--force"]).code == ExitCode.validationFailure.rawValue)

        let forced = fixture.run(["registry", "promote", "momentum@v261124", "--tag", "prod", "--force", "--reason", "first release"])
        #expect(forced.code == 0)
        #expect(forced.out == "momentum prod: (new) → v261124 (forced: first release)\n")

        #expect(fixture.run(["registry", "promote", "momentum@v261125", "--tag", "staging"]).code == 0)
        for (version, sharpe) in [("v261124", 0.8), ("v261125", 1.2)] {
            try fixture.registry.recordShadowEvaluation(ShadowEvaluation(
                model: "momentum", version: version, runId: "shadow-\(version)", time: Date(timeIntervalSince1970: 0),
                signals: 250, hitRate: 0.54, pnl: 1000 * sharpe, sharpe: sharpe))
        }
        let report = fixture.run(["registry", "shadow-report", "momentum@staging"])
        #expect(report.code == 0)
        #expect(report.out.contains("shadow-v261125  1970-01-01T00:00:00Z  signals 250  hit rate 0.54  pnl 1200.0  sharpe 1.2"))
        #expect(report.out.hasSuffix("gate for 'prod' (now v261124): passes\n"))

        let promoted = fixture.run(["registry", "promote", "momentum@staging", "--tag", "prod", "--reason", "better Sharpe in shadow"])
        #expect(promoted.code == 0 && promoted.out == "momentum prod: v261124 → v261125\n")

        let rolledBack = fixture.run(["registry", "rollback", "momentum", "--tag", "prod", "--reason", "slippage"])
        #expect(rolledBack.code == 0 && rolledBack.out == "momentum prod: v261125 → v261124 (rolled back)\n")
        #expect(try fixture.registry.tags(of: "momentum") == ["prod": "v261124", "staging": "v261125"])
        #expect(try fixture.registry.history(of: "momentum").map(\.forced) == [true, false, false, false])
    }

    @Test func verifyFailsOnAChangedByte() throws {
        let fixture = try CLIFixture()
        try fixture.addLogistic(version: "v261124")
        #expect(fixture.run(["registry", "verify"]).out == "ok      momentum (tags, history, gate, shadow)\nok      momentum@v261124\n")

        let model = fixture.folder.appendingPathComponent("registry/momentum/v261124/model.json")
        var text = try String(contentsOf: model, encoding: .utf8)
        text = text.replacingOccurrences(of: "[2,-1]", with: "[3,-1]")
        try Data(text.utf8).write(to: model)
        let result = fixture.run(["registry", "verify", "--json"])
        #expect(result.code == 1)
        let entries = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]]
        #expect(entries?.map { $0["passed"] as? Bool } == [true, false])
        let problem = (entries?[1]["problems"] as? [String])?.first ?? ""
        #expect(problem.hasPrefix("\(model.path): checksum mismatch"))

        let predict = fixture.run(["model", "predict", "momentum@v261124", "--input", "/dev/null"])
        #expect(predict.code == 1 && predict.err.contains("the artefact was changed after it was added; add a new version instead"))
    }

    @Test func predictMatchesByNameAndLeavesMissingEmpty() throws {
        let fixture = try CLIFixture()
        try fixture.addLogistic(version: "v261124", intercept: 0)
        // p = sigmoid(2a − b): (a=1, b=2) → sigmoid(0) = 0.5; (a=0.5, b=0) → sigmoid(1) = 0.7310585786300049;
        // a missing → empty cell.
        let input = try fixture.write("features.csv", "timestamp,b,extra,a\n2024-01-02,2,9,1\n2024-01-03,0,9,0.5\n2024-01-04,1,9,\n")
        let result = fixture.run(["model", "predict", "momentum@v261124", "--input", input])
        #expect(result.code == 0)
        #expect(result.out == "timestamp,prediction\n2024-01-02,0.5\n2024-01-03,0.7310585786300049\n2024-01-04,\n")

        let out = fixture.folder.appendingPathComponent("preds.csv").path
        #expect(fixture.run(["model", "predict", "momentum@v261124", "--input", input, "--out", out]).code == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == result.out)

        let missing = try fixture.write("short.csv", "timestamp,a\n2024-01-02,1\n")
        let refused = fixture.run(["model", "predict", "momentum@v261124", "--input", missing])
        #expect(refused.code == 1)
        #expect(refused.err == "error: \(missing):1: no column for feature(s) b; the model needs a, b\n")
    }

    @Test func diffListsWhatChanged() throws {
        let fixture = try CLIFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125", intercept: 0.25)
        let result = fixture.run(["registry", "diff", "momentum@v261124", "momentum@v261125"])
        #expect(result.code == 0)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "momentum@v261124 → momentum@v261125")
        #expect(lines.count == 2 && lines[1].hasPrefix("  file model.json: "))
    }
}
