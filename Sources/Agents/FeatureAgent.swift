import Indicators
import StrategyCompiler

/// Computes the strategy's feature program on every bar and publishes the registers. Each
/// instrument has its own copy of the program, so indicator windows never mix instruments.
public struct FeatureAgent: Agent {
    public let id = AgentID.feature
    public private(set) var programs: [FeatureProgram]
    public private(set) var barIndex: [Int]

    public init(program: FeatureProgram, instruments: Int = 1) {
        programs = Array(repeating: program, count: max(instruments, 1))
        barIndex = Array(repeating: -1, count: max(instruments, 1))
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.topic == .marketRaw, case .bar(let market) = message.payload, market.instrument < programs.count else { return }
        let instrument = market.instrument
        barIndex[instrument] += 1
        programs[instrument].evaluate(market.bar)
        let frame = FeatureFrame(instrument: instrument, barIndex: barIndex[instrument], values: programs[instrument].registers)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                             topic: .featuresCandles, payload: .features(frame)))
    }
}
