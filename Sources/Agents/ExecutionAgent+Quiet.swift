extension ExecutionAgent {
    /// How many leading bars of `run` `onBar` would take without emitting anything: up to the
    /// first bar at which a resting market order (a remainder, an algo slice, a delayed order)
    /// falls due, or a limit order is touched or reaches the end of its life. Changes nothing.
    ///
    /// Inlinable: with nothing resting (most bars), one test. Mutating though it changes nothing,
    /// so that a runner reaches the agent where it is stored rather than through a copy of it.
    @inlinable
    public mutating func quietBars(_ run: BarRun) -> Int {
        working.isEmpty ? run.count : quietBarsWithOrders(run)
    }

    /// `quietBars` with orders resting.
    @usableFromInline
    func quietBarsWithOrders(_ run: BarRun) -> Int {
        guard run.count > 0 else { return 0 }
        let instrument = run.bars[0].instrument
        var end = run.count
        for order in working where order.instrument == instrument {
            var index = run.firstIndex(reaching: order.dueBar)
            if order.kind == .limit {
                // `workResting`'s test, read only: a touch fills, and the bar that uses up the
                // order's life expires it; any other due bar only counts down its life.
                let buying = order.remaining > 0
                var left = order.barsLeft
                while index < end, left > 1 {
                    let bar = run.bars[index].bar
                    let touched = buying ? bar.open <= order.limitPrice || bar.low <= order.limitPrice
                        : bar.open >= order.limitPrice || bar.high >= order.limitPrice
                    if touched { break }
                    left -= 1
                    index += 1
                }
            }
            end = min(end, index)
        }
        return end
    }

    /// Takes the bars of `run` as `onBar` on each would, when none of them works an order
    /// (`run.count` at most `quietBars(run)`): the last becomes the latest bar, their volumes
    /// join the volume profile, and each due limit order's life counts down.
    public mutating func markQuiet(_ run: BarRun) {
        guard run.count > 0 else { return }
        let instrument = run.bars[0].instrument
        if instrument != latest.instrument { keepLatest() }
        if keepsVolumeProfile {
            for index in 0..<run.count {
                let bar = run.bars[index].bar
                if let previous = pendingVolume[instrument] {
                    profiles[instrument].record(previous.volume, at: previous.timestamp)
                }
                pendingVolume[instrument] = (bar.timestamp, bar.volume)
            }
        }
        if !working.isEmpty {
            for index in working.indices where working[index].instrument == instrument && working[index].kind == .limit {
                working[index].barsLeft -= run.count - run.firstIndex(reaching: working[index].dueBar)
            }
        }
        latest = run.bars[run.count - 1]
        barIndex = Int(run.traceId(run.count - 1))
    }
}
