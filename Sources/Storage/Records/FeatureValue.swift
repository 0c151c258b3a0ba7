/// One feature value at one time, for inspecting what a signal saw.
public struct FeatureValue: Sendable, Equatable {
    public var instrument: String
    /// The feature's node name in the plan, such as `sma_fast`.
    public var name: String
    /// Microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    public var value: Double

    public init(instrument: String, name: String, timestampMicros: Int64, value: Double) {
        self.instrument = instrument
        self.name = name
        self.timestampMicros = timestampMicros
        self.value = value
    }
}
