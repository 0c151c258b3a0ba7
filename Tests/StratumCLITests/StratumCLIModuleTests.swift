import Testing
@testable import StratumCLI
