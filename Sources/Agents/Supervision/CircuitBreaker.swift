/// A circuit breaker for one feed or venue: too many errors close the way to it for a while.
///
/// `closed` lets every request through and counts errors; `errors` of them within `window`
/// open it. `open` refuses requests until `cooldown` has passed since it opened; the next
/// request is then let through alone as a probe (`halfOpen`). The probe's success closes the
/// breaker and forgets the old errors; its failure opens it again for another cooldown. Time is
/// the caller's: every call carries its timestamp, so the breaker is a plain value.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        public var errors: Int
        public var windowMicroseconds: Int64
        public var cooldownMicroseconds: Int64

        public init(errors: Int = 5, windowMicroseconds: Int64 = 60_000_000, cooldownMicroseconds: Int64 = 30_000_000) {
            self.errors = max(errors, 1)
            self.windowMicroseconds = windowMicroseconds
            self.cooldownMicroseconds = cooldownMicroseconds
        }
    }

    public enum State: String, Sendable, Equatable, Codable {
        case closed, open
        case halfOpen = "half_open"
    }

    /// What the breaker says about one request.
    public enum Verdict: Sendable, Equatable {
        /// Closed: go ahead.
        case allow
        /// Half-open: this request is the probe; report its result.
        case probe
        /// Open, or half-open with the probe still out: do not send.
        case refuse
    }

    /// A change of state, for the log, `/status` and the supervisor's alerts.
    public struct Transition: Sendable, Equatable {
        public var name: String
        public var from: State
        public var to: State
        public var atMicros: Int64

        public init(name: String, from: State, to: State, atMicros: Int64) {
            self.name = name
            self.from = from
            self.to = to
            self.atMicros = atMicros
        }
    }

    public let name: String
    public let settings: Settings
    public private(set) var state: State = .closed
    /// Timestamps of the errors inside the window, oldest first (closed state only).
    private var recentErrors: [Int64] = []
    private var openedAt: Int64 = 0

    public init(name: String, settings: Settings) {
        self.name = name
        self.settings = settings
    }

    /// Asks whether a request may go out at `now`; an open breaker past its cooldown turns half-open.
    public mutating func request(at now: Int64) -> (Verdict, Transition?) {
        switch state {
        case .closed:
            return (.allow, nil)
        case .open where now - openedAt >= settings.cooldownMicroseconds:
            return (.probe, move(to: .halfOpen, at: now))
        case .open, .halfOpen:
            return (.refuse, nil)
        }
    }

    /// A request failed at `now`.
    public mutating func recordError(at now: Int64) -> Transition? {
        switch state {
        case .closed:
            recentErrors.append(now)
            recentErrors.removeAll { $0 <= now - settings.windowMicroseconds }
            guard recentErrors.count >= settings.errors else { return nil }
            return open(at: now)
        case .halfOpen:
            return open(at: now)
        case .open:
            return nil
        }
    }

    /// A request succeeded at `now`: a half-open breaker closes.
    public mutating func recordSuccess(at now: Int64) -> Transition? {
        guard state == .halfOpen else { return nil }
        recentErrors.removeAll()
        return move(to: .closed, at: now)
    }

    private mutating func open(at now: Int64) -> Transition {
        recentErrors.removeAll()
        openedAt = now
        return move(to: .open, at: now)
    }

    private mutating func move(to next: State, at now: Int64) -> Transition {
        let transition = Transition(name: name, from: state, to: next, atMicros: now)
        state = next
        return transition
    }
}
