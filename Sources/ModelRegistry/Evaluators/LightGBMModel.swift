import Foundation

/// A LightGBM tree ensemble read from `save_model("model.txt")`.
///
/// Evaluation follows LightGBM's `Tree::NumericalDecision`: a value goes left when
/// `value <= threshold`; the missing type in bits 2–3 of `decision_type` says which values are
/// missing (None: none, NaN becomes 0; Zero: 0 and NaN; NaN: NaN only), and a missing value
/// follows the default-left bit (bit 1). Supported: objectives `binary` (sigmoid output) and
/// `regression` (raw output), one tree per iteration, numerical splits.
public struct LightGBMModel: ModelEvaluator {
    public enum Objective: Sendable, Hashable {
        case regression
        /// `binary sigmoid:<s>`: probability = 1 / (1 + exp(-s · score)).
        case binary(sigmoid: Double)
    }

    public let featureNames: [String]
    public let objective: Objective
    let trees: [Tree]

    public var outputNames: [String] { ["prediction"] }
    public var outputKind: OutputKind {
        if case .binary = objective { return .probability }
        return .regression
    }

    struct Tree: Sendable {
        /// Per split node. A child ≥ 0 is a split node, a negative child c is leaf ~c.
        var feature: [Int32]
        var threshold: [Double]
        var decisionType: [UInt8]
        var left: [Int32]
        var right: [Int32]
        var leafValue: [Double]
    }

    /// LightGBM's `kZeroThreshold`: values this close to 0 count as zero.
    static let zeroThreshold = 1e-35

    init(_ data: [UInt8], file: String, featureNames given: [String]?) throws {
        let text = String(decoding: data, as: UTF8.self)
        var reader = LightGBMText(text: text, file: file)
        let header = try reader.section()
        guard header.first?.text == "tree" else {
            throw RegistryError.malformedFile(file, line: 1, reason: "a LightGBM text model starts with 'tree'; save it with Booster.save_model(\"model.txt\")")
        }
        let fields = try LightGBMText.fields(header.dropFirst(), file: file)
        for (key, expected) in [("num_class", "1"), ("num_tree_per_iteration", "1")] {
            let value = try fields.value(key)
            guard value.text == expected else {
                throw RegistryError.unsupportedModel(file, reason: "line \(value.line): \(key)=\(value.text); only single-output models (binary, regression) are supported")
            }
        }
        if let average = fields.entries["average_output"] {
            throw RegistryError.unsupportedModel(file, reason: "line \(average.line): random-forest models (average_output) are not supported")
        }
        self.objective = try Self.objective(try fields.value("objective"), file: file)
        let maximumIndex = try fields.value("max_feature_idx")
        guard let featureCount = Int(maximumIndex.text).map({ $0 + 1 }), featureCount > 0 else {
            throw RegistryError.malformedFile(file, line: maximumIndex.line, reason: "max_feature_idx '\(maximumIndex.text)' is not a number")
        }
        let names = fields.entries["feature_names"].map { $0.text.split(separator: " ").map(String.init) }
        self.featureNames = try ModelLoader.reconcileFeatureNames(inFile: names, given: given, count: featureCount, file: file)

        var trees: [Tree] = []
        while let section = try reader.treeSection() {
            trees.append(try Self.tree(section, featureCount: featureCount, file: file))
        }
        guard !trees.isEmpty else {
            throw RegistryError.malformedFile(file, line: nil, reason: "no 'Tree=' sections; the file may be truncated")
        }
        self.trees = trees
    }

    private static func objective(_ value: LightGBMText.Value, file: String) throws -> Objective {
        let words = value.text.split(separator: " ")
        switch words.first {
        case "binary":
            let sigmoid = words.first { $0.hasPrefix("sigmoid:") }.flatMap { Double($0.dropFirst("sigmoid:".count)) } ?? 1
            return .binary(sigmoid: sigmoid)
        case "regression" where words.count == 1:
            return .regression
        default:
            throw RegistryError.unsupportedModel(file, reason:
                "line \(value.line): objective '\(value.text)' is not supported; train with objective 'binary' or 'regression'")
        }
    }

    private static func tree(_ section: LightGBMText.Section, featureCount: Int, file: String) throws -> Tree {
        let fields = try LightGBMText.fields(section.lines.dropFirst(), file: file)
        let name = String(section.lines[0].text)
        let leavesValue = try fields.value("num_leaves")
        guard let leaves = Int(leavesValue.text), leaves >= 1 else {
            throw RegistryError.malformedFile(file, line: leavesValue.line, reason: "\(name): num_leaves '\(leavesValue.text)' is not a positive count")
        }
        if let categorical = fields.entries["num_cat"], categorical.text != "0" {
            throw RegistryError.unsupportedModel(file, reason: "line \(categorical.line): \(name) has categorical splits, which are not supported")
        }
        if let linear = fields.entries["is_linear"], linear.text != "0" {
            throw RegistryError.unsupportedModel(file, reason: "line \(linear.line): \(name) is a linear tree, which is not supported")
        }
        let leafValue: [Double] = try fields.numbers("leaf_value", count: leaves, name: name)
        guard leaves > 1 else {
            return Tree(feature: [], threshold: [], decisionType: [], left: [], right: [], leafValue: leafValue)
        }
        let splits = leaves - 1
        let tree = Tree(
            feature: try fields.numbers("split_feature", count: splits, name: name),
            threshold: try fields.numbers("threshold", count: splits, name: name),
            decisionType: try fields.numbers("decision_type", count: splits, name: name),
            left: try fields.numbers("left_child", count: splits, name: name),
            right: try fields.numbers("right_child", count: splits, name: name),
            leafValue: leafValue)
        let line = section.lines[0].line
        if let bad = tree.feature.first(where: { !(0..<Int32(featureCount)).contains($0) }) {
            throw RegistryError.malformedFile(file, line: line, reason: "\(name) splits on feature \(bad) of \(featureCount)")
        }
        if tree.decisionType.contains(where: { $0 & 1 != 0 }) {
            throw RegistryError.unsupportedModel(file, reason: "line \(line): \(name) has categorical splits, which are not supported")
        }
        // Split nodes are 0..<splits, leaf l is node splits + l.
        let isTree = TreeShape.isTree(nodeCount: splits + leaves) { node in
            guard node < splits else { return nil }
            func index(_ child: Int32) -> Int { child >= 0 ? Int(child) : splits + Int(~child) }
            return (index(tree.left[node]), index(tree.right[node]))
        }
        guard isTree else {
            throw RegistryError.malformedFile(file, line: line, reason: "\(name): left_child/right_child do not form a tree")
        }
        return tree
    }

    public func predict(_ features: [Double], into output: inout [Double]) {
        precondition(features.count == featureNames.count && output.count == 1, "predict: wrong row or output size")
        var score = 0.0
        for tree in trees {
            score += tree.leafValue[leaf(of: tree, features)]
        }
        switch objective {
        case .regression: output[0] = score
        case let .binary(sigmoid): output[0] = 1 / (1 + exp(-sigmoid * score))
        }
    }

    private func leaf(of tree: Tree, _ features: [Double]) -> Int {
        guard !tree.feature.isEmpty else { return 0 }
        var node: Int32 = 0
        while node >= 0 {
            let index = Int(node)
            var value = features[Int(tree.feature[index])]
            let decision = tree.decisionType[index]
            let missingType = (decision >> 2) & 3
            if value.isNaN && missingType != 2 { value = 0 }
            let isMissing = (missingType == 1 && abs(value) <= Self.zeroThreshold) || (missingType == 2 && value.isNaN)
            let goLeft = isMissing ? decision & 2 != 0 : value <= tree.threshold[index]
            node = goLeft ? tree.left[index] : tree.right[index]
        }
        return Int(~node)
    }
}

/// The line structure of a LightGBM text model: blank-line separated sections of `key=value`.
struct LightGBMText {
    struct Line { var text: Substring; var line: Int }
    struct Section { var lines: [Line] }
    struct Value { var text: String; var line: Int }

    /// The `key=value` lines of one section, with their line numbers for messages.
    struct Fields {
        var entries: [String: Value]
        let file: String

        func value(_ key: String) throws -> Value {
            guard let value = entries[key] else {
                throw RegistryError.malformedFile(file, line: nil, reason: "missing '\(key)=' line")
            }
            return value
        }

        /// A space-separated list of exactly `count` numbers.
        func numbers<Number: LosslessStringConvertible>(_ key: String, count: Int, name: String) throws -> [Number] {
            let entry = try value(key)
            let words = entry.text.split(separator: " ")
            let numbers = words.compactMap { Number(String($0)) }
            guard words.count == count, numbers.count == count else {
                throw RegistryError.malformedFile(file, line: entry.line, reason: "\(name): \(key) needs \(count) numbers, found '\(entry.text.prefix(80))'")
            }
            return numbers
        }
    }

    private var lines: [Line]
    private var position = 0
    let file: String

    init(text: String, file: String) {
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            Line(text: line.hasSuffix("\r") ? line.dropLast() : line, line: index + 1)
        }
        self.file = file
    }

    /// The next run of non-blank lines.
    mutating func section() throws -> [Line] {
        while position < lines.count, lines[position].text.isEmpty { position += 1 }
        var section: [Line] = []
        while position < lines.count, !lines[position].text.isEmpty {
            section.append(lines[position])
            position += 1
        }
        return section
    }

    /// The next `Tree=` section, or nil at `end of trees`.
    mutating func treeSection() throws -> Section? {
        let lines = try section()
        guard let first = lines.first else {
            throw RegistryError.malformedFile(file, line: nil, reason: "no 'end of trees' line; the file may be truncated")
        }
        if first.text == "end of trees" { return nil }
        guard first.text.hasPrefix("Tree=") else {
            throw RegistryError.malformedFile(file, line: first.line, reason: "expected 'Tree=N' or 'end of trees', found '\(first.text.prefix(40))'")
        }
        return Section(lines: lines)
    }

    static func fields(_ lines: some Sequence<Line>, file: String) throws -> Fields {
        var entries: [String: Value] = [:]
        for line in lines {
            guard let equals = line.text.firstIndex(of: "=") else {
                throw RegistryError.malformedFile(file, line: line.line, reason: "expected key=value, found '\(line.text.prefix(40))'")
            }
            entries[String(line.text[..<equals])] = Value(text: String(line.text[line.text.index(after: equals)...]), line: line.line)
        }
        return Fields(entries: entries, file: file)
    }
}
