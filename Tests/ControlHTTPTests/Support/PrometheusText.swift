/// A strict reader of the Prometheus text exposition format (version 0.0.4), written from the
/// format's description so the tests do not trust the library that produced the text.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    enum Problem: Error, Equatable {
        case malformedLine(Int, String)
        case sampleWithoutType(Int, String)
        case duplicateType(String)
        case unknownType(String)
    }

    /// Metric family name to its declared type.
    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    /// Reads every line: `# HELP name text`, `# TYPE name type`, or `name{label="value",...} value`.
    /// A sample must follow its family's TYPE line; histogram samples use `_bucket`, `_sum`, `_count`.
    init(_ text: String) throws {
        let name = /[a-zA-Z_:][a-zA-Z0-9_:]*/
        let sampleLine = /^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$/
        let labelPair = /(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"/
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            if line.isEmpty { continue }
            if line.hasPrefix("# ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count >= 3, (try? name.wholeMatch(in: parts[2])) != nil else {
                    throw Problem.malformedLine(number, String(line))
                }
                let family = String(parts[2])
                let rest = parts.count == 4 ? String(parts[3]) : ""
                switch parts[1] {
                case "HELP": help[family] = rest
                case "TYPE":
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else { throw Problem.unknownType(rest) }
                    guard types[family] == nil else { throw Problem.duplicateType(family) }
                    types[family] = rest
                default: throw Problem.malformedLine(number, String(line))
                }
                continue
            }
            guard let match = try sampleLine.wholeMatch(in: line), let value = Self.value(match.output.value) else {
                throw Problem.malformedLine(number, String(line))
            }
            var labels: [String: String] = [:]
            if let text = match.output.labels, !text.isEmpty {
                let pairs = text.matches(of: labelPair)
                let rebuilt = pairs.map { "\($0.output.key)=\"\($0.output.value)\"" }.joined(separator: ",")
                guard rebuilt == text else { throw Problem.malformedLine(number, String(line)) }
                for pair in pairs { labels[String(pair.output.key)] = String(pair.output.value) }
            }
            let sampleName = String(match.output.name)
            guard family(of: sampleName) != nil else { throw Problem.sampleWithoutType(number, sampleName) }
            samples.append(Sample(name: sampleName, labels: labels, value: value))
        }
    }

    /// The declared family a sample belongs to: itself, or a histogram's series.
    func family(of sample: String) -> String? {
        if types[sample] != nil { return sample }
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private static func value(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}
