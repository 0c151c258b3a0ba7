import Foundation
import Testing
@testable import StratumCLI

/// Bad input to `stratum backtest`: each gives exit code 1, an error naming the file and the
/// line, and leaves `--out` as it was (empty).
struct BacktestBadInputTests {
    /// SMA(2)/SMA(3) crossover over data/bars.csv (a name the repository does not hold, so the
    /// fixture's file is the one read whatever the working directory).
    static let strategy = """
        strategy: { name: bad-input }
        data:
          bars: { csv: data/bars.csv, instrument: X, interval: 1d }
        features:
          fast: sma(close, 2)
          slow: sma(close, 3)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)

        """

    static let header = "timestamp,open,high,low,close,volume\n"

    func refused(data: String?, strategy: String = Self.strategy) throws -> (err: String, fixture: BacktestFixture) {
        let fixture = try BacktestFixture()
        if let data { try fixture.write("data/bars.csv", data) }
        let path = try fixture.write("strategy.yaml", strategy)
        let result = fixture.backtest(path)
        #expect(result.code == 1)
        #expect(result.out.isEmpty)
        #expect(try fixture.entries().isEmpty, "nothing is left in --out")
        return (result.err, fixture)
    }

    @Test func missingDataFile() throws {
        let (err, fixture) = try refused(data: nil)
        // line 3, column 16: where `data/bars.csv` is written
        #expect(err.contains("\(fixture.folder.path)/strategy.yaml:3:16: error[E601]: data file 'data/bars.csv' not found"), "\(err)")
    }

    @Test func unsortedTimestamps() throws {
        let (err, fixture) = try refused(data: Self.header + """
            2024-01-01,1,1,1,1,10
            2024-01-03,1,1,1,1,10
            2024-01-02,1,1,1,1,10

            """)
        // line 4 (the header is line 1) goes back in time
        #expect(err.contains("\(fixture.folder.path)/data/bars.csv:4:1: error: timestamp `2024-01-02` on line 4 is earlier than the timestamp on line 3"), "\(err)")
    }

    @Test func duplicateTimestamps() throws {
        let (err, fixture) = try refused(data: Self.header + """
            2024-01-01,1,1,1,1,10
            2024-01-02,1,1,1,1,10
            2024-01-02,1,1,1,1,10

            """)
        #expect(err.contains("\(fixture.folder.path)/data/bars.csv:4:1: error: timestamp `2024-01-02` on line 4 repeats the timestamp of line 3"), "\(err)")
    }

    @Test func badNumber() throws {
        let (err, fixture) = try refused(data: Self.header + """
            2024-01-01,1,1,1,1,10
            2024-01-02,1,1,1.x,1,10
            2024-01-03,1,1,1,1,10

            """)
        // line 3, column 16: the `1.x` in `low`
        #expect(err.contains("\(fixture.folder.path)/data/bars.csv:3:16: error: `1.x` in column `low` is not a number"), "\(err)")
    }

    @Test func headerWithoutBars() throws {
        let (err, fixture) = try refused(data: Self.header)
        #expect(err.contains("\(fixture.folder.path)/data/bars.csv:1: error: the file has a header but no bars"), "\(err)")
    }

    @Test func strategyThatFailsLint() throws {
        let good = Self.header + "2024-01-01,1,1,1,1,10\n2024-01-02,1,1,1,1,10\n"
        let (err, fixture) = try refused(data: good, strategy: Self.strategy.replacingOccurrences(of: "sma(close, 3)", with: "sma(clsoe, 3)"))
        #expect(err.hasPrefix("error: \(fixture.folder.path)/strategy.yaml does not pass lint; nothing was run"), "\(err)")
        // line 6, column 13: `clsoe`
        #expect(err.contains("strategy.yaml:6:13: error[E104]: unknown feature 'clsoe'"), "\(err)")
    }
}
