import Testing
@testable import StrategyCompiler
