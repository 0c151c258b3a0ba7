import Foundation

extension ModelRegistry {
    /// Appends one shadow-evaluation run to `registry/<model>/shadow.jsonl`.
    ///
    /// Called by runs in shadow mode. The version must exist; the record is checked for
    /// sane values so the gate never judges a malformed run.
    ///
    /// - Throws: `RegistryError.invalidShadowRecord` listing every problem, or a lookup error.
    public func recordShadowEvaluation(_ record: ShadowEvaluation) throws {
        _ = try versionFolder(record.model, record.version)
        let problems = record.problems()
        guard problems.isEmpty else { throw RegistryError.invalidShadowRecord(reason: problems.joined(separator: "; ")) }
        try RegistryFiles.withExclusiveLock(lockFile(record.model)) {
            try RegistryFiles.append(try RegistryJSON.lineBytes(record),
                                     to: root.appendingPathComponent(record.model).appendingPathComponent("shadow.jsonl"))
        }
    }

    /// Every shadow-evaluation record of a model, oldest first.
    public func shadowEvaluations(of name: String) throws -> [ShadowEvaluation] {
        let file = try modelFolder(name).appendingPathComponent("shadow.jsonl")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        return try RegistryJSON.decodeLines(ShadowEvaluation.self, from: try RegistryFiles.read(file), file: file.path)
    }

    /// One version's shadow records and the gate's verdict for each gated tag.
    public func shadowReport(_ name: String, version: String) throws -> ShadowReport {
        _ = try versionFolder(name, version)
        return ShadowReport(model: name, version: version,
                            records: try shadowEvaluations(of: name).filter { $0.version == version },
                            gates: try gateDecisions(name, version: version))
    }
}
