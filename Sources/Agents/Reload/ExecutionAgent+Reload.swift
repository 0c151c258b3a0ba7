extension ExecutionAgent {
    /// This agent, built with a new configuration, holding `old`'s orders and positions: working
    /// orders and algorithm parents (with their ids, so the order sequence continues), positions,
    /// the last bars, and whether the kill switch halted it.
    ///
    /// The volume profile behind VWAP is kept when its bucket size and depth are unchanged;
    /// otherwise it starts again under the new settings. Instruments are matched by index.
    public func carrying(from old: ExecutionAgent) -> ExecutionAgent {
        var agent = self
        for instrument in 0..<min(positions.count, old.positions.count) {
            agent.positions[instrument] = old.positions[instrument]
            agent.bars[instrument] = old.bar(of: instrument)
            agent.pendingVolume[instrument] = old.pendingVolume[instrument]
            if old.config.intervalMicroseconds == config.intervalMicroseconds, old.config.profileSessions == config.profileSessions {
                agent.profiles[instrument] = old.profiles[instrument]
            }
        }
        agent.working = old.working
        agent.parents = old.parents
        agent.nextOrderID = old.nextOrderID
        agent.barIndex = old.barIndex
        agent.halted = old.halted
        return agent
    }
}
