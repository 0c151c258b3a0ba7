/// A field of a bar that a bar-based indicator reads.
public enum BarField: String, Sendable, CaseIterable {
    case open, high, low, close, volume
}

/// The values a parameter accepts, inclusive at both ends.
public enum ParameterKind: Sendable, Equatable {
    case integer(min: Int, max: Int)
    case real(min: Double, max: Double)
}

/// One parameter of an indicator, named as TA-Lib's Python binding names it.
public struct IndicatorParameter: Sendable {
    public let name: String
    public let kind: ParameterKind
    /// TA-Lib's default; a parameter with a default may be omitted from the end of a call.
    public let defaultValue: Double?

    public init(name: String, kind: ParameterKind, defaultValue: Double?) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
    }
}

/// What an indicator reads each bar: series arguments written in the strategy, or fields of the bar.
public enum IndicatorInput: Sendable, Equatable {
    case series(count: Int)
    case bar(fields: [BarField])
}

/// The description of one built-in indicator that the strategy compiler checks calls against.
public struct IndicatorSpec: Sendable {
    /// The name as written in strategies: "sma", "bbands", "stoch", ...
    public let name: String
    public let summary: String
    public let input: IndicatorInput
    /// In TA-Lib's order.
    public let parameters: [IndicatorParameter]
    /// Empty for a single output, otherwise the output names in TA-Lib's order, lowercased.
    public let outputs: [String]
    /// Which kernel computes it; the catalogue is the only place that pairs names with kernels.
    let kind: IndicatorKind

    init(
        name: String, summary: String, input: IndicatorInput, parameters: [IndicatorParameter],
        outputs: [String] = [], kind: IndicatorKind
    ) {
        self.name = name
        self.summary = summary
        self.input = input
        self.parameters = parameters
        self.outputs = outputs
        self.kind = kind
    }

    /// The number of values the indicator produces each bar.
    public var outputCount: Int { max(outputs.count, 1) }

    /// Index of the first valid output on an input without NaNs, equal to TA-Lib's lookback.
    ///
    /// Trailing parameters may be omitted; their defaults apply. Invalid parameters give the
    /// lookback of the defaulted values clamped to range, so call `resolve(_:)` first to reject them.
    public func lookback(_ parameters: [Double]) -> Int {
        let resolved = (try? resolve(parameters)) ?? clampedDefaults(parameters)
        return kind.lookback(resolved)
    }

    /// Fills omitted trailing parameters with their defaults and checks every value against its kind.
    ///
    /// - Returns: one value per declared parameter.
    /// - Throws: `IndicatorError` describing the first parameter that does not fit; callers that
    ///   want every problem call it once per call site.
    public func resolve(_ given: [Double]) throws(IndicatorError) -> [Double] {
        guard given.count <= parameters.count else {
            throw .tooManyParameters(indicator: name, given: given.count, accepted: parameters.count)
        }
        var values: [Double] = []
        values.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let value = index < given.count ? given[index] : parameter.defaultValue else {
                throw .missingParameter(indicator: name, parameter: parameter.name)
            }
            switch parameter.kind {
            case let .integer(min, max):
                guard value.rounded() == value else {
                    throw .notAnInteger(indicator: name, parameter: parameter.name, value: value)
                }
                guard value >= Double(min), value <= Double(max) else {
                    throw .outOfRange(indicator: name, parameter: parameter.name, value: value, kind: parameter.kind)
                }
            case let .real(min, max):
                guard value >= min, value <= max else {
                    throw .outOfRange(indicator: name, parameter: parameter.name, value: value, kind: parameter.kind)
                }
            }
            values.append(value)
        }
        return values
    }

    private func clampedDefaults(_ given: [Double]) -> [Double] {
        parameters.enumerated().map { index, parameter in
            let value = index < given.count ? given[index] : (parameter.defaultValue ?? 0)
            switch parameter.kind {
            case let .integer(min, max): return Swift.min(Swift.max(value.rounded(), Double(min)), Double(max))
            case let .real(min, max): return Swift.min(Swift.max(value, min), max)
            }
        }
    }
}

/// Why a call to an indicator was refused.
public enum IndicatorError: Error, Sendable, Equatable {
    case tooManyParameters(indicator: String, given: Int, accepted: Int)
    case missingParameter(indicator: String, parameter: String)
    case notAnInteger(indicator: String, parameter: String, value: Double)
    case outOfRange(indicator: String, parameter: String, value: Double, kind: ParameterKind)
    /// `Batch.compute` was given inputs that do not match the indicator's `IndicatorInput`.
    case inputMismatch(indicator: String, expected: IndicatorInput)
}
