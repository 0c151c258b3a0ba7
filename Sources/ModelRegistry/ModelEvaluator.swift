/// A loaded model that turns one row of features into its outputs, in pure Swift.
///
/// Evaluators are immutable values built once when a model is loaded; `predict` allocates
/// nothing, so a strategy can call it on every bar.
public protocol ModelEvaluator: Sendable {
    /// The input features, in the order `predict` expects them.
    var featureNames: [String] { get }
    /// `["prediction"]`, or `["prediction.0", "prediction.1", ...]` for one probability per class.
    var outputNames: [String] { get }
    /// What the outputs mean.
    var outputKind: OutputKind { get }
    /// Evaluates one row.
    ///
    /// - Parameters:
    ///   - features: one value per `featureNames`, in that order; NaN is a missing value.
    ///   - output: receives one value per `outputNames`; its count must equal `outputNames.count`.
    func predict(_ features: [Double], into output: inout [Double])
}

/// What a model's outputs mean.
public enum OutputKind: String, Codable, Sendable, Hashable {
    /// One real-valued prediction.
    case regression
    /// One probability of the positive class.
    case probability
    /// One probability per class, summing to 1.
    case classProbabilities = "class-probabilities"
}

/// The artefact formats the registry can evaluate.
public enum ModelFormat: String, Codable, Sendable, Hashable, CaseIterable {
    /// Linear or logistic regression in the registry's own small JSON (see docs/registry.md).
    case linearJSON = "linear-json"
    /// An XGBoost booster saved with `save_model("model.json")`.
    case xgboostJSON = "xgboost-json"
    /// A LightGBM booster saved with `save_model("model.txt")`.
    case lightgbmText = "lightgbm-text"

    /// The file name the artefact gets inside a version folder.
    var artefactFileName: String {
        self == .lightgbmText ? "model.txt" : "model.json"
    }
}

/// Builds evaluators from artefact bytes.
public enum ModelLoader {
    /// Recognises the format from the content: a LightGBM text model starts with `tree` and a
    /// `version=` line; an XGBoost JSON model has a top-level `learner`; a linear model has
    /// `coefficients`.
    ///
    /// - Throws: `RegistryError.unknownFormat` naming `file`.
    public static func detectFormat(_ data: [UInt8], file: String) throws -> ModelFormat {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        if head.hasPrefix("tree\n") || head.hasPrefix("tree\r\n") { return .lightgbmText }
        let trimmed = head.drop { $0.isWhitespace }
        if trimmed.hasPrefix("{") {
            if head.contains("\"learner\"") { return .xgboostJSON }
            if head.contains("\"coefficients\"") { return .linearJSON }
            // The key may lie beyond the first 4 KiB in a reordered file.
            let whole = String(decoding: data, as: UTF8.self)
            if whole.contains("\"learner\"") { return .xgboostJSON }
            if whole.contains("\"coefficients\"") { return .linearJSON }
        }
        throw RegistryError.unknownFormat(file)
    }

    /// Parses an artefact into an evaluator.
    ///
    /// - Parameters:
    ///   - featureNames: the names to use when the file records none; when it records some,
    ///     these must be equal to them.
    /// - Throws: `RegistryError.malformedFile`, `.unsupportedModel` or `.featureMismatch`, naming `file`.
    public static func load(_ data: [UInt8], format: ModelFormat, file: String, featureNames: [String]? = nil) throws -> any ModelEvaluator {
        switch format {
        case .linearJSON: return try LinearModel(data, file: file, featureNames: featureNames)
        case .xgboostJSON: return try XGBoostModel(data, file: file, featureNames: featureNames)
        case .lightgbmText: return try LightGBMModel(data, file: file, featureNames: featureNames)
        }
    }

    /// Picks the feature names: the file's own, checked against the given ones, or the given
    /// ones when the file records none.
    static func reconcileFeatureNames(inFile: [String]?, given: [String]?, count: Int, file: String) throws -> [String] {
        if let inFile, !inFile.isEmpty {
            if let given, given != inFile {
                throw RegistryError.featureMismatch(file, reason:
                    "the model file names its features \(inFile.joined(separator: ",")) but \(given.joined(separator: ",")) were given; drop --features or make them equal")
            }
            guard inFile.count == count else {
                throw RegistryError.malformedFile(file, line: nil, reason: "the model names \(inFile.count) features but uses \(count)")
            }
            return inFile
        }
        guard let given else {
            throw RegistryError.featureMismatch(file, reason: "the model file records no feature names; pass them in order with --features a,b,c")
        }
        guard given.count == count else {
            throw RegistryError.featureMismatch(file, reason: "the model expects \(count) features but \(given.count) names were given")
        }
        return given
    }
}
