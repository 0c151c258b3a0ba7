/// The spellings the language accepts for scalars. YAML 1.2's core schema, stricter: a number
/// is decimal, a boolean is `true` or `false`, and anything else stays the text it was written as.
public enum ScalarSyntax {
    /// A decimal number (`12`, `-0.5`, `1e-3`), or nil.
    public static func number(_ text: String) -> Double? {
        guard isDecimal(text) else { return nil }
        return Double(text)
    }

    /// YAML's spellings of infinity and not-a-number, refused wherever a number is expected.
    public static func isNonFinite(_ text: String) -> Bool {
        let lower = text.lowercased()
        return [".inf", "+.inf", "-.inf", ".nan", "inf", "-inf", "+inf", "nan", "infinity", "-infinity"].contains(lower)
    }

    static func isDecimal(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if let first = scalars.first, first == "-" || first == "+" { scalars = scalars.dropFirst() }
        var digits = 0
        var sawDot = false
        while let c = scalars.first {
            if c.properties.numericType == .decimal, c.isASCII { digits += 1 } else if c == ".", !sawDot { sawDot = true } else { break }
            scalars = scalars.dropFirst()
        }
        guard digits > 0 else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "-" || sign == "+" { scalars = scalars.dropFirst() }
            guard !scalars.isEmpty, scalars.allSatisfy({ $0.isASCII && $0.properties.numericType == .decimal }) else { return false }
            return true
        }
        return scalars.isEmpty
    }

    /// YAML 1.1 spellings of booleans that YAML 1.2 reads as strings. Where a boolean is expected,
    /// they are refused with a fix-it instead of being guessed.
    public static func yaml11Boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "y", "on": true
        case "no", "n", "off": false
        case "true": text == "true" ? nil : true
        case "false": text == "false" ? nil : false
        default: nil
        }
    }

    /// A duration such as `500ms`, `5s`, `1m`, `2h`, `1d`, `1w`, in microseconds.
    public static func durationMicroseconds(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("us", 1), ("ms", 1e3), ("s", 1e6), ("m", 60e6), ("h", 3600e6), ("d", 86400e6), ("w", 604800e6)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let numberText = String(text.dropLast(suffix.count))
            // "ms" ends in "s" too: only accept when what is left is a plain number.
            guard isDecimal(numberText), !numberText.hasPrefix("-"), !numberText.hasPrefix("+"),
                  let value = Double(numberText), value.isFinite else { continue }
            // Past Int64 (about 292,000 years) is no duration; converting it would trap.
            let microseconds = (value * scale).rounded()
            guard microseconds < 9.2e18 else { return nil }
            return Int64(microseconds)
        }
        return nil
    }

    /// A bar interval such as `1m`, `5m`, `1h`, `1d`, `1w`: a positive whole number and a unit.
    public static func intervalMicroseconds(_ text: String) -> Int64? {
        guard let last = text.last, "smhdw".contains(last) else { return nil }
        let count = text.dropLast()
        guard !count.isEmpty, count.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(count), n > 0 else { return nil }
        return durationMicroseconds(text)
    }

    /// An identifier usable inside expressions.
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first == "_" || first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || $0.properties.numericType == .decimal) }
    }

    /// `name@vYYMMDD`, `name@vYYMMDD.n` or `name@tag`.
    public static func isModelReference(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, isRegistryName(String(parts[0])) else { return false }
        let selector = String(parts[1])
        return isRegistryName(selector) || isVersion(selector)
    }

    /// Registry names: lowercase letters, digits, `_` and `-`, starting with a letter.
    public static func isRegistryName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// `vYYMMDD` or `vYYMMDD.n`.
    public static func isVersion(_ text: String) -> Bool {
        guard text.hasPrefix("v") else { return false }
        let body = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(body.count), body[0].count == 6, body.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return false }
        return true
    }
}

/// "Did you mean" by edit distance, as compilers do for misspelt names.
public enum Spelling {
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(1, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions each cost one, so "ema_fats" is one slip from "ema_fast".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
