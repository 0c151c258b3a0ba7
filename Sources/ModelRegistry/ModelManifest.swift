import Foundation

/// The record of one model version: `registry/<name>/<version>/manifest.json`.
///
/// Written once by `add` and never changed; its own SHA-256 (`ResolvedModel.manifestHash`)
/// identifies the version in run records and the audit log.
public struct ModelManifest: Codable, Sendable, Hashable {
    /// The manifest layout; bumped when fields change meaning.
    public var schema: Int
    public var name: String
    public var version: String
    public var format: ModelFormat
    /// The artefact to evaluate, a file name inside the version folder.
    public var modelFile: String
    /// SHA-256 (lowercase hex) of every file in the version folder other than the manifest.
    public var files: [String: String]
    /// The input features the model expects, in order.
    public var features: [String]
    public var output: Output
    /// Metrics measured when the model was trained (e.g. `auc`, `accuracy`), free-form names.
    public var metrics: [String: Double]
    /// When the version was added (UTC, ISO 8601, seconds).
    public var created: Date
    public var notes: String

    public struct Output: Codable, Sendable, Hashable {
        public var kind: OutputKind
        /// The names `ModelEvaluator.outputNames` reports, e.g. `["prediction"]`.
        public var names: [String]
    }

    enum CodingKeys: String, CodingKey {
        case schema, name, version, format, files, features, output, metrics, created, notes
        case modelFile = "model_file"
    }

    static let currentSchema = 1
}

/// The one JSON encoding of every registry file: sorted keys, ISO 8601 dates, so files diff
/// cleanly in version control and the manifest hash is reproducible.
enum RegistryJSON {
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Pretty JSON with a final newline.
    static func fileBytes(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value)) + [UInt8(ascii: "\n")]
    }

    /// One compact JSON line with its newline, for `.jsonl` files.
    static func lineBytes(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder(pretty: false).encode(value)) + [UInt8(ascii: "\n")]
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], file: String, line: Int? = nil) throws -> Value {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw RegistryError.malformedFile(file, line: line, reason: "\(JSONErrors.describe(error)); docs/registry.md describes its fields")
        }
    }

    /// Decodes every non-blank line of a JSON-lines file, naming the line of the first bad one.
    static func decodeLines<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], file: String) throws -> [Value] {
        var values: [Value] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            values.append(try decode(type, from: Array(line), file: file, line: index + 1))
        }
        return values
    }
}
