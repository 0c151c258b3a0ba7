import Foundation
import Testing
@testable import StrategyDSL

/// The loader faces files written by anyone: each hostile shape is refused with a diagnostic
/// at the right place, without crashing and without doing work proportional to the attack.
struct HostileInputTests {
    static let valid = """
    strategy:
      name: hostile
    data:
      goog:
        csv: data/GOOG.csv
    signals:
      s:
        long: close > open

    """

    func load(_ text: String) -> StrategyLoader.Result {
        StrategyLoader().load(text: text, path: "h.yaml")
    }

    func load(bytes: [UInt8]) -> StrategyLoader.Result {
        StrategyLoader().load(bytes: bytes, path: "h.yaml")
    }

    func codes(_ result: StrategyLoader.Result) -> [String] { result.diagnostics.map(\.code.rawValue) }

    @Test func theBaselineIsClean() {
        let result = load(Self.valid)
        #expect(result.diagnostics.isEmpty)
        #expect(result.spec != nil)
    }

    // MARK: Size and encoding

    @Test func fileOverTheSizeLimitIsRefusedBeforeItIsRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-oversized-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        // 1 MiB + 1 byte of a comment line: valid YAML, refused for its size alone.
        let limit = LoaderLimits().maxBytes
        #expect(limit == 1 << 20)
        var bytes = Array("# ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: limit - 2)
        bytes.append(UInt8(ascii: "\n"))
        try Data(bytes).write(to: url)
        let result = StrategyLoader().load(path: url.path)
        #expect(codes(result) == ["E008"])
        #expect(result.diagnostics.first?.message.contains("\(limit + 1) bytes") == true)
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 1, column: 1))
        #expect(result.source == nil, "the file was never decoded")
    }

    @Test func aFileExactlyAtTheLimitIsRead() {
        var bytes = Array(Self.valid.utf8)
        bytes += Array("#".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: (1 << 20) - bytes.count - 2) + [10]
        #expect(bytes.count == 1 << 20)
        #expect(codes(load(bytes: bytes)).isEmpty)
    }

    /// "é" as Latin-1 (0xE9) on line 2, after `  name: caf`: column 12.
    @Test func invalidUTF8IsReportedAtTheFirstBadByte() {
        let bytes = Array("strategy:\n  name: caf".utf8) + [0xE9] + Array("\n".utf8)
        let result = load(bytes: bytes)
        #expect(codes(result) == ["E002"])
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 2, column: 12))
        #expect(result.diagnostics.first?.message.contains("0xE9") == true)
    }

    @Test func truncatedMultiByteSequenceAndOverlongEncodingAreRefused() {
        #expect(codes(load(bytes: Array("a: b".utf8) + [0xC3])) == ["E002"])          // cut after the lead byte
        #expect(codes(load(bytes: Array("a: b".utf8) + [0xC0, 0xAF])) == ["E002"])    // overlong '/'
        #expect(codes(load(bytes: Array("a: b".utf8) + [0xED, 0xA0, 0x80])) == ["E002"]) // a UTF-16 surrogate
    }

    @Test func aByteOrderMarkIsAccepted() {
        #expect(codes(load(bytes: [0xEF, 0xBB, 0xBF] + Array(Self.valid.utf8))).isEmpty)
    }

    // MARK: Aliases and nesting

    static let billionLaughs: String = {
        var lines = ["strategy:", "  name: lol", "laughs:", "  a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("  \(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Nine levels of nine: 9^9 = 387,420,489 strings if expanded. Refused at the key whose value
    /// passes the node budget (the time it takes is measured by benchmarks/lint, not asserted).
    @Test func billionLaughsIsRefused() {
        let result = load(Self.billionLaughs)
        #expect(codes(result) == ["E006"])
        let line = result.diagnostics.first?.range.start.line ?? 0
        #expect((5...12).contains(line), "reported at one of the alias levels, found line \(line)")
    }

    /// Without any alias, a list longer than the node budget is refused at its key too.
    @Test func aHugePlainListIsRefusedAtItsKey() {
        let text = "strategy:\n  name: wide\nx: [" + Array(repeating: "1", count: 100_001).joined(separator: ",") + "]\n"
        let result = load(text)
        #expect(codes(result) == ["E006"])
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 3, column: 1))
    }

    /// Ten levels of two (2,047 nodes) fit the budget: aliases as such are not refused.
    @Test func aDeepButSmallAliasTreeIsAccepted() {
        var lines = ["strategy:", "  name: small", "tree:", "  l0: &l0 [x, x]"]
        for level in 1..<10 { lines.append("  l\(level): &l\(level) [*l\(level - 1), *l\(level - 1)]") }
        let result = load(lines.joined(separator: "\n") + "\n")
        #expect(!codes(result).contains("E006"))
        #expect(codes(result).contains("E101"))   // `tree` is not a key of the language, and that is all
    }

    @Test func aFewAliasesAreFine() {
        let text = Self.valid + "features:\n  x: &x close\n"
        #expect(!codes(load(text)).contains("E006"))
    }

    @Test func hundredThousandOpenBracketsAreRefusedWithoutRecursion() {
        let text = "strategy:\n  name: deep\nx: " + String(repeating: "[", count: 100_000) + "\n"
        let result = load(text)
        #expect(codes(result) == ["E007"])
        // The 33rd bracket, on line 3 after "x: ".
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 3, column: 4 + 32))
    }

    @Test func deepFlowMappingsAreRefused() {
        let text = "x: " + String(repeating: "{a: ", count: 50_000) + "1" + String(repeating: "}", count: 50_000) + "\n"
        #expect(codes(load(text)) == ["E007"])
    }

    @Test func deepBlockNestingIsRefused() {
        var text = ""
        for depth in 0..<500 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
        let result = load(text)
        #expect(codes(result) == ["E007"])
        #expect((result.diagnostics.first?.range.start.line ?? 0) < 100)
    }

    @Test func deepCompactSequencesAreRefused() {
        let text = "x:\n  " + String(repeating: "- ", count: 5_000) + "1\n"
        #expect(codes(load(text)) == ["E007"])
    }

    @Test func nestingWithinTheLimitIsAccepted() {
        let text = Self.valid + "features:\n  z: " + String(repeating: "(", count: 20) + "close" + String(repeating: ")", count: 20) + "\n"
        #expect(codes(load(text)).isEmpty)
    }

    // MARK: Scalars

    @Test(arguments: [".nan", ".NaN", ".inf", "-.inf", "+.Inf"])
    func nonFiniteNumbersAreRefused(_ spelling: String) {
        let result = load(Self.valid + "portfolio:\n  cash: \(spelling)\n")
        #expect(codes(result) == ["E105"])
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 10, column: 9))
    }

    @Test func hugeExponentIsNotFinite() {
        #expect(codes(load(Self.valid + "portfolio:\n  cash: 1e999\n")) == ["E105"])
    }

    @Test func yaml11SpellingsStayStringsWhereStringsAreExpected() throws {
        let text = """
        strategy:
          name: norway
          version: 1.10
        data:
          oslo:
            csv: data/GOOG.csv
            instrument: NO
        signals:
          s:
            long: close > open
        """
        let result = load(text)
        #expect(result.diagnostics.isEmpty)
        let spec = try #require(result.spec)
        #expect(spec.version == "1.10")
        #expect(spec.dataSources.first?.instrument == "NO")
    }

    @Test(arguments: [("yes", "E110"), ("no", "E110"), ("on", "E110"), ("True", "E110"), ("FALSE", "E110"), ("1", "E103"), ("'true'", "E103")])
    func booleansAreOnlyTrueAndFalse(_ spelling: String, _ code: String) {
        let result = load(Self.valid + "compliance:\n  audit: \(spelling)\n")
        #expect(codes(result) == [code])
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 10, column: 10))
    }

    @Test func trueAndFalseAreBooleans() {
        #expect(codes(load(Self.valid + "compliance:\n  audit: false\n  blotter: true\n")).isEmpty)
    }

    // MARK: Tags, duplicates, documents

    @Test(arguments: ["!!python/object:os.system [echo]", "!!python/name:os.system", "!custom thing", "!<tag:example.com,2026:x> y"])
    func customTagsAreRefused(_ value: String) {
        let result = load(Self.valid + "features:\n  x: \(value)\n")
        #expect(codes(result).contains("E005"))
        #expect(result.diagnostics.first { $0.code == .forbiddenTag }?.range.start.line == 10)
    }

    @Test func coreTagsAreAllowed() {
        #expect(!codes(load(Self.valid + "portfolio:\n  currency: !!str EUR\n")).contains("E005"))
    }

    @Test func duplicateKeyIsReportedAtTheSecondWithANoteAtTheFirst() throws {
        let text = """
        strategy:
          name: dup
        data:
          goog:
            csv: data/GOOG.csv
        signals:
          s:
            long: close > open
        features:
          fast: sma(close, 10)
          slow: sma(close, 30)
          fast: ema(close, 10)
        """
        let result = load(text)
        #expect(codes(result) == ["E004"])
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.range.start == SourceLocation(line: 12, column: 3))
        #expect(diagnostic.notes.first?.range?.start == SourceLocation(line: 10, column: 3))
    }

    @Test func multipleDocumentsAreRefused() {
        let result = load(Self.valid + "---\nstrategy:\n  name: two\n")
        #expect(codes(result) == ["E009"])
        #expect(result.diagnostics.first?.range.start.line == 9)   // the `---`
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "- a\n- b\n", "just text\n", "42\n"])
    func somethingOtherThanAMappingIsRefused(_ text: String) {
        #expect(codes(load(text)) == ["E009"])
    }
}
