import Testing
@testable import ModelRegistry
