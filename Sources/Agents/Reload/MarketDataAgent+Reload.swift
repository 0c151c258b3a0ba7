extension MarketDataAgent {
    /// This agent with the normalisers of `sources` (instrument indices) taken from `fresh`, the
    /// agent the new plan builds; the others keep their gap and anomaly state. The last
    /// timestamp of every instrument is kept, so no bar is passed on twice across a reload.
    public func reloading(sources: Set<Int>, from fresh: MarketDataAgent) -> MarketDataAgent {
        var agent = self
        for instrument in sources where instrument < agent.lanes.count && instrument < fresh.lanes.count {
            agent.lanes[instrument].normaliser = fresh.lanes[instrument].normaliser
        }
        return agent
    }
}
