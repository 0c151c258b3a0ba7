import Testing
@testable import ModelRegistry

/// Reference and name rules from the registry's specification (docs/registry.md); dates checked against the calendar.
struct ModelReferenceTests {
    @Test func parsesVersionsAndTags() throws {
        #expect(try ModelReference(parsing: "momentum@v261124") == ModelReference(name: "momentum", selector: .version("v261124")))
        #expect(try ModelReference(parsing: "momentum@v261124.2").selector == .version("v261124.2"))
        #expect(try ModelReference(parsing: "trend_x-2@prod").selector == .tag("prod"))
        #expect(try ModelReference(parsing: "momentum@prod").description == "momentum@prod")
    }

    @Test(arguments: ["momentum", "@prod", "momentum@", "a@b@c", "Momentum@prod", "../x@prod", "/abs@prod", "mo mentum@prod",
                      "momentum@v261324", "momentum@v260230", "momentum@v250229", "momentum@v261124.0", "momentum@v261124.", "momentum@v2611",
                      "momentum@Prod", "momentum@v2x"])
    func refusesBadReferences(_ text: String) {
        #expect(throws: RegistryError.self) { try ModelReference(parsing: text) }
    }

    @Test func leapDaysAreDates() throws {
        // 2028 is a leap year, 2100 is out of range (YY maps to 2000–2099), 2000 was a leap year.
        #expect(try ModelReference(parsing: "m@v280229").selector == .version("v280229"))
        #expect(try ModelReference(parsing: "m@v000229").selector == .version("v000229"))
    }

    @Test func messagesSayWhatToWrite() {
        #expect(errorText { _ = try ModelReference(parsing: "momentum") }
            == "invalid model reference 'momentum': no '@'; write NAME@vYYMMDD[.n] or NAME@TAG, e.g. momentum@v261124 or momentum@prod")
        #expect(errorText { _ = try ModelReference(parsing: "m@v261131") }
            == "invalid version 'v261131': day 31 does not exist in 2026-11; write vYYMMDD or vYYMMDD.n, e.g. v261124 or v261124.2")
    }

    @Test func versionsSortByDateThenSequence() {
        #expect(RegistryNames.sortedVersions(["v261124.10", "v261125", "v261124.2", "v261124"])
            == ["v261124", "v261124.2", "v261124.10", "v261125"])
    }
}
