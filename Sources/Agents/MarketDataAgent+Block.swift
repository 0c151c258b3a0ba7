import Indicators

extension MarketDataAgent {
    /// Normalises `bars` of one instrument in order, exactly as `normalise(_:instrument:into:)` on each would:
    /// appends each passed bar to `output` and, alongside, the offset in `bars` of the source bar it came from
    /// to `origins` (forward-filled bars carry the offset of the bar after the gap).
    ///
    /// A runner that has a block of bars at hand calls this rather than the per-bar function:
    /// the lane is reached once, the output reserved once, and the common bar (clean, on time,
    /// inside the quick spike band) costs a fraction of what it costs alone (docs/data.md).
    public mutating func normalise(_ bars: UnsafeBufferPointer<Bar>, instrument: Int, into output: inout [MarketBar], origins: inout [Int]) {
        guard instrument < lanes.count, !bars.isEmpty else { return }
        barsSeen += lanes[instrument].normalise(bars, instrument: instrument, into: &output, origins: &origins)
    }
}

extension MarketDataAgent.Lane {
    /// Blocks shorter than this go bar by bar: a run's setup costs about what four bars save in it.
    static let shortestRun = 4

    /// The block form of `normalise(_:instrument:into:)`: returns how many bars it appended.
    ///
    /// The normaliser's run (`MarketDataNormaliser.passCleanRun`) settles as many bars as it
    /// can; those pass on as they came, so they are appended in one go. The first bar it could
    /// not settle goes the per-bar way, and the next run starts after it.
    mutating func normalise(_ bars: UnsafeBufferPointer<Bar>, instrument: Int, into output: inout [MarketBar],
                            origins: inout [Int]) -> Int {
        let count = bars.count
        var index = 0, appended = 0
        guard count >= Self.shortestRun else {
            while index < count {
                index = normaliseAlone(bars, at: index, instrument: instrument, into: &output, origins: &origins, appended: &appended)
            }
            return appended
        }
        Self.reserve(&output, more: count)
        Self.reserve(&origins, more: count)
        while index < count {
            if normaliser.canPassCleanRun(after: lastTimestamp) {
                let stop = normaliser.passCleanRun(bars, from: index, to: count, after: lastTimestamp)
                if stop > index {
                    Self.appendAsTheyCame(bars, index..<stop, instrument: instrument, to: &output)
                    Self.appendOffsets(index..<stop, to: &origins)
                    lastTimestamp = bars[stop - 1].timestamp
                    appended += stop - index
                    index = stop
                    if index == count { break }
                }
            }
            index = normaliseAlone(bars, at: index, instrument: instrument, into: &output, origins: &origins, appended: &appended)
        }
        return appended
    }

    /// The per-bar path for `bars[index]`, its origin beside each bar it appends; returns the next index.
    private mutating func normaliseAlone(_ bars: UnsafeBufferPointer<Bar>, at index: Int, instrument: Int, into output: inout [MarketBar],
                                         origins: inout [Int], appended: inout Int) -> Int {
        let passed = normalise(bars[index], instrument: instrument, into: &output)
        if passed == 1 {
            origins.append(index)
        } else if passed > 1 {
            origins.append(contentsOf: repeatElement(index, count: passed))
        }
        appended += passed
        return index + 1
    }

    /// Appends `bars[range]` to `output` as they came, unflagged.
    @inline(__always)
    private static func appendAsTheyCame(_ bars: UnsafeBufferPointer<Bar>, _ range: Range<Int>, instrument: Int,
                                         to output: inout [MarketBar]) {
        output.append(contentsOf: AsTheyCame(bars: bars, range: range, instrument: instrument))
    }

    /// Appends `range` to `origins`: zeros first, then the offsets written over them in a loop
    /// the compiler vectorises (appending the range itself steps through it one by one).
    @inline(__always)
    private static func appendOffsets(_ range: Range<Int>, to origins: inout [Int]) {
        let first = origins.count
        origins.append(contentsOf: repeatElement(0, count: range.count))
        origins.withUnsafeMutableBufferPointer { slots in
            let start = slots.baseAddress! + first
            for step in 0..<range.count { start[step] = range.lowerBound &+ step }
        }
    }

    /// Room for `more` elements, growing geometrically: a caller that keeps appending blocks
    /// to one array must not reallocate it for every block.
    private static func reserve<Element>(_ array: inout [Element], more: Int) {
        let needed = array.count + more
        if array.capacity < needed { array.reserveCapacity(Swift.max(needed, 2 * array.capacity)) }
    }
}

/// Bars of one instrument as market bars, unflagged: what `append(contentsOf:)` copies straight
/// into the array's storage, by index (a lazy `map` would call its closure for every bar).
private struct AsTheyCame: RandomAccessCollection {
    let bars: UnsafeBufferPointer<Bar>
    let range: Range<Int>
    let instrument: Int

    var startIndex: Int { range.lowerBound }
    var endIndex: Int { range.upperBound }

    @inline(__always)
    subscript(index: Int) -> MarketBar {
        MarketBar(instrument: instrument, bar: bars[index])
    }
}
