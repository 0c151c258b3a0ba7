import Yams

/// Bounds that keep hostile files cheap: every one of them is checked before or while walking.
public struct LoaderLimits: Sendable {
    public var maxBytes: Int
    public var maxDepth: Int
    /// Nodes after alias expansion. A billion-laughs file reaches this bound in microseconds.
    public var maxNodes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxNodes: Int = 100_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }
}

/// Bytes → positioned YAML tree, refusing what a strategy file never needs: invalid UTF-8,
/// duplicate keys, custom tags, alias bombs, deep nesting, huge files.
public struct YAMLLoader: Sendable {
    public var limits: LoaderLimits

    public init(limits: LoaderLimits = LoaderLimits()) {
        self.limits = limits
    }

    public struct Output: Sendable {
        public var source: SourceFile?
        public var root: YAMLNode?
        public var diagnostics: [Diagnostic]
    }

    public func load(bytes: [UInt8], path: String) -> Output {
        let fileStart = SourceRange(file: path, start: SourceLocation(line: 1, column: 1), length: 1)
        if bytes.count > limits.maxBytes {
            return Output(source: nil, root: nil, diagnostics: [Diagnostic(
                .fileTooLarge,
                "file is \(bytes.count) bytes; strategy files are limited to \(limits.maxBytes) bytes",
                at: fileStart,
                notes: [.init("split large data into a data source (CSV or SQLite) instead of the strategy file")])])
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let bad = Self.firstInvalidUTF8(in: body) {
            let location = Self.location(ofByte: bad.offsetInBody, in: body)
            return Output(source: nil, root: nil, diagnostics: [Diagnostic(
                .invalidUTF8, "byte 0x\(String(bad.byte, radix: 16, uppercase: true)) is not valid UTF-8",
                at: SourceRange(file: path, start: location, length: 1),
                notes: [.init("save the file as UTF-8")])])
        }
        let text = String(decoding: body, as: UTF8.self)
        let source = SourceFile(path: path, text: text)
        if let deep = NestingScan.firstTooDeep(in: source, limit: limits.maxDepth) {
            return Output(source: source, root: nil, diagnostics: [Diagnostic(
                .nestingTooDeep, "nesting deeper than \(limits.maxDepth) levels",
                at: SourceRange(file: path, start: deep, length: 1),
                notes: [.init("a strategy never needs this depth; flatten the structure")])])
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch {
            return Output(source: source, root: nil, diagnostics: [YAMLErrorTranslation.diagnostic(for: error, in: source)])
        }
        guard let composed else {
            return Output(source: source, root: nil, diagnostics: [Diagnostic(
                .notAMapping, "the file is empty; a strategy is a mapping with at least `strategy:`, `data:` and `signals:`",
                at: fileStart)])
        }
        var walker = NodeWalker(source: source, limits: limits)
        if let overflow = AliasBudget.firstOverflow(in: composed, limit: limits.maxNodes) {
            return Output(source: source, root: nil, diagnostics: [walker.aliasExpansion(at: overflow)])
        }
        let root = walker.convert(composed, depth: 0)
        return Output(source: source, root: walker.aborted ? nil : root, diagnostics: walker.diagnostics)
    }

    // MARK: UTF-8

    static func firstInvalidUTF8(in bytes: ArraySlice<UInt8>) -> (offsetInBody: Int, byte: UInt8)? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return (offset, bytes[bytes.startIndex + offset])
            }
        }
    }

    static func location(ofByte offset: Int, in bytes: ArraySlice<UInt8>) -> SourceLocation {
        let prefix = bytes[bytes.startIndex..<(bytes.startIndex + offset)]
        let line = prefix.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? bytes.startIndex
        let column = String(decoding: bytes[lineStart..<(bytes.startIndex + offset)], as: UTF8.self).unicodeScalars.count + 1
        return SourceLocation(line: line, column: column)
    }
}

/// Finds nesting past the limit before the YAML parser's recursion sees it: flow brackets and
/// block indentation are counted on the raw lines, so a 100,000-deep `[[[[` costs one pass.
enum NestingScan {
    static func firstTooDeep(in source: SourceFile, limit: Int) -> SourceLocation? {
        var indents: [Int] = []
        var flowDepth = 0
        for (index, line) in source.lines.enumerated() {
            let scalars = Array(line.unicodeScalars)
            var column = 0
            if flowDepth == 0 {
                // Block structure: a stack of indentation widths, plus compact "- - -" sequences.
                while column < scalars.count, scalars[column] == " " { column += 1 }
                guard column < scalars.count, scalars[column] != "#" else { continue }
                while let last = indents.last, last > column { indents.removeLast() }
                if indents.last != column { indents.append(column) }
                var dashes = 0
                var probe = column
                while probe + 1 < scalars.count, scalars[probe] == "-", scalars[probe + 1] == " " {
                    dashes += 1
                    probe += 2
                    while probe < scalars.count, scalars[probe] == " " { probe += 1 }
                }
                if indents.count + dashes > limit * 2 {
                    return SourceLocation(line: index + 1, column: column + 1)
                }
            }
            var quote: Unicode.Scalar?
            while column < scalars.count {
                let scalar = scalars[column]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    if column == 0 || " [{,:".unicodeScalars.contains(scalars[column - 1]) { quote = scalar }
                } else if scalar == "#" && (column == 0 || scalars[column - 1] == " ") {
                    break
                } else if scalar == "[" || scalar == "{" {
                    flowDepth += 1
                    if flowDepth > limit { return SourceLocation(line: index + 1, column: column + 1) }
                } else if scalar == "]" || scalar == "}" {
                    flowDepth = max(0, flowDepth - 1)
                }
                column += 1
            }
        }
        return nil
    }
}

/// Converts Yams' tree into ours, counting every node it visits (aliases included) and refusing tags.
struct NodeWalker {
    let source: SourceFile
    let limits: LoaderLimits
    var diagnostics: [Diagnostic] = []
    var visited = 0
    var aborted = false
    /// Keys from the root to the node being converted: an expansion past the budget is reported
    /// at the innermost key, the entry whose value is too large.
    var keys: [SourceRange] = []

    init(source: SourceFile, limits: LoaderLimits) {
        self.source = source
        self.limits = limits
    }

    /// Tags a strategy file may carry: YAML's core schema only. Anything else (`!!python/object`,
    /// `!custom`) is how YAML loaders get tricked into building objects, so it is refused outright.
    static let allowedTags: Set<String> = [
        "?", "!", "",
        "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    ]

    /// The node budget is spent; reported at the key whose value spends it (see `AliasBudget`).
    func aliasExpansion(at range: SourceRange) -> Diagnostic {
        Diagnostic(.aliasExpansion, "this value expands to more than \(limits.maxNodes) nodes (aliases included)", at: range,
                   notes: [.init("a strategy is small: remove the aliases that repeat large structures")])
    }

    func aliasExpansion(at node: Node) -> Diagnostic {
        let length = node.scalar.map { $0.string.unicodeScalars.count } ?? 1
        return aliasExpansion(at: range(of: node.mark, length: length))
    }

    func range(of mark: Mark?, length: Int) -> SourceRange {
        let start = source.clamp(SourceLocation(line: mark?.line ?? 1, column: mark?.column ?? 1))
        return SourceRange(file: source.path, start: start, length: length)
    }

    mutating func convert(_ node: Node, depth: Int) -> YAMLNode? {
        guard !aborted else { return nil }
        visited += 1
        if visited > limits.maxNodes {
            aborted = true
            diagnostics.append(aliasExpansion(at: keys.last ?? range(of: node.mark, length: 1)))
            return nil
        }
        if depth > limits.maxDepth {
            aborted = true
            diagnostics.append(Diagnostic(.nestingTooDeep, "nesting deeper than \(limits.maxDepth) levels",
                                          at: range(of: node.mark, length: 1)))
            return nil
        }
        let tagName: String
        switch node {
        case .scalar(let scalar): tagName = scalar.tag.description
        case .mapping(let mapping): tagName = mapping.tag.description
        case .sequence(let sequence): tagName = sequence.tag.description
        case .alias(let alias): tagName = alias.tag.description
        }
        if !Self.allowedTags.contains(tagName) {
            diagnostics.append(Diagnostic(
                .forbiddenTag, "tag '\(Self.shortTag(tagName))' is not allowed in a strategy file",
                at: range(of: node.mark, length: 1),
                notes: [.init("remove the tag; strategy files hold plain strings, numbers, booleans, lists and mappings")]))
            return nil
        }
        switch node {
        case .scalar(let scalar):
            let style: YAMLScalar.Style
            let length: Int
            switch scalar.style {
            case .plain, .any:
                style = .plain
                length = scalar.string.contains("\n") ? 1 : scalar.string.unicodeScalars.count
            case .singleQuoted, .doubleQuoted:
                style = .quoted
                length = scalar.string.contains("\n") ? 1 : scalar.string.unicodeScalars.count + 2
            case .literal, .folded:
                style = .block
                length = 1
            }
            return YAMLNode(kind: .scalar(YAMLScalar(text: scalar.string, style: style)),
                            range: range(of: scalar.mark, length: length))
        case .mapping(let mapping):
            var pairs: [YAMLPair] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    diagnostics.append(Diagnostic(.wrongType, "keys must be plain names, not lists or mappings",
                                                  at: range(of: key.mark, length: 1)))
                    continue
                }
                visited += 1
                let keyRange = range(of: keyScalar.mark, length: keyScalar.string.unicodeScalars.count)
                keys.append(keyRange)
                let converted = convert(value, depth: depth + 1)
                keys.removeLast()
                guard let converted else { continue }
                pairs.append(YAMLPair(key: Located(keyScalar.string, keyRange), value: converted))
            }
            return aborted ? nil : YAMLNode(kind: .mapping(pairs), range: range(of: mapping.mark, length: 1))
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for item in sequence {
                if let converted = convert(item, depth: depth + 1) { items.append(converted) }
            }
            return aborted ? nil : YAMLNode(kind: .sequence(items), range: range(of: sequence.mark, length: 1))
        case .alias(let alias):
            // Yams resolves aliases while composing; an unresolved one is an undefined anchor.
            diagnostics.append(Diagnostic(.yamlSyntax, "alias '*\(alias.anchor.rawValue)' names no anchor",
                                          at: range(of: alias.mark, length: alias.anchor.rawValue.count + 1)))
            return nil
        }
    }

    static func shortTag(_ name: String) -> String {
        name.hasPrefix("tag:yaml.org,2002:") ? "!!" + name.dropFirst("tag:yaml.org,2002:".count) : name
    }
}
