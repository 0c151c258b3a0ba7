/// Everything that can go wrong in the registry, each case with a message that says what to do.
///
/// One catalog of errors, so the set a user can meet is readable in one file. Paths in the
/// messages are the ones the user gave or the registry's own, so they can be opened directly.
public enum RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A model or tag name that does not match `[a-z][a-z0-9_-]*`.
    case invalidName(String, kind: String)
    /// A version that is not `vYYMMDD[.n]` with a real calendar date.
    case invalidVersion(String, reason: String)
    /// A reference that is not `name@version` or `name@tag`.
    case invalidReference(String, reason: String)
    case unknownModel(String, known: [String])
    case unknownVersion(model: String, version: String, known: [String])
    case unknownTag(model: String, tag: String, known: [String: String])
    /// Versions are immutable: adding one that exists is refused.
    case versionExists(model: String, version: String)
    /// A file's bytes no longer hash to the value recorded when the version was added.
    case checksumMismatch(file: String, expected: String, actual: String)
    case missingFile(String)
    /// A file inside a version folder that the manifest does not list.
    case unlistedFile(String)
    /// A path (through `..`, an absolute path or a symlink) that leads outside the registry.
    case pathEscapesRegistry(String)
    /// A file that cannot be parsed; `line` is 1-based where the format has lines.
    case malformedFile(String, line: Int?, reason: String)
    /// A model file whose format cannot be recognised from its content.
    case unknownFormat(String)
    /// A model format feature this evaluator does not implement (categorical splits, DART...).
    case unsupportedModel(String, reason: String)
    case featureMismatch(String, reason: String)
    case gateRefused(model: String, version: String, tag: String, failures: [String])
    case forceNeedsReason
    case nothingToRollBack(model: String, tag: String)
    case invalidShadowRecord(reason: String)
    case io(String, reason: String)

    public var description: String {
        switch self {
        case let .invalidName(name, kind):
            return "invalid \(kind) name '\(name)': use lowercase letters, digits, '_' and '-', starting with a letter"
        case let .invalidVersion(version, reason):
            return "invalid version '\(version)': \(reason); write vYYMMDD or vYYMMDD.n, e.g. v261124 or v261124.2"
        case let .invalidReference(text, reason):
            return "invalid model reference '\(text)': \(reason); write NAME@vYYMMDD[.n] or NAME@TAG, e.g. momentum@v261124 or momentum@prod"
        case let .unknownModel(name, known):
            let list = known.isEmpty ? "the registry is empty" : "known models: \(known.joined(separator: ", "))"
            return "unknown model '\(name)' (\(list)); add it with `stratum registry add`"
        case let .unknownVersion(model, version, known):
            let list = known.isEmpty ? "it has no versions" : "versions: \(known.joined(separator: ", "))"
            return "model '\(model)' has no version \(version) (\(list))"
        case let .unknownTag(model, tag, known):
            let list = known.isEmpty
                ? "it has no tags yet; promote a version with `stratum registry promote \(model)@VERSION --tag \(tag)`"
                : "tags: " + known.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
            return "model '\(model)' has no tag '\(tag)' (\(list))"
        case let .versionExists(model, version):
            return "\(model)@\(version) already exists and versions are immutable; add the new artefact as a new version (e.g. \(version).2)"
        case let .checksumMismatch(file, expected, actual):
            return "\(file): checksum mismatch (expected sha256 \(expected), found \(actual)); the artefact was changed after it was added; add a new version instead"
        case let .missingFile(file):
            return "\(file): listed in the manifest but missing; restore it from version control or add a new version"
        case let .unlistedFile(file):
            return "\(file): not listed in the manifest; versions are immutable, so remove the file or add a new version that includes it"
        case let .pathEscapesRegistry(path):
            return "\(path): leads outside the registry (through '..', an absolute path or a symlink); keep every artefact inside the registry folder"
        case let .malformedFile(file, line, reason):
            let place = line.map { "\(file):\($0)" } ?? file
            return "\(place): \(reason)"
        case let .unknownFormat(file):
            return "\(file): cannot tell the model format from the content; pass --format linear-json, xgboost-json or lightgbm-text"
        case let .unsupportedModel(file, reason):
            return "\(file): \(reason)"
        case let .featureMismatch(file, reason):
            return "\(file): \(reason)"
        case let .gateRefused(model, version, tag, failures):
            return "promotion of \(model)@\(version) to '\(tag)' refused by the gate in \(model)/gate.json:\n"
                + failures.map { "  - \($0)" }.joined(separator: "\n")
                + "\nrecord a passing shadow evaluation first, or override with --force --reason \"...\" (recorded as forced)"
        case .forceNeedsReason:
            return "--force needs --reason \"...\": a forced promotion is recorded in the history with its reason"
        case let .nothingToRollBack(model, tag):
            return "tag '\(tag)' of model '\(model)' has no earlier version in its history to roll back to"
        case let .invalidShadowRecord(reason):
            return "invalid shadow evaluation record: \(reason)"
        case let .io(path, reason):
            return "\(path): \(reason)"
        }
    }
}
