import Foundation
import Testing
@testable import StratumCLI

/// The repository's own files: the shipped registry/ and the model fixtures that
/// scripts/models/train.py wrote (with the training libraries' own predictions).
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelFixtures = root.appendingPathComponent("Tests/ModelRegistryTests/Fixtures/models")
}

struct RegistryShippedTests {
    /// Every committed artefact still hashes to its manifest, and the tags are the documented ones.
    @Test func shippedRegistryVerifies() throws {
        let registry = RepositoryFiles.root.appendingPathComponent("registry").path
        let fixture = try CLIFixture()
        let verify = fixture.run(["registry", "verify"], registry: registry)
        #expect(verify.code == 0, "\(verify.out)")
        #expect(verify.out.split(separator: "\n").count == 5 && !verify.out.contains("FAILED"))
        let list = fixture.run(["registry", "list"], registry: registry)
        #expect(list.out == """
            momentum  versions: v261124, v261125  tags: prod → v261124, staging → v261125
            trend  versions: v261124  tags: prod → v261124

            """)
    }

    /// `model predict` on a multi-class XGBoost model writes one `prediction.<class>` column per
    /// class, equal to xgboost's predict_proba (xgb_multiclass_predictions.csv) within 1e-6.
    @Test func predictMultiClassMatchesXGBoost() throws {
        let fixture = try CLIFixture()
        let model = RepositoryFiles.modelFixtures.appendingPathComponent("xgb_multiclass.json").path
        #expect(fixture.run(["registry", "add", "direction", "--version", "v261124", "--from", model]).code == 0)
        let input = RepositoryFiles.modelFixtures.appendingPathComponent("features.csv").path
        let result = fixture.run(["model", "predict", "direction@v261124", "--input", input])
        #expect(result.code == 0)

        let expected = try String(contentsOf: RepositoryFiles.modelFixtures.appendingPathComponent("xgb_multiclass_predictions.csv"), encoding: .utf8)
        let got = result.out.split(separator: "\n"), want = expected.split(separator: "\n")
        #expect(got.first == "timestamp,prediction.0,prediction.1,prediction.2" && got.first == want.first)
        #expect(got.count == want.count && got.count > 2000)
        var worst = 0.0
        for (line, reference) in zip(got.dropFirst(), want.dropFirst()) {
            let a = line.split(separator: ","), b = reference.split(separator: ",")
            #expect(a[0] == b[0])
            for column in 1..<4 { worst = max(worst, abs(Double(a[column])! - Double(b[column])!)) }
        }
        #expect(worst <= 1e-6)
    }
}
