/// A YAML node with its position, as the decoder sees it: scalars keep their source text,
/// so no YAML 1.1 coercion has happened yet (`NO` and `1.10` are still the text the user wrote).
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(YAMLScalar)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The value of `key` in a mapping.
    public subscript(key: String) -> YAMLNode? {
        pairs?.first { $0.key.value == key }?.value
    }

    /// The key's own position when this node is a mapping that holds `key`.
    public func keyRange(_ key: String) -> SourceRange? {
        pairs?.first { $0.key.value == key }?.key.range
    }

    /// How the node reads in a message: "a mapping", "a list", "the string \"x\"", "the number 3".
    public var kindDescription: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if scalar.isNull { return "nothing (null)" }
            if scalar.style != .plain { return "the string \"\(scalar.text)\"" }
            if Double(scalar.text) != nil { return "the number \(scalar.text)" }
            return "\"\(scalar.text)\""
        }
    }
}

/// Typed reads of scalars, in the language's strict spelling (see `ScalarSyntax`).
extension YAMLNode {
    /// The scalar's text, unless it is null.
    public var text: String? {
        guard let scalar, !scalar.isNull else { return nil }
        return scalar.text
    }

    /// A finite decimal number written without quotes.
    public var number: Double? {
        guard let scalar, scalar.style == .plain, let value = ScalarSyntax.number(scalar.text), value.isFinite else { return nil }
        return value
    }

    public var integer: Int? {
        guard let value = number, value == value.rounded(), abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    public var boolean: Bool? {
        guard let scalar, scalar.style == .plain else { return nil }
        return scalar.text == "true" ? true : scalar.text == "false" ? false : nil
    }
}

public struct YAMLScalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable { case plain, quoted, block }

    public var text: String
    public var style: Style

    public init(text: String, style: Style) {
        self.text = text
        self.style = style
    }

    /// YAML's null spellings, only when unquoted.
    public var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
    }
}

public struct YAMLPair: Sendable {
    public var key: Located<String>
    public var value: YAMLNode

    public init(key: Located<String>, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
