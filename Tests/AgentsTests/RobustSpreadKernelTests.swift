import CKernels
import Testing
@testable import Agents

/// `stratum_sorted_replace`, the pass `RobustSpread` runs on every push into a full window of up
/// to 64 values, in each variant this machine can run; the reference is Swift's own sort of the
/// same values.
@Suite("RobustSpread's sorted replace kernel")
struct RobustSpreadKernelTests {
    /// Every variant this CPU runs: the scalar one always, AVX2 and AVX-512 where available.
    static let variants = [StratumKernelVariantScalar, StratumKernelVariantAVX2, StratumKernelVariantAVX512].filter {
        stratum_kernel_variant_available($0)
    }

    /// Runs the kernel on `window` (sorted) in a buffer laid out as `RobustSpread` lays it out:
    /// −∞ before, +∞ after through the kernel's span, then a marker it must not touch. Returns
    /// the window afterwards, and whether the places around it were left as they were.
    static func replace(in window: [Double], evicted: Double, by value: Double,
                        using variant: StratumKernelVariant) -> (result: [Double], guardsKept: Bool) {
        let n = window.count, span = stratum_sorted_replace_span(n), guards = 8
        var buffer = [Double](repeating: -.infinity, count: guards) + window
            + [Double](repeating: .infinity, count: span - n) + [42, 42]
        buffer.withUnsafeMutableBufferPointer { stratum_sorted_replace_using(variant, $0.baseAddress! + guards, n, evicted, value) }
        let guardsKept = buffer[..<guards].allSatisfy { $0 == -.infinity }
            && buffer[(guards + n)..<(guards + span)].allSatisfy { $0 == .infinity } && buffer.suffix(2) == [42, 42]
        return (Array(buffer[guards..<(guards + n)]), guardsKept)
    }

    /// The window with one `evicted` taken out and `value` put in, sorted by Swift's sort.
    static func reference(_ window: [Double], evicted: Double, value: Double) -> [Double] {
        var values = window
        values.remove(at: values.firstIndex(of: evicted)!)
        values.append(value)
        return values.sorted()
    }

    @Test("Hand-checked cases: ties, the evicted value reinserted, values leaving and entering at either end")
    func handChecked() {
        // (window, evicted, value, expected), each expected written out by hand.
        let cases: [([Double], Double, Double, [Double])] = [
            ([5], 5, -1, [-1]),
            ([1, 2, 3], 1, 4, [2, 3, 4]),
            ([1, 2, 3], 3, 0, [0, 1, 2]),
            ([1, 2, 2, 3], 2, 2, [1, 2, 2, 3]),
            ([1, 1, 1], 1, 0.5, [0.5, 1, 1]),
            ([1, 1, 1], 1, 7, [1, 1, 7]),
            ([-3, -1, 0, 2, 2, 9], 2, -2, [-3, -2, -1, 0, 2, 9]),
            ([-3, -1, 0, 2, 2, 9], -3, 2, [-1, 0, 2, 2, 2, 9]),
            ([-3, -1, 0, 2, 2, 9], 9, 10, [-3, -1, 0, 2, 2, 10]),
        ]
        for variant in Self.variants {
            for (window, evicted, value, expected) in cases {
                let (result, guardsKept) = Self.replace(in: window, evicted: evicted, by: value, using: variant)
                #expect(result == expected, "variant \(variant.rawValue): \(window) − \(evicted) + \(value)")
                #expect(guardsKept)
            }
        }
    }

    @Test("Random windows of 1…64 values and a few larger: each variant gives Swift's sort bit for bit, 100,000 replacements each")
    func agreesWithSorting() {
        var state: UInt64 = 2026
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var mismatches = 0, guardsLost = 0
        for trial in 0..<100_000 {
            let n = trial % 40 == 0 ? [65, 100, 130][next(3)] : 1 + next(64)
            // Few distinct values in some windows (many ties), many in others; both signs;
            // now and then an infinite one.
            let distinct = [2, 5, 1_000][trial % 3]
            func draw() -> Double {
                let roll = next(200)
                if roll == 0 { return -.infinity }
                if roll == 1 { return .infinity }
                return Double(next(distinct) - distinct / 2) * 0.001
            }
            let window = (0..<n).map { _ in draw() }.sorted()
            let evicted = trial % 5 == 0 ? window[0] : trial % 5 == 1 ? window[n - 1] : window[next(n)]
            let value: Double = switch trial % 7 {
            case 0: evicted
            case 1: window[0] - 1
            case 2: window[n - 1] + 1
            case 3: window[next(n)]
            default: draw()
            }
            let expected = Self.reference(window, evicted: evicted, value: value).map(\.bitPattern)
            for variant in Self.variants {
                let (result, guardsKept) = Self.replace(in: window, evicted: evicted, by: value, using: variant)
                if result.map(\.bitPattern) != expected { mismatches += 1 }
                if !guardsKept { guardsLost += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(guardsLost == 0)
    }

    @Test("The variant chosen is the widest this CPU runs, and RobustSpread's window follows arrivals through it")
    func chosenVariant() {
        let widest = Self.variants.max { $0.rawValue < $1.rawValue }!
        #expect(stratum_kernel_variant_chosen() == widest)
        // Returns of a 50-bar window (the default) as minute bars give them: small, both signs,
        // many equal (a close that did not move gives exactly 0).
        var state: UInt64 = 7
        var spread = RobustSpread(capacity: 50)
        var arrivals: [Double] = []
        var mismatches = 0
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Double(Int((state >> 33) % 41) - 20) * 1e-4
            spread.push(value)
            arrivals.append(value)
            if arrivals.count > 50 { arrivals.removeFirst() }
            if Array(spread.sorted).map(\.bitPattern) != arrivals.sorted().map(\.bitPattern) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
