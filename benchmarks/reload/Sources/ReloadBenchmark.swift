// Hot reload: file save → new plan swapped in, for a 20-node strategy (benchmarks/reload/strategy20.yaml).
//
// Each round saves the file by rename (as most editors do), alternating `slow` between 30 and
// 31 bars, waits for the watcher's request (inotify + the 25 ms debounce), compiles the file
// (parse → lint → plan → models) and maps the running agents onto the new plan between two bars;
// then two more bars go through the runner. Baseline in the same run: an in-process lint of the
// same file, the first stage of every reload. Prints the markdown section for benchmarks/RESULTS.md.
//
// Usage: bench-reload [ROUNDS]   (from the repository root; default 250)
import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler

@main
struct ReloadBenchmark {
    #if arch(x86_64)
    static let architecture = "x86_64"
    #else
    static let architecture = "arm64"
    #endif

    static func main() async throws {
        let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 250 : 250
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let original = try String(contentsOf: root.appendingPathComponent("benchmarks/reload/strategy20.yaml"), encoding: .utf8)
        let variants = [original, original.replacingOccurrences(of: "slow: sma(close, 30)", with: "slow: sma(close, 31)")]
        precondition(variants[0] != variants[1])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-bench-reload-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("strategy20.yaml")
        try Data(variants[0].utf8).write(to: file)

        let registry = root.appendingPathComponent("registry")
        let coordinator = ReloadCoordinator(path: file.path, registry: registry, workingDirectory: root)
        guard case .ready(let compiled) = coordinator.compile() else { fatalError("strategy20.yaml does not compile") }
        var plan = compiled.plan
        precondition(plan.nodes.count == 20, "the strategy has \(plan.nodes.count) nodes, not 20")
        var bars: [Bar] = []
        try CSVBarReader(path: root.appendingPathComponent("data/GOOG.csv").path).forEachBar { bars.append($0) }
        let start = bars.count - 2 * rounds - 1
        precondition(start > 300, "too many rounds for data/GOOG.csv")
        var runner = FusedRunner(plan: plan, evaluators: compiled.evaluators)
        var sink = RecentBarsSink(CollectingSink(keepAudit: false), recent: RecentBars(plan: plan))
        for bar in bars[..<start] { runner.push(bar, into: &sink) }
        var next = start

        // Baseline: lint alone, in process, the same file.
        var lintTimes: [Duration] = []
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            let began = clock.now
            let result = coordinator.linter.lint(path: file.path)
            lintTimes.append(clock.now - began)
            precondition(!result.hasErrors)
        }

        let watcher = try StrategyWatcher(strategy: file.path, registry: registry, models: ReloadCoordinator.models(of: plan))
        var total: [Duration] = [], notice: [Duration] = [], compile: [Duration] = [], swap: [Duration] = [], work: [Duration] = []
        var applied = 0
        for round in 1...rounds {
            let temporary = folder.appendingPathComponent(".strategy20.yaml.\(round).tmp")
            let began = clock.now
            try Data(variants[round % 2].utf8).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { fatalError("rename failed") }
            var iterator = watcher.requests.makeAsyncIterator()
            guard let request = await iterator.next() else { fatalError("the watcher stopped") }
            let noticed = clock.now
            let compilation = coordinator.compile()
            let compiledAt = clock.now
            let result = coordinator.apply(compilation, running: plan, agents: runner.agents, recentBars: sink.recent.bars,
                                           triggers: request.triggers, at: Int64(round))
            if result.applied {
                runner.agents = result.agents
                plan = result.plan
                applied += 1
            }
            let swapped = clock.now
            total.append(swapped - began)
            notice.append(noticed - began)
            compile.append(compiledAt - noticed)
            swap.append(swapped - compiledAt)
            work.append(swapped - noticed)
            for _ in 0..<2 {
                runner.push(bars[next], into: &sink)
                next += 1
            }
        }
        watcher.stop()
        precondition(applied == rounds, "\(rounds - applied) reloads were not applied")

        func ms(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        }
        func percentile(_ values: [Duration], _ p: Double) -> Double {
            let sorted = values.map(ms).sorted()
            return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        func row(_ name: String, _ values: [Duration]) -> String {
            String(format: "| %@ | %.2f | %.2f | %.2f |", name, percentile(values, 0.5), percentile(values, 0.99), values.map(ms).max() ?? 0)
        }
        let p99 = percentile(total, 0.99)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
        print("""
            <!-- reload:begin -->
            ## Hot reload

            File save → new plan swapped in, for the 20-node strategy `benchmarks/reload/strategy20.yaml`, \(rounds) saves
            by rename (alternating `slow` between 30 and 31 bars, which rebuilds that feature and the two signals reading
            it), each followed by two bars through the runner. Measured from just before the save to the runner holding
            the mapped agents: the watcher's notice (inotify and its 25 ms debounce), compile (parse → lint → plan → models),
            and the swap (agents mapped, rebuilt features warmed up on \(sink.recent.depth) recent bars). Baseline in the same
            run: an in-process `lint` of the same file, \(rounds) times. Every round is kept. Release build; machine: \(Self.architecture),
            \(ProcessInfo.processInfo.activeProcessorCount) cores, shared with other builds (load average \(load) when the run ended).
            Reproduce: `benchmarks/reload/run.sh`.

            | stage (ms) | p50 | p99 | max |
            |---|---:|---:|---:|
            \(row("**save → swap** (target p99 < 100 ms)", total))
            \(row("watcher notice (includes the 25 ms debounce)", notice))
            \(row("compile", compile))
            \(row("swap between two bars", swap))
            \(row("reload work: compile + swap", work))
            \(row("baseline: `lint` of the same file", lintTimes))

            Save → swap p99 **\(String(format: "%.1f", p99)) ms**: target \(p99 < 100 ? "met" : "not met"). Most of it is the debounce, which
            folds an editor's several events into one reload; the reload's own work is \(String(format: "%.2f", percentile(work, 0.5))) ms at p50,
            \(String(format: "%.1f", percentile(work, 0.5) / percentile(lintTimes, 0.5)))× a plain lint of the same file.
            <!-- reload:end -->
            """)
    }
}
