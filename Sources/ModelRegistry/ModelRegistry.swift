import Foundation

/// A registry folder of versioned model artefacts with movable tags.
///
/// ```
/// registry/<name>/v<YYMMDD>[.<n>]/manifest.json   format, checksums, features, metrics
/// registry/<name>/v<YYMMDD>[.<n>]/model.json|.txt  the artefact (immutable)
/// registry/<name>/tags.json                        tag → version
/// registry/<name>/history.jsonl                    every tag move
/// registry/<name>/gate.json                        promotion policy
/// registry/<name>/shadow.jsonl                     shadow-evaluation records
/// ```
/// The value is cheap and holds no open files: every call reads the folder afresh, so
/// several processes can share one registry. Writes take the model's lock file.
public struct ModelRegistry: Sendable {
    public let root: URL
    /// Who is recorded in the history for tag moves.
    public let user: String
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - root: the registry folder, e.g. `registry/`.
    ///   - user: recorded in the tag history; defaults to `USER`, then `LOGNAME`, then the
    ///     account name of the process's user id (containers often set neither variable).
    ///   - now: the clock for created times and history entries; tests pass a fixed one.
    public init(root: URL, user: String? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.root = root.standardizedFileURL
        self.user = user ?? Self.processUser()
        self.now = now
    }

    static func processUser() -> String {
        let environment = ProcessInfo.processInfo.environment
        for key in ["USER", "LOGNAME"] {
            if let name = environment[key], !name.isEmpty { return name }
        }
        return RegistryFiles.accountName() ?? "unknown"
    }

    /// The names of every model in the registry, sorted.
    public func list() throws -> [String] {
        guard RegistryFiles.isDirectory(root) else {
            throw RegistryError.io(root.path, reason: "no registry folder here; pass --registry DIR or create it with `stratum registry add`")
        }
        return try RegistryFiles.visibleEntries(of: root).filter {
            RegistryNames.isValidName($0) && RegistryFiles.isDirectory(root.appendingPathComponent($0))
        }
    }

    /// The versions of a model, oldest first.
    public func versions(of name: String) throws -> [String] {
        let folder = try modelFolder(name)
        let versions = try RegistryFiles.visibleEntries(of: folder).filter {
            (try? RegistryNames.validateVersion($0)) != nil && RegistryFiles.isDirectory(folder.appendingPathComponent($0))
        }
        return RegistryNames.sortedVersions(versions)
    }

    /// The model's tags and the versions they point to.
    public func tags(of name: String) throws -> [String: String] {
        let file = try modelFolder(name).appendingPathComponent("tags.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return [:] }
        let tags = try RegistryJSON.decode([String: String].self, from: try RegistryFiles.read(file), file: file.path)
        for (tag, version) in tags {
            guard (try? RegistryNames.validateTag(tag)) != nil, (try? RegistryNames.validateVersion(version)) != nil else {
                throw RegistryError.malformedFile(file.path, line: nil, reason:
                    "'\(tag)': '\(version)' is not a valid tag and version; move tags with `stratum registry promote`, not by hand")
            }
        }
        return tags
    }

    /// Every tag move of a model, oldest first.
    public func history(of name: String) throws -> [TagMove] {
        let file = try modelFolder(name).appendingPathComponent("history.jsonl")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        return try RegistryJSON.decodeLines(TagMove.self, from: try RegistryFiles.read(file), file: file.path)
    }

    /// The model's promotion gate; the default gate when it has no `gate.json`.
    public func gate(of name: String) throws -> PromotionGate {
        let file = try modelFolder(name).appendingPathComponent("gate.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return PromotionGate() }
        return try RegistryJSON.decode(PromotionGate.self, from: try RegistryFiles.read(file), file: file.path)
    }

    /// The manifest of one version, as written (not verified; `resolve` verifies).
    public func manifest(of name: String, version: String) throws -> ModelManifest {
        let file = try versionFolder(name, version).appendingPathComponent("manifest.json")
        return try RegistryJSON.decode(ModelManifest.self, from: try RegistryFiles.read(file), file: file.path)
    }

    /// The version a reference names: itself, or the one its tag points to now.
    public func version(for reference: ModelReference) throws -> String {
        switch reference.selector {
        case let .version(version):
            _ = try versionFolder(reference.name, version)
            return version
        case let .tag(tag):
            let tags = try tags(of: reference.name)
            guard let version = tags[tag] else { throw RegistryError.unknownTag(model: reference.name, tag: tag, known: tags) }
            return version
        }
    }

    /// Finds a model version and checks it: every file's SHA-256, no unlisted files, nothing
    /// outside the registry.
    ///
    /// - Throws: `RegistryError` naming the model, tag or file and what to do about it.
    public func resolve(_ reference: ModelReference) throws -> ResolvedModel {
        let version = try version(for: reference)
        let folder = try versionFolder(reference.name, version)
        let manifestFile = folder.appendingPathComponent("manifest.json")
        try RegistryFiles.requireInside(manifestFile, root: realRoot())
        let manifestBytes = try RegistryFiles.read(manifestFile)
        let manifest = try RegistryJSON.decode(ModelManifest.self, from: manifestBytes, file: manifestFile.path)
        let problems = try checkFiles(of: manifest, in: folder, name: reference.name, version: version)
        if let first = problems.first { throw first }
        return ResolvedModel(name: reference.name, version: version, manifest: manifest, directory: folder,
                             manifestHash: SHA256.hex(manifestBytes))
    }

    // MARK: - Paths

    /// The folder of an existing model.
    func modelFolder(_ name: String) throws -> URL {
        try RegistryNames.validateModel(name)
        let folder = root.appendingPathComponent(name)
        guard RegistryFiles.isDirectory(folder) else {
            throw RegistryError.unknownModel(name, known: (try? list()) ?? [])
        }
        try RegistryFiles.requireInside(folder, root: realRoot())
        return folder
    }

    /// The folder of an existing version.
    func versionFolder(_ name: String, _ version: String) throws -> URL {
        try RegistryNames.validateVersion(version)
        let folder = try modelFolder(name).appendingPathComponent(version)
        guard RegistryFiles.isDirectory(folder) else {
            throw RegistryError.unknownVersion(model: name, version: version, known: (try? versions(of: name)) ?? [])
        }
        try RegistryFiles.requireInside(folder, root: realRoot())
        return folder
    }

    func lockFile(_ name: String) -> URL { root.appendingPathComponent(name).appendingPathComponent(".lock") }

    /// The registry folder with symlinks resolved: the boundary nothing may lead out of.
    func realRoot() throws -> String {
        guard let real = RegistryFiles.realPath(root) else {
            throw RegistryError.io(root.path, reason: "no registry folder here; pass --registry DIR")
        }
        return real
    }

    /// Every problem with a version's files: manifest identity, checksums, missing, unlisted
    /// and escaping files. Returns all of them so `verify` can report everything at once.
    func checkFiles(of manifest: ModelManifest, in folder: URL, name: String, version: String) throws -> [RegistryError] {
        let manifestPath = folder.appendingPathComponent("manifest.json").path
        var problems: [RegistryError] = []
        if manifest.name != name || manifest.version != version {
            problems.append(.malformedFile(manifestPath, line: nil, reason:
                "describes \(manifest.name)@\(manifest.version) but lies in \(name)/\(version); folders must not be renamed"))
        }
        if manifest.files[manifest.modelFile] == nil {
            problems.append(.malformedFile(manifestPath, line: nil, reason: "model_file '\(manifest.modelFile)' is not listed in files"))
        }
        let realRoot = try realRoot()
        for (file, expected) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(file)
            guard !file.contains("/"), file != "..", file != ".", file != "manifest.json" else {
                problems.append(.pathEscapesRegistry(url.path))
                continue
            }
            do {
                try RegistryFiles.requireInside(url, root: realRoot)
                let actual = try RegistryFiles.sha256(of: url)
                if actual != expected { problems.append(.checksumMismatch(file: url.path, expected: expected, actual: actual)) }
            } catch let error as RegistryError {
                problems.append(error)
            }
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in present.sorted() where file != "manifest.json" && manifest.files[file] == nil {
            problems.append(.unlistedFile(folder.appendingPathComponent(file).path))
        }
        return problems
    }
}

/// A model version that has been found and checked, ready to load.
public struct ResolvedModel: Sendable, Hashable {
    public let name: String
    public let version: String
    public let manifest: ModelManifest
    public let directory: URL
    /// SHA-256 of `manifest.json`: identifies exactly this version in run records.
    public let manifestHash: String

    public var reference: String { "\(name)@\(version)" }

    /// Reads the artefact, checks its hash once more on the bytes actually parsed (the file
    /// could change between `resolve` and now), and builds its evaluator.
    ///
    /// - Throws: `RegistryError.checksumMismatch`, or a parse error naming the file.
    public func loadEvaluator() throws -> any ModelEvaluator {
        let url = directory.appendingPathComponent(manifest.modelFile)
        let bytes = try RegistryFiles.read(url)
        let actual = SHA256.hex(bytes)
        let expected = manifest.files[manifest.modelFile] ?? ""
        guard actual == expected else { throw RegistryError.checksumMismatch(file: url.path, expected: expected, actual: actual) }
        let evaluator = try ModelLoader.load(bytes, format: manifest.format, file: url.path, featureNames: manifest.features)
        guard evaluator.featureNames == manifest.features, evaluator.outputNames == manifest.output.names else {
            throw RegistryError.featureMismatch(url.path, reason: "the model's features or outputs differ from its manifest; add a new version")
        }
        return evaluator
    }
}
