import Foundation

/// An XGBoost gradient-boosted tree ensemble read from `save_model("model.json")` (xgboost 2.x/3.x JSON).
///
/// Evaluation mirrors XGBoost's own: inputs are rounded to `Float` as its DMatrix does,
/// a split sends `value < split_condition` left, a missing value (NaN) follows `default_left`,
/// and leaf values are summed in `Float` on top of the base margin. Supported: booster
/// `gbtree`, objectives `reg:squarederror`, `binary:logistic` and `multi:softprob`,
/// numerical splits. Anything else is refused with a message rather than evaluated wrongly.
public struct XGBoostModel: ModelEvaluator {
    public enum Objective: String, Sendable, CaseIterable {
        case squaredError = "reg:squarederror"
        case binaryLogistic = "binary:logistic"
        case multiSoftprob = "multi:softprob"
    }

    public let featureNames: [String]
    public let objective: Objective
    public let outputNames: [String]
    /// The starting margin of each output group (the stored `base_score`, as a margin).
    let baseMargins: [Float]
    /// Every tree's nodes, back to back; `roots[t]` is tree t's first node.
    let nodes: [Node]
    let roots: [Int]
    /// The output group (class) each tree adds to.
    let groups: [Int]

    public var outputKind: OutputKind {
        switch objective {
        case .squaredError: return .regression
        case .binaryLogistic: return .probability
        case .multiSoftprob: return .classProbabilities
        }
    }

    struct Node: Sendable {
        /// Absolute indices into `nodes`; -1 for a leaf.
        var left: Int32
        var right: Int32
        var feature: Int32
        var defaultLeft: Bool
        /// The split condition, or the leaf value for a leaf.
        var value: Float
    }

    init(_ data: [UInt8], file: String, featureNames given: [String]?) throws {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(data))
        } catch {
            throw RegistryError.malformedFile(file, line: nil, reason:
                "not an XGBoost JSON model (\(JSONErrors.describe(error))); save it with Booster.save_model(\"model.json\")")
        }
        let learner = document.learner
        guard let objective = Objective(rawValue: learner.objective.name) else {
            throw RegistryError.unsupportedModel(file, reason:
                "objective '\(learner.objective.name)' is not supported; use one of \(Objective.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard learner.gradientBooster.name == "gbtree", let model = learner.gradientBooster.model else {
            throw RegistryError.unsupportedModel(file, reason:
                "booster '\(learner.gradientBooster.name)' is not supported; train with booster='gbtree'")
        }
        let parameters = learner.learnerModelParam
        guard let featureCount = Int(parameters.numFeature), featureCount > 0 else {
            throw RegistryError.malformedFile(file, line: nil, reason: "learner_model_param.num_feature '\(parameters.numFeature)' is not a positive count")
        }
        let classCount = Int(parameters.numClass) ?? 0
        let groupCount = objective == .multiSoftprob ? classCount : 1
        guard groupCount >= 1, objective != .multiSoftprob || classCount >= 2 else {
            throw RegistryError.malformedFile(file, line: nil, reason: "multi:softprob needs num_class ≥ 2, found '\(parameters.numClass)'")
        }
        if let targets = parameters.numTarget, targets != "1" {
            throw RegistryError.unsupportedModel(file, reason: "multi-target models (num_target \(targets)) are not supported")
        }
        self.featureNames = try ModelLoader.reconcileFeatureNames(
            inFile: learner.featureNames, given: given, count: featureCount, file: file)
        self.objective = objective
        self.outputNames = groupCount == 1 ? ["prediction"] : (0..<groupCount).map { "prediction.\($0)" }
        self.baseMargins = try Self.baseMargins(parameters.baseScore, objective: objective, groups: groupCount, file: file)

        guard model.trees.count == model.treeInfo.count else {
            throw RegistryError.malformedFile(file, line: nil, reason: "\(model.trees.count) trees but \(model.treeInfo.count) tree_info entries")
        }
        var nodes: [Node] = [], roots: [Int] = []
        for (index, tree) in model.trees.enumerated() {
            guard (0..<groupCount).contains(model.treeInfo[index]) else {
                throw RegistryError.malformedFile(file, line: nil, reason: "tree \(index) adds to output group \(model.treeInfo[index]), which does not exist")
            }
            roots.append(nodes.count)
            nodes += try Self.nodes(of: tree, index: index, offset: nodes.count, featureCount: featureCount, file: file)
        }
        self.nodes = nodes
        self.roots = roots
        self.groups = model.treeInfo
    }

    /// Decodes `base_score`: `"5E-1"` in xgboost 2.x, a bracketed vector such as `"[5E-1]"` or
    /// one value per class in 3.x. For `binary:logistic` it is a probability, turned into a
    /// margin by the logit, as XGBoost does before adding the trees.
    static func baseMargins(_ text: String, objective: Objective, groups: Int, file: String) throws -> [Float] {
        let inner = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        let values = inner.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else {
            throw RegistryError.malformedFile(file, line: nil, reason: "base_score '\(text)' is not a number or a list of numbers")
        }
        var scores = values.map { $0! }
        if scores.count == 1 && groups > 1 { scores = Array(repeating: scores[0], count: groups) }
        guard scores.count == groups else {
            throw RegistryError.malformedFile(file, line: nil, reason: "base_score has \(scores.count) values for \(groups) outputs")
        }
        guard objective == .binaryLogistic else { return scores }
        let probability = scores[0]
        guard probability > 0, probability < 1 else {
            throw RegistryError.malformedFile(file, line: nil, reason: "base_score \(probability) of a binary:logistic model must lie strictly between 0 and 1")
        }
        return [-log(1 / probability - 1)]
    }

    private static func nodes(of tree: Document.Tree, index: Int, offset: Int, featureCount: Int, file: String) throws -> [Node] {
        let count = tree.leftChildren.count
        let where_ = "tree \(index)"
        guard count > 0, tree.rightChildren.count == count, tree.splitIndices.count == count,
              tree.splitConditions.count == count, tree.defaultLeft.values.count == count else {
            throw RegistryError.malformedFile(file, line: nil, reason: "\(where_): node arrays have different lengths")
        }
        if let types = tree.splitType, types.contains(where: { $0 != 0 }) {
            throw RegistryError.unsupportedModel(file, reason: "\(where_) has categorical splits, which are not supported; encode categories as numbers")
        }
        if let leafVector = tree.treeParam?.sizeLeafVector, leafVector != "1", leafVector != "0" {
            throw RegistryError.unsupportedModel(file, reason: "\(where_) has vector leaves (multi_strategy), which are not supported")
        }
        let isTree = TreeShape.isTree(nodeCount: count) { node in
            tree.leftChildren[node] == -1 ? nil : (tree.leftChildren[node], tree.rightChildren[node])
        }
        guard isTree else {
            throw RegistryError.malformedFile(file, line: nil, reason: "\(where_): child links do not form a tree")
        }
        return try (0..<count).map { node in
            let isLeaf = tree.leftChildren[node] == -1
            if !isLeaf, !(0..<featureCount).contains(tree.splitIndices[node]) {
                throw RegistryError.malformedFile(file, line: nil, reason: "\(where_) node \(node) splits on feature \(tree.splitIndices[node]) of \(featureCount)")
            }
            return Node(
                left: isLeaf ? -1 : Int32(offset + tree.leftChildren[node]),
                right: isLeaf ? -1 : Int32(offset + tree.rightChildren[node]),
                feature: Int32(tree.splitIndices[node]),
                defaultLeft: tree.defaultLeft.values[node],
                value: tree.splitConditions[node])
        }
    }

    public func predict(_ features: [Double], into output: inout [Double]) {
        precondition(features.count == featureNames.count && output.count == outputNames.count, "predict: wrong row or output size")
        for group in baseMargins.indices { output[group] = Double(baseMargins[group]) }
        nodes.withUnsafeBufferPointer { nodes in
            for tree in roots.indices {
                var node = roots[tree]
                while nodes[node].left >= 0 {
                    let split = nodes[node]
                    let value = Float(features[Int(split.feature)])
                    let goLeft = value.isNaN ? split.defaultLeft : value < split.value
                    node = Int(goLeft ? split.left : split.right)
                }
                // Summing in Float, as XGBoost does, keeps regression outputs bit-identical.
                let group = groups[tree]
                output[group] = Double(Float(output[group]) + nodes[node].value)
            }
        }
        switch objective {
        case .squaredError:
            break
        case .binaryLogistic:
            output[0] = Double(1 / (1 + exp(-Float(output[0]))))
        case .multiSoftprob:
            let largest = output.max() ?? 0
            var total = 0.0
            for group in output.indices { output[group] = exp(output[group] - largest); total += output[group] }
            for group in output.indices { output[group] /= total }
        }
    }
}

extension XGBoostModel {
    /// The parts of XGBoost's JSON model schema that prediction needs.
    struct Document: Decodable {
        var learner: Learner

        struct Learner: Decodable {
            var featureNames: [String]?
            var gradientBooster: Booster
            var learnerModelParam: ModelParam
            var objective: ObjectiveName

            enum CodingKeys: String, CodingKey {
                case objective
                case featureNames = "feature_names"
                case gradientBooster = "gradient_booster"
                case learnerModelParam = "learner_model_param"
            }
        }

        struct ObjectiveName: Decodable { var name: String }

        struct ModelParam: Decodable {
            var baseScore: String
            var numClass: String
            var numFeature: String
            var numTarget: String?

            enum CodingKeys: String, CodingKey {
                case baseScore = "base_score", numClass = "num_class", numFeature = "num_feature", numTarget = "num_target"
            }
        }

        struct Booster: Decodable {
            var name: String
            var model: Model?
        }

        struct Model: Decodable {
            var trees: [Tree]
            var treeInfo: [Int]

            enum CodingKeys: String, CodingKey { case trees, treeInfo = "tree_info" }
        }

        struct Tree: Decodable {
            var leftChildren: [Int]
            var rightChildren: [Int]
            var splitIndices: [Int]
            var splitConditions: [Float]
            var defaultLeft: Flags
            var splitType: [Int]?
            var treeParam: TreeParam?

            enum CodingKeys: String, CodingKey {
                case leftChildren = "left_children", rightChildren = "right_children", splitIndices = "split_indices"
                case splitConditions = "split_conditions", defaultLeft = "default_left", splitType = "split_type"
                case treeParam = "tree_param"
            }
        }

        struct TreeParam: Decodable {
            var sizeLeafVector: String?
            enum CodingKeys: String, CodingKey { case sizeLeafVector = "size_leaf_vector" }
        }

        /// `default_left` is a list of 0/1 in xgboost 2.x/3.x and of booleans in some writers.
        struct Flags: Decodable {
            var values: [Bool]

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let numbers = try? container.decode([Int].self) {
                    values = numbers.map { $0 != 0 }
                } else {
                    values = try container.decode([Bool].self)
                }
            }
        }
    }
}
