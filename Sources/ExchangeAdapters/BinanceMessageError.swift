/// A Binance message that is not in the documented shape: which field, what was expected and
/// what arrived.
public struct BinanceMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's path in the message: `k.c` for a stream event's close price,
    /// `[3][4] (close)` for the fifth column of the fourth REST kline, or `message` for the whole.
    public var field: String
    /// What the documented format puts there.
    public var expected: String
    /// What the message held instead.
    public var found: String

    public init(field: String, expected: String, found: String) {
        self.field = field
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "malformed Binance message: `\(field)` should be \(expected), found \(found)"
    }
}

extension BinanceMessageError {
    /// Translates a decoder's error into the field it concerns.
    ///
    /// - Parameter columnNames: names for the columns of a REST kline row, shown after the index.
    init(_ error: DecodingError, columnNames: [String] = []) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: Self.path(context.codingPath + [key], columnNames), expected: "present", found: "no such field")
        case .typeMismatch(let type, let context):
            self.init(field: Self.path(context.codingPath, columnNames), expected: Self.describe(type), found: "another JSON type")
        case .valueNotFound(let type, let context):
            self.init(field: Self.path(context.codingPath, columnNames), expected: Self.describe(type), found: "null")
        case .dataCorrupted(let context):
            self.init(field: Self.path(context.codingPath, columnNames), expected: "JSON", found: context.debugDescription)
        @unknown default:
            self.init(field: "message", expected: "a Binance kline message", found: "\(error)")
        }
    }

    /// `k.c` for keys, `[2][4] (close)` for array indices.
    private static func path(_ codingPath: [any CodingKey], _ columnNames: [String]) -> String {
        guard !codingPath.isEmpty else { return "message" }
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        if codingPath.count == 2, let column = codingPath[1].intValue, columnNames.indices.contains(column) {
            text += " (\(columnNames[column]))"
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
