import Agents
import AsyncAlgorithms
import Foundation
import ServiceLifecycle

/// The Supervisor of a paper or live run: a Service that, every heartbeat interval, turns what
/// the process observed into ``SupervisionEvent``s and performs the ``SupervisionAction``s the
/// pure ``Supervision`` value decides.
///
/// Observed: each agent actor's heartbeats (the runner's ``AgentHealthBoard``), feed and venue
/// contact and errors (reported by the feeds, the simulated venue's observer and the request
/// gates), and the passage of time. Performed, in the order decided, persisting before acting:
/// restarts after their backoff delay (from the runner's persisted state, see
/// ``LiveRunner/restartAgent(_:)``), kill-switch changes (the recorder first, then the command
/// through the agents, which cancels open orders on a halt), incidents (the recorder, the log,
/// `/status`), breaker changes and agent conditions (the log, the health board, `/status`).
///
/// Time is the runner's clock (`LiveRunner.Configuration.now`), the one heartbeats carry, so a
/// test with a manual clock drives ``tick()`` itself and gets the same decisions every time.
public final class SupervisionLoop: Service, Sendable {
    let runner: LiveRunner
    let recorder: (any SupervisionRecorder)?
    let log: @Sendable (String) -> Void
    /// Told the portfolio's state after each kill-switch command, for `/status`.
    let book: LiveStatusBook?
    private let box: LockedBox<State>

    /// The incidents `/status` keeps, newest last.
    static let recentIncidents = 10

    struct State {
        var supervision: Supervision
        /// The last heartbeat of each agent already passed to `supervision`.
        var forwarded: [AgentID: Int64] = [:]
        /// Restarts decided and not yet done, with the moment each is due.
        var dueRestarts: [AgentID: Int64] = [:]
        /// Agents past their restart limit: brought back once, halted, so the halt reaches them.
        var failed: Set<AgentID> = []
        /// A kill-switch command not yet through the agents (one was down); retried every tick.
        var pendingCommand: SupervisorCommand?
        /// Actions decided outside a tick (breakers opened by a request), performed at the next.
        var queued: [SupervisionAction] = []
        var breakers: [String: CircuitBreaker.Transition] = [:]
        var incidents: [SupervisorIncident] = []
    }

    /// - Parameters:
    ///   - runner: whose agents are watched and restarted.
    ///   - policy: the strategy's `supervisor:` and `kill_switch:` settings.
    ///   - seed: seeds the restart jitter (``SupervisorAgent/seed(strategy:)``).
    ///   - killSwitch: as persisted, so a restarted process stays halted.
    ///   - recorder: persists kill-switch changes and incidents; nil keeps them in the log only.
    ///   - book: the run's status book, told the state a kill-switch command leaves.
    ///   - log: one line per decision, for the operator.
    public init(runner: LiveRunner, policy: SupervisionPolicy, seed: UInt64, killSwitch: KillSwitch = KillSwitch(),
                recorder: (any SupervisionRecorder)? = nil, book: LiveStatusBook? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runner = runner
        self.recorder = recorder
        self.book = book
        self.log = log
        box = LockedBox(State(supervision: Supervision(policy: policy, seed: seed, killSwitch: killSwitch)))
    }

    public var policy: SupervisionPolicy { box.value.supervision.policy }

    /// The supervision state as it stands (tests, `/status`).
    public var supervision: Supervision { box.value.supervision }

    /// Breakers, recent incidents and the kill switch, for `/status`.
    public var status: SupervisionStatus {
        box.withValue { state in
            SupervisionStatus(
                breakers: state.breakers.values.sorted { $0.name < $1.name }.map { .init(name: $0.name, state: $0.to, since: $0.atMicros) },
                incidents: state.incidents,
                killSwitchReason: state.supervision.killSwitch.state == .active ? nil : state.supervision.killSwitch.reason)
        }
    }

    // MARK: Running

    /// Ticks every heartbeat interval until the group shuts down.
    public func run() async throws {
        let interval = Duration.microseconds(policy.heartbeatMicroseconds)
        for await _ in AsyncTimerSequence(interval: interval, clock: ContinuousClock()).cancelOnGracefulShutdown() {
            // Before the runner runs, and while it shuts down, no actor beats: nothing to judge.
            guard runner.progress.running else { continue }
            await tick()
        }
    }

    /// One round: new heartbeats and the time go to ``Supervision``; its actions are performed,
    /// then every restart whose backoff has passed.
    public func tick() async {
        let now = runner.configuration.now()
        let health = runner.health
        await followOperatorResume(at: now)
        let actions: [SupervisionAction] = box.withValue { state in
            var actions = state.queued
            state.queued = []
            var round: [(AgentID, at: Int64)] = []
            for agent in StartOrder.agents {
                guard let beat = health.lastHeartbeat(agent), beat > state.forwarded[agent] ?? .min else { continue }
                state.forwarded[agent] = beat
                round.append((agent, beat))
            }
            // The whole round first, then the deadlines (and silent feeds) at now.
            return actions + state.supervision.handle(heartbeats: round, now: now)
        }
        await perform(actions, at: now)
        await restartDue(at: now)
        await retryCommand()
    }

    /// An operator resumed through the control plane while the switch was tripped: the switch
    /// follows, so the next loss trips it again. The resume is already persisted and applied by
    /// whoever made it. (A resume while the process was stopped is in the persisted switch the
    /// loop starts from.)
    private func followOperatorResume(at now: Int64) async {
        let tripped = box.withValue { $0.pendingCommand == nil && $0.supervision.killSwitch.state != .active }
        guard tripped, let portfolio = try? await runner.pause({ $0.portfolio.state }), portfolio == .active else { return }
        box.withValue { _ = $0.supervision.handle(.resume(reason: "resumed by an operator", actor: "operator", at: now)) }
    }

    // MARK: Feeds and venues

    /// A feed delivered a bar or answered.
    public func feedContact(_ name: String) { decide(.feedContact(name, at: runner.configuration.now())) }

    /// A request to a feed failed.
    public func feedError(_ name: String, message: String) {
        decide(.feedError(name, message: message, at: runner.configuration.now()))
    }

    public func venueContact(_ name: String) { decide(.venueContact(name, at: runner.configuration.now())) }

    public func venueError(_ name: String, message: String) {
        decide(.venueError(name, message: message, at: runner.configuration.now()))
    }

    /// The gate every request to feed `name` passes: its circuit breaker.
    public func gate(feed name: String) -> any RequestGate { BreakerGate(loop: self, name: name, kind: .feed) }

    /// The gate every request to venue `name` passes.
    public func gate(venue name: String) -> any RequestGate { BreakerGate(loop: self, name: name, kind: .venue) }

    /// The breaker's verdict on a request now; a breaker that turns half-open lets this one through as its probe.
    func mayRequest(_ name: String, kind: ConnectivityWatch.Kind) -> Bool {
        let now = runner.configuration.now()
        let (verdict, actions) = box.withValue { state in
            kind == .feed ? state.supervision.requestFeed(name, at: now) : state.supervision.requestVenue(name, at: now)
        }
        note(actions)
        return verdict != .refuse
    }

    private func decide(_ event: SupervisionEvent) {
        note(box.withValue { $0.supervision.handle(event) })
    }

    /// Performs at once what needs no agent (breakers, conditions); the rest waits for the next tick.
    private func note(_ actions: [SupervisionAction]) {
        var later: [SupervisionAction] = []
        for action in actions {
            switch action {
            case .breaker(let transition): breakerChanged(transition)
            case .condition, .refused: perform(immediate: action)
            default: later.append(action)
            }
        }
        if !later.isEmpty { box.withValue { $0.queued += later } }
    }

    // MARK: Actions

    private func perform(_ actions: [SupervisionAction], at now: Int64) async {
        for action in actions {
            switch action {
            case .restart(let agent, let attempt, let delay, let notBefore):
                box.withValue { $0.dueRestarts[agent] = notBefore }
                log("supervisor: \(agent.operatorName) stopped answering; restart \(attempt) in \(Self.seconds(delay))")
            case .killSwitch(let transition):
                await killSwitchMoved(transition)
            case .cancelAllOrders(let reason):
                // The halt command the kill switch sent cancels every open order through Execution
                // (on the simulated venue the agents are the venue).
                log("supervisor: cancelling every open order: \(reason)")
            case .incident(let incident):
                await record(incident)
            case .breaker(let transition):
                breakerChanged(transition)
            case .condition, .refused:
                perform(immediate: action)
            }
        }
    }

    private func perform(immediate action: SupervisionAction) {
        switch action {
        case .condition(let agent, let condition):
            if condition == .failed { box.withValue { _ = $0.failed.insert(agent) } }
            runner.health.mark(agent, AgentHealth.Status(condition))
        case .refused(let why):
            log("supervisor: \(why)")
        default:
            break
        }
    }

    private func breakerChanged(_ transition: CircuitBreaker.Transition) {
        box.withValue { $0.breakers[transition.name] = transition }
        runner.metrics?.breakerChanged(transition.name, to: transition.to.rawValue)
        log("supervisor: circuit breaker \(transition.name) \(transition.from.rawValue) → \(transition.to.rawValue)")
    }

    /// Persists the move, then sends it through the agents (a halt cancels every open order).
    private func killSwitchMoved(_ transition: KillSwitchTransition) async {
        do {
            try await recorder?.recordKillSwitch(transition)
        } catch {
            log("supervisor: the kill switch could not be persisted: \(error)")
        }
        log("supervisor: kill switch \(transition.from.rawValue) → \(transition.to.rawValue): \(transition.reason)")
        let command: SupervisorCommand = switch transition.to {
        case .halted: .halt(reason: transition.reason)
        case .reducing: .reduceOnly(reason: transition.reason)
        case .active: .resume(reason: transition.reason)
        }
        box.withValue { $0.pendingCommand = command }
        // First while an agent past its limit is still down, so the bars held for it go through
        // halted; then it is brought back, its status kept `failed`, so the bars flow again (and,
        // when the command needed it, the command reaches it).
        await retryCommand()
        for agent in box.withValue({ state in StartOrder.agents.filter { state.failed.contains($0) } }) {
            try? await runner.restartAgent(agent)
            runner.health.mark(agent, .failed)
            box.withValue { _ = $0.failed.remove(agent) }
        }
        await retryCommand()
    }

    private func retryCommand() async {
        guard let command = box.value.pendingCommand else { return }
        do {
            try await runner.command(command)
            box.withValue { $0.pendingCommand = nil }
            if let book, let state = try? await runner.pause({ $0.portfolio.state }) { book.setState(state) }
        } catch {
            log("supervisor: the kill switch waits for the agents (\(error)); retrying")
        }
    }

    private func record(_ incident: SupervisorIncident) async {
        box.withValue { state in
            state.incidents.append(incident)
            state.incidents.removeFirst(max(0, state.incidents.count - Self.recentIncidents))
        }
        var place = ""
        do {
            if let file = try await recorder?.recordIncident(incident) { place = " (\(file))" }
        } catch {
            place = " (not persisted: \(error))"
        }
        log("supervisor: incident, \(incident.severity.rawValue): \(incident.subject): \(incident.summary)\(place)")
    }

    /// Restarts every agent whose backoff has passed, in start order.
    private func restartDue(at now: Int64) async {
        let due = box.withValue { state in StartOrder.agents.filter { state.dueRestarts[$0].map { $0 <= now } ?? false } }
        for agent in due {
            do {
                try await runner.restartAgent(agent)
            } catch {
                log("supervisor: \(agent.operatorName) could not be restarted yet: \(error)")
                continue
            }
            let actions = box.withValue { state in
                state.dueRestarts[agent] = nil
                return state.supervision.handle(.agentRestarted(agent, at: now))
            }
            log("supervisor: \(agent.operatorName) restarted from its persisted state")
            await perform(actions, at: now)
        }
    }

    /// `1.5s`, `250ms`.
    static func seconds(_ micros: Int64) -> String {
        micros >= 1_000_000 ? "\(Double(micros / 1_000) / 1_000)s" : "\(micros / 1_000)ms"
    }
}

/// Where the Supervisor persists what it decides: the state store with `--state`.
public protocol SupervisionRecorder: Sendable {
    /// Persists a kill-switch move before it is applied.
    func recordKillSwitch(_ transition: KillSwitchTransition) async throws
    /// Writes an incident down for the operator.
    ///
    /// - Returns: where it was written (a file, for the log line), nil when nowhere in particular.
    func recordIncident(_ incident: SupervisorIncident) async throws -> String?
}

/// What a feed or venue adapter asks before each request, and tells after it: a circuit breaker
/// seen from the adapter, which needs to know nothing about supervision.
public protocol RequestGate: Sendable {
    /// Whether a request may go out now: false while the breaker is open.
    func mayRequest() -> Bool
    func succeeded()
    func failed(_ message: String)
}

/// A feed's or venue's breaker in the ``SupervisionLoop``.
struct BreakerGate: RequestGate {
    let loop: SupervisionLoop
    let name: String
    let kind: ConnectivityWatch.Kind

    func mayRequest() -> Bool { loop.mayRequest(name, kind: kind) }

    func succeeded() {
        kind == .feed ? loop.feedContact(name) : loop.venueContact(name)
    }

    func failed(_ message: String) {
        kind == .feed ? loop.feedError(name, message: message) : loop.venueError(name, message: message)
    }
}

/// The simulated venue of paper mode is the agents themselves: it answers whenever a bar or a
/// command goes through, so each step counts as contact with it.
public final class SimulatedVenueContact: LiveObserver, Sendable {
    public let name: String
    private let loop = LockedBox<SupervisionLoop?>(nil)

    public init(name: String = "sim") { self.name = name }

    /// Reports to `supervision` from now on (the loop is built after the runner that calls this observer).
    public func report(to supervision: SupervisionLoop) { loop.value = supervision }

    public func observe(_ report: LiveReport) async {
        loop.value?.venueContact(name)
    }
}

extension AgentHealth.Status {
    init(_ condition: AgentCondition) {
        switch condition {
        case .healthy: self = .healthy
        case .lagging: self = .lagging
        case .restarting: self = .restarting
        case .failed: self = .failed
        }
    }
}
