import Foundation
import StrategyDSL

/// `stratum lint` as a function: load, decode and check one file, returning every diagnostic.
public struct Linter: Sendable {
    public var models: (any ModelResolving)?
    public var workingDirectory: URL

    public init(models: (any ModelResolving)?, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.models = models
        self.workingDirectory = workingDirectory
    }

    public struct Result: Sendable {
        public var path: String
        public var source: SourceFile?
        public var checked: CheckedStrategy?
        /// Sorted by position.
        public var diagnostics: [Diagnostic]

        public var hasErrors: Bool { diagnostics.hasErrors }
    }

    /// Where relative paths in the strategy at `path` resolve: the working directory, then the file's folder.
    public func baseDirectories(for path: String) -> [URL] {
        [workingDirectory, URL(fileURLWithPath: path, relativeTo: workingDirectory).deletingLastPathComponent()]
    }

    public func lint(path: String) -> Result {
        let loaded = StrategyLoader().load(path: path)
        return check(loaded, path: path)
    }

    public func lint(text: String, path: String) -> Result {
        check(StrategyLoader().load(text: text, path: path), path: path)
    }

    private func check(_ loaded: StrategyLoader.Result, path: String) -> Result {
        guard let spec = loaded.spec else {
            return Result(path: path, source: loaded.source, checked: nil, diagnostics: loaded.diagnostics.sortedForDisplay())
        }
        let checker = StrategyChecker(baseDirectories: baseDirectories(for: path), models: models)
        let (checked, found) = checker.check(spec)
        var diagnostics = loaded.diagnostics + found
        // The same problem reached by two routes is reported once.
        var seen = Set<String>()
        diagnostics = diagnostics.filter { seen.insert("\($0.code.rawValue)|\($0.range)|\($0.message)").inserted }
        if let source = loaded.source {
            diagnostics = diagnostics.map { diagnostic in
                guard diagnostic.range.file == source.path else { return diagnostic }
                var clamped = diagnostic
                clamped.range.start = source.clamp(diagnostic.range.start)
                clamped.range.end = max(clamped.range.start, diagnostic.range.end)
                return clamped
            }
        }
        return Result(path: path, source: loaded.source, checked: checked, diagnostics: diagnostics.sortedForDisplay())
    }
}
