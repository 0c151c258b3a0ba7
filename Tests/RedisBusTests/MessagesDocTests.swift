import Agents
import Foundation
import Testing
@testable import RedisBus

/// docs/messages.md is the contract for other programs: each topic's example there must decode,
/// and encode back to exactly the bytes shown.
@Suite struct MessagesDocTests {
    static func examples() throws -> [String] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/messages.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var result: [String] = []
        var inJSON = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```json" { inJSON = true; continue }
            if line == "```" { inJSON = false; continue }
            if inJSON, line.hasPrefix("{\"id\""), !line.contains("…") { result.append(String(line)) }
        }
        return result
    }

    @Test func everyTopicHasAnExampleThatRoundTrips() throws {
        let codec = EnvelopeCodec()
        var topics: Set<Topic> = []
        for example in try Self.examples() {
            let decoded = try codec.decode(Array(example.utf8))
            topics.insert(decoded.envelope.topic)
            #expect(String(decoding: try codec.encode(decoded), as: UTF8.self) == example)
        }
        #expect(topics == Set(Topic.allCases))
    }
}
