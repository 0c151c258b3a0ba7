extension PortfolioRiskAgent {
    /// This agent, built with a new configuration, holding `old`'s account: cash, lots (so
    /// positions and their entry prices), equity and its peak, the drawdown state, decisions in
    /// flight, the order-rate window, closed trades and the return history sizing reads.
    ///
    /// The account is never reset by a reload: a new `portfolio.cash` applies to a fresh start
    /// only. Instruments are matched by index; the reloader refuses plans whose instruments differ.
    public func carrying(from old: PortfolioRiskAgent) -> PortfolioRiskAgent {
        var agent = self
        agent.cash = old.cash
        agent.state = old.state
        agent.peakEquity = old.peakEquity
        agent.equity = old.equity
        for instrument in 0..<min(lots.count, old.lots.count) {
            agent.lots[instrument] = old.lots[instrument]
            agent.bars[instrument] = old.bars[instrument]
            agent.phase[instrument] = old.phase[instrument]
            agent.pending[instrument] = old.pending[instrument]
            // The window's length follows the new sizing and VaR settings (the fresh window here);
            // the returns are the old ones, oldest first, so a shorter window keeps the latest.
            let history = old.returns[instrument].recent(old.returns[instrument].count)
            for value in history.reversed() { agent.returns[instrument].append(value) }
        }
        agent.orderTimes = old.orderTimes
        agent.nextTargetID = old.nextTargetID
        agent.lastTimestamp = old.lastTimestamp
        agent.barIndex = old.barIndex
        agent.closedTrades = old.closedTrades
        return agent
    }
}
