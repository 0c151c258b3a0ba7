import Agents
import StrategyCompiler

/// Scores every model of every model signal beside the run: the live model and each of its
/// shadows, each in its own shadow book that trades that model's decisions alone.
///
/// A shadow book is a PortfolioRisk and an Execution agent built from the strategy's own
/// configuration, fed the run's normalised bars and bar closes and one model's decisions. It
/// sizes, limits and fills exactly as the live strategy would (same sizing rules, same venue
/// prices, fees and slippage) and touches nothing of the real portfolio. The Supervisor's kill
/// switch does not act on shadow books.
///
/// Definitions (docs/backtesting.md, "Shadow models"):
/// - a *call* is a long or short decision, held from the close of the bar it is taken on to the
///   close of the bar of the model's next decision change (or the run's last close); `signals`
///   counts calls;
/// - the call is a *hit* when that close-to-close return has the call's sign (long: > 0,
///   short: < 0); `hitRate` = hits / calls, 0 without calls;
/// - `pnl` is the book's final equity minus the starting cash; positions still open are marked
///   at the last close;
/// - `sharpe` is the mean over the sample standard deviation of the book's bar-to-bar equity
///   returns, times √(bars per year), from the plan's first trading bar on; 0 when fewer than
///   two returns or no variation;
/// - the benchmark buys and holds the signal's instrument from the close of the first trading
///   bar to the last close: its return, that return on the starting cash, and the Sharpe of its
///   close-to-close returns over the same bars.
///
/// The evaluator is a value fed envelopes in run order (``ShadowSink`` does that); it reads
/// `market.raw` from MarketData, `clock`, and `signal.*`.
public struct ShadowEvaluator: Sendable {
    public enum Role: String, Sendable, Codable {
        case live, shadow
    }

    /// Which model a book scores.
    public struct Subject: Sendable, Hashable {
        /// Index into the plan's signals.
        public var signal: Int
        public var signalName: String
        public var model: String
        public var version: String
        public var role: Role
        /// 0 for the live model, n for the n-th shadow (the `members` of its shadow events).
        public var position: Int
        public var instrument: Int
        /// Whether the live model's decisions are the signal's traded decisions (`shadow: false`).
        var tradedLive: Bool
    }

    /// One model's hypothetical results over the run.
    public struct Evaluation: Sendable, Hashable {
        public var subject: Subject
        public var signals: Int
        public var hits: Int
        public var hitRate: Double
        public var pnl: Double
        public var sharpe: Double
        public var benchmarkReturn: Double
        public var benchmarkPnL: Double
        public var benchmarkSharpe: Double
    }

    private var books: [Book]
    /// Last close per instrument and bars seen per instrument.
    private var lastClose: [Double]
    private var barCount: [Int]
    private let firstTradingBar: Int
    private let cash: Double
    private let barsPerYear: Double

    public init(plan: Plan) {
        let portfolio = PortfolioConfig(plan: plan)
        let execution = ExecutionConfig(plan: plan)
        let instruments = plan.spec.dataSources.map(\.instrument)
        var members = Set<Int>()
        for signal in plan.signals {
            if case .ensemble(let list, _, _, _, _) = signal.kind { members.formUnion(list) }
        }
        var books: [Book] = []
        for (index, signal) in plan.signals.enumerated() {
            guard case .model(let live, _, _, _) = signal.kind else { continue }
            let instrument = instruments.firstIndex(of: signal.instrument) ?? 0
            let traded = signal.trade && !members.contains(index)
            let models = [(live, Role.live)] + signal.shadows.map { ($0, Role.shadow) }
            for (position, (input, role)) in models.enumerated() {
                let subject = Subject(signal: index, signalName: signal.name, model: input.model.name, version: input.model.version,
                                      role: role, position: position, instrument: instrument, tradedLive: traded && role == .live)
                books.append(Book(subject: subject, portfolio: PortfolioRiskAgent(config: portfolio),
                                  execution: ExecutionAgent(config: execution)))
            }
        }
        self.books = books
        lastClose = Array(repeating: .nan, count: max(instruments.count, 1))
        barCount = Array(repeating: 0, count: max(instruments.count, 1))
        firstTradingBar = plan.firstTradingBar
        cash = portfolio.cash
        barsPerYear = portfolio.barsPerYear
        benchmark = Array(repeating: SeriesMarks(), count: max(instruments.count, 1))
    }

    /// Whether the plan has anything to score.
    public var isEmpty: Bool { books.isEmpty }

    private var benchmark: [SeriesMarks]

    /// Feeds one envelope of the run, in the order the runner delivered it.
    public mutating func observe(_ envelope: Envelope) {
        guard !books.isEmpty else { return }
        switch envelope.payload {
        case .bar(let market) where envelope.source == .marketData:
            lastClose[market.instrument] = market.bar.close
            for index in books.indices { books[index].deliver(envelope) }
        case .barClosed(let instrument):
            let bar = barCount[instrument]
            barCount[instrument] += 1
            if bar >= firstTradingBar { benchmark[instrument].mark(lastClose[instrument]) }
            for index in books.indices {
                books[index].deliver(envelope)
                if books[index].subject.instrument == instrument, bar >= firstTradingBar {
                    books[index].equityMarks.mark(books[index].portfolio.equity)
                }
            }
        case .signal(let event):
            for index in books.indices where books[index].decides(event) {
                books[index].call(event.direction, at: lastClose[event.instrument])
                var traded = event
                traded.shadow = false
                books[index].deliver(Envelope(timestamp: envelope.timestamp, source: envelope.source, traceId: envelope.traceId,
                                              topic: envelope.topic, payload: .signal(traded)))
            }
        default:
            break
        }
    }

    /// Each model's results, live before its shadows, in signal order. Open calls are scored at
    /// the last close.
    public func evaluations() -> [Evaluation] {
        books.map { book in
            var calls = book.calls
            calls.close(at: lastClose[book.subject.instrument])
            let marks = benchmark[book.subject.instrument]
            let benchmarkReturn = marks.first.map { first in marks.last / first - 1 } ?? 0
            return Evaluation(subject: book.subject, signals: calls.count, hits: calls.hits,
                              hitRate: calls.count == 0 ? 0 : Double(calls.hits) / Double(calls.count),
                              pnl: book.portfolio.equity - cash, sharpe: book.equityMarks.sharpe(barsPerYear: barsPerYear),
                              benchmarkReturn: benchmarkReturn.isFinite ? benchmarkReturn : 0,
                              benchmarkPnL: benchmarkReturn.isFinite ? cash * benchmarkReturn : 0,
                              benchmarkSharpe: marks.sharpe(barsPerYear: barsPerYear))
        }
    }
}

extension ShadowEvaluator {
    /// One model's private PortfolioRisk and Execution, routed as the fused runner routes them.
    struct Book: Sendable {
        var subject: Subject
        var portfolio: PortfolioRiskAgent
        var execution: ExecutionAgent
        var calls = Calls()
        var equityMarks = SeriesMarks()
        private var queue = Outbox()

        init(subject: Subject, portfolio: PortfolioRiskAgent, execution: ExecutionAgent) {
            self.subject = subject
            self.portfolio = portfolio
            self.execution = execution
        }

        /// Whether a signal event is this book's model deciding.
        func decides(_ event: SignalEvent) -> Bool {
            guard event.signal == subject.signal else { return false }
            if subject.tradedLive { return !event.shadow }
            return event.shadow && event.members == UInt64(subject.position)
        }

        mutating func call(_ direction: Direction, at close: Double) {
            calls.decide(direction, at: close)
        }

        mutating func deliver(_ envelope: Envelope) {
            route(envelope)
            var head = 0
            while head < queue.count {
                let message = queue[head]
                head += 1
                route(message)
            }
            queue.removeAll()
        }

        private mutating func route(_ message: Envelope) {
            switch message.topic {
            case .marketRaw:
                execution.handle(message, into: &queue)
                portfolio.handle(message, into: &queue)
            case .signalLong, .signalShort, .signalFlat, .executionFill, .clock:
                portfolio.handle(message, into: &queue)
            case .portfolioTarget:
                execution.handle(message, into: &queue)
            default:
                break
            }
        }
    }

    /// Long and short calls, each scored by the close-to-close return until the next change.
    struct Calls: Sendable {
        private(set) var count = 0
        private(set) var hits = 0
        private var open: (direction: Direction, price: Double)?

        mutating func decide(_ direction: Direction, at price: Double) {
            close(at: price)
            guard direction != .flat, price.isFinite else { return }
            open = (direction, price)
            count += 1
        }

        /// Scores the open call against `price`.
        mutating func close(at price: Double) {
            guard let (direction, entry) = open else { return }
            open = nil
            let move = price / entry - 1
            if (direction == .long && move > 0) || (direction == .short && move < 0) { hits += 1 }
        }
    }

    /// Values marked once per bar, and the annualised Sharpe ratio of their bar-to-bar returns.
    struct SeriesMarks: Sendable {
        private(set) var first: Double?
        private(set) var last = 0.0
        private var count = 0
        private var mean = 0.0
        private var squares = 0.0

        mutating func mark(_ value: Double) {
            guard value.isFinite else { return }
            if first == nil {
                first = value
            } else if last != 0 {
                // Welford's running mean and sum of squared deviations.
                let change = value / last - 1
                count += 1
                let delta = change - mean
                mean += delta / Double(count)
                squares += delta * (change - mean)
            }
            last = value
        }

        func sharpe(barsPerYear: Double) -> Double {
            guard count >= 2 else { return 0 }
            let deviation = (squares / Double(count - 1)).squareRoot()
            guard deviation > 0, deviation.isFinite else { return 0 }
            return mean / deviation * barsPerYear.squareRoot()
        }
    }
}

/// A sink that scores models beside the run: it hands every envelope to a ``ShadowEvaluator``
/// and then to the sink it wraps.
public struct ShadowSink<Base: RunSink>: RunSink {
    public var base: Base
    public var evaluator: ShadowEvaluator

    public init(base: Base, evaluator: ShadowEvaluator) {
        self.base = base
        self.evaluator = evaluator
    }

    public mutating func receive(_ envelope: Envelope) {
        evaluator.observe(envelope)
        base.receive(envelope)
    }
}
