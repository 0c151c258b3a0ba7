import StratumCLI

/// The executable: everything lives in StratumCLI so tests can run commands in-process.
@main
enum StratumMain {
    static func main() async {
        await Stratum.main()
    }
}
