extension PortfolioRiskAgent {
    /// Whether a decision may be waiting for an instrument's next open (`fill: next_open`): the
    /// next bar is then not quiet, and `markQuiet` takes none.
    @inlinable
    public var mayActAtNextOpen: Bool { anyPending }

    /// Takes the leading bars of `run` that would emit nothing, each as `onBar` at its open and
    /// `closeBar` at its close would: writes each bar's mark to `marks` and leaves the agent as
    /// those calls would have. Returns how many bars it took; it stops before the first bar on
    /// which the agent would act (so that bar goes through `onBar` and `closeBar`).
    ///
    /// An ordinary bar moves no cash and no lot: it records the bar's prices (and its return,
    /// when volatility sizing or VaR keeps returns), marks equity as cash + close × position −
    /// cost, raises the peak and measures the drawdown. The agent acts only where a decision
    /// waits for the open (none may be waiting) or the drawdown reaches the limit of an active
    /// book (the bar stops the run). Order-rate windows, phases and Kelly's trade history move
    /// with orders and fills only. One book only: with several, the others' marks would join
    /// each sum in instrument order.
    ///
    /// - Precondition: the bars are of one instrument, in order, after the agent's last bar.
    public mutating func markQuiet(_ run: BarRun, into marks: UnsafeMutablePointer<EquityMark>) -> Int {
        guard run.count > 0, !anyPending, books.count == 1, run.bars[0].instrument == 0 else { return 0 }
        let taken = mark(run, into: marks)
        guard taken > 0 else { return 0 }
        if returnCapacity > 0 {
            for index in 0..<taken {
                let bar = run.bars[index].bar
                if books[0].hasBar, books[0].close > 0 { appendReturn(bar.close / books[0].close - 1, instrument: 0) }
                books[0].quote(bar)
            }
        } else {
            books[0].quote(run.bars[taken - 1].bar)
        }
        let last = run.stamp(taken - 1)
        lastTimestamp = last.timestamp
        barIndex = Int(last.traceId)
        return taken
    }

    /// `closeBar`'s arithmetic over the bars of `run` (cash and position held): each mark to
    /// `marks`, the last one and the peak kept. Returns how many bars it marked, stopping at
    /// the first whose drawdown an active book with a drawdown limit would act on.
    private mutating func mark(_ run: BarRun, into marks: UnsafeMutablePointer<EquityMark>) -> Int {
        // `checkDrawdown` acts only on an active book; without a limit (trigger infinite) it
        // never acts, so the drawdown is not measured here (the mark measures it when read).
        let watching = state == .active && drawdownTrigger.isFinite
        // Out of a position every mark is cash: the loop is specialised both ways.
        let taken = switch (watching, books[0].lots.isEmpty) {
        case (false, false): mark(run, into: marks, trigger: nil, holding: true)
        case (false, true): mark(run, into: marks, trigger: nil, holding: false)
        case (true, false): mark(run, into: marks, trigger: drawdownTrigger, holding: true)
        case (true, true): mark(run, into: marks, trigger: drawdownTrigger, holding: false)
        }
        if taken > 0 {
            equityMark = marks[taken - 1].equity
            equityPeak = marks[taken - 1].peak
        }
        return taken
    }

    /// The marking loop, with or without a drawdown level to stop at, in or out of a position.
    @inline(__always)
    private func mark(_ run: BarRun, into marks: UnsafeMutablePointer<EquityMark>, trigger: Double?, holding: Bool) -> Int {
        // `markedEquity` for one book, the bar's close its price: the same operations in the same order.
        let size = books[0].size, cost = books[0].cost, cash = self.cash
        var peak = equityPeak
        var taken = 0
        while taken < run.count {
            var value = cash
            if holding { value += run.bars[taken].bar.close * size - cost }
            let mark = EquityMark(equity: value, peak: max(peak, value))
            if let trigger, mark.drawdown >= trigger { break }
            marks[taken] = mark
            peak = mark.peak
            taken += 1
        }
        return taken
    }
}
