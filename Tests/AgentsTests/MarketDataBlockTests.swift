import Foundation
import Testing
import Indicators
import StrategyCompiler
import StrategyDSL
@testable import Agents

/// A MarketData agent over one 1-minute source (calendar `always`) with the given policies,
/// planned from a strategy text by the real linter and planner.
private func agent(anomalies: String, gaps: DataSourceSpec.GapPolicy) throws -> MarketDataAgent {
    let yaml = """
    strategy: { name: block }
    data:
      x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1m, calendar: always }
    features:
      fast: sma(close, 2)
    signals:
      go:
        long: fast > 0
    risk:
      max_leverage: 1.0
    execution:
      algo: market
    """
    let result = Linter(models: nil).lint(text: yaml, path: "block.yaml")
    guard !result.hasErrors, let checked = result.checked else {
        throw FixtureError(message: result.diagnostics.map { "\($0.code): \($0.message)" }.joined(separator: "\n"))
    }
    var agent = MarketDataAgent(plan: try Planner.plan(checked))
    // The linter refuses `spike_sigma: 0` (spikes off), which the normaliser supports: the lane
    // is rebuilt from the policy as the loader decodes it, the same for every policy.
    agent.lanes[0] = MarketDataAgent.Lane(normaliser: MarketDataNormaliser(
        source: "x", anomalies: anomalyPolicy(anomalies), gaps: gaps, intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt))
    return agent
}

/// Everything a run leaves that can be compared: what it passed on (bits, so NaN equals NaN),
/// where each bar came from, the summaries and the state the next bar meets.
private struct Outcome: Equatable {
    var bars: [[UInt64]]
    var origins: [Int]
    var summaries: [FeedSummary]
    var barsSeen: Int
    var state: [[UInt64]]

    init(_ agent: MarketDataAgent, output: [MarketBar], origins: [Int]) {
        bars = output.map { bits($0.bar) + [UInt64($0.instrument), UInt64($0.flags)] }
        self.origins = origins
        summaries = agent.summaries
        barsSeen = agent.barsSeen
        state = agent.lanes.map { lane in
            let normaliser = lane.normaliser, filter = normaliser.filter
            return [UInt64(bitPattern: lane.lastTimestamp), UInt64(bitPattern: normaliser.gaps.lastRecorded ?? -1),
                    normaliser.lastClose?.bitPattern ?? 1, filter.lastClose?.bitPattern ?? 1, UInt64(filter.inspected),
                    UInt64(filter.returns.count)] + filter.returns.sorted.map(\.bitPattern)
        }
    }
}

/// The per-bar function over `bars`, each bar's offset beside what it appended: the reference.
private func perBar(_ agent: inout MarketDataAgent, _ bars: [Bar], output: inout [MarketBar], origins: inout [Int]) {
    for (offset, bar) in bars.enumerated() {
        let before = output.count
        agent.normalise(bar, instrument: 0, into: &output)
        origins += Array(repeating: offset, count: output.count - before)
    }
}

/// The block function over `bars` cut into blocks of the given sizes (the last one repeated);
/// origins are made offsets into `bars` as a whole.
private func inBlocks(_ agent: inout MarketDataAgent, _ bars: [Bar], sizes: [Int], output: inout [MarketBar], origins: inout [Int]) {
    var start = 0, which = 0
    var blockOrigins: [Int] = []
    bars.withUnsafeBufferPointer { all in
        while start < all.count {
            let size = min(sizes[min(which, sizes.count - 1)], all.count - start)
            blockOrigins.removeAll(keepingCapacity: true)
            agent.normalise(UnsafeBufferPointer(rebasing: all[start..<(start + size)]), instrument: 0, into: &output, origins: &blockOrigins)
            origins += blockOrigins.map { $0 + start }
            start += size
            which += 1
        }
    }
}

/// Block sizes that cut the bars right before every bar that comes after a gap, so that the
/// missing bars fall between two blocks.
private func sizesSplittingGaps(_ bars: [Bar]) -> [Int] {
    var sizes: [Int] = [], start = 0
    for index in 1..<bars.count where bars[index].timestamp - bars[index - 1].timestamp > oneMinute {
        sizes.append(index - start)
        start = index
    }
    sizes.append(bars.count - start)
    return sizes
}

@Suite("MarketData over a block of bars")
struct MarketDataBlockTests {
    @Test("A block of clean minute bars with a 2-minute gap under forward_fill: fills carry the offset of the bar after the gap (by hand)")
    func handComputedOrigins() throws {
        var agent = try agent(anomalies: "{}", gaps: .forwardFill)
        // Minutes 0, 1, 2, 5, 6: minutes 3 and 4 are filled at the close of minute 2 (10.5).
        let bars = [0, 1, 2, 5, 6].map { bar(Int64($0) * oneMinute) }
        var output: [MarketBar] = [MarketBar(instrument: 9, bar: bar())], origins: [Int] = [-1]
        bars.withUnsafeBufferPointer { agent.normalise($0, instrument: 0, into: &output, origins: &origins) }
        // What was there before stays; the block's bars follow.
        #expect(output.count == 8 && output[0].instrument == 9)
        #expect(output.dropFirst().map { $0.bar.timestamp / oneMinute } == [0, 1, 2, 3, 4, 5, 6])
        #expect(origins == [-1, 0, 1, 2, 3, 3, 3, 4])
        #expect(output.dropFirst().map { $0.flags == MarketBar.filledFlag } == [false, false, false, true, true, false, false])
        #expect(output[4].bar.close == 10.5 && output[4].bar.volume == 0)
        #expect(agent.barsSeen == 7)
        #expect(agent.summaries[0].rowsRead == 5 && agent.summaries[0].barsPassed == 7 && agent.summaries[0].filledBars == 2)
    }

    @Test("A repeated and a late bar pass no bar on, so no offset: origins 0, 1, 4 for minutes 0, 1, 1, 0, 2 (by hand)")
    func lateBarsLeaveNoOrigin() throws {
        var agent = try agent(anomalies: "{}", gaps: .report)
        let bars = [0, 1, 1, 0, 2].map { bar(Int64($0) * oneMinute) }
        var output: [MarketBar] = [], origins: [Int] = []
        bars.withUnsafeBufferPointer { agent.normalise($0, instrument: 0, into: &output, origins: &origins) }
        #expect(origins == [0, 1, 4])
        #expect(output.map { $0.bar.timestamp / oneMinute } == [0, 1, 2])
        #expect(agent.summaries[0].rowsRead == 5)
    }

    @Test("An instrument without a source gives nothing and changes nothing")
    func unknownInstrument() throws {
        var agent = try agent(anomalies: "{}", gaps: .report)
        let bars = [bar(0)]
        var output: [MarketBar] = [], origins: [Int] = []
        bars.withUnsafeBufferPointer { agent.normalise($0, instrument: 1, into: &output, origins: &origins) }
        #expect(output.isEmpty && origins.isEmpty && agent.barsSeen == 0 && agent.summaries[0].rowsRead == 0)
    }

    @Test("The block function equals the per-bar function: output, origins, summaries and state, for 10 anomaly × 4 gap policies, messy and quiet bars, blocks of 1, 7, 4096, random sizes and cuts at every gap")
    func blockMatchesPerBar() throws {
        var mismatches: [String] = []
        for rate in [1.0, 0.05] {
            let bars = messyBars(count: 3_000, seed: rate == 1 ? 11 : 12, rate: rate)
            // Bars after the run's, shifted to follow them in time.
            let next = messyBars(count: 500, seed: 13), shift = bars.last!.timestamp + oneMinute - next[0].timestamp
            let later = next.map { Bar(timestamp: $0.timestamp + shift, open: $0.open, high: $0.high, low: $0.low, close: $0.close,
                                       volume: $0.volume) }
            var state: UInt64 = 99
            let randomSizes = (0..<200).map { _ -> Int in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return 1 + Int(state >> 33) % 300
            }
            let partitions: [(String, [Int])] = [("1", [1]), ("7", [7]), ("4096", [4096]), ("random", randomSizes),
                                                 ("gaps", sizesSplittingGaps(bars))]
            for settings in anomalyPolicies {
                for gaps: DataSourceSpec.GapPolicy in [.report, .skip, .forwardFill, .backfill] {
                    var reference = try agent(anomalies: settings, gaps: gaps)
                    var expectedBars: [MarketBar] = [], expectedOrigins: [Int] = []
                    perBar(&reference, bars, output: &expectedBars, origins: &expectedOrigins)
                    let expected = Outcome(reference, output: expectedBars, origins: expectedOrigins)
                    // The bars after: the state left must make the same decisions.
                    var referenceLater: [MarketBar] = [], unused: [Int] = []
                    perBar(&reference, later, output: &referenceLater, origins: &unused)
                    for (name, sizes) in partitions {
                        var block = try agent(anomalies: settings, gaps: gaps)
                        var output: [MarketBar] = [], origins: [Int] = []
                        inBlocks(&block, bars, sizes: sizes, output: &output, origins: &origins)
                        let outcome = Outcome(block, output: output, origins: origins)
                        if outcome != expected { mismatches.append("\(settings) \(gaps) blocks \(name) rate \(rate)") }
                        var blockLater: [MarketBar] = []
                        perBar(&block, later, output: &blockLater, origins: &unused)
                        if Outcome(block, output: blockLater, origins: []) != Outcome(reference, output: referenceLater, origins: []) {
                            mismatches.append("\(settings) \(gaps) blocks \(name) rate \(rate): later bars")
                        }
                    }
                }
            }
        }
        #expect(mismatches == [])
    }
}
