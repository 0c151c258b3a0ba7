import Foundation
import ModelRegistry

/// The hash chain that makes the audit log tamper-evident.
///
/// Each row's `hash` is SHA-256 over its canonical byte string, which includes the previous
/// row's hash, so editing, removing or reordering any row breaks every link after it. The
/// canonical byte string is the UTF-8 encoding of
///
///     <seq> LF <ts_us> LF <kind> LF <payload> LF <prev_hash>
///
/// where `seq` and `ts_us` are base-10 integers without padding or `+` (a `-` only for a
/// negative timestamp), `kind` holds no line feed (the schema refuses one), `payload` is the
/// stored JSON text byte for byte, and `prev_hash` is 64 lowercase hex digits (64 zeros for
/// seq 1). Nothing follows `prev_hash`. Because `prev_hash` has a fixed length and the fields
/// before `payload` hold no line feed, the string splits back into its fields one way only.
/// docs/storage.md shows how to recompute a hash with the sqlite3 CLI and sha256sum.
public enum AuditChain {
    /// The `prev_hash` of the first row.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The exact bytes that a row's hash covers.
    public static func canonicalBytes(
        seq: Int64, timestampMicros: Int64, kind: String, payload: String, prevHash: String
    ) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(kind.utf8.count + payload.utf8.count + 110)
        bytes.append(contentsOf: String(seq).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: String(timestampMicros).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: kind.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: payload.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: prevHash.utf8)
        return bytes
    }

    /// The row hash: SHA-256 of the canonical bytes, as 64 lowercase hex digits.
    public static func hash(
        seq: Int64, timestampMicros: Int64, kind: String, payload: String, prevHash: String
    ) -> String {
        let bytes = canonicalBytes(
            seq: seq, timestampMicros: timestampMicros, kind: kind, payload: payload, prevHash: prevHash)
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bytes: $0) }
        return SHA256.hexString(hasher.finalize())
    }

    /// Whether `text` has a row hash's form: exactly 64 lowercase hex digits (the rule of the
    /// `audit_hash_format` trigger).
    public static func isHash(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            bytes.count == 64 && bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
    }

    /// Encodes an audit payload as compact JSON with sorted keys and unescaped slashes.
    ///
    /// Sorted keys make the text, and so the hash, independent of dictionary order: the same
    /// value always produces the same bytes.
    public static func encodePayload(_ payload: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(payload)
        return String(decoding: data, as: UTF8.self)
    }
}
