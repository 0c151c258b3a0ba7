extension SignalAgent {
    /// This agent, built for a new plan, continuing `old`'s decisions where nothing they depend on changed.
    ///
    /// A kept signal keeps its last direction and confidence (so it does not re-emit a decision
    /// the portfolio already acted on) and its shadows' last directions; a kept volatility regime
    /// keeps the history its quantile rank is taken over. Signals and regimes are matched by name.
    ///
    /// - Parameters:
    ///   - old: the running agent.
    ///   - signals: names of the signals whose plan node is unchanged.
    ///   - regimes: names of the regimes whose measure and settings are unchanged.
    public func carrying(from old: SignalAgent, signals kept: Set<String>, regimes keptRegimes: Set<String>) -> SignalAgent {
        var agent = self
        let oldSignals = Dictionary(old.signals.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, signal) in signals.enumerated() where kept.contains(signal.name) {
            guard let source = oldSignals[signal.name] else { continue }
            agent.directions[index] = old.directions[source]
            agent.confidences[index] = old.confidences[source]
            if old.shadowDirections[source].count == agent.shadowDirections[index].count {
                agent.shadowDirections[index] = old.shadowDirections[source]
            }
        }
        let oldRegimes = Dictionary(old.regimes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, regime) in regimes.enumerated() where keptRegimes.contains(regime.name) {
            guard let source = oldRegimes[regime.name],
                  old.volatilityHistory[source].capacity == agent.volatilityHistory[index].capacity else { continue }
            agent.volatilityHistory[index] = old.volatilityHistory[source]
        }
        return agent
    }
}
