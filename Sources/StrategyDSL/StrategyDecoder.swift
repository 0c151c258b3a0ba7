/// YAML tree → `StrategySpec`. Runs the schema check first, then reads values (with the
/// documented defaults) and parses every expression; returns the spec and all problems found.
public struct StrategyDecoder: Sendable {
    public init() {}

    public func decode(_ root: YAMLNode, file: String) -> (StrategySpec?, [Diagnostic]) {
        guard root.pairs != nil else {
            return (nil, [Diagnostic(.notAMapping, "a strategy file is a mapping with `strategy:`, `data:` and `signals:` at the top level; found \(root.kindDescription)",
                                     at: root.range)])
        }
        var diagnostics = SchemaValidator().validate(root, against: .object(StrategySchema.root))
        var reader = Reader(file: file)
        let spec = reader.read(root)
        diagnostics += reader.diagnostics
        return (spec, diagnostics)
    }
}

/// Reads validated nodes; where a value is invalid the validator has reported it and the default is used.
private struct Reader {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    mutating func read(_ root: YAMLNode) -> StrategySpec {
        let strategy = root["strategy"]
        let name = strategy?["name"].flatMap(located) ?? Located("unnamed", root.range)
        let portfolio = root["portfolio"]
        let data = (root["data"]?.pairs ?? []).map { readDataSource($0) }
        let imports = (root["imports"]?.items ?? []).compactMap(located)
        let features = (root["features"]?.pairs ?? []).map { pair in
            FeatureSpec(name: pair.key, source: located(pair.value) ?? Located("", pair.value.range), expression: expression(pair.value))
        }
        let models = (root["models"]?.pairs ?? []).compactMap { pair in
            located(pair.value).map { ModelAliasSpec(name: pair.key, reference: $0) }
        }
        let regimes = (root["regimes"]?.pairs ?? []).compactMap { readRegime($0) }
        let signals = (root["signals"]?.pairs ?? []).compactMap { readSignal($0) }
        return StrategySpec(
            file: file,
            name: name,
            version: strategy?["version"]?.text ?? "1",
            description: strategy?["description"]?.text,
            portfolio: PortfolioSpec(cash: portfolio?["cash"]?.number ?? 10_000, currency: portfolio?["currency"]?.text ?? "USD"),
            dataSources: data,
            imports: imports,
            features: features,
            models: models,
            regimes: regimes,
            signals: signals,
            risk: readRisk(root["risk"]),
            execution: readExecution(root["execution"]),
            compliance: readCompliance(root["compliance"]),
            supervisor: readSupervisor(root["supervisor"]))
    }

    func located(_ node: YAMLNode) -> Located<String>? {
        node.text.map { Located($0, node.range) }
    }

    /// Parses an expression scalar, mapping columns inside the text to columns in the file.
    mutating func expression(_ node: YAMLNode) -> ExpressionNode? {
        guard let scalar = node.scalar, !scalar.isNull else { return nil }
        let origin = scalar.style == .quoted ? node.range.start.advanced(by: 1) : node.range.start
        let (parsed, found) = ExpressionParser.parse(scalar.text, file: file, origin: origin)
        diagnostics += found
        return parsed
    }

    mutating func readDataSource(_ pair: YAMLPair) -> DataSourceSpec {
        let node = pair.value
        let kind: DataSourceSpec.Kind
        if let csv = node["csv"].flatMap(located) {
            kind = .csv(path: csv)
        } else if let sqlite = node["sqlite"] {
            kind = .sqlite(path: sqlite["path"].flatMap(located) ?? Located("", sqlite.range),
                           table: sqlite["table"]?.text ?? "bars", whereClause: sqlite["where"]?.text)
        } else if let synthetic = node["synthetic"] {
            kind = .synthetic(SyntheticSpec(
                seed: UInt64(max(0, synthetic["seed"]?.integer ?? 0)),
                bars: synthetic["bars"]?.integer ?? 0,
                start: synthetic["start"]?.text ?? "2024-01-01T00:00:00Z",
                startPrice: synthetic["start_price"]?.number ?? 100,
                drift: synthetic["drift"]?.number ?? 0,
                volatility: synthetic["volatility"]?.number ?? 0.01))
        } else if let replay = node["replay"] {
            kind = .replay(path: replay["path"].flatMap(located) ?? Located("", replay.range),
                           speed: replay["speed"].flatMap(located) ?? Located("max", replay.range))
        } else if let exchange = node["exchange"] {
            kind = .exchange(venue: exchange["venue"]?.text ?? "binance", symbol: exchange["symbol"]?.text ?? "",
                             url: exchange["url"]?.text, restURL: exchange["rest_url"]?.text,
                             backfill: exchange["backfill"]?.boolean ?? true)
        } else {
            kind = .csv(path: Located("", node.range))
        }
        let interval = node["interval"].flatMap(located) ?? Located("1d", pair.key.range)
        let anomalies = node["anomalies"]
        return DataSourceSpec(
            name: pair.key,
            kind: kind,
            instrument: node["instrument"]?.text ?? pair.key.value.uppercased(),
            interval: interval,
            intervalMicroseconds: ScalarSyntax.intervalMicroseconds(interval.value) ?? 86_400_000_000,
            timezone: node["timezone"]?.text ?? "UTC",
            calendar: node["calendar"]?.text.flatMap(DataSourceSpec.Calendar.init(rawValue:)) ?? .nyse,
            anomalies: AnomalyPolicy(
                action: anomalies?["action"]?.text.flatMap(AnomalyPolicy.Action.init(rawValue:)) ?? .flag,
                spikeSigma: anomalies?["spike_sigma"]?.number ?? 10,
                window: anomalies?["window"]?.integer ?? 50,
                expectVolume: anomalies?["expect_volume"]?.boolean ?? true),
            gaps: node["gaps"]?.text.flatMap(DataSourceSpec.GapPolicy.init(rawValue:)) ?? .report)
    }

    mutating func readRegime(_ pair: YAMLPair) -> RegimeSpec? {
        let node = pair.value
        let labels = node["labels"]?.items?.compactMap(\.text)
        if let volatility = node["volatility"] {
            let quantiles = volatility["quantiles"]?.items?.compactMap(\.number) ?? [0.33, 0.67]
            return RegimeSpec(name: pair.key,
                              kind: .volatility(window: volatility["window"]?.integer ?? 20,
                                                lookback: volatility["lookback"]?.integer ?? 252, quantiles: quantiles),
                              labels: labels ?? (quantiles.count == 2 ? ["low", "normal", "high"] : (0...quantiles.count).map { "q\($0)" }))
        }
        if let trend = node["trend"] {
            return RegimeSpec(name: pair.key,
                              kind: .trend(method: trend["method"]?.text ?? "adx", period: trend["period"]?.integer ?? 14,
                                           threshold: trend["threshold"]?.number ?? 25),
                              labels: labels ?? ["range", "trend"])
        }
        if let model = node["model"], let alias = model["model"].flatMap(located) {
            return RegimeSpec(name: pair.key, kind: .model(alias: alias), labels: labels ?? [])
        }
        return nil
    }

    mutating func readSignal(_ pair: YAMLPair) -> SignalSpec? {
        let node = pair.value
        guard let keys = node.pairs?.map(\.key) else { return nil }
        let ruleKeys = keys.filter { ["long", "short", "flat"].contains($0.value) }
        let modelKey = keys.first { $0.value == "model" }
        let ensembleKey = keys.first { $0.value == "ensemble" }
        let families = [ruleKeys.first, modelKey, ensembleKey].compactMap { $0 }
        if families.count > 1 {
            diagnostics.append(Diagnostic(.conflictingKeys,
                                          "signal '\(pair.key.value)' mixes '\(families[0].value)' and '\(families[1].value)'; a signal is a rule (long/short/flat), a model or an ensemble",
                                          at: families[1].range, notes: [.init("'\(families[0].value)' is here", at: families[0].range)]))
        }
        func only(_ names: [String], for family: String, present: Bool) {
            guard !present else { return }
            for key in keys where names.contains(key.value) {
                diagnostics.append(Diagnostic(.conflictingKeys, "'\(key.value)' applies only to \(family) signals", at: key.range))
            }
        }
        only(["long_above", "short_below", "output", "shadow"], for: "model", present: modelKey != nil)
        only(["vote", "weights", "threshold", "tie"], for: "ensemble", present: ensembleKey != nil)

        let kind: SignalSpec.Kind
        if families.count > 1 {
            // Reported above; read it as the first family written so later checks do not pile on.
            kind = .rule(long: node["long"].flatMap { expression($0) }, short: node["short"].flatMap { expression($0) },
                         flat: node["flat"].flatMap { expression($0) })
        } else if let ensembleKey {
            let members = (node["ensemble"]?.items ?? []).compactMap(located)
            let weights = node["weights"]?.items?.compactMap(\.number)
            let vote = node["vote"]?.text.flatMap(SignalSpec.Vote.init(rawValue:)) ?? .majority
            if vote == .weighted, weights == nil {
                diagnostics.append(Diagnostic(.ensembleInvalid, "`vote: weighted` needs `weights:`, one per member", at: ensembleKey.range))
            }
            if let weights, weights.count != members.count, let weightsNode = node["weights"] {
                diagnostics.append(Diagnostic(.ensembleInvalid,
                                              "\(weights.count) weights for \(members.count) members; give one weight per member, in order",
                                              at: weightsNode.range))
            }
            if weights != nil, vote != .weighted, let key = node.keyRange("weights") {
                diagnostics.append(Diagnostic(.suspiciousValue, "`weights:` is ignored unless `vote: weighted`", at: key))
            }
            kind = .ensemble(members: members, vote: vote, weights: weights,
                             threshold: node["threshold"]?.number ?? 0.5,
                             tie: node["tie"]?.text.flatMap(SignalSpec.Tie.init(rawValue:)) ?? .flat)
        } else if let modelKey {
            let alias = node["model"].flatMap(located) ?? Located("", modelKey.range)
            let longAbove = node["long_above"]?.number, shortBelow = node["short_below"]?.number
            if longAbove == nil, shortBelow == nil {
                diagnostics.append(Diagnostic(.missingKey, "model signal '\(pair.key.value)' needs `long_above:` or `short_below:` (or both)",
                                              at: modelKey.range))
            }
            if let longAbove, let shortBelow, shortBelow > longAbove, let key = node.keyRange("short_below") {
                diagnostics.append(Diagnostic(.signalConflict,
                                              "short_below (\(shortBelow)) is above long_above (\(longAbove)): both would fire at once",
                                              at: key))
            }
            kind = .model(alias: alias, output: node["output"]?.text, longAbove: longAbove, shortBelow: shortBelow)
        } else if !ruleKeys.isEmpty {
            kind = .rule(long: node["long"].flatMap { expression($0) },
                         short: node["short"].flatMap { expression($0) },
                         flat: node["flat"].flatMap { expression($0) })
        } else {
            diagnostics.append(Diagnostic(.missingKey,
                                          "signal '\(pair.key.value)' needs `long:`/`short:` (a rule), `model:` or `ensemble:`",
                                          at: pair.key.range))
            return nil
        }
        var gate: (Located<String>, [Located<String>])?
        if let when = node["when"], let regime = when["regime"].flatMap(located) {
            gate = (regime, (when["in"]?.items ?? []).compactMap(located))
        }
        return SignalSpec(name: pair.key, kind: kind, gate: gate,
                          shadows: (node["shadow"]?.items ?? []).compactMap(located),
                          instrument: node["instrument"].flatMap(located),
                          trade: node["trade"]?.boolean ?? true)
    }

    func locatedNumber(_ node: YAMLNode?) -> Located<Double>? {
        guard let node, let value = node.number else { return nil }
        return Located(value, node.range)
    }

    mutating func readRisk(_ node: YAMLNode?) -> RiskSpec {
        let sizingNode = node?["sizing"]
        let mode: RiskSpec.SizingMode
        if let fixed = sizingNode?["fixed"]?.number {
            mode = .fixed(quantity: fixed)
        } else if let target = sizingNode?["vol_target"]?.number {
            mode = .volatilityTarget(annualised: target)
        } else if let kelly = sizingNode?["kelly"]?.number {
            mode = .kelly(fraction: kelly)
        } else {
            mode = .equityFraction(sizingNode?["equity_fraction"]?.number ?? 1)
        }
        let sizing = RiskSpec.Sizing(mode: mode, lot: sizingNode?["lot"]?.integer ?? 1,
                                     window: sizingNode?["window"]?.integer ?? 20,
                                     maxFraction: sizingNode?["max_fraction"]?.number ?? 1)
        var orderRate: (Int, Int64)?
        if let rate = node?["order_rate"], let count = rate["count"]?.integer,
           let per = rate["per"]?.text.flatMap(ScalarSyntax.durationMicroseconds) {
            orderRate = (count, per)
        }
        var valueAtRisk: RiskSpec.ValueAtRisk?
        if let v = node?["var"], let limit = v["limit"]?.number {
            valueAtRisk = RiskSpec.ValueAtRisk(
                method: v["method"]?.text.flatMap(RiskSpec.ValueAtRisk.Method.init(rawValue:)) ?? .historical,
                confidence: v["confidence"]?.number ?? 0.99, horizon: v["horizon"]?.integer ?? 1,
                window: v["window"]?.integer ?? 250, limit: limit)
        }
        var drawdown: (Double, RiskSpec.DrawdownAction)?
        if let d = node?["max_drawdown"], let limit = d["limit"]?.number {
            drawdown = (limit, d["action"]?.text.flatMap(RiskSpec.DrawdownAction.init(rawValue:)) ?? .halt)
        }
        return RiskSpec(sizing: sizing,
                        maxLeverage: locatedNumber(node?["max_leverage"]),
                        maxPosition: locatedNumber(node?["max_position"]),
                        maxPositionNotional: locatedNumber(node?["max_position_notional"]),
                        maxOrderNotional: locatedNumber(node?["max_order_notional"]),
                        orderRate: orderRate, valueAtRisk: valueAtRisk, maxDrawdown: drawdown)
    }

    /// A count in 1...limit; anything else the validator has reported, and the default stands in,
    /// so later checks never divide by zero or pile a second error on the first.
    func count(_ node: YAMLNode?, upTo limit: Int) -> Int? {
        node?.integer.flatMap { (1...limit).contains($0) ? $0 : nil }
    }

    mutating func readExecution(_ node: YAMLNode?) -> ExecutionSpec {
        let algoName = node?["algo"]?.text ?? "market"
        let algorithm: ExecutionSpec.Algorithm
        func settings(_ key: String) -> YAMLNode? { node?[key] }
        switch algoName {
        case "limit":
            algorithm = .limit(offsetBps: settings("limit")?["offset_bps"]?.number ?? 0, ttlBars: settings("limit")?["ttl"]?.integer ?? 1)
        case "twap":
            let twap = settings("twap")
            if twap == nil, let range = node?["algo"]?.range {
                diagnostics.append(Diagnostic(.missingKey, "`algo: twap` needs a `twap:` section with `horizon:` and `slices:`", at: range))
            }
            algorithm = .twap(horizonMicroseconds: twap?["horizon"]?.text.flatMap(ScalarSyntax.durationMicroseconds) ?? 0,
                              slices: count(twap?["slices"], upTo: 10_000) ?? 1)
        case "vwap":
            let vwap = settings("vwap")
            if vwap == nil, let range = node?["algo"]?.range {
                diagnostics.append(Diagnostic(.missingKey, "`algo: vwap` needs a `vwap:` section with `horizon:`", at: range))
            }
            algorithm = .vwap(horizonMicroseconds: vwap?["horizon"]?.text.flatMap(ScalarSyntax.durationMicroseconds) ?? 0,
                              slices: count(vwap?["slices"], upTo: 10_000) ?? 10, profile: vwap?["profile"]?.text ?? "data",
                              lookback: vwap?["lookback"]?.integer ?? 20)
        default:
            algorithm = .market
        }
        for other in ["limit", "twap", "vwap"] where other != algoName {
            if let key = node?.keyRange(other) {
                diagnostics.append(Diagnostic(.suspiciousValue, "`\(other):` settings are ignored because `algo:` is \(algoName)", at: key))
            }
        }
        let venue: ExecutionSpec.Venue
        if let exchange = node?["venue"]?["exchange"] {
            venue = .exchange(name: exchange["name"]?.text ?? "binance", url: exchange["url"]?.text,
                              keyEnvironmentVariable: exchange["key_env"]?.text ?? "STRATUM_API_KEY")
        } else {
            let sim = node?["venue"]?["sim"]
            venue = .simulated(ExecutionSpec.SimulatedVenue(
                fill: sim?["fill"]?.text.flatMap(ExecutionSpec.SimulatedVenue.Fill.init(rawValue:)) ?? .nextOpen,
                feeBps: sim?["fee_bps"]?.number ?? 0, feeFixed: sim?["fee_fixed"]?.number ?? 0,
                slippageBps: sim?["slippage_bps"]?.number ?? 0, participation: sim?["participation"]?.number,
                latencyMicroseconds: sim?["latency"]?.text.flatMap(ScalarSyntax.durationMicroseconds) ?? 0))
        }
        let kill = node?["kill_switch"]
        return ExecutionSpec(
            algorithm: algorithm, algorithmRange: node?["algo"]?.range, venue: venue,
            killSwitch: ExecutionSpec.KillSwitch(
                feedTimeoutMicroseconds: kill?["feed_timeout"]?.text.flatMap(ScalarSyntax.durationMicroseconds),
                venueTimeoutMicroseconds: kill?["venue_timeout"]?.text.flatMap(ScalarSyntax.durationMicroseconds),
                maxRejects: kill?["max_rejects"]?.integer, onDrawdown: kill?["on_drawdown"]?.boolean ?? true,
                action: kill?["action"]?.text.flatMap(RiskSpec.DrawdownAction.init(rawValue:)) ?? .halt))
    }

    func readCompliance(_ node: YAMLNode?) -> ComplianceSpec {
        ComplianceSpec(audit: node?["audit"]?.boolean ?? true, blotter: node?["blotter"]?.boolean ?? true,
                       dailyReport: node?["daily_report"]?.boolean ?? false, archive: node?["archive"]?.text,
                       reconcileTolerance: node?["reconcile_tolerance"]?.number ?? 0.01)
    }

    func readSupervisor(_ node: YAMLNode?) -> SupervisorSpec {
        func duration(_ value: YAMLNode?, _ fallback: Int64) -> Int64 {
            value?.text.flatMap(ScalarSyntax.durationMicroseconds) ?? fallback
        }
        let breaker = node?["circuit_breaker"]
        return SupervisorSpec(
            heartbeatMicroseconds: duration(node?["heartbeat"], 1_000_000),
            missedHeartbeats: node?["missed_heartbeats"]?.integer ?? 3,
            maxRestarts: node?["max_restarts"]?.integer ?? 5,
            backoffMicroseconds: duration(node?["backoff"], 1_000_000),
            maxBackoffMicroseconds: duration(node?["max_backoff"], 60_000_000),
            breakerErrors: breaker?["errors"]?.integer ?? 5,
            breakerWindowMicroseconds: duration(breaker?["window"], 60_000_000),
            breakerCooldownMicroseconds: duration(breaker?["cooldown"], 30_000_000))
    }
}
