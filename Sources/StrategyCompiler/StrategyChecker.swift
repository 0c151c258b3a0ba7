import Foundation
import StrategyDSL

/// The checks that need the whole strategy: references, the feature graph, models, risk and
/// execution consistency, warm-up, and warnings. Returns every problem it finds.
public struct StrategyChecker: Sendable {
    /// Resolves relative data and import paths: the working directory first, then the strategy's folder.
    public var baseDirectories: [URL]
    public var models: (any ModelResolving)?

    public init(baseDirectories: [URL], models: (any ModelResolving)?) {
        self.baseDirectories = baseDirectories
        self.models = models
    }

    public func check(_ spec: StrategySpec) -> (CheckedStrategy, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let composites = loadComposites(spec.imports, into: &diagnostics)
        var expressions = ExpressionChecker(composites: composites)
        let features = checkFeatures(spec.features, checker: &expressions, into: &diagnostics)
        var scope: [String: ExpressionChecker.Symbol] = Dictionary(uniqueKeysWithValues: ExpressionChecker.columns.map { ($0, .column) })
        for feature in spec.features { scope[feature.name.value] = .broken }
        for feature in features { scope[feature.name] = .feature(feature) }

        let resolvedModels = checkModels(spec, features: features, into: &diagnostics)
        var signals: [CheckedSignal] = []
        for signal in spec.signals {
            signals.append(checkSignal(signal, spec: spec, scope: scope, models: resolvedModels, checker: &expressions, into: &diagnostics))
        }
        diagnostics += expressions.diagnostics
        // A gated signal waits for its regime's first label as well as for its own inputs.
        for index in signals.indices {
            guard let gate = signals[index].spec.gate, let regime = spec.regimes.first(where: { $0.name.value == gate.regime.value }) else { continue }
            signals[index].lookback = max(signals[index].lookback, RegimeWarmup.bars(regime, models: resolvedModels, features: features))
        }
        checkEnsembles(spec, signals: signals, into: &diagnostics)
        checkRegimes(spec, into: &diagnostics)
        checkTrading(spec, into: &diagnostics)
        checkData(spec, into: &diagnostics)
        checkRisk(spec, into: &diagnostics)
        checkExecution(spec, into: &diagnostics)
        warnUnused(spec, features: features, signals: signals, into: &diagnostics)

        let warmup = signals.map(\.lookback).max() ?? 0
        let checked = CheckedStrategy(spec: spec, features: features, signals: signals, models: resolvedModels,
                                      composites: composites, warmup: warmup)
        return (checked, diagnostics)
    }

    // MARK: Paths

    public func resolve(_ path: String) -> URL? {
        Self.resolve(path, in: baseDirectories)
    }

    /// A relative path names a file in the first of `baseDirectories` that has it.
    public static func resolve(_ path: String, in baseDirectories: [URL]) -> URL? {
        if path.hasPrefix("/") { return FileManager.default.fileExists(atPath: path) ? URL(fileURLWithPath: path) : nil }
        for base in baseDirectories {
            let candidate = base.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    // MARK: Imports

    private func loadComposites(_ imports: [Located<String>], into diagnostics: inout [Diagnostic]) -> [String: CompositeIndicator] {
        var composites: [String: CompositeIndicator] = [:]
        var loadedFiles: [String: String] = [:]   // resolved path → indicator name
        /// `root` is the strategy's own import that the chain started from: errors deeper down are reported there too.
        func visit(_ reference: Located<String>, chain: [String], root: Located<String>) {
            guard let url = resolve(reference.value) else {
                diagnostics.append(Diagnostic(.importMissing, "composite indicator file '\(reference.value)' not found",
                                              at: reference.range,
                                              notes: [.init("paths are relative to the working directory or the strategy's folder")]))
                return
            }
            let key = url.standardizedFileURL.path
            if chain.contains(key) {
                let names = (chain + [key]).map { URL(fileURLWithPath: $0).lastPathComponent }
                diagnostics.append(Diagnostic(.importCycle, "composite indicators import each other in a cycle: \(names.joined(separator: " → "))",
                                              at: root.range, notes: [.init("the import that closes the cycle", at: reference.range)]))
                return
            }
            if loadedFiles[key] != nil { return }
            let (composite, found) = CompositeIndicator.load(path: url.path, displayPath: reference.value)
            diagnostics += found
            guard let composite else { return }
            loadedFiles[key] = composite.name.value
            if let existing = composites[composite.name.value], existing.file != composite.file {
                diagnostics.append(Diagnostic(.duplicateName, "two imported files define the indicator '\(composite.name.value)'",
                                              at: reference.range, notes: [.init("the other is \(existing.file)")]))
            }
            composites[composite.name.value] = composite
            for nested in composite.imports { visit(nested, chain: chain + [key], root: root) }
        }
        for reference in imports { visit(reference, chain: [], root: reference) }
        return composites
    }

    // MARK: Features

    private func checkFeatures(_ specs: [FeatureSpec], checker: inout ExpressionChecker,
                               into diagnostics: inout [Diagnostic]) -> [CheckedFeature] {
        let names = Set(specs.map(\.name.value))
        var dependencies: [String: [String]] = [:]
        var order: [String] = []
        for spec in specs {
            if ExpressionChecker.columns.contains(spec.name.value) {
                diagnostics.append(Diagnostic(.duplicateName, "feature '\(spec.name.value)' has the name of a bar column; rename it",
                                              at: spec.name.range))
            }
            var referenced: [String] = []
            spec.expression?.walk { node in
                if case .reference(let name, _) = node.kind, names.contains(name), !referenced.contains(name) { referenced.append(name) }
            }
            dependencies[spec.name.value] = referenced
            order.append(spec.name.value)
        }
        let (sorted, cycles) = FeatureGraph.topologicalOrder(order, dependencies: dependencies)
        let specByName = Dictionary(specs.map { ($0.name.value, $0) }, uniquingKeysWith: { first, _ in first })
        for cycle in cycles {
            guard let first = specByName[cycle[0]] else { continue }
            diagnostics.append(Diagnostic(.featureCycle, "features depend on each other in a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))",
                                          at: first.source.range,
                                          notes: cycle.dropFirst().compactMap { name in specByName[name].map { .init("'\(name)' is defined here", at: $0.source.range) } }))
        }
        var scope: [String: ExpressionChecker.Symbol] = Dictionary(uniqueKeysWithValues: ExpressionChecker.columns.map { ($0, .column) })
        var checked: [CheckedFeature] = []
        let inCycle = Set(cycles.flatMap { $0 })
        for name in inCycle { scope[name] = .broken }
        for spec in specs where spec.expression == nil { scope[spec.name.value] = .broken }
        for name in sorted where !inCycle.contains(name) {
            guard let spec = specByName[name], let expression = spec.expression else { continue }
            guard let analysis = checker.analyze(expression, scope: scope, allowMultiOutput: true) else {
                scope[name] = .broken
                continue
            }
            let feature = CheckedFeature(name: name, range: spec.name.range, expression: expression, type: analysis.type,
                                         outputs: analysis.outputs, lookback: analysis.lookback,
                                         dependencies: dependencies[name] ?? [])
            checked.append(feature)
            scope[name] = .feature(feature)
        }
        return checked
    }

    // MARK: Models

    private func checkModels(_ spec: StrategySpec, features: [CheckedFeature], into diagnostics: inout [Diagnostic]) -> [String: ResolvedModelInfo] {
        var resolved: [String: ResolvedModelInfo] = [:]
        guard let models else { return resolved }
        var available = Set<String>()
        for feature in features {
            if feature.outputs.isEmpty { available.insert(feature.name) } else { feature.outputs.forEach { available.insert("\(feature.name).\($0)") } }
        }
        for alias in spec.models where ScalarSyntax.isModelReference(alias.reference.value) {
            let reference = alias.reference.value
            switch models.resolve(reference) {
            case .resolved(let info):
                resolved[alias.name.value] = info
                let missing = info.features.filter { !available.contains($0) }
                for name in missing {
                    diagnostics.append(Diagnostic(.modelFeatureMissing,
                                                  "model \(info.name)@\(info.version) reads feature '\(name)', which the strategy does not declare",
                                                  at: alias.reference.range,
                                                  notes: [.init("the model expects, in order: \(info.features.joined(separator: ", "))")]))
                }
            case .unknownModel(let known):
                let name = String(reference.split(separator: "@")[0])
                let guess = Spelling.closest(to: name, in: known)
                diagnostics.append(Diagnostic(.unknownModel,
                                              "no model '\(name)' in the registry\(guess.map { "; did you mean '\($0)'?" } ?? "")",
                                              at: alias.reference.range,
                                              notes: [.init(known.isEmpty ? "the registry is empty; add a model with `stratum registry add`" : "models: \(known.joined(separator: ", "))")]))
            case .unknownSelector(let model, let known):
                let selector = String(reference.split(separator: "@").last ?? "")
                diagnostics.append(Diagnostic(.unknownModelVersion,
                                              "model '\(model)' has no version or tag '\(selector)'",
                                              at: alias.reference.range,
                                              notes: [.init("versions and tags: \(known.joined(separator: ", "))")],
                                              suggestion: Spelling.closest(to: selector, in: known).map { "\(model)@\($0)" }))
            case .checksumMismatch(let message):
                diagnostics.append(Diagnostic(.modelChecksum, message, at: alias.reference.range,
                                              notes: [.init("run `stratum registry verify` to see every changed file")]))
            case .unreadable(let message):
                diagnostics.append(Diagnostic(.registryUnreadable, message, at: alias.reference.range))
            }
        }
        return resolved
    }

    // MARK: Signals

    private func checkSignal(_ signal: SignalSpec, spec: StrategySpec, scope: [String: ExpressionChecker.Symbol],
                             models resolved: [String: ResolvedModelInfo],
                             checker: inout ExpressionChecker, into diagnostics: inout [Diagnostic]) -> CheckedSignal {
        var lookback = 0
        var features = Set<String>()
        var models: [String] = []
        var members: [String] = []
        let aliases = Set(spec.models.map(\.name.value))
        func requireModel(_ alias: Located<String>) {
            guard !aliases.contains(alias.value) else { return }
            let guess = Spelling.closest(to: alias.value, in: aliases)
            diagnostics.append(Diagnostic(.unknownReference,
                                          "unknown model '\(alias.value)'\(guess.map { "; did you mean '\($0)'?" } ?? ""); declare it under `models:`",
                                          at: alias.range, suggestion: guess))
        }
        switch signal.kind {
        case .rule(let long, let short, let flat):
            for (key, expression) in [("long", long), ("short", short), ("flat", flat)] {
                guard let expression, let analysis = checker.analyze(expression, scope: scope, allowMultiOutput: false) else { continue }
                if analysis.type != .condition {
                    diagnostics.append(Diagnostic(.booleanMisuse,
                                                  "`\(key):` needs a condition (a comparison or crossover), but this is a number",
                                                  at: expression.range))
                }
                lookback = max(lookback, analysis.lookback)
                features.formUnion(analysis.features)
            }
        case .model(let alias, _, _, _):
            requireModel(alias)
            models.append(alias.value)
            // The model scores only once every input feature has its first value.
            for input in resolved[alias.value]?.features ?? [] {
                if case .feature(let feature)? = scope[String(input.split(separator: ".")[0])] { lookback = max(lookback, feature.lookback) }
            }
        case .ensemble(let list, _, _, _, _):
            members = list.map(\.value)
        }
        for shadow in signal.shadows {
            requireModel(shadow)
            models.append(shadow.value)
            if case .model(let alias, _, _, _) = signal.kind, alias.value == shadow.value {
                diagnostics.append(Diagnostic(.suspiciousValue, "the shadow is the live model itself; shadow a different version",
                                              at: shadow.range, severity: .warning))
            }
        }
        return CheckedSignal(spec: signal, lookback: lookback, features: features.sorted(), models: models, members: members)
    }

    private func checkEnsembles(_ spec: StrategySpec, signals: [CheckedSignal], into diagnostics: inout [Diagnostic]) {
        let names = Set(spec.signals.map(\.name.value))
        var graph: [String: [String]] = [:]
        for signal in spec.signals {
            guard case .ensemble(let members, _, _, _, _) = signal.kind else { continue }
            var seen = Set<String>()
            for member in members {
                if !names.contains(member.value) {
                    let guess = Spelling.closest(to: member.value, in: names)
                    diagnostics.append(Diagnostic(.unknownReference,
                                                  "unknown signal '\(member.value)' in ensemble '\(signal.name.value)'\(guess.map { "; did you mean '\($0)'?" } ?? "")",
                                                  at: member.range, suggestion: guess))
                } else if member.value == signal.name.value {
                    diagnostics.append(Diagnostic(.ensembleInvalid, "ensemble '\(member.value)' cannot vote with itself", at: member.range))
                }
                if !seen.insert(member.value).inserted {
                    diagnostics.append(Diagnostic(.ensembleInvalid, "'\(member.value)' is listed twice in this ensemble", at: member.range))
                }
            }
            graph[signal.name.value] = members.map(\.value).filter { names.contains($0) && $0 != signal.name.value }
        }
        let (_, cycles) = FeatureGraph.topologicalOrder(spec.signals.map(\.name.value), dependencies: graph)
        for cycle in cycles {
            guard let first = spec.signals.first(where: { $0.name.value == cycle[0] }) else { continue }
            diagnostics.append(Diagnostic(.ensembleInvalid, "ensembles include each other in a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))",
                                          at: first.name.range))
        }
    }

    private func checkRegimes(_ spec: StrategySpec, into diagnostics: inout [Diagnostic]) {
        let regimes = Dictionary(spec.regimes.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        for regime in spec.regimes {
            if case .volatility(_, _, let quantiles) = regime.kind {
                if quantiles != quantiles.sorted() || Set(quantiles).count != quantiles.count {
                    diagnostics.append(Diagnostic(.regimeInvalid, "quantiles of regime '\(regime.name.value)' must increase strictly",
                                                  at: regime.name.range))
                }
                if regime.labels.count != quantiles.count + 1 {
                    diagnostics.append(Diagnostic(.regimeInvalid,
                                                  "\(quantiles.count) quantile cut\(quantiles.count == 1 ? "" : "s") make \(quantiles.count + 1) regimes, but \(regime.labels.count) labels are given",
                                                  at: regime.name.range))
                }
            }
            if case .trend = regime.kind, regime.labels.count != 2 {
                diagnostics.append(Diagnostic(.regimeInvalid, "a trend regime has two labels (not trending, trending)", at: regime.name.range))
            }
            if case .model(let alias) = regime.kind, !spec.models.contains(where: { $0.name.value == alias.value }) {
                diagnostics.append(Diagnostic(.unknownReference, "unknown model '\(alias.value)'; declare it under `models:`", at: alias.range))
            }
        }
        for signal in spec.signals {
            guard let gate = signal.gate else { continue }
            guard let regime = regimes[gate.regime.value] else {
                let guess = Spelling.closest(to: gate.regime.value, in: regimes.keys)
                diagnostics.append(Diagnostic(.unknownReference,
                                              "unknown regime '\(gate.regime.value)'\(guess.map { "; did you mean '\($0)'?" } ?? ""); declare it under `regimes:`",
                                              at: gate.regime.range, suggestion: guess))
                continue
            }
            if case .model = regime.kind { continue }
            for label in gate.labels where !regime.labels.contains(label.value) {
                diagnostics.append(Diagnostic(.regimeInvalid,
                                              "regime '\(regime.name.value)' has no label '\(label.value)'; its labels are \(regime.labels.joined(separator: ", "))",
                                              at: label.range, suggestion: Spelling.closest(to: label.value, in: regime.labels)))
            }
        }
    }

    /// One traded signal per instrument: two would fight over the same position.
    private func checkTrading(_ spec: StrategySpec, into diagnostics: inout [Diagnostic]) {
        var instruments: [String] = []
        for source in spec.dataSources where !instruments.contains(source.instrument) { instruments.append(source.instrument) }
        var members = Set<String>()
        for signal in spec.signals {
            if case .ensemble(let list, _, _, _, _) = signal.kind { list.forEach { members.insert($0.value) } }
        }
        var traders: [String: SignalSpec] = [:]
        for signal in spec.signals where signal.trade && !members.contains(signal.name.value) {
            let instrument: String
            if let explicit = signal.instrument {
                guard instruments.contains(explicit.value) else {
                    diagnostics.append(Diagnostic(.unknownReference,
                                                  "no data source provides instrument '\(explicit.value)'; instruments: \(instruments.joined(separator: ", "))",
                                                  at: explicit.range, suggestion: Spelling.closest(to: explicit.value, in: instruments)))
                    continue
                }
                instrument = explicit.value
            } else if instruments.count == 1 {
                instrument = instruments[0]
            } else {
                if instruments.count > 1 {
                    diagnostics.append(Diagnostic(.missingKey,
                                                  "signal '\(signal.name.value)' must name its `instrument:`; the strategy has several (\(instruments.joined(separator: ", ")))",
                                                  at: signal.name.range))
                }
                continue
            }
            if let other = traders[instrument] {
                diagnostics.append(Diagnostic(.signalConflict,
                                              "signals '\(other.name.value)' and '\(signal.name.value)' both trade \(instrument); combine them in an ensemble or set `trade: false` on one",
                                              at: signal.name.range, notes: [.init("'\(other.name.value)' is here", at: other.name.range)]))
            } else {
                traders[instrument] = signal
            }
        }
        if !spec.signals.isEmpty && traders.isEmpty && !diagnostics.contains(where: { $0.code == .unknownReference || $0.code == .missingKey }) {
            diagnostics.append(Diagnostic(.unreachableSignal, "no signal trades: every signal has `trade: false` or feeds an ensemble",
                                          at: spec.signals[0].name.range))
        }
    }

    // MARK: Data

    private func checkData(_ spec: StrategySpec, into diagnostics: inout [Diagnostic]) {
        if spec.dataSources.isEmpty, let first = spec.signals.first {
            diagnostics.append(Diagnostic(.dataSourceInvalid, "the strategy declares no data source under `data:`", at: first.name.range))
        }
        var instruments: [String: DataSourceSpec] = [:]
        for source in spec.dataSources {
            if let other = instruments[source.instrument] {
                diagnostics.append(Diagnostic(.duplicateName,
                                              "data sources '\(other.name.value)' and '\(source.name.value)' both provide \(source.instrument); give each its own `instrument:`",
                                              at: source.name.range))
            }
            instruments[source.instrument] = source
            switch source.kind {
            case .csv(let path), .replay(let path, _), .sqlite(let path, _, _):
                if !path.value.isEmpty, resolve(path.value) == nil {
                    diagnostics.append(Diagnostic(.dataFileMissing, "data file '\(path.value)' not found",
                                                  at: path.range,
                                                  notes: [.init("paths are relative to the working directory or the strategy's folder")]))
                }
                if case .replay(_, let speed) = source.kind, !Self.isReplaySpeed(speed.value) {
                    diagnostics.append(Diagnostic(.dataSourceInvalid, "replay speed '\(speed.value)' is not valid; write 60x, 100/s or max",
                                                  at: speed.range))
                }
            case .synthetic(let synthetic):
                if ISO8601DateFormatter().date(from: synthetic.start) == nil {
                    diagnostics.append(Diagnostic(.dataSourceInvalid, "synthetic start '\(synthetic.start)' is not an ISO 8601 timestamp such as 2024-01-01T00:00:00Z",
                                                  at: source.name.range))
                }
            case .exchange:
                break
            }
        }
    }

    static func isReplaySpeed(_ text: String) -> Bool {
        if text == "max" { return true }
        if text.hasSuffix("x"), let value = Double(text.dropLast()), value > 0, value.isFinite { return true }
        if text.hasSuffix("/s"), let value = Double(text.dropLast(2)), value > 0, value.isFinite { return true }
        return false
    }

    // MARK: Risk and execution

    private func checkRisk(_ spec: StrategySpec, into diagnostics: inout [Diagnostic]) {
        let risk = spec.risk
        let leverage = risk.leverageLimit
        if case .equityFraction(let fraction) = risk.sizing.mode, fraction > leverage {
            diagnostics.append(Diagnostic(.riskInconsistent,
                                          "sizing asks for \(ExpressionChecker.format(fraction)) × equity but max_leverage is \(ExpressionChecker.format(leverage)); every order would be cut",
                                          at: risk.maxLeverage?.range ?? SourceRange(file: spec.file, start: spec.name.range.start, length: 1),
                                          notes: [.init("raise max_leverage or lower equity_fraction")]))
        }
        if let notional = risk.maxPositionNotional, notional.value > leverage * spec.portfolio.cash * 10 {
            diagnostics.append(Diagnostic(.suspiciousValue,
                                          "max_position_notional \(ExpressionChecker.format(notional.value)) is over ten times what max_leverage allows on the starting cash; this limit will not bind",
                                          at: notional.range))
        }
        if let order = risk.maxOrderNotional, let position = risk.maxPositionNotional, order.value > position.value {
            diagnostics.append(Diagnostic(.riskInconsistent,
                                          "max_order_notional (\(ExpressionChecker.format(order.value))) is above max_position_notional (\(ExpressionChecker.format(position.value))); an order could never be that large",
                                          at: order.range))
        }
        if let order = risk.maxOrderNotional, order.value < 1 {
            diagnostics.append(Diagnostic(.suspiciousValue, "max_order_notional below 1 blocks every order", at: order.range))
        }
        if let v = risk.valueAtRisk, let drawdown = risk.maxDrawdown, v.limit >= drawdown.limit {
            diagnostics.append(Diagnostic(.suspiciousValue,
                                          "VaR limit \(v.limit) is not below the drawdown limit \(drawdown.limit); one bad bar could halt the strategy",
                                          at: risk.maxLeverage?.range ?? spec.name.range, severity: .warning))
        }
    }

    private func checkExecution(_ spec: StrategySpec, into diagnostics: inout [Diagnostic]) {
        let interval = spec.dataSources.map(\.intervalMicroseconds).min() ?? 86_400_000_000
        let at = spec.execution.algorithmRange ?? spec.name.range
        switch spec.execution.algorithm {
        case .twap(let horizon, let slices), .vwap(let horizon, let slices, _, _):
            // A zero horizon is a missing or invalid one, already reported where it is written.
            if horizon == 0 {
                break
            } else if horizon < interval {
                diagnostics.append(Diagnostic(.executionInconsistent,
                                              "the algorithm's horizon (\(Self.duration(horizon))) is shorter than one bar (\(Self.duration(interval))); it would send everything at once",
                                              at: at))
            } else if horizon / Int64(slices) < interval {
                diagnostics.append(Diagnostic(.executionInconsistent,
                                              "\(slices) slices over \(Self.duration(horizon)) is one every \(Self.duration(horizon / Int64(slices))), faster than the \(Self.duration(interval)) bars; use at most \(horizon / interval) slices",
                                              at: at))
            }
        case .limit, .market:
            break
        }
        if case .simulated(let venue) = spec.execution.venue, venue.feeBps > 1_000 {
            diagnostics.append(Diagnostic(.suspiciousValue, "fee of \(venue.feeBps) bps is over 10% of traded value", at: spec.name.range))
        }
        if let timeout = spec.execution.killSwitch.feedTimeoutMicroseconds, timeout < interval {
            diagnostics.append(Diagnostic(.executionInconsistent,
                                          "kill_switch.feed_timeout (\(Self.duration(timeout))) is shorter than a bar (\(Self.duration(interval))); it would trip between every two bars",
                                          at: spec.name.range))
        }
    }

    static func duration(_ microseconds: Int64) -> String {
        let units: [(Int64, String)] = [(604_800_000_000, "w"), (86_400_000_000, "d"), (3_600_000_000, "h"), (60_000_000, "m"), (1_000_000, "s"), (1_000, "ms")]
        for (size, unit) in units where microseconds >= size && microseconds % size == 0 {
            return "\(microseconds / size)\(unit)"
        }
        return "\(microseconds)us"
    }

    // MARK: Warnings

    private func warnUnused(_ spec: StrategySpec, features: [CheckedFeature], signals: [CheckedSignal], into diagnostics: inout [Diagnostic]) {
        var used = Set(signals.flatMap(\.features))
        for feature in features { used.formUnion(feature.dependencies) }
        // Model inputs count as uses: `macd.hist` uses `macd`.
        for alias in spec.models {
            if case .resolved(let info)? = models?.resolve(alias.reference.value) {
                info.features.forEach { used.insert(String($0.split(separator: ".")[0])) }
            }
        }
        // Transitive closure: a feature read only by an unused feature is unused too, but saying so once is enough.
        for feature in features where !used.contains(feature.name) {
            diagnostics.append(Diagnostic(.unusedFeature, "feature '\(feature.name)' is never used by a signal, another feature or a model",
                                          at: feature.range, notes: [.init("it still costs time every bar; remove it or use it")]))
        }
        let usedModels = Set(signals.flatMap(\.models)).union(spec.regimes.compactMap { regime in
            if case .model(let alias) = regime.kind { return alias.value }
            return nil
        })
        for alias in spec.models where !usedModels.contains(alias.name.value) {
            diagnostics.append(Diagnostic(.unusedModel, "model '\(alias.name.value)' is never used by a signal or regime",
                                          at: alias.name.range))
        }
        let members = Set(signals.flatMap(\.members))
        for signal in spec.signals where !signal.trade && !members.contains(signal.name.value) {
            diagnostics.append(Diagnostic(.unreachableSignal,
                                          "signal '\(signal.name.value)' has `trade: false` and no ensemble uses it; it can never affect a trade",
                                          at: signal.name.range))
        }
        let gated = signals.compactMap { $0.spec.gate?.regime.value }
        for regime in spec.regimes where !gated.contains(regime.name.value) {
            diagnostics.append(Diagnostic(.suspiciousValue, "regime '\(regime.name.value)' gates no signal", at: regime.name.range))
        }
        if spec.dataSources.count > 1 {
            let traded = Set(spec.signals.compactMap { $0.instrument?.value })
            for source in spec.dataSources where !traded.contains(source.instrument) {
                diagnostics.append(Diagnostic(.unusedDataSource, "data source '\(source.name.value)' (\(source.instrument)) is traded by no signal",
                                              at: source.name.range))
            }
        }
    }
}
