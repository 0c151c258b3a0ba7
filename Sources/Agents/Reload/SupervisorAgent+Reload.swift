extension SupervisorAgent {
    /// Whether `other` watches with the same kill-switch and supervision settings.
    public func hasSameSettings(as other: SupervisorAgent) -> Bool {
        maxRejects == other.maxRejects && onDrawdown == other.onDrawdown && supervision.policy == other.supervision.policy
    }

    /// The supervisor to run after a reload whose plan gives `fresh`.
    ///
    /// Same settings: this one, with its reject count and incidents. A tripped kill switch is
    /// never reset by a reload: this one stays until an operator resumes, and the new settings
    /// apply from the next start. Otherwise the new settings start with a clean reject count.
    public func reconfigured(to fresh: SupervisorAgent) -> SupervisorAgent {
        if hasSameSettings(as: fresh) || tripped { return self }
        return fresh
    }
}
