import Foundation
import Testing
@testable import ModelRegistry

/// The registry on real folders in a temporary directory. Expected hashes come from the
/// fixture bytes hashed independently (`sha256sum` of the committed fixture files).
struct RegistryAddResolveTests {
    /// `sha256sum Tests/ModelRegistryTests/Fixtures/models/logistic.json`
    static let logisticHash = try! SHA256.hex(Fixtures.bytes("logistic.json"))

    @Test func addWritesManifestAndResolveChecksIt() throws {
        let fixture = try RegistryFixture()
        let manifest = try fixture.addLogistic(version: "v261124")
        #expect(manifest.format == .linearJSON)
        #expect(manifest.features == ["rsi14", "z", "macd.hist"])
        #expect(manifest.output == .init(kind: .probability, names: ["prediction"]))
        #expect(manifest.files == ["model.json": Self.logisticHash])

        let resolved = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261124"))
        let manifestBytes = try Data(contentsOf: resolved.directory.appendingPathComponent("manifest.json"))
        #expect(resolved.manifestHash == SHA256.hex(manifestBytes))
        #expect(resolved.manifest == manifest)
        #expect(try fixture.registry.list() == ["momentum"])
        #expect(try fixture.registry.tags(of: "momentum") == [:])
        #expect(try fixture.registry.gate(of: "momentum") == PromotionGate())
    }

    @Test func versionsAreImmutable() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        #expect(errorText { try fixture.addLogistic(version: "v261124", fixture: "logistic_c01.json") }
            == "momentum@v261124 already exists and versions are immutable; add the new artefact as a new version (e.g. v261124.2)")
        // The original bytes are untouched.
        #expect(try fixture.registry.manifest(of: "momentum", version: "v261124").files["model.json"] == Self.logisticHash)
    }

    @Test func aChangedByteIsRefused() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        let model = fixture.root.appendingPathComponent("momentum/v261124/model.json")
        var bytes = Array(try Data(contentsOf: model))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: model)
        let message = errorText { _ = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261124")) } ?? ""
        #expect(message.hasPrefix("\(model.path): checksum mismatch (expected sha256 \(Self.logisticHash), found \(SHA256.hex(bytes)))"))
        #expect(message.hasSuffix("the artefact was changed after it was added; add a new version instead"))
    }

    @Test func loadEvaluatorRechecksTheBytesItParses() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        let resolved = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261124"))
        let model = resolved.directory.appendingPathComponent("model.json")
        try Data(try Fixtures.bytes("logistic_c01.json")).write(to: model)
        #expect(throws: RegistryError.checksumMismatch(file: model.path, expected: Self.logisticHash,
                                                       actual: try SHA256.hex(Fixtures.bytes("logistic_c01.json")))) {
            _ = try resolved.loadEvaluator()
        }
    }

    @Test func unlistedFilesAndSymlinksOutOfTheRegistryAreRefused() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        let folder = fixture.root.appendingPathComponent("momentum/v261124")
        let extra = folder.appendingPathComponent("extra.bin")
        try Data([1, 2, 3]).write(to: extra)
        #expect(throws: RegistryError.unlistedFile(extra.path)) {
            _ = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261124"))
        }
        try FileManager.default.removeItem(at: extra)

        // Replace the artefact with a symlink to an identical copy outside the registry.
        let outside = fixture.directory.url.appendingPathComponent("outside.json")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("model.json"), to: outside)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.json"))
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("model.json"), withDestinationURL: outside)
        #expect(throws: RegistryError.pathEscapesRegistry(folder.appendingPathComponent("model.json").path)) {
            _ = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261124"))
        }
    }

    @Test func aModelFolderSymlinkedOutOfTheRegistryIsRefused() throws {
        let fixture = try RegistryFixture()
        let elsewhere = fixture.directory.url.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: fixture.root.appendingPathComponent("stolen"), withDestinationURL: elsewhere)
        #expect(throws: RegistryError.pathEscapesRegistry(fixture.root.appendingPathComponent("stolen").path)) {
            _ = try fixture.registry.versions(of: "stolen")
        }
    }

    @Test func unknownNamesListWhatExists() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic("trend", version: "v261124")
        #expect(errorText { _ = try fixture.registry.resolve(ModelReference(parsing: "momentun@prod")) }
            == "unknown model 'momentun' (known models: momentum, trend); add it with `stratum registry add`")
        try fixture.registry.promote("momentum", version: "v261124", to: "staging")
        #expect(errorText { _ = try fixture.registry.resolve(ModelReference(parsing: "momentum@prod")) }
            == "model 'momentum' has no tag 'prod' (tags: staging → v261124)")
        #expect(errorText { _ = try fixture.registry.resolve(ModelReference(parsing: "momentum@v261125")) }
            == "model 'momentum' has no version v261125 (versions: v261124)")
    }

    @Test func featuresAreRequiredWhenTheFileHasNone() throws {
        let fixture = try RegistryFixture()
        let unnamed = try fixture.directory.write("unnamed.json",
            #"{"format":"linear-json","kind":"linear","coefficients":[1,2],"intercept":0}"#)
        #expect(errorText { try fixture.registry.add("m", version: "v261124", from: unnamed) }
            == "\(unnamed.path): the model file records no feature names; pass them in order with --features a,b,c")
        let manifest = try fixture.registry.add("m", version: "v261124", from: unnamed,
                                                options: .init(features: ["x", "y"], metrics: ["r2": 0.25], notes: "hand-made"))
        #expect(manifest.features == ["x", "y"] && manifest.metrics == ["r2": 0.25] && manifest.notes == "hand-made")
        #expect(try fixture.registry.resolve(ModelReference(parsing: "m@v261124")).loadEvaluator().featureNames == ["x", "y"])
    }

    @Test func resolvedEvaluatorsPredictLikeTheLibrary() throws {
        let fixture = try RegistryFixture()
        try fixture.registry.add("trend", version: "v261124", from: Fixtures.url("xgb_binary.json"))
        let evaluator = try fixture.registry.resolve(ModelReference(parsing: "trend@v261124")).loadEvaluator()
        // First row of features.csv and xgboost's predict_proba for it (xgb_binary_predictions.csv).
        var output = [0.0]
        evaluator.predict([77.22264378545613, 1.5778253596131755, 1.7104400011193581, 15.796587261361728], into: &output)
        #expect(abs(output[0] - 0.5795964002609253) < 1e-6)
    }
}

/// Tag moves, the promotion gate, shadow records and rollback.
struct RegistryPromotionTests {
    @Test func stagingIsUngatedProdIsGated() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        let move = try #require(try fixture.registry.promote("momentum", version: "v261124", to: "staging"))
        #expect(try fixture.registry.promote("momentum", version: "v261124", to: "staging") == nil)
        #expect(try fixture.registry.history(of: "momentum").count == 1)
        #expect(move.from == nil && move.to == "v261124" && !move.forced && move.user == "tester")
        #expect(errorText { try fixture.registry.promote("momentum", version: "v261124", to: "prod") } == """
            promotion of momentum@v261124 to 'prod' refused by the gate in momentum/gate.json:
              - no shadow evaluation recorded for this version; run it in shadow mode first
            record a passing shadow evaluation first, or override with --force --reason "..." (recorded as forced)
            """)
        #expect(try fixture.registry.tags(of: "momentum") == ["staging": "v261124"])
    }

    @Test func gateComparesWithTheCurrentVersion() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125", fixture: "logistic_c01.json")
        try fixture.shadow("v261124", hitRate: 0.53, sharpe: 0.9)
        try fixture.registry.promote("momentum", version: "v261124", to: "prod")

        // Worse Sharpe and too few signals: both failures are listed.
        try fixture.shadow("v261125", signals: 40, hitRate: 0.55, sharpe: 0.7, run: "run-2")
        let refusal = errorText { try fixture.registry.promote("momentum", version: "v261125", to: "prod") } ?? ""
        #expect(refusal.contains("  - run run-2 has 40 signals, the gate needs at least 100\n"))
        #expect(refusal.contains("  - sharpe 0.7 is worse than 0.9 of v261124 (run run-1)\n"))
        #expect(!refusal.contains("hit_rate"))

        // A later, better run of the same version passes.
        try fixture.shadow("v261125", signals: 180, hitRate: 0.55, sharpe: 1.1, run: "run-3")
        let move = try #require(try fixture.registry.promote("momentum", version: "v261125", to: "prod", reason: "better in shadow"))
        #expect(move.from == "v261124" && move.to == "v261125" && !move.forced)
        let report = try fixture.registry.shadowReport("momentum", version: "v261125")
        #expect(report.records.map(\.runId) == ["run-2", "run-3"])
        #expect(report.gates == [GateDecision(tag: "prod", candidate: "v261125", current: "v261125", failures: [])])
    }

    @Test func forceNeedsAReasonAndIsRecorded() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        #expect(throws: RegistryError.forceNeedsReason) { try fixture.registry.promote("momentum", version: "v261124", to: "prod", force: true) }
        try fixture.registry.promote("momentum", version: "v261124", to: "prod", force: true, reason: "first release")
        let history = try fixture.registry.history(of: "momentum")
        #expect(history == [TagMove(time: Date(timeIntervalSince1970: 1_795_000_000), user: "tester", tag: "prod", from: nil,
                                    to: "v261124", action: .promote, reason: "first release", forced: true)])
    }

    @Test func rollbackWalksBackThroughTheHistory() throws {
        let fixture = try RegistryFixture()
        for version in ["v261124", "v261125", "v261126"] {
            try fixture.addLogistic(version: version)
            try fixture.registry.promote("momentum", version: version, to: "prod", force: true, reason: "test")
        }
        #expect(try fixture.registry.rollback("momentum", tag: "prod", reason: "bad fills").to == "v261125")
        #expect(try fixture.registry.rollback("momentum", tag: "prod").to == "v261124")
        #expect(try fixture.registry.tags(of: "momentum")["prod"] == "v261124")
        #expect(throws: RegistryError.nothingToRollBack(model: "momentum", tag: "prod")) {
            try fixture.registry.rollback("momentum", tag: "prod")
        }
        let history = try fixture.registry.history(of: "momentum")
        #expect(history.map(\.action) == [.promote, .promote, .promote, .rollback, .rollback])
        #expect(history[3].from == "v261126" && history[3].reason == "bad fills")
    }

    @Test func shadowRecordsAreValidated() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        #expect(errorText { try fixture.shadow("v261124", signals: -1, hitRate: 1.5, sharpe: 0) }
            == "invalid shadow evaluation record: signals -1 is negative; hit_rate 1.5 is not between 0 and 1")
        #expect(throws: RegistryError.unknownVersion(model: "momentum", version: "v261130", known: ["v261124"])) {
            try fixture.shadow("v261130", hitRate: 0.5, sharpe: 0)
        }
    }

    /// Two threads race to move one tag, 20 times each, alternating versions in opposite
    /// phase. The lock serialises them: every call either moves the tag or finds it already
    /// there, the history is one unbroken chain (each move starts where the previous one
    /// ended, never from a stale value), and tags.json agrees with the last move.
    @Test func concurrentPromotionsAreSerialised() async throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125", fixture: "logistic_c01.json")
        let registry = fixture.registry
        let versions = ["v261124", "v261125"]
        // Each call's outcome: "moved", "already there", or the error it threw.
        let outcomes = await withTaskGroup(of: [String].self) { group in
            for phase in 0..<2 {
                group.addTask {
                    (0..<20).map { round in
                        let version = versions[(round + phase) % 2]
                        do {
                            return try registry.promote("momentum", version: version, to: "staging") == nil ? "already there" : "moved"
                        } catch {
                            return "\(error)"
                        }
                    }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let history = try registry.history(of: "momentum")
        #expect(outcomes.count == 40 && outcomes.allSatisfy { $0 == "moved" || $0 == "already there" })
        #expect(history.count == outcomes.filter { $0 == "moved" }.count && history.count >= 2)
        #expect(history.first?.from == nil)
        #expect(history.allSatisfy { $0.from != $0.to })
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.to == $1.from })
        #expect(try registry.tags(of: "momentum")["staging"] == history.last?.to)
    }
}

/// `verify` reports every problem in one pass.
struct RegistryVerifyTests {
    @Test func verifyFindsEveryProblem() throws {
        let fixture = try RegistryFixture()
        try fixture.addLogistic(version: "v261124")
        try fixture.addLogistic(version: "v261125")
        #expect(try fixture.registry.verify().allSatisfy(\.passed))

        let folder = fixture.root.appendingPathComponent("momentum/v261125")
        try Data("{}".utf8).write(to: folder.appendingPathComponent("model.json"))
        try Data([0]).write(to: folder.appendingPathComponent("notes.txt"))
        try Data(#"{"prod":"v261130"}"#.utf8).write(to: fixture.root.appendingPathComponent("momentum/tags.json"))
        let results = try fixture.registry.verify("momentum")
        #expect(results.map(\.version) == [nil, "v261124", "v261125"])
        #expect(results[0].problems.map(\.description) == [
            "\(fixture.root.path)/momentum/tags.json: tag 'prod' points to v261130, which does not exist",
        ])
        #expect(results[1].passed)
        #expect(results[2].problems.count == 2)
        #expect(results[2].problems.last == .unlistedFile(folder.appendingPathComponent("notes.txt").path))
    }

    @Test func batchPredictionMatchesByNameAndNamesBadCells() throws {
        let csv = "timestamp,z,rsi14,unused,macd.hist\n2024-01-02,1,50,x,\n2024-01-03,0.5,40,y,2\n"
        let batch = try BatchPrediction(csv: csv, file: "f.csv", featureNames: ["rsi14", "z", "macd.hist"])
        #expect(batch.timestamps == ["2024-01-02", "2024-01-03"])
        #expect(batch.rows[1] == [40, 0.5, 2] && batch.rows[0][2].isNaN)
        #expect(errorText { _ = try BatchPrediction(csv: "timestamp,rsi14,z,macd.hist\nd,1,oops,2\n", file: "f.csv",
                                                   featureNames: ["rsi14", "z", "macd.hist"]) }
            == "f.csv:2: column 3 (z): 'oops' is not a number; leave the cell empty for a missing value")
        #expect(errorText { _ = try BatchPrediction(csv: "timestamp,rsi14\n", file: "f.csv", featureNames: ["rsi14", "z"]) }
            == "f.csv:1: no column for feature(s) z; the model needs rsi14, z")
    }
}
