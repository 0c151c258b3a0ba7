import Foundation

/// File → `StrategySpec`: read, load YAML, decode. The front half of `stratum lint`.
public struct StrategyLoader: Sendable {
    public var limits: LoaderLimits

    public init(limits: LoaderLimits = LoaderLimits()) {
        self.limits = limits
    }

    public struct Result: Sendable {
        public var source: SourceFile?
        public var spec: StrategySpec?
        public var diagnostics: [Diagnostic]
    }

    /// Reads and decodes the file at `path` (as given, so diagnostics name it the way the user did).
    public func load(path: String) -> Result {
        let url = URL(fileURLWithPath: path)
        let start = SourceRange(file: path, start: SourceLocation(line: 1, column: 1), length: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Result(source: nil, spec: nil, diagnostics: [Diagnostic(.fileUnreadable, "no such file", at: start)])
        }
        guard !isDirectory.boolValue else {
            return Result(source: nil, spec: nil, diagnostics: [Diagnostic(.fileUnreadable, "this is a folder; give a strategy file", at: start)])
        }
        // Refuse huge files before reading them into memory.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxBytes {
            return load(bytes: [], path: path, oversized: size)
        }
        guard let data = try? Data(contentsOf: url) else {
            return Result(source: nil, spec: nil, diagnostics: [Diagnostic(.fileUnreadable, "cannot read the file (check its permissions)", at: start)])
        }
        return load(bytes: [UInt8](data), path: path)
    }

    /// Reads and loads a YAML file without decoding it as a strategy (composite indicators use this).
    public func loadYAML(path: String, displayPath: String) -> YAMLLoader.Output {
        let start = SourceRange(file: displayPath, start: SourceLocation(line: 1, column: 1), length: 1)
        guard let data = FileManager.default.contents(atPath: path) else {
            return YAMLLoader.Output(source: nil, root: nil, diagnostics: [Diagnostic(.fileUnreadable, "cannot read the file", at: start)])
        }
        return YAMLLoader(limits: limits).load(bytes: [UInt8](data), path: displayPath)
    }

    public func load(text: String, path: String) -> Result {
        load(bytes: Array(text.utf8), path: path)
    }

    func load(bytes: [UInt8], path: String, oversized: Int? = nil) -> Result {
        if let oversized {
            return Result(source: nil, spec: nil, diagnostics: [Diagnostic(
                .fileTooLarge, "file is \(oversized) bytes; strategy files are limited to \(limits.maxBytes) bytes",
                at: SourceRange(file: path, start: SourceLocation(line: 1, column: 1), length: 1))])
        }
        let loaded = YAMLLoader(limits: limits).load(bytes: bytes, path: path)
        guard let root = loaded.root else {
            return Result(source: loaded.source, spec: nil, diagnostics: loaded.diagnostics)
        }
        let (spec, diagnostics) = StrategyDecoder().decode(root, file: path)
        return Result(source: loaded.source, spec: spec, diagnostics: loaded.diagnostics + diagnostics)
    }
}
