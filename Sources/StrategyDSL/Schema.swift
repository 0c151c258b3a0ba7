/// The shape of the strategy language, as data: one description drives validation (unknown keys,
/// types, ranges), the JSON Schema that editors use, and the field reference in the docs.
public indirect enum SchemaType: Sendable {
    case object(ObjectSchema)
    /// A mapping whose keys the user names (features, signals, data sources).
    case dictionary(value: SchemaType, keyKind: String)
    case string(StringKind)
    case integer(min: Int?, max: Int?)
    case number(NumberRange)
    case boolean
    case list(SchemaType, minItems: Int)
    /// Alternatives chosen by the node's kind: a scalar matches the first scalar alternative, a
    /// mapping the first object alternative.
    case oneOf([SchemaType])
}

/// What a string field holds; the kind decides the check and the JSON Schema pattern.
public enum StringKind: Sendable, Equatable {
    case text
    case name
    case choice([String])
    case expression
    case duration
    case interval
    case path
    case modelReference
    case timezone
    /// Any scalar read as its source text: `1`, `1.10` and `v2` are all versions.
    case version
}

public struct NumberRange: Sendable, Equatable {
    public var min: Double?
    public var max: Double?
    public var exclusiveMin: Bool
    public var exclusiveMax: Bool

    public init(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false, exclusiveMax: Bool = false) {
        self.min = min
        self.max = max
        self.exclusiveMin = exclusiveMin
        self.exclusiveMax = exclusiveMax
    }

    public static let positive = NumberRange(min: 0, exclusiveMin: true)
    public static let nonNegative = NumberRange(min: 0)
    public static let fraction = NumberRange(min: 0, max: 1, exclusiveMin: true)
    public static let openFraction = NumberRange(min: 0, max: 1, exclusiveMin: true, exclusiveMax: true)
    public static let any = NumberRange()

    var text: String {
        switch (min, max) {
        case let (lo?, hi?): "in \(exclusiveMin ? "(" : "[")\(format(lo)), \(format(hi))\(exclusiveMax ? ")" : "]")"
        case let (lo?, nil): exclusiveMin ? "greater than \(format(lo))" : "at least \(format(lo))"
        case let (nil, hi?): exclusiveMax ? "less than \(format(hi))" : "at most \(format(hi))"
        case (nil, nil): "any finite number"
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

public struct Field: Sendable {
    public var name: String
    public var type: SchemaType
    public var required: Bool
    public var defaultValue: String?
    public var summary: String
    public var example: String?

    public init(_ name: String, _ type: SchemaType, required: Bool = false, default defaultValue: String? = nil,
                _ summary: String, example: String? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
        self.example = example
    }
}

public struct ObjectSchema: Sendable {
    public var summary: String
    public var fields: [Field]
    /// Groups of keys of which exactly one must be present (a data source is csv or sqlite or ...).
    public var exactlyOneOf: [String]

    public init(_ summary: String, exactlyOneOf: [String] = [], _ fields: [Field]) {
        self.summary = summary
        self.fields = fields
        self.exactlyOneOf = exactlyOneOf
    }

    public func field(_ name: String) -> Field? {
        fields.first { $0.name == name }
    }
}
