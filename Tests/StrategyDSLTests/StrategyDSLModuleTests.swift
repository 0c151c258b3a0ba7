import Testing
@testable import StrategyDSL
