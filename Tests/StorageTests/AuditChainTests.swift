import Foundation
import Testing
@testable import Storage

/// The canonical byte string and row hash, checked against `printf … | sha256sum`.
@Suite struct AuditChainTests {
    @Test func genesisHashIsSixtyFourZeros() {
        #expect(AuditChain.genesisHash == "0000000000000000000000000000000000000000000000000000000000000000")
    }

    @Test func canonicalBytesJoinFieldsWithLineFeeds() {
        let bytes = AuditChain.canonicalBytes(
            seq: 12, timestampMicros: -5, kind: "k", payload: "{}", prevHash: AuditChain.genesisHash)
        let expected = Array("12\n-5\nk\n{}\n".utf8) + Array(repeating: UInt8(ascii: "0"), count: 64)
        #expect(bytes == expected)
    }

    /// `printf '1\n1700000000000000\nrun.created\n{"a":1}\n<64 zeros>' | sha256sum`
    @Test func firstRowHashMatchesSha256sum() {
        let hash = AuditChain.hash(
            seq: 1, timestampMicros: 1_700_000_000_000_000, kind: "run.created", payload: #"{"a":1}"#,
            prevHash: AuditChain.genesisHash)
        #expect(hash == "efbafa3a23a5b3a8af68a3e0a8202c244c0918c00396514bb56660f72617d5cc")
    }

    /// The second row chains on the first; its payload holds an escaped line feed.
    /// `printf '2\n-5\nfill.recorded\n{"note":"line\\nbreak","qty":2.5}\nefbafa…d5cc' | sha256sum`
    @Test func secondRowHashChainsOnTheFirst() throws {
        struct Note: Encodable {
            let qty: Double
            let note: String
        }
        let payload = try AuditChain.encodePayload(Note(qty: 2.5, note: "line\nbreak"))
        #expect(payload == #"{"note":"line\nbreak","qty":2.5}"#)
        let hash = AuditChain.hash(
            seq: 2, timestampMicros: -5, kind: "fill.recorded", payload: payload,
            prevHash: "efbafa3a23a5b3a8af68a3e0a8202c244c0918c00396514bb56660f72617d5cc")
        #expect(hash == "bde96a16c50f1060cf94e2b09f2288eba8212238fd3367cba24b0384b5060b21")
    }

    @Test func payloadKeysAreSortedWhateverTheDictionaryOrder() throws {
        let payload = try AuditChain.encodePayload(["zeta": 1, "alpha": 2, "mid/path": 3])
        #expect(payload == #"{"alpha":2,"mid/path":3,"zeta":1}"#)
    }
}
