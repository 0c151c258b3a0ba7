import Foundation
import Testing
@testable import StrategyDSL

/// The JSON Schema and the Markdown reference are generated from `StrategySchema`; the committed
/// copies must equal the generators' output, and the schema must mean what the validator means.
struct SchemaGenerationTests {
    @Test func committedSchemaEqualsGeneratorOutput() throws {
        let committed = try #require(repositoryText("docs/strategy.schema.json"))
        #expect(committed == JSONSchemaGenerator().schema().rendered(), "run `stratum schema > docs/strategy.schema.json`")
    }

    @Test func committedReferenceEqualsGeneratorOutput() throws {
        let document = try #require(repositoryText("docs/strategy-language.md"))
        let begin = try #require(document.range(of: ReferenceGenerator.beginMarker))
        let end = try #require(document.range(of: ReferenceGenerator.endMarker))
        let embedded = String(document[begin.upperBound..<end.lowerBound])
        #expect(embedded == "\n\n" + ReferenceGenerator().markdown(),
                "regenerate the reference in docs/strategy-language.md with `stratum schema --format markdown`")
    }

    /// Each default and example in the catalogue is itself a valid value of its field.
    @Test func everyDefaultAndExampleIsValidForItsField() {
        func visit(_ object: ObjectSchema, _ path: String) {
            for field in object.fields {
                for text in [field.defaultValue, field.example].compactMap({ $0 }) {
                    let loaded = YAMLLoader().load(bytes: Array(text.utf8), path: "value")
                    guard let node = loaded.root else { Issue.record("\(path).\(field.name): '\(text)' is not YAML"); continue }
                    let problems = SchemaValidator().validate(node, against: field.type, path: field.name)
                    #expect(problems.isEmpty, "\(path).\(field.name): '\(text)': \(problems.map(\.message))")
                }
                visitType(field.type, "\(path).\(field.name)")
            }
        }
        func visitType(_ type: SchemaType, _ path: String) {
            switch type {
            case .object(let object): visit(object, path)
            case .dictionary(let value, _), .list(let value, _): visitType(value, path)
            case .oneOf(let alternatives): alternatives.forEach { visitType($0, path) }
            case .string, .integer, .number, .boolean: break
            }
        }
        visit(StrategySchema.root, "")
    }

    @Test func schemaHasTheDraftAndClosedObjects() throws {
        let schema = JSONSchemaGenerator().schema()
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array([.string("strategy"), .string("data"), .string("signals")]))
        let sizing = try #require(schema["properties"]?["risk"]?["properties"]?["sizing"])
        #expect(sizing["oneOf"] == .array(["fixed", "equity_fraction", "vol_target", "kelly"].map { .object([("required", .array([.string($0)]))]) }))
        // kelly is in (0, 1]: exclusive below, inclusive above.
        let kelly = try #require(sizing["properties"]?["kelly"])
        #expect(kelly["exclusiveMinimum"] == .number(0))
        #expect(kelly["maximum"] == .number(1))
        let drawdownLimit = try #require(schema["properties"]?["risk"]?["properties"]?["max_drawdown"]?["properties"]?["limit"])
        #expect(drawdownLimit["exclusiveMaximum"] == .number(1))
        let algo = try #require(schema["properties"]?["execution"]?["properties"]?["algo"])
        #expect(algo["enum"] == .array(["market", "limit", "twap", "vwap"].map(JSONValue.string)))
        #expect(algo["default"] == .string("market"))
        let quantiles = try #require(schema["properties"]?["regimes"]?["additionalProperties"]?["properties"]?["volatility"]?["properties"]?["quantiles"])
        #expect(quantiles["default"] == .array([.number(0.33), .number(0.67)]))
    }

    /// The patterns, tried on spellings the language accepts and refuses (NSRegularExpression
    /// reads them as ECMA-262 and Python's `re` do for these constructs).
    @Test(arguments: [
        (JSONSchemaGenerator.durationPattern, ["500ms", "30s", "1.5h", "1d", "2w", "10us"], ["", "5", "-1s", "1y", "s", "1 m"]),
        (JSONSchemaGenerator.intervalPattern, ["1s", "1m", "15m", "1d", "1w"], ["0m", "1.5m", "1ms", "m", "-1d"]),
        (JSONSchemaGenerator.modelReferencePattern, ["momentum@prod", "momentum@v261124", "m-2@v261124.3", "a_b@staging"],
         ["Momentum@prod", "momentum", "momentum@", "@prod", "momentum@2611", "momentum@Prod", "momentum@prod@x"]),
        (JSONSchemaGenerator.identifierPattern, ["fast", "_x", "ema_10"], ["10ema", "fast-ema", "", "é"]),
    ])
    func patternsMatchTheLanguage(_ pattern: String, _ accepted: [String], _ refused: [String]) throws {
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ text: String) -> Bool {
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        for text in accepted { #expect(matches(text), "\(pattern) should accept '\(text)'") }
        for text in refused { #expect(!matches(text), "\(pattern) should refuse '\(text)'") }
    }

    /// The patterns and `ScalarSyntax` agree on every spelling of a corpus of near misses.
    @Test func patternsAgreeWithScalarSyntax() throws {
        let corpus = ["", "1", "1s", "0s", "01m", "1.5m", "1.m", ".5s", "1e3ms", "1E-2s", "-1s", "+1s", "1 s", "1ms", "10us", "2w",
                      "1y", "m", "1mm", "a@b", "a@v123456", "a@v123456.7", "a@v12345", "a@v1234567", "A@b", "a@B", "a-b@c_d",
                      "a@", "@b", "a@b@c", "1a@b", "a@v123456.", "fast", "_x", "x1", "1x", "a-b", "é", "a b"]
        let checks: [(String, (String) -> Bool)] = [
            (JSONSchemaGenerator.durationPattern, { ScalarSyntax.durationMicroseconds($0) != nil }),
            (JSONSchemaGenerator.intervalPattern, { ScalarSyntax.intervalMicroseconds($0) != nil }),
            (JSONSchemaGenerator.modelReferencePattern, ScalarSyntax.isModelReference),
            (JSONSchemaGenerator.identifierPattern, ScalarSyntax.isIdentifier),
        ]
        for (pattern, accepts) in checks {
            let regex = try NSRegularExpression(pattern: pattern)
            for text in corpus {
                let matched = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                #expect(matched == accepts(text), "\(pattern) on '\(text)'")
            }
        }
    }

    // MARK: Against an independent validator

    struct ValidationResults: Decodable {
        struct File: Decodable { var valid: Bool; var errors: [String] }
        var schema_crc32: UInt32
        var files: [String: File]
    }

    static func results() throws -> ValidationResults {
        let data = try #require(FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent("Tests/StrategyCompilerTests/Fixtures/schema-validation/results.json").path))
        return try JSONDecoder().decode(ValidationResults.self, from: data)
    }

    /// CRC-32 (IEEE 802.3, as zlib computes it), bit by bit: enough to tell two schema texts apart.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// The results must be for the schema that is committed now.
    @Test func validationResultsAreForTheCommittedSchema() throws {
        let schema = try #require(FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent("docs/strategy.schema.json").path))
        #expect(try Self.results().schema_crc32 == Self.crc32([UInt8](schema)),
                "rerun python3 Tests/StrategyCompilerTests/Fixtures/schema-validation/validate.py")
    }

    @Test func shippedStrategiesAreValidForJSONSchema() throws {
        let results = try Self.results()
        let strategies = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("strategies").path)
            .filter { $0.hasSuffix(".yaml") }
        #expect(strategies.count >= 9)
        for name in strategies {
            let result = try #require(results.files["strategies/\(name)"], "strategies/\(name) was not validated")
            #expect(result.valid, "strategies/\(name): \(result.errors)")
        }
    }

    /// Which JSON Schema keyword refuses each kind of structural error, by the meaning of the code.
    static let keywords: [String: Set<String>] = [
        "e101": ["additionalProperties"], "e102": ["required", "oneOf"], "e103": ["type"], "e105": ["type"],
        "e106": ["minimum", "exclusiveMinimum"], "e107": ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
        "e108": ["enum"], "e109": ["pattern"], "e110": ["type"], "e111": ["oneOf"], "e301": ["pattern"], "e602": ["pattern"],
    ]
    /// A signal that mixes a rule with a model, or puts ensemble keys on a rule, is refused by the
    /// decoder, which knows signal families; the schema leaves signal keys open to all three.
    static let beyondTheSchema: Set<String> = ["e111_rule_and_model.yaml", "e111_threshold_on_rule.yaml"]

    @Test func structuralFixturesAreRefusedForTheSameReason() throws {
        let results = try Self.results()
        let fixtures = results.files.filter { $0.key.hasPrefix("Tests/") }
        #expect(fixtures.count >= 25)
        for (path, result) in fixtures {
            let name = URL(fileURLWithPath: path).lastPathComponent
            if Self.beyondTheSchema.contains(name) {
                #expect(result.valid, "\(name) is now refused by the schema; remove it from beyondTheSchema")
                continue
            }
            let keywords = try #require(Self.keywords[String(name.prefix(4))])
            #expect(!result.valid, "\(name) passes the JSON Schema")
            let found = Set(result.errors.compactMap { $0.split(separator: " ").last.map(String.init) })
            #expect(!found.isDisjoint(with: keywords), "\(name): \(result.errors)")
        }
    }
}
