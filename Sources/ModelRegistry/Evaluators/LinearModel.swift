import Foundation

/// Linear or logistic regression from the registry's `linear-json` format.
///
/// ```json
/// {"format": "linear-json", "kind": "logistic", "feature_names": ["rsi14", "z"],
///  "coefficients": [0.01, -0.2], "intercept": 0.05}
/// ```
/// A missing feature makes the prediction NaN: a linear model has no default direction.
public struct LinearModel: ModelEvaluator {
    public enum Kind: String, Codable, Sendable { case linear, logistic }

    public let kind: Kind
    public let featureNames: [String]
    public let coefficients: [Double]
    public let intercept: Double

    public var outputNames: [String] { ["prediction"] }
    public var outputKind: OutputKind { kind == .logistic ? .probability : .regression }

    private struct File: Decodable {
        var format: String?
        var kind: Kind
        var featureNames: [String]?
        var coefficients: [Double]
        var intercept: Double

        enum CodingKeys: String, CodingKey {
            case format, kind, coefficients, intercept
            case featureNames = "feature_names"
        }
    }

    init(_ data: [UInt8], file: String, featureNames given: [String]?) throws {
        let decoded: File
        do {
            decoded = try JSONDecoder().decode(File.self, from: Data(data))
        } catch {
            throw RegistryError.malformedFile(file, line: nil, reason:
                "not a linear-json model (\(JSONErrors.describe(error))); expected kind (linear|logistic), coefficients, intercept, feature_names")
        }
        if let format = decoded.format, format != ModelFormat.linearJSON.rawValue {
            throw RegistryError.malformedFile(file, line: nil, reason: "format is '\(format)', expected 'linear-json'")
        }
        guard decoded.coefficients.allSatisfy(\.isFinite), decoded.intercept.isFinite else {
            throw RegistryError.malformedFile(file, line: nil, reason: "coefficients and intercept must be finite numbers")
        }
        featureNames = try ModelLoader.reconcileFeatureNames(
            inFile: decoded.featureNames, given: given, count: decoded.coefficients.count, file: file)
        kind = decoded.kind
        coefficients = decoded.coefficients
        intercept = decoded.intercept
    }

    public func predict(_ features: [Double], into output: inout [Double]) {
        precondition(features.count == coefficients.count && output.count == 1, "predict: wrong row or output size")
        var sum = intercept
        for index in coefficients.indices { sum += coefficients[index] * features[index] }
        // NaN propagates through the sum, so a missing feature gives a NaN prediction.
        output[0] = kind == .logistic ? 1 / (1 + exp(-sum)) : sum
    }
}

/// Short, readable descriptions of JSONDecoder errors for messages.
enum JSONErrors {
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case let .keyNotFound(key, context):
            return "missing key '\(path(context.codingPath + [key]))'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "wrong type at '\(path(context.codingPath))'"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at '\(path(context.codingPath))'"
        @unknown default:
            return "\(decoding)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
