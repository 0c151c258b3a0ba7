import Foundation

/// Checks a YAML tree against a `SchemaType`, returning every problem: unknown keys (with
/// did-you-mean), missing keys, wrong types, non-finite or out-of-range numbers, bad spellings.
public struct SchemaValidator: Sendable {
    public init() {}

    public func validate(_ node: YAMLNode, against type: SchemaType, path: String = "") -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        check(node, type, path: path, into: &diagnostics)
        return diagnostics
    }

    private func check(_ node: YAMLNode, _ type: SchemaType, path: String, into diagnostics: inout [Diagnostic]) {
        switch type {
        case .object(let schema):
            checkObject(node, schema, path: path, into: &diagnostics)
        case .dictionary(let value, let keyKind):
            guard let pairs = node.pairs else {
                if node.scalar?.isNull == true { return }
                diagnostics.append(wrongType(node, expected: "a mapping of \(keyKind) names", path: path))
                return
            }
            for pair in pairs {
                if !ScalarSyntax.isIdentifier(pair.key.value) {
                    diagnostics.append(Diagnostic(
                        .invalidName,
                        "'\(pair.key.value)' is not a valid \(keyKind) name; use letters, digits and '_', starting with a letter",
                        at: pair.key.range,
                        suggestion: Self.identifierSuggestion(pair.key.value)))
                }
                check(pair.value, value, path: join(path, pair.key.value), into: &diagnostics)
            }
        case .list(let element, let minItems):
            guard let items = node.items else {
                diagnostics.append(wrongType(node, expected: "a list", path: path))
                return
            }
            if items.count < minItems {
                diagnostics.append(Diagnostic(.outOfRange, "\(label(path)) needs at least \(minItems) item\(minItems == 1 ? "" : "s")",
                                              at: node.range))
            }
            for (index, item) in items.enumerated() {
                check(item, element, path: "\(path)[\(index)]", into: &diagnostics)
            }
        case .oneOf(let alternatives):
            let chosen = alternatives.first { Self.accepts(kindOf: node, $0) } ?? alternatives[0]
            check(node, chosen, path: path, into: &diagnostics)
        case .string(let kind):
            checkString(node, kind, path: path, into: &diagnostics)
        case .integer(let min, let max):
            guard let value = number(node, path: path, into: &diagnostics) else { return }
            guard value == value.rounded(), abs(value) < 1e15 else {
                diagnostics.append(Diagnostic(.wrongType, "\(label(path)) must be a whole number, found \(node.scalar?.text ?? "")",
                                              at: node.range))
                return
            }
            if let min, value < Double(min) {
                diagnostics.append(Diagnostic(min == 1 ? .notPositive : .outOfRange,
                                              "\(label(path)) must be at least \(min), found \(node.scalar?.text ?? "")", at: node.range))
            } else if let max, value > Double(max) {
                diagnostics.append(Diagnostic(.outOfRange, "\(label(path)) must be at most \(max), found \(node.scalar?.text ?? "")",
                                              at: node.range))
            }
        case .number(let range):
            guard let value = number(node, path: path, into: &diagnostics) else { return }
            checkRange(value, range, node: node, path: path, into: &diagnostics)
        case .boolean:
            guard let scalar = node.scalar, scalar.style == .plain else {
                diagnostics.append(wrongType(node, expected: "true or false", path: path))
                return
            }
            if scalar.text == "true" || scalar.text == "false" { return }
            if let meant = ScalarSyntax.yaml11Boolean(scalar.text) {
                diagnostics.append(Diagnostic(.yaml11Boolean,
                                              "'\(scalar.text)' is not a boolean here; write \(meant)",
                                              at: node.range,
                                              notes: [.init("YAML 1.1 read yes/no/on/off as booleans; Stratum reads only true and false")],
                                              suggestion: String(meant)))
            } else {
                diagnostics.append(wrongType(node, expected: "true or false", path: path))
            }
        }
    }

    private func checkObject(_ node: YAMLNode, _ schema: ObjectSchema, path: String, into diagnostics: inout [Diagnostic]) {
        guard let pairs = node.pairs else {
            diagnostics.append(wrongType(node, expected: "a mapping (\(schema.summary.lowercased()))", path: path))
            return
        }
        for pair in pairs {
            guard let field = schema.field(pair.key.value) else {
                let names = schema.fields.map(\.name)
                let guess = Spelling.closest(to: pair.key.value, in: names)
                let where_ = path.isEmpty ? "at the top level" : "in '\(path)'"
                var message = "unknown key '\(pair.key.value)' \(where_)"
                if let guess { message += "; did you mean '\(guess)'?" }
                diagnostics.append(Diagnostic(.unknownKey, message, at: pair.key.range,
                                              notes: guess == nil ? [.init("allowed keys: \(names.joined(separator: ", "))")] : [],
                                              suggestion: guess))
                continue
            }
            if pair.value.scalar?.isNull == true, !field.required, pair.value.scalar?.text == "" {
                // `key:` with nothing after it: same as leaving the key out, but say so for required ones.
                continue
            }
            check(pair.value, field.type, path: join(path, field.name), into: &diagnostics)
        }
        let present = Set(pairs.map(\.key.value))
        for field in schema.fields where field.required && !present.contains(field.name) {
            diagnostics.append(Diagnostic(.missingKey, "\(path.isEmpty ? "the strategy" : "'\(path)'") is missing the required key '\(field.name)'",
                                          at: node.range,
                                          notes: [.init("\(field.name): \(field.summary)\(field.example.map { " (for example `\($0)`)" } ?? "")")]))
        }
        if !schema.exactlyOneOf.isEmpty {
            let chosen = pairs.filter { schema.exactlyOneOf.contains($0.key.value) }
            if chosen.isEmpty {
                diagnostics.append(Diagnostic(.missingKey,
                                              "'\(path)' needs one of: \(schema.exactlyOneOf.joined(separator: ", "))",
                                              at: node.range))
            } else if chosen.count > 1 {
                diagnostics.append(Diagnostic(.conflictingKeys,
                                              "'\(chosen[1].key.value)' cannot be combined with '\(chosen[0].key.value)' in '\(path)'; keep one",
                                              at: chosen[1].key.range,
                                              notes: [.init("'\(chosen[0].key.value)' is set here", at: chosen[0].key.range)]))
            }
        }
    }

    private func checkString(_ node: YAMLNode, _ kind: StringKind, path: String, into diagnostics: inout [Diagnostic]) {
        guard let scalar = node.scalar, !scalar.isNull else {
            diagnostics.append(wrongType(node, expected: Self.describe(kind), path: path))
            return
        }
        if kind != .version, kind != .text, scalar.style == .plain, scalar.text == "true" || scalar.text == "false" {
            diagnostics.append(wrongType(node, expected: Self.describe(kind), path: path))
            return
        }
        let text = scalar.text
        switch kind {
        case .text, .version, .expression:
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                diagnostics.append(Diagnostic(.wrongType, "\(label(path)) must not be empty", at: node.range))
            }
        case .name:
            if !ScalarSyntax.isIdentifier(text) {
                diagnostics.append(Diagnostic(.invalidName, "'\(text)' is not a valid name; use letters, digits and '_'",
                                              at: node.range, suggestion: Self.identifierSuggestion(text)))
            }
        case .choice(let options):
            if !options.contains(text) {
                let guess = Spelling.closest(to: text, in: options)
                var message = "'\(text)' is not a valid \(label(path)); expected one of \(options.joined(separator: ", "))"
                if let guess { message += "; did you mean '\(guess)'?" }
                diagnostics.append(Diagnostic(.unknownValue, message, at: node.range, suggestion: guess))
            }
        case .duration:
            if ScalarSyntax.durationMicroseconds(text) == nil {
                diagnostics.append(Diagnostic(.invalidInterval,
                                              "'\(text)' is not a duration; write a number and a unit: 500ms, 30s, 5m, 1h, 1d",
                                              at: node.range))
            }
        case .interval:
            if ScalarSyntax.intervalMicroseconds(text) == nil {
                diagnostics.append(Diagnostic(.invalidInterval,
                                              "'\(text)' is not a bar interval; write a whole number and a unit: 1s, 1m, 5m, 1h, 1d, 1w",
                                              at: node.range))
            }
        case .path:
            if text.isEmpty || text.contains("\0") {
                diagnostics.append(Diagnostic(.wrongType, "\(label(path)) must be a file path", at: node.range))
            }
        case .modelReference:
            if !ScalarSyntax.isModelReference(text) {
                diagnostics.append(Diagnostic(.invalidModelReference,
                                              "'\(text)' is not a model reference; write name@vYYMMDD (a version) or name@tag, e.g. momentum@prod",
                                              at: node.range))
            }
        case .timezone:
            if TimeZone(identifier: text) == nil {
                let guess = Spelling.closest(to: text, in: TimeZone.knownTimeZoneIdentifiers)
                diagnostics.append(Diagnostic(.unknownTimezone,
                                              "unknown time zone '\(text)'\(guess.map { "; did you mean '\($0)'?" } ?? "") (use an IANA name such as America/New_York or UTC)",
                                              at: node.range, suggestion: guess))
            }
        }
    }

    private func number(_ node: YAMLNode, path: String, into diagnostics: inout [Diagnostic]) -> Double? {
        guard let scalar = node.scalar, !scalar.isNull else {
            diagnostics.append(wrongType(node, expected: "a number", path: path))
            return nil
        }
        if scalar.style == .plain, ScalarSyntax.isNonFinite(scalar.text) {
            diagnostics.append(Diagnostic(.nonFiniteNumber, "\(label(path)) must be a finite number, found \(scalar.text)", at: node.range))
            return nil
        }
        guard scalar.style == .plain, let value = ScalarSyntax.number(scalar.text) else {
            var notes: [Diagnostic.Note] = []
            if scalar.style == .quoted, ScalarSyntax.number(scalar.text) != nil { notes.append(.init("remove the quotes")) }
            if scalar.text.contains("_") { notes.append(.init("write numbers without '_' separators")) }
            diagnostics.append(Diagnostic(.wrongType, "\(label(path)) must be a number, found \(node.kindDescription)",
                                          at: node.range, notes: notes))
            return nil
        }
        guard value.isFinite else {
            diagnostics.append(Diagnostic(.nonFiniteNumber, "\(label(path)) is too large to be a finite number", at: node.range))
            return nil
        }
        return value
    }

    private func checkRange(_ value: Double, _ range: NumberRange, node: YAMLNode, path: String, into diagnostics: inout [Diagnostic]) {
        var ok = true
        if let min = range.min { ok = ok && (range.exclusiveMin ? value > min : value >= min) }
        if let max = range.max { ok = ok && (range.exclusiveMax ? value < max : value <= max) }
        guard !ok else { return }
        let text = node.scalar?.text ?? String(value)
        if range.min == 0, range.exclusiveMin, value <= 0 {
            diagnostics.append(Diagnostic(.notPositive, "\(label(path)) must be positive, found \(text)", at: node.range))
        } else {
            diagnostics.append(Diagnostic(.outOfRange, "\(label(path)) must be \(range.text), found \(text)", at: node.range))
        }
    }

    private func wrongType(_ node: YAMLNode, expected: String, path: String) -> Diagnostic {
        Diagnostic(.wrongType, "\(label(path)) must be \(expected), found \(node.kindDescription)", at: node.range)
    }

    private func label(_ path: String) -> String { path.isEmpty ? "the document" : "'\(path)'" }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func accepts(kindOf node: YAMLNode, _ type: SchemaType) -> Bool {
        switch (node.kind, type) {
        case (.mapping, .object), (.mapping, .dictionary), (.sequence, .list): return true
        case (.scalar(let scalar), .number), (.scalar(let scalar), .integer):
            return scalar.style == .plain && (ScalarSyntax.number(scalar.text) != nil || ScalarSyntax.isNonFinite(scalar.text))
        case (.scalar, .string), (.scalar, .boolean): return true
        default: return false
        }
    }

    static func describe(_ kind: StringKind) -> String {
        switch kind {
        case .text, .version: "a string"
        case .name: "a name"
        case .choice(let options): "one of \(options.joined(separator: ", "))"
        case .expression: "an expression"
        case .duration: "a duration such as 5s or 1m"
        case .interval: "a bar interval such as 1m or 1d"
        case .path: "a file path"
        case .modelReference: "a model reference such as momentum@prod"
        case .timezone: "a time zone name"
        }
    }

    static func identifierSuggestion(_ text: String) -> String? {
        let mapped = String(text.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return ScalarSyntax.isIdentifier(mapped) && mapped != text ? mapped : nil
    }
}
