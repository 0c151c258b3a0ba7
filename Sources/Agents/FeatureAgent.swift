import Indicators
import StrategyCompiler

/// Computes the strategy's feature program on every bar and publishes the registers.
public struct FeatureAgent: Agent {
    public let id = AgentID.feature
    public private(set) var program: FeatureProgram
    public private(set) var barIndex = -1

    public init(program: FeatureProgram) {
        self.program = program
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.topic == .marketRaw, case .bar(let market) = message.payload else { return }
        barIndex += 1
        program.evaluate(market.bar)
        let frame = FeatureFrame(instrument: market.instrument, barIndex: barIndex, bar: market.bar, values: program.registers)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                             topic: .featuresCandles, payload: .features(frame)))
    }
}
