import Testing
import Indicators

/// Every indicator against TA-Lib 0.6+ (PyPI `ta-lib`, default unstable periods and compatibility),
/// or against numpy/pandas formulas for the indicators TA-Lib lacks; `source` in each case names
/// the exact call. Reference files: Tests/IndicatorsTests/References, written by
/// scripts/reference/talib_references.py.
@Suite("Reference values")
struct ReferenceTests {
    @Test("batch form matches the reference", arguments: ReferenceCase.all)
    func batchMatches(_ reference: ReferenceCase) throws {
        let bars = ReferenceData.dataset(reference.dataset)
        let spec = try #require(IndicatorCatalog.spec(named: reference.indicator))
        let series = reference.inputs.map { evaluateInput($0, bars: bars) }
        let actual = try Batch.compute(spec: spec, parameters: reference.parameters, series: series, bars: bars)
        try compare(actual, reference)
    }

    @Test("streaming form matches the reference", arguments: ReferenceCase.all)
    func streamingMatches(_ reference: ReferenceCase) throws {
        let bars = ReferenceData.dataset(reference.dataset)
        let spec = try #require(IndicatorCatalog.spec(named: reference.indicator))
        var indicator = try StreamingIndicator(spec: spec, parameters: reference.parameters)
        var feeders = try reference.inputs.filter { $0 != "close" }.map(streamingInput)
        var actual = Array(repeating: [Double](), count: indicator.outputCount)
        for index in 0..<bars.count {
            let bar = bars[index]
            var arguments: [Double] = []
            var feederIndex = 0
            for input in reference.inputs {
                if input == "close" {
                    arguments.append(bar.close)
                } else {
                    feeders[feederIndex].update(a: bar.close, b: .nan, bar: bar)
                    arguments.append(feeders[feederIndex].value(0))
                    feederIndex += 1
                }
            }
            indicator.update(a: arguments.first ?? .nan, b: arguments.count > 1 ? arguments[1] : .nan, bar: bar)
            for output in actual.indices { actual[output].append(indicator.value(output)) }
        }
        try compare(actual, reference)
    }

    @Test("IndicatorSpec.lookback equals TA-Lib's lookback", arguments: ReferenceCase.all.filter { $0.inputs.allSatisfy { $0 == "close" } })
    func lookbackMatches(_ reference: ReferenceCase) throws {
        let spec = try #require(IndicatorCatalog.spec(named: reference.indicator))
        #expect(spec.lookback(reference.parameters) == reference.lookback)
    }

    private func streamingInput(_ expression: String) throws -> StreamingIndicator {
        let name = String(expression.prefix { $0 != "(" })
        let arguments = expression.drop { $0 != "(" }.dropFirst().dropLast().split(separator: ",").map { Double($0)! }
        return try StreamingIndicator(spec: try #require(IndicatorCatalog.spec(named: name)), parameters: arguments)
    }

    private func compare(_ actual: [[Double]], _ reference: ReferenceCase) throws {
        let expected = reference.expected()
        try #require(actual.count == expected.count)
        for (output, name) in reference.outputs.enumerated() {
            #expect(firstValid(actual[output]) == reference.lookback, "first valid \(name)")
            #expect(actual[output].count == expected[output].count)
            let mismatches = zip(actual[output], expected[output]).enumerated().filter { !agrees($0.element.0, $0.element.1) }
            #expect(mismatches.isEmpty, "\(name): \(mismatches.count) mismatches, first \(mismatches.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })")
        }
    }
}
