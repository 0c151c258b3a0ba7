/// One row of the append-only audit log, as stored.
public struct AuditEntry: Sendable, Equatable {
    /// Position in the chain, 1 for the first row, no gaps.
    public var seq: Int64
    /// When the audited event happened, microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    /// What happened, dotted lower case such as `run.created` or `reload.applied`.
    public var kind: String
    /// The event's details as compact JSON with sorted keys.
    public var payload: String
    /// The previous row's `hash`, or ``AuditChain/genesisHash`` for seq 1.
    public var prevHash: String
    /// SHA-256 over the row's canonical bytes; see ``AuditChain``.
    public var hash: String

    public init(seq: Int64, timestampMicros: Int64, kind: String, payload: String, prevHash: String, hash: String) {
        self.seq = seq
        self.timestampMicros = timestampMicros
        self.kind = kind
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// An event to append to the audit log; the store assigns its seq and hashes.
public struct AuditEvent: Sendable, Equatable {
    public var timestampMicros: Int64
    public var kind: String
    /// Compact JSON with sorted keys, produced by ``AuditChain/encodePayload(_:)``.
    public let payload: String

    /// Encodes `payload` with the audit log's stable JSON encoding.
    ///
    /// - Throws: `EncodingError` when the value cannot be encoded (a non-finite Double, say).
    public init(kind: String, payload: some Encodable, at timestampMicros: Int64) throws {
        self.timestampMicros = timestampMicros
        self.kind = kind
        self.payload = try AuditChain.encodePayload(payload)
    }
}

extension AuditEvent {
    /// An event whose payload the caller has already encoded as compact JSON with sorted keys
    /// (the engine's messages have their own encoder; the manifest at creation is one too).
    public init(kind: String, canonicalJSON payload: String, at timestampMicros: Int64) {
        self.init(uncheckedKind: kind, payload: payload, at: timestampMicros)
    }

    init(uncheckedKind kind: String, payload: String, at timestampMicros: Int64) {
        self.timestampMicros = timestampMicros
        self.kind = kind
        self.payload = payload
    }
}
