import Indicators

extension MarketDataAgent {
    /// Normalises a block of one source's bars, as ``normalise(_:instrument:into:)`` does with
    /// each in order: appends to `output` the bars to pass on `market.raw` and to `origins`, for
    /// each, the offset in `bars` of the source bar that passed it (a forward-filled bar carries
    /// the offset of the bar after its gap).
    public mutating func normalise(_ bars: UnsafeBufferPointer<Bar>, instrument: Int, into output: inout [MarketBar],
                                   origins: inout [Int]) {
        for offset in bars.indices {
            let before = output.count
            normalise(bars[offset], instrument: instrument, into: &output)
            for _ in before..<output.count { origins.append(offset) }
        }
    }
}
