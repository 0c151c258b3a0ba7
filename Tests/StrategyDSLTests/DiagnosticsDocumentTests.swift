import Testing
@testable import StrategyDSL

/// docs/diagnostics.md explains every code of the catalogue: a test, so a new code cannot ship undocumented.
struct DiagnosticsDocumentTests {
    @Test func everyCodeHasASectionWithItsAnchorTitleExampleAndFix() throws {
        let document = try #require(repositoryText("docs/diagnostics.md"))
        let sections = document.components(separatedBy: "<a id=\"").dropFirst()
        var byCode: [String: String] = [:]
        for section in sections {
            let anchor = String(section.prefix { $0 != "\"" })
            byCode[anchor] = section
        }
        for code in DiagnosticCode.allCases {
            let anchor = code.rawValue.lowercased()
            let section = try #require(byCode[anchor], "no section with anchor \(anchor)")
            #expect(section.contains("## \(code.rawValue): \(code.title)\n"), "\(code.rawValue): heading")
            #expect(section.contains("**Fix:** "), "\(code.rawValue): no fix")
            #expect(section.contains("```"), "\(code.rawValue): no example")
            #expect(section.contains(code.severity == .error ? "*error.*" : "*warning.*"), "\(code.rawValue): severity")
        }
        #expect(Set(byCode.keys) == Set(DiagnosticCode.allCases.map { $0.rawValue.lowercased() }), "sections for codes that do not exist")
    }

    /// SARIF rules link to `docs/diagnostics.md#e104`; the index table links the same anchors.
    @Test func indexLinksEveryCode() throws {
        let document = try #require(repositoryText("docs/diagnostics.md"))
        for code in DiagnosticCode.allCases {
            #expect(document.contains("| [\(code.rawValue)](#\(code.rawValue.lowercased())) | \(code.title) |"))
        }
    }
}
