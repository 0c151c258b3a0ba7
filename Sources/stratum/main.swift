import StratumCLI

await Stratum.main()
