import ArgumentParser
import Foundation
import ModelRegistry

/// `stratum registry ...`: list, inspect, add, promote, roll back and verify model versions.
///
/// Exit codes: 0 ok; 1 a check failed or the registry refused (checksum mismatch, gate,
/// existing version, malformed file); 2 a usage or I/O error (bad name, unknown model or
/// tag, unreadable file).
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Manage versioned model artefacts and their tags.",
        discussion: """
            A registry folder holds one folder per model, one immutable folder per version (vYYMMDD or \
            vYYMMDD.n) with its manifest and artefact, and the model's tags (prod, staging, ...), tag history, \
            promotion gate and shadow-evaluation records. Strategies refer to models as NAME@VERSION or \
            NAME@TAG.

            Exit codes: 0 ok; 1 a check failed or the registry refused; 2 usage or I/O error. See \
            docs/registry.md for the whole lifecycle.
            """,
        subcommands: [List.self, Show.self, Add.self, Promote.self, Rollback.self, Verify.self, Diff.self, ShadowReport.self]
    )
}

/// The flag every registry and model command shares.
struct RegistryLocation: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The registry folder.", valueName: "dir"))
    var registry: String = "registry"

    var value: ModelRegistry { ModelRegistry(root: URL(fileURLWithPath: registry)) }
}

/// Where commands write. A task-local, so tests capture output of in-process runs.
struct CommandOutput: Sendable {
    var standard: @Sendable (String) -> Void
    var error: @Sendable (String) -> Void

    @TaskLocal static var current = CommandOutput(
        standard: { FileHandle.standardOutput.write(Data($0.utf8)) },
        error: { FileHandle.standardError.write(Data($0.utf8)) })

    static func line(_ text: String) { current.standard(text + "\n") }
}

/// Runs a command body, turning registry errors into a message on stderr and the exit code
/// the documentation promises.
func reportingRegistryErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as RegistryError {
        CommandOutput.current.error("error: \(error)\n")
        throw ExitCode(error.exitCode)
    }
}

extension RegistryError {
    /// 1 when the registry checked something and refused, 2 when the request itself was wrong
    /// or a file could not be read.
    var exitCode: Int32 {
        switch self {
        case .checksumMismatch, .missingFile, .unlistedFile, .pathEscapesRegistry, .malformedFile, .unknownFormat,
             .unsupportedModel, .featureMismatch, .gateRefused, .versionExists, .nothingToRollBack, .invalidShadowRecord:
            return 1
        case .invalidName, .invalidVersion, .invalidReference, .unknownModel, .unknownVersion, .unknownTag, .forceNeedsReason, .io:
            return 2
        }
    }
}

/// The stable JSON of `--json` output: sorted keys, ISO 8601 dates.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A model name, optionally with `@VERSION` or `@TAG`.
func parseNameOrReference(_ text: String) throws -> (name: String, reference: ModelReference?) {
    guard text.contains("@") else {
        try RegistryNames.validateModel(text)
        return (text, nil)
    }
    let reference = try ModelReference(parsing: text)
    return (reference.name, reference)
}

private func tagList(_ tags: [String: String]) -> String {
    tags.isEmpty ? "none" : tags.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
}

extension RegistryCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every model with its versions and tags.")

        @OptionGroup var location: RegistryLocation
        @Flag(help: "Print JSON instead of text.") var json = false

        struct Entry: Encodable { var name: String; var versions: [String]; var tags: [String: String] }

        func run() throws {
            try reportingRegistryErrors {
                let registry = location.value
                let entries = try registry.list().map {
                    Entry(name: $0, versions: try registry.versions(of: $0), tags: try registry.tags(of: $0))
                }
                if json { return CommandOutput.line(try jsonText(entries)) }
                if entries.isEmpty { return CommandOutput.line("no models in \(location.registry)") }
                for entry in entries {
                    CommandOutput.line("\(entry.name)  versions: \(entry.versions.joined(separator: ", "))  tags: \(tagList(entry.tags))")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model (versions, tags, gate, history) or one verified version's manifest.",
            discussion: "With NAME@VERSION or NAME@TAG the version's files are checked before its manifest is shown.")

        @OptionGroup var location: RegistryLocation
        @Argument(help: ArgumentHelp("The model, or one version of it.", valueName: "name[@ref]")) var model: String
        @Flag(help: "Print JSON instead of text.") var json = false

        struct VersionView: Encodable { var reference: String; var manifestHash: String; var manifest: ModelManifest }
        struct ModelView: Encodable {
            var name: String; var versions: [ModelManifest]; var tags: [String: String]; var gate: PromotionGate; var history: [TagMove]
        }

        func run() throws {
            try reportingRegistryErrors {
                let registry = location.value
                let (name, reference) = try parseNameOrReference(model)
                if let reference {
                    let resolved = try registry.resolve(reference)
                    let view = VersionView(reference: resolved.reference, manifestHash: resolved.manifestHash, manifest: resolved.manifest)
                    return CommandOutput.line(json ? try jsonText(view) : describe(view))
                }
                let view = ModelView(
                    name: name, versions: try registry.versions(of: name).map { try registry.manifest(of: name, version: $0) },
                    tags: try registry.tags(of: name), gate: try registry.gate(of: name), history: try registry.history(of: name))
                CommandOutput.line(json ? try jsonText(view) : describe(view))
            }
        }

        private func describe(_ view: VersionView) -> String {
            let manifest = view.manifest
            var lines = [
                "\(view.reference)  (verified; manifest sha256 \(view.manifestHash))",
                "format:   \(manifest.format.rawValue)",
                "features: \(manifest.features.joined(separator: ", "))",
                "output:   \(manifest.output.kind.rawValue) (\(manifest.output.names.joined(separator: ", ")))",
                "created:  \(manifest.created.formatted(.iso8601))",
            ]
            if !manifest.metrics.isEmpty {
                lines.append("metrics:  " + manifest.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
            }
            lines += manifest.files.sorted { $0.key < $1.key }.map { "file:     \($0.key)  sha256 \($0.value)" }
            if !manifest.notes.isEmpty { lines.append("notes:    \(manifest.notes)") }
            return lines.joined(separator: "\n")
        }

        private func describe(_ view: ModelView) -> String {
            var lines = ["\(view.name)", "tags: \(tagList(view.tags))", "versions:"]
            lines += view.versions.map { "  \($0.version)  \($0.format.rawValue)  created \($0.created.formatted(.iso8601))  \($0.notes)" }
            let gate = view.gate
            lines.append("gate: tags \(gate.gatedTags.joined(separator: ", ")) need ≥ \(gate.minSignals) shadow signals"
                + (gate.noWorseThanCurrent.isEmpty ? "" : ", no worse \(gate.noWorseThanCurrent.map(\.rawValue).joined(separator: ", ")) than the current version"))
            if !view.history.isEmpty {
                lines.append("history (latest last):")
                lines += view.history.suffix(10).map { move in
                    "  \(move.time.formatted(.iso8601))  \(move.user)  \(move.action.rawValue) \(move.tag): \(move.from ?? "–") → \(move.to)"
                        + (move.forced ? "  FORCED" : "") + (move.reason.isEmpty ? "" : "  (\(move.reason))")
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new, immutable version of a model from an artefact file.",
            discussion: """
            The artefact is parsed before it is stored, so a file the registry cannot evaluate is refused. The \
            format is detected from the content unless --format is given. Feature names are read from the model \
            file where it records them (XGBoost feature_names, LightGBM feature_names=, linear-json \
            feature_names); otherwise pass them with --features.
            """)

        @OptionGroup var location: RegistryLocation
        @Argument(help: "The model name ([a-z][a-z0-9_-]*); created if new.") var name: String
        @Option(help: ArgumentHelp("The new version, vYYMMDD or vYYMMDD.n.", valueName: "version")) var version: String
        @Option(help: ArgumentHelp("The artefact file.", valueName: "path")) var from: String
        @Option(help: ArgumentHelp("The artefact format: linear-json, xgboost-json or lightgbm-text.", valueName: "format"))
        var format: String?
        @Option(help: ArgumentHelp("Feature names in order, comma-separated.", valueName: "a,b,c")) var features: String?
        @Option(help: ArgumentHelp("A JSON file of training metrics, {\"name\": number, ...}.", valueName: "path")) var metrics: String?
        @Option(help: "Free-text notes stored in the manifest.") var notes: String = ""

        func validate() throws {
            if let format, ModelFormat(rawValue: format) == nil {
                throw ValidationError("unknown --format '\(format)'; use linear-json, xgboost-json or lightgbm-text")
            }
        }

        func run() throws {
            try reportingRegistryErrors {
                let featureList = features.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                let manifest = try location.value.add(name, version: version, from: URL(fileURLWithPath: from), options: .init(
                    format: format.flatMap(ModelFormat.init(rawValue:)), features: featureList,
                    metrics: try readMetrics(), notes: notes))
                CommandOutput.line("added \(name)@\(version): \(manifest.format.rawValue), features \(manifest.features.joined(separator: ",")), "
                    + "sha256 \(manifest.files[manifest.modelFile] ?? "")")
            }
        }

        private func readMetrics() throws -> [String: Double] {
            guard let metrics else { return [:] }
            guard let data = FileManager.default.contents(atPath: metrics) else {
                throw RegistryError.io(metrics, reason: "cannot read the metrics file")
            }
            do {
                return try JSONDecoder().decode([String: Double].self, from: data)
            } catch {
                throw RegistryError.malformedFile(metrics, line: nil, reason: "expected a JSON object of metric names to numbers")
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point a tag at a version, if the model's promotion gate allows it.",
            discussion: """
            Tags listed in the model's gate.json (prod by default) move only when the version's latest shadow \
            evaluation has enough signals and is no worse than the current version's. Other tags move freely. \
            --force skips the gate; it needs --reason and is recorded as forced. NAME@TAG promotes the version \
            that tag points to now (e.g. momentum@staging --tag prod).
            """)

        @OptionGroup var location: RegistryLocation
        @Argument(help: ArgumentHelp("The version to promote.", valueName: "name@version")) var model: String
        @Option(help: "The tag to move (prod, staging, or any name).") var tag: String
        @Flag(help: "Skip the promotion gate (needs --reason).") var force = false
        @Option(help: "Why the tag moves; recorded in the history.") var reason: String?

        func validate() throws {
            if force && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--force needs --reason \"...\": a forced promotion is recorded with its reason")
            }
        }

        func run() throws {
            try reportingRegistryErrors {
                let registry = location.value
                let reference = try ModelReference(parsing: model)
                let version = try registry.version(for: reference)
                guard let move = try registry.promote(reference.name, version: version, to: tag, force: force, reason: reason) else {
                    return CommandOutput.line("\(reference.name) \(tag): already at \(version)")
                }
                CommandOutput.line("\(reference.name) \(tag): \(move.from ?? "(new)") → \(move.to)" + (move.forced ? " (forced: \(move.reason))" : ""))
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a tag back to the version it pointed to before its latest promotion.",
            discussion: "Not gated: it is the way out of a bad promotion. Repeated rollbacks walk further back.")

        @OptionGroup var location: RegistryLocation
        @Argument(help: "The model.") var name: String
        @Option(help: "The tag to move back.") var tag: String
        @Option(help: "Why; recorded in the history.") var reason: String?

        func run() throws {
            try reportingRegistryErrors {
                let move = try location.value.rollback(name, tag: tag, reason: reason)
                CommandOutput.line("\(name) \(tag): \(move.from ?? "(none)") → \(move.to) (rolled back)")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every file's SHA-256, the manifests, tags and logs; exit 1 if anything is wrong.",
            discussion: "Every problem is reported, not only the first.")

        @OptionGroup var location: RegistryLocation
        @Argument(help: "Only this model.") var name: String?
        @Flag(help: "Print JSON instead of text.") var json = false

        struct Entry: Encodable { var model: String; var version: String?; var passed: Bool; var problems: [String] }

        func run() throws {
            try reportingRegistryErrors {
                let results = try location.value.verify(name)
                let entries = results.map {
                    Entry(model: $0.model, version: $0.version, passed: $0.passed, problems: $0.problems.map(\.description))
                }
                if json {
                    CommandOutput.line(try jsonText(entries))
                } else {
                    for entry in entries {
                        let what = entry.version.map { "\(entry.model)@\($0)" } ?? "\(entry.model) (tags, history, gate, shadow)"
                        CommandOutput.line(entry.passed ? "ok      \(what)" : "FAILED  \(what)")
                        for problem in entry.problems { CommandOutput.line("  - \(problem)") }
                    }
                }
                if !results.allSatisfy(\.passed) { throw ExitCode(1) }
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the manifests of two versions: format, features, outputs, metrics, files, notes.")

        @OptionGroup var location: RegistryLocation
        @Argument(help: ArgumentHelp("The first version.", valueName: "name@a")) var first: String
        @Argument(help: ArgumentHelp("The second version.", valueName: "name@b")) var second: String

        func run() throws {
            try reportingRegistryErrors {
                let registry = location.value
                let a = try registry.resolve(ModelReference(parsing: first)).manifest
                let b = try registry.resolve(ModelReference(parsing: second)).manifest
                let lines = ManifestDiff.lines(a, b)
                CommandOutput.line("\(a.name)@\(a.version) → \(b.name)@\(b.version)")
                CommandOutput.line(lines.isEmpty ? "  no differences besides the version" : lines.map { "  \($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct ShadowReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shadow-report",
            abstract: "Show a version's shadow-evaluation runs and what the promotion gate says about them.")

        @OptionGroup var location: RegistryLocation
        @Argument(help: ArgumentHelp("The version.", valueName: "name@version")) var model: String
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            try reportingRegistryErrors {
                let registry = location.value
                let reference = try ModelReference(parsing: model)
                let report = try registry.shadowReport(reference.name, version: try registry.version(for: reference))
                if json { return CommandOutput.line(try jsonText(report)) }
                CommandOutput.line("\(report.model)@\(report.version): \(report.records.count) shadow run(s)")
                for record in report.records {
                    let benchmark = record.benchmark.map { "  vs \($0.name): pnl \($0.pnl), sharpe \($0.sharpe)" } ?? ""
                    CommandOutput.line("  \(record.runId)  \(record.time.formatted(.iso8601))  signals \(record.signals)  hit rate \(record.hitRate)"
                        + "  pnl \(record.pnl)  sharpe \(record.sharpe)\(benchmark)")
                }
                for gate in report.gates {
                    CommandOutput.line("gate for '\(gate.tag)' (now \(gate.current ?? "unset")): " + (gate.passed ? "passes" : "fails"))
                    for failure in gate.failures { CommandOutput.line("  - \(failure)") }
                }
            }
        }
    }
}

/// The human-readable differences between two manifests.
enum ManifestDiff {
    static func lines(_ a: ModelManifest, _ b: ModelManifest) -> [String] {
        var lines: [String] = []
        if a.format != b.format { lines.append("format: \(a.format.rawValue) → \(b.format.rawValue)") }
        if a.features != b.features {
            let removed = a.features.filter { !b.features.contains($0) }, added = b.features.filter { !a.features.contains($0) }
            lines.append("features: \(a.features.joined(separator: ",")) → \(b.features.joined(separator: ","))"
                + (removed.isEmpty ? "" : "; removed \(removed.joined(separator: ","))")
                + (added.isEmpty ? "" : "; added \(added.joined(separator: ","))"))
        }
        if a.output != b.output {
            lines.append("output: \(a.output.kind.rawValue) (\(a.output.names.joined(separator: ","))) → \(b.output.kind.rawValue) (\(b.output.names.joined(separator: ",")))")
        }
        for metric in Set(a.metrics.keys).union(b.metrics.keys).sorted() where a.metrics[metric] != b.metrics[metric] {
            let before = a.metrics[metric].map { "\($0)" } ?? "–", after = b.metrics[metric].map { "\($0)" } ?? "–"
            let change = a.metrics[metric].flatMap { x in b.metrics[metric].map { y in " (\(y - x >= 0 ? "+" : "")\(y - x))" } } ?? ""
            lines.append("metric \(metric): \(before) → \(after)\(change)")
        }
        for file in Set(a.files.keys).union(b.files.keys).sorted() where a.files[file] != b.files[file] {
            lines.append("file \(file): \(a.files[file].map { String($0.prefix(12)) } ?? "–") → \(b.files[file].map { String($0.prefix(12)) } ?? "–")")
        }
        if a.notes != b.notes { lines.append("notes: \"\(a.notes)\" → \"\(b.notes)\"") }
        return lines
    }
}
