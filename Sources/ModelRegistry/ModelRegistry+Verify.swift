import Foundation

/// The outcome of checking one version, or a model's shared files when `version` is nil.
public struct VerificationResult: Sendable, Hashable {
    public var model: String
    public var version: String?
    public var problems: [RegistryError]
    public var passed: Bool { problems.isEmpty }
}

extension ModelRegistry {
    /// Checks everything, reporting every problem rather than stopping at the first.
    ///
    /// Per version: the manifest parses and names its folder, every listed file is present,
    /// inside the registry and hashes as recorded, no file is unlisted, and the artefact
    /// loads with the manifest's features. Per model: `tags.json`, `history.jsonl`,
    /// `gate.json` and `shadow.jsonl` parse, and every tag points to an existing version.
    ///
    /// - Parameter name: one model, or nil for all.
    public func verify(_ name: String? = nil) throws -> [VerificationResult] {
        let names = try name.map { [$0] } ?? list()
        var results: [VerificationResult] = []
        for model in names {
            let versions = try versions(of: model)
            results.append(VerificationResult(model: model, version: nil, problems: sharedFileProblems(model, versions: versions)))
            for version in versions {
                results.append(VerificationResult(model: model, version: version, problems: versionProblems(model, version)))
            }
        }
        return results
    }

    private func sharedFileProblems(_ model: String, versions: [String]) -> [RegistryError] {
        var problems: [RegistryError] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch let error as RegistryError { problems.append(error) } catch {
                problems.append(.io(root.appendingPathComponent(model).path, reason: "\(error)"))
            }
        }
        collect {
            let tags = try tags(of: model)
            for (tag, version) in tags.sorted(by: { $0.key < $1.key }) where !versions.contains(version) {
                problems.append(.malformedFile(root.appendingPathComponent(model).appendingPathComponent("tags.json").path, line: nil,
                                               reason: "tag '\(tag)' points to \(version), which does not exist"))
            }
        }
        collect { _ = try history(of: model) }
        collect { _ = try gate(of: model) }
        collect { _ = try shadowEvaluations(of: model) }
        return problems
    }

    /// Every file problem of a version, or the first load problem once the files are sound.
    private func versionProblems(_ model: String, _ version: String) -> [RegistryError] {
        do {
            let folder = try versionFolder(model, version)
            let problems = try checkFiles(of: try manifest(of: model, version: version), in: folder, name: model, version: version)
            guard problems.isEmpty else { return problems }
            _ = try resolve(ModelReference(name: model, selector: .version(version))).loadEvaluator()
            return []
        } catch let error as RegistryError {
            return [error]
        } catch {
            return [.io(root.appendingPathComponent(model).appendingPathComponent(version).path, reason: "\(error)")]
        }
    }
}
