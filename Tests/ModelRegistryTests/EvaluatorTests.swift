import Foundation
import Testing
@testable import ModelRegistry

/// Swift predictions against the training libraries' own `predict` / `predict_proba`, which
/// scripts/models/train.py wrote at full precision beside each model.
struct LibraryParityTests {
    static let cases: [(model: String, format: ModelFormat, features: String, predictions: String)] = [
        ("logistic.json", .linearJSON, "features_clean.csv", "logistic_predictions.csv"),
        ("logistic_c01.json", .linearJSON, "features_clean.csv", "logistic_c01_predictions.csv"),
        ("linear.json", .linearJSON, "features_clean.csv", "linear_predictions.csv"),
        ("xgb_binary.json", .xgboostJSON, "features.csv", "xgb_binary_predictions.csv"),
        ("xgb_regression.json", .xgboostJSON, "features.csv", "xgb_regression_predictions.csv"),
        ("xgb_multiclass.json", .xgboostJSON, "features.csv", "xgb_multiclass_predictions.csv"),
        ("lgb_binary.txt", .lightgbmText, "features.csv", "lgb_binary_predictions.csv"),
        ("lgb_regression.txt", .lightgbmText, "features.csv", "lgb_regression_predictions.csv"),
    ]

    @Test(arguments: 0..<cases.count)
    func matchesLibraryPredictions(_ index: Int) throws {
        let (model, format, featureFile, predictionFile) = Self.cases[index]
        let bytes = try Fixtures.bytes(model)
        #expect(try ModelLoader.detectFormat(bytes, file: model) == format)
        let evaluator = try ModelLoader.load(bytes, format: format, file: model)
        let features = try Fixtures.table(featureFile)
        let expected = try Fixtures.table(predictionFile)
        #expect(evaluator.outputNames == expected.columns)
        let positions = evaluator.featureNames.map { features.columns.firstIndex(of: $0)! }
        #expect(features.rows.count == expected.rows.count && features.rows.count > 2000)

        var output = [Double](repeating: 0, count: evaluator.outputNames.count)
        var worst = 0.0
        for (row, want) in zip(features.rows, expected.rows) {
            evaluator.predict(positions.map { row[$0] }, into: &output)
            for (got, value) in zip(output, want) { worst = max(worst, abs(got - value)) }
        }
        #expect(worst <= 1e-6, "largest difference \(worst) for \(model)")
    }

    /// The tree fixtures must actually contain missing values, or routing would go untested.
    @Test func treeFixturesHaveMissingValues() throws {
        let rows = try Fixtures.table("features.csv").rows
        let missing = rows.filter { $0.contains(where: \.isNaN) }.count
        #expect(missing > 300)
    }

    /// The LightGBM fixtures exercise all three missing types (bits 2–3 of decision_type:
    /// 0 None, 1 Zero, 2 NaN), as LightGBM wrote them.
    @Test func lightGBMFixturesCoverEveryMissingType() throws {
        var types = Set<Int>()
        for file in ["lgb_binary.txt", "lgb_regression.txt"] {
            let text = try String(decoding: Fixtures.bytes(file), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("decision_type=") {
                for value in line.dropFirst("decision_type=".count).split(separator: " ") { types.insert((Int(value)! >> 2) & 3) }
            }
        }
        #expect(types == [0, 1, 2])
    }

    /// XGBoost sums leaves in Float; mirroring that makes regression outputs bit-identical.
    @Test func xgboostRegressionIsBitIdentical() throws {
        let evaluator = try ModelLoader.load(try Fixtures.bytes("xgb_regression.json"), format: .xgboostJSON, file: "xgb_regression.json")
        let features = try Fixtures.table("features.csv"), expected = try Fixtures.table("xgb_regression_predictions.csv")
        var output = [0.0]
        var differing = 0
        for (row, want) in zip(features.rows, expected.rows) {
            evaluator.predict(row, into: &output)
            if output[0] != want[0] { differing += 1 }
        }
        #expect(differing == 0)
    }
}

/// Tiny hand-written models whose outputs are computed by hand in each test.
struct HandComputedModelTests {
    /// One tree: x0 < 0.5 ? 1.0 : (x1 < 2 ? -1.0 : 3.0); node 0 sends missing right, node 2 left.
    static func xgboost(objective: String, baseScore: String, numClass: String = "0", trees: Int = 1) -> [UInt8] {
        let tree = """
        {"left_children":[1,-1,3,-1,-1],"right_children":[2,-1,4,-1,-1],"split_indices":[0,0,1,0,0],
         "split_conditions":[0.5,1.0,2.0,-1.0,3.0],"default_left":[0,0,1,0,0],"split_type":[0,0,0,0,0],
         "tree_param":{"num_nodes":"5","size_leaf_vector":"1","num_feature":"2"}}
        """
        let treeList = Array(repeating: tree, count: trees).joined(separator: ",")
        let info = (0..<trees).map { "\($0 % max(1, Int(numClass)!))" }.joined(separator: ",")
        return Array("""
        {"learner":{"feature_names":["a","b"],"feature_types":["float","float"],
         "gradient_booster":{"name":"gbtree","model":{"trees":[\(treeList)],"tree_info":[\(info)]}},
         "learner_model_param":{"base_score":"\(baseScore)","num_class":"\(numClass)","num_feature":"2","num_target":"1"},
         "objective":{"name":"\(objective)"}},"version":[3,2,0]}
        """.utf8)
    }

    func predict(_ evaluator: any ModelEvaluator, _ row: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: evaluator.outputNames.count)
        evaluator.predict(row, into: &output)
        return output
    }

    @Test func xgboostRoutesSplitsAndMissingValues() throws {
        let model = try ModelLoader.load(Self.xgboost(objective: "reg:squarederror", baseScore: "[5E-1]"), format: .xgboostJSON, file: "t.json")
        #expect(predict(model, [0.2, 9]) == [1.5])      // 0.2 < 0.5: leaf 1.0, plus base 0.5
        #expect(predict(model, [0.5, 1]) == [-0.5])     // 0.5 is not < 0.5: right; 1 < 2: -1.0
        #expect(predict(model, [.nan, 5]) == [3.5])     // missing at node 0 goes right; 5 ≥ 2: 3.0
        #expect(predict(model, [.nan, .nan]) == [-0.5]) // missing at node 2 goes left: -1.0
    }

    @Test func xgboostBinaryBaseScoreIsAProbability() throws {
        // base_score 0.5 is margin logit(0.5) = 0; leaf 1.0 gives sigmoid(1) = 0.7310585786...
        let model = try ModelLoader.load(Self.xgboost(objective: "binary:logistic", baseScore: "[5E-1]"), format: .xgboostJSON, file: "t.json")
        #expect(abs(predict(model, [0, 0])[0] - 0.7310585786300049) < 1e-7)
        // base_score 0.8 is margin ln(4); with leaf -1.0: sigmoid(ln 4 − 1) = 4 / (4 + e) = 0.5953903
        let shifted = try ModelLoader.load(Self.xgboost(objective: "binary:logistic", baseScore: "8E-1"), format: .xgboostJSON, file: "t.json")
        #expect(abs(predict(shifted, [1, 0])[0] - 0.5953903) < 1e-6)
    }

    @Test func xgboostSoftprobNormalisesPerClassMargins() throws {
        // Two classes, one tree each, base margins 0 and 1; row [0, 0] takes leaf 1.0 in both:
        // margins 1 and 2, softmax = [1/(1+e), e/(1+e)] = [0.268941, 0.731059].
        let bytes = Self.xgboost(objective: "multi:softprob", baseScore: "[0,1E0]", numClass: "2", trees: 2)
        let model = try ModelLoader.load(bytes, format: .xgboostJSON, file: "t.json")
        #expect(model.outputNames == ["prediction.0", "prediction.1"])
        let output = predict(model, [0, 0])
        #expect(abs(output[0] - 0.2689414) < 1e-6 && abs(output[1] - 0.7310586) < 1e-6)
    }

    /// Three splits on feature 0 with each missing type; hand-traced through LightGBM's rules.
    static let lightGBM = """
    tree
    version=v4
    num_class=1
    num_tree_per_iteration=1
    label_index=0
    max_feature_idx=1
    objective=regression
    feature_names=a b
    tree_sizes=1

    Tree=0
    num_leaves=4
    num_cat=0
    split_feature=0 1 1
    threshold=1.5 0 0
    decision_type=2 6 4
    left_child=1 -1 -3
    right_child=2 -2 -4
    leaf_value=10 20 30 40
    shrinkage=1

    end of trees
    """

    @Test func lightGBMMissingTypes() throws {
        let model = try ModelLoader.load(Array(Self.lightGBM.utf8), format: .lightgbmText, file: "t.txt")
        // Node 0: None, default left. NaN becomes 0, 0 <= 1.5 goes left to node 1.
        // Node 1: NaN type (6 = 2<<2 | 2), default left: b NaN → leaf 0 (10); b = 0 → 0 <= 0 → leaf 0; b = 1 → leaf 1 (20).
        #expect(predict(model, [.nan, .nan]) == [10])
        #expect(predict(model, [1, 1]) == [20])
        // Node 2: Zero type (4 = 1<<2), default right: a = 2 goes right; b = 0 or NaN is missing → right, leaf 3 (40).
        #expect(predict(model, [2, 0]) == [40])
        #expect(predict(model, [2, .nan]) == [40])
        // b = -1 is not missing: -1 <= 0 → left, leaf 2 (30).
        #expect(predict(model, [2, -1]) == [30])
    }

    @Test func linearModelsByHand() throws {
        let json = #"{"format":"linear-json","kind":"logistic","feature_names":["a","b"],"coefficients":[2,-1],"intercept":0.5}"#
        let model = try ModelLoader.load(Array(json.utf8), format: .linearJSON, file: "m.json")
        // z = 0.5 + 2·1 − 1·3 = −0.5; sigmoid(−0.5) = 0.3775406687981454
        #expect(abs(predict(model, [1, 3])[0] - 0.3775406687981454) < 1e-15)
        #expect(predict(model, [.nan, 3])[0].isNaN)
        #expect(model.outputKind == .probability)
    }
}

/// Bad model files produce errors that name the file (and line) and say what is wrong.
struct ModelFileErrorTests {
    @Test func lightGBMBadNumberNamesTheLine() {
        let broken = HandComputedModelTests.lightGBM.replacingOccurrences(of: "threshold=1.5 0 0", with: "threshold=1.5 zero 0")
        let message = errorText { _ = try ModelLoader.load(Array(broken.utf8), format: .lightgbmText, file: "m.txt") }
        #expect(message == "m.txt:15: Tree=0: threshold needs 3 numbers, found '1.5 zero 0'")
    }

    @Test func lightGBMCycleIsRefused() {
        let broken = HandComputedModelTests.lightGBM.replacingOccurrences(of: "left_child=1 -1 -3", with: "left_child=1 0 -3")
        let message = errorText { _ = try ModelLoader.load(Array(broken.utf8), format: .lightgbmText, file: "m.txt") }
        #expect(message == "m.txt:11: Tree=0: left_child/right_child do not form a tree")
    }

    @Test func unsupportedObjectivesAreNamed() {
        let bytes = HandComputedModelTests.xgboost(objective: "reg:pseudohubererror", baseScore: "0")
        let message = errorText { _ = try ModelLoader.load(bytes, format: .xgboostJSON, file: "x.json") } ?? ""
        #expect(message.hasPrefix("x.json: objective 'reg:pseudohubererror' is not supported; use one of reg:squarederror"))
    }

    @Test func unknownContentAsksForFormat() {
        let message = errorText { _ = try ModelLoader.detectFormat(Array("hello".utf8), file: "notes.txt") }
        #expect(message == "notes.txt: cannot tell the model format from the content; pass --format linear-json, xgboost-json or lightgbm-text")
    }

    @Test func featureNamesMustMatchTheFile() {
        let message = errorText {
            _ = try ModelLoader.load(try Fixtures.bytes("xgb_binary.json"), format: .xgboostJSON, file: "x.json", featureNames: ["a", "b", "c", "d"])
        }
        #expect(message?.hasPrefix("x.json: the model file names its features rsi14,z,macd.hist,roc10 but a,b,c,d were given") == true)
    }
}
