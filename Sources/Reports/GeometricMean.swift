import Foundation

/// The per-period growth rate that compounds to the same total as a series of returns.
///
/// backtesting.py uses it both for the average periodic return it annualises and for
/// "Avg. Trade". Missing returns count as zero; a return of −100 % or worse makes the
/// compounded total non-positive, and the mean is then defined as 0, as there.
enum GeometricMean {
    static func of(_ returns: [Double]) -> Double {
        let growth = returns.map { 1 + ($0.isNaN ? 0 : $0) }
        if growth.contains(where: { $0 <= 0 }) { return 0 }
        guard !growth.isEmpty else { return .nan }
        return exp(PairwiseSum.sum(growth.map { log($0) }) / Double(growth.count)) - 1
    }
}
