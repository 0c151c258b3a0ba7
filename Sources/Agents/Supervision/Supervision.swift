import StrategyDSL

/// What the runner tells the Supervisor. Every event carries its own timestamp (microseconds,
/// UTC): supervision never reads a clock, so a recorded sequence of events replays exactly.
public enum SupervisionEvent: Sendable, Equatable {
    /// An agent's heartbeat.
    case heartbeat(AgentID, at: Int64)
    /// An agent threw or its actor ended unexpectedly.
    case agentFailed(AgentID, error: String, at: Int64)
    /// The runner finished restarting an agent from its persisted state.
    case agentRestarted(AgentID, at: Int64)
    /// A feed delivered a bar or answered; `feedError` when a request to it failed.
    case feedContact(String, at: Int64)
    case feedError(String, message: String, at: Int64)
    /// The venue answered; `venueError` when a request to it failed.
    case venueContact(String, at: Int64)
    case venueError(String, message: String, at: Int64)
    /// Time passed: check deadlines (missed heartbeats, silent feeds, restarts that are due).
    case tick(at: Int64)
    /// An operator's kill (`/kill`, `stratum kill`): always HALTED.
    case kill(reason: String, actor: String, at: Int64)
    /// An operator's resume; refused without a reason.
    case resume(reason: String, actor: String, at: Int64)
    /// The message bus (a Redis address) was lost; `busContact` when it answered again.
    case busError(String, message: String, at: Int64)
    case busContact(String, at: Int64)

    public var timestamp: Int64 {
        switch self {
        case .heartbeat(_, let at), .agentFailed(_, _, let at), .agentRestarted(_, let at), .feedContact(_, let at),
             .feedError(_, _, let at), .venueContact(_, let at), .venueError(_, _, let at), .tick(let at),
             .kill(_, _, let at), .resume(_, _, let at), .busError(_, _, let at), .busContact(_, let at):
            at
        }
    }
}

/// What the runner must do after an event. The runner performs these in order: persist first,
/// then act, so a crash in between repeats the action rather than losing it.
public enum SupervisionAction: Sendable, Equatable {
    /// Restart `agent` from its persisted state at `notBefore` (after `delayMicroseconds` of backoff).
    case restart(AgentID, attempt: Int, delayMicroseconds: Int64, notBefore: Int64)
    /// An agent's health changed (for `/status`).
    case condition(AgentID, AgentCondition)
    /// Cancel every open order at the venue.
    case cancelAllOrders(reason: String)
    /// The kill switch moved: persist it, then tell PortfolioRisk and Execution.
    case killSwitch(KillSwitchTransition)
    /// A resume or kill that could not apply, with why.
    case refused(String)
    /// Write an incident (database row and markdown file).
    case incident(SupervisorIncident)
    /// A feed's or venue's breaker changed state.
    case breaker(CircuitBreaker.Transition)
}

/// The Supervisor's live duties as one state machine: heartbeats, restarts with backoff,
/// circuit breakers per feed and venue, connectivity timeouts and the kill switch.
///
/// A plain value: `handle` takes an event and returns actions; it performs no I/O. The same
/// events in the same order, with the same seed, give the same actions.
public struct Supervision: Sendable {
    public let policy: SupervisionPolicy
    public private(set) var killSwitch = KillSwitch()
    public private(set) var heartbeats: HeartbeatMonitor
    public private(set) var conditions: [AgentID: AgentCondition] = [:]
    /// Restarts per agent since it was last stable.
    public private(set) var restarts: [AgentID: Int] = [:]
    /// Restarts over the whole life of the process, for `/status` and metrics.
    public private(set) var totalRestarts: [AgentID: Int] = [:]
    public private(set) var feedBreakers: [String: CircuitBreaker] = [:]
    public private(set) var venueBreakers: [String: CircuitBreaker] = [:]
    /// One breaker per bus: outages that repeat within the window open it.
    public private(set) var busBreakers: [String: CircuitBreaker] = [:]
    private var feeds: ConnectivityWatch?
    private var venues: ConnectivityWatch?
    private var lastRestartAt: [AgentID: Int64] = [:]
    private var jitter: JitterSource

    /// - Parameters:
    ///   - policy: The strategy's supervision settings.
    ///   - seed: Seeds the restart jitter; a runner derives it from the strategy, so reruns agree.
    ///   - killSwitch: The persisted state to start from (a restart stays halted).
    public init(policy: SupervisionPolicy, seed: UInt64, killSwitch: KillSwitch = KillSwitch()) {
        self.policy = policy
        self.killSwitch = killSwitch
        heartbeats = HeartbeatMonitor(periodMicroseconds: policy.heartbeatMicroseconds, missedAllowed: policy.missedHeartbeats)
        feeds = policy.feedTimeoutMicroseconds.map { ConnectivityWatch(kind: .feed, timeoutMicroseconds: $0) }
        venues = policy.venueTimeoutMicroseconds.map { ConnectivityWatch(kind: .venue, timeoutMicroseconds: $0) }
        jitter = JitterSource(seed: seed)
    }

    /// The breaker's verdict on a request to a feed; the runner asks before each request.
    public mutating func requestFeed(_ name: String, at now: Int64) -> (CircuitBreaker.Verdict, [SupervisionAction]) {
        var breaker = feedBreakers[name] ?? CircuitBreaker(name: "feed:\(name)", settings: policy.breaker)
        let (verdict, transition) = breaker.request(at: now)
        feedBreakers[name] = breaker
        return (verdict, transition.map { [.breaker($0)] } ?? [])
    }

    /// The breaker's verdict on a request to a venue.
    public mutating func requestVenue(_ name: String, at now: Int64) -> (CircuitBreaker.Verdict, [SupervisionAction]) {
        var breaker = venueBreakers[name] ?? CircuitBreaker(name: "venue:\(name)", settings: policy.breaker)
        let (verdict, transition) = breaker.request(at: now)
        venueBreakers[name] = breaker
        return (verdict, transition.map { [.breaker($0)] } ?? [])
    }

    public mutating func handle(_ event: SupervisionEvent) -> [SupervisionAction] {
        var actions = [SupervisionAction]()
        switch event {
        case .heartbeat(let agent, let at):
            beat(agent, at: at, &actions)
            checkDeadlines(at: at, &actions)
        case .agentFailed(let agent, let error, let at):
            fail(agent, error: error, at: at, &actions)
        case .agentRestarted(let agent, let at):
            guard conditions[agent] == .restarting else { break }
            heartbeats.beat(agent, at: at)
            lastRestartAt[agent] = at
            setCondition(agent, .healthy, &actions)
        case .feedContact(let name, let at):
            feeds?.contact(name, at: at)
            if var breaker = feedBreakers[name], let transition = breaker.recordSuccess(at: at) {
                feedBreakers[name] = breaker
                actions.append(.breaker(transition))
            }
        case .feedError(let name, _, let at):
            var breaker = feedBreakers[name] ?? CircuitBreaker(name: "feed:\(name)", settings: policy.breaker)
            if let transition = breaker.recordError(at: at) { actions.append(.breaker(transition)) }
            feedBreakers[name] = breaker
        case .venueContact(let name, let at):
            venues?.contact(name, at: at)
            if var breaker = venueBreakers[name], let transition = breaker.recordSuccess(at: at) {
                venueBreakers[name] = breaker
                actions.append(.breaker(transition))
            }
        case .venueError(let name, _, let at):
            var breaker = venueBreakers[name] ?? CircuitBreaker(name: "venue:\(name)", settings: policy.breaker)
            if let transition = breaker.recordError(at: at) { actions.append(.breaker(transition)) }
            venueBreakers[name] = breaker
        case .tick(let at):
            checkDeadlines(at: at, &actions)
        case .kill(let reason, let actor, let at):
            let trimmed = reason.trimmingWhitespace
            guard !trimmed.isEmpty else {
                actions.append(.refused("a kill needs a reason; say why trading must stop"))
                break
            }
            trip(to: .halted, .command(reason: trimmed), actor: actor, at: at, &actions)
            if actions.isEmpty { actions.append(.refused("the kill switch is already HALTED; its orders were cancelled when it tripped")) }
        case .resume(let reason, let actor, let at):
            switch killSwitch.resume(reason: reason, actor: actor, at: at) {
            case .success(let transition): actions.append(.killSwitch(transition))
            case .failure(let refusal): actions.append(.refused(refusal.description))
            }
        case .busError(let name, _, let at):
            var breaker = busBreakers[name] ?? CircuitBreaker(name: "bus:\(name)", settings: policy.breaker)
            if let transition = breaker.recordError(at: at) { actions.append(.breaker(transition)) }
            busBreakers[name] = breaker
        case .busContact(let name, let at):
            // The bus is not asked before each request as a feed is: a contact past the cooldown is the probe.
            guard var breaker = busBreakers[name] else { break }
            if breaker.state == .open, case (.probe, let transition?) = breaker.request(at: at) { actions.append(.breaker(transition)) }
            if let transition = breaker.recordSuccess(at: at) { actions.append(.breaker(transition)) }
            busBreakers[name] = breaker
        }
        return actions
    }

    /// Records a round of heartbeats without judging anyone, then checks the deadlines at `now`.
    ///
    /// A runner that collects heartbeats and passes them on periodically uses this rather than
    /// one `.heartbeat` event each: an event checks every deadline at its own time, when the
    /// other agents' heartbeats of the same round are not in yet, and a round that came late
    /// would find them all overdue.
    public mutating func handle(heartbeats round: [(AgentID, at: Int64)], now: Int64) -> [SupervisionAction] {
        var actions = [SupervisionAction]()
        for (agent, at) in round { beat(agent, at: at, &actions) }
        checkDeadlines(at: now, &actions)
        return actions
    }

    private mutating func beat(_ agent: AgentID, at: Int64, _ actions: inout [SupervisionAction]) {
        // A heartbeat from an agent being restarted comes from its old instance; the restart
        // itself says when the new one runs.
        if conditions[agent] != .restarting, conditions[agent] != .failed {
            heartbeats.beat(agent, at: at)
            setCondition(agent, .healthy, &actions)
        }
        // Stable for a whole cap since the last restart: the next failure starts the backoff over.
        if let restartedAt = lastRestartAt[agent], at - restartedAt >= policy.backoff.capMicroseconds {
            restarts[agent] = 0
            lastRestartAt[agent] = nil
        }
    }

    /// Trips the kill switch as the strategy configures it (`kill_switch.action`).
    public mutating func trip(_ trigger: KillSwitchTrigger, at now: Int64) -> [SupervisionAction] {
        var actions = [SupervisionAction]()
        trip(to: KillSwitch.target(for: policy.killSwitchAction), trigger, actor: KillSwitch.supervisorActor, at: now, &actions)
        return actions
    }

    private mutating func checkDeadlines(at now: Int64, _ actions: inout [SupervisionAction]) {
        for agent in StartOrder.agents {
            let missed = heartbeats.missed(agent, at: now)
            guard missed > 0, conditions[agent] == .healthy || conditions[agent] == .lagging else { continue }
            if missed >= policy.missedHeartbeats {
                fail(agent, error: "missed \(missed) heartbeats", at: now, &actions)
            } else if conditions[agent] == .healthy {
                setCondition(agent, .lagging, &actions)
            }
        }
        let target = KillSwitch.target(for: policy.killSwitchAction)
        for loss in feeds?.newlyLost(at: now) ?? [] {
            trip(to: target, .feedLost(name: loss.name, silentMicroseconds: loss.silentMicroseconds), actor: KillSwitch.supervisorActor, at: now, &actions)
        }
        for loss in venues?.newlyLost(at: now) ?? [] {
            trip(to: target, .venueLost(name: loss.name, silentMicroseconds: loss.silentMicroseconds), actor: KillSwitch.supervisorActor, at: now, &actions)
        }
    }

    /// Restarts `agent` with backoff, or past the limit halts the strategy with an incident.
    private mutating func fail(_ agent: AgentID, error: String, at now: Int64, _ actions: inout [SupervisionAction]) {
        guard conditions[agent] != .restarting, conditions[agent] != .failed else { return }
        heartbeats.forget(agent)
        let tried = restarts[agent, default: 0]
        guard tried < policy.backoff.maxRestarts else {
            setCondition(agent, .failed, &actions)
            let trigger = KillSwitchTrigger.agentFailed(agent, restarts: tried, error: error)
            actions.append(.incident(SupervisorIncident(
                atMicros: now, subject: agent.operatorName, severity: .critical, summary: trigger.description,
                restartsTried: tried,
                remedy: "the strategy is HALTED and its open orders were cancelled. Read the log for the agent's last error, "
                    + "fix the cause (data, venue, configuration), restart the process, check positions and open orders "
                    + "at the venue, then run `stratum resume --state DIR --reason \"...\"`.")))
            trip(to: .halted, trigger, actor: KillSwitch.supervisorActor, at: now, &actions)
            return
        }
        let attempt = tried + 1
        restarts[agent] = attempt
        totalRestarts[agent, default: 0] += 1
        let delay = policy.backoff.delay(attempt: attempt, jitter: &jitter)
        setCondition(agent, .restarting, &actions)
        actions.append(.restart(agent, attempt: attempt, delayMicroseconds: delay, notBefore: now + delay))
    }

    private mutating func trip(to target: RiskState, _ trigger: KillSwitchTrigger, actor: String, at now: Int64, _ actions: inout [SupervisionAction]) {
        guard let transition = killSwitch.trip(to: target, trigger: trigger, actor: actor, at: now) else { return }
        // Persist before acting: a crash between the two leaves the switch tripped, and the
        // restarted runner cancels again, which is harmless.
        actions.append(.killSwitch(transition))
        actions.append(.cancelAllOrders(reason: transition.reason))
    }

    private mutating func setCondition(_ agent: AgentID, _ condition: AgentCondition, _ actions: inout [SupervisionAction]) {
        guard conditions[agent] != condition else { return }
        conditions[agent] = condition
        actions.append(.condition(agent, condition))
    }
}
