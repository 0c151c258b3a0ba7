extension ComplianceAgent {
    /// This agent, built with new `compliance` settings, keeping `old`'s counts for the daily report.
    public func carrying(from old: ComplianceAgent) -> ComplianceAgent {
        var agent = self
        agent.seen = old.seen
        return agent
    }
}
