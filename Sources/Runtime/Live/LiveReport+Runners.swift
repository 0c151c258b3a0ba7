import Agents

extension LiveReport {
    /// A report made by a runner outside this module (the runner over Redis Streams), for the
    /// same observers as the actor runner's.
    public init(_ cause: Cause, sequence: UInt64, envelopes: [Envelope]) {
        self.cause = cause
        self.sequence = sequence
        self.envelopes = envelopes
    }
}
