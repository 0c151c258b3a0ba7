extension PortfolioRiskAgent {
    /// This agent, built with a new configuration, holding `old`'s account: cash, lots (so
    /// positions and their entry prices), equity and its peak, the drawdown state, decisions in
    /// flight, the order-rate window, closed trades and the return history sizing reads.
    ///
    /// A ring the old configuration did not keep (neither volatility sizing nor VaR) carries no
    /// returns: the new one fills from the next bars.
    ///
    /// The account is never reset by a reload: a new `portfolio.cash` applies to a fresh start
    /// only. Instruments are matched by index; the reloader refuses plans whose instruments differ.
    public func carrying(from old: PortfolioRiskAgent) -> PortfolioRiskAgent {
        var agent = self
        agent.cash = old.cash
        agent.state = old.state
        agent.peakEquity = old.peakEquity
        agent.equity = old.equity
        for instrument in 0..<min(books.count, old.books.count) {
            // The book with an empty return ring: the ring's length follows the new sizing and
            // VaR settings; the returns are the old ones, oldest first, so a shorter ring keeps the latest.
            var book = old.books[instrument]
            book.returnNext = 0
            book.returnCount = 0
            agent.books[instrument] = book
            let history = old.recentReturns(instrument, old.books[instrument].returnCount)
            for value in history.reversed() { agent.appendReturn(value, instrument: instrument) }
        }
        agent.anyPending = agent.books.contains { $0.pending != nil }
        agent.orderTimes = old.orderTimes
        agent.nextTargetID = old.nextTargetID
        agent.lastTimestamp = old.lastTimestamp
        agent.barIndex = old.barIndex
        agent.closedTrades = old.closedTrades
        return agent
    }
}
