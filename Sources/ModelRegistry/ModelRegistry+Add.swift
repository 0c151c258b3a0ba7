import Foundation

extension ModelRegistry {
    /// What `add` needs besides the artefact itself.
    public struct AddOptions: Sendable {
        /// The artefact's format; detected from the content when nil.
        public var format: ModelFormat?
        /// Feature names in order; needed only when the model file records none.
        public var features: [String]?
        public var metrics: [String: Double]
        public var notes: String

        public init(format: ModelFormat? = nil, features: [String]? = nil, metrics: [String: Double] = [:], notes: String = "") {
            self.format = format
            self.features = features
            self.metrics = metrics
            self.notes = notes
        }
    }

    /// Adds a new, immutable version of a model.
    ///
    /// The artefact is parsed first (so a file that cannot be evaluated never enters the
    /// registry), then copied with its manifest into a hidden folder that is renamed into
    /// place: a version folder either exists complete or not at all. A new model also gets
    /// the default `gate.json` and an empty `tags.json`.
    ///
    /// - Parameters:
    ///   - name: the model, created if new.
    ///   - version: `vYYMMDD[.n]`; refused if it exists.
    ///   - source: the artefact file.
    /// - Returns: the manifest written.
    /// - Throws: `RegistryError` naming the source file or the version.
    @discardableResult
    public func add(_ name: String, version: String, from source: URL, options: AddOptions = AddOptions()) throws -> ModelManifest {
        try RegistryNames.validateModel(name)
        try RegistryNames.validateVersion(version)
        if let bad = options.metrics.first(where: { !$0.value.isFinite }) {
            throw RegistryError.io(source.path, reason: "metric '\(bad.key)' is not a finite number")
        }
        let bytes = try RegistryFiles.read(source)
        let format = try options.format ?? ModelLoader.detectFormat(bytes, file: source.path)
        let evaluator = try ModelLoader.load(bytes, format: format, file: source.path, featureNames: options.features)
        let artefact = format.artefactFileName
        let manifest = ModelManifest(
            schema: ModelManifest.currentSchema, name: name, version: version, format: format, modelFile: artefact,
            files: [artefact: SHA256.hex(bytes)], features: evaluator.featureNames,
            output: .init(kind: evaluator.outputKind, names: evaluator.outputNames), metrics: options.metrics,
            created: Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down)), notes: options.notes)

        let folder = root.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw RegistryError.io(folder.path, reason: "cannot create the model folder: \(error.localizedDescription)")
        }
        try RegistryFiles.requireInside(folder, root: realRoot())
        try RegistryFiles.withExclusiveLock(lockFile(name)) {
            let target = folder.appendingPathComponent(version)
            guard !FileManager.default.fileExists(atPath: target.path) else {
                throw RegistryError.versionExists(model: name, version: version)
            }
            let incoming = folder.appendingPathComponent(".incoming-\(version)-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: incoming) }
            do {
                try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: false)
            } catch {
                throw RegistryError.io(incoming.path, reason: "cannot create: \(error.localizedDescription)")
            }
            try RegistryFiles.writeAtomically(bytes, to: incoming.appendingPathComponent(artefact))
            try RegistryFiles.writeAtomically(try RegistryJSON.fileBytes(manifest), to: incoming.appendingPathComponent("manifest.json"))
            guard rename(incoming.path, target.path) == 0 else {
                throw RegistryError.io(target.path, reason: "cannot move the new version into place")
            }
            try createIfAbsent(folder.appendingPathComponent("gate.json"), try RegistryJSON.fileBytes(PromotionGate()))
            try createIfAbsent(folder.appendingPathComponent("tags.json"), Array("{}\n".utf8))
        }
        return manifest
    }

    private func createIfAbsent(_ file: URL, _ bytes: [UInt8]) throws {
        guard !FileManager.default.fileExists(atPath: file.path) else { return }
        try RegistryFiles.writeAtomically(bytes, to: file)
    }
}
