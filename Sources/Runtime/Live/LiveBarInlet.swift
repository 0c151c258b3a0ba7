/// Where a live feed hands its bars: the actor runner, or a runner that drives the agents over
/// another transport (the Redis Streams bus). A feed needs nothing else of a runner.
public protocol LiveBarInlet: Sendable {
    /// Hands one bar over, waiting while the runner works on the previous one (back-pressure).
    func send(_ bar: LiveBar) async
    /// A finite feed delivered its last bar: returns once every bar sent before went through.
    func feedEnded() async
}

extension LiveRunner: LiveBarInlet {}
