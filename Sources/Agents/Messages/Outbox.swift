/// Messages an agent produced while handling one message. Reused by the runner, so a steady
/// state appends into capacity it already has.
///
/// A value (copy on write), its messages in a buffer of its own rather than an array: a runner
/// delivers them where they lie, lending each to the agents, and ends only those whose payload
/// holds a reference (see `takeAll`). An array can only end its elements one by one through
/// the envelope's general destroy, or hand each out by a copy.
public struct Outbox: @unchecked Sendable {
    // Unchecked: a buffer (not itself `Sendable`) is written only by the outbox holding the one
    // reference to it (`isKnownUniquelyReferenced`), so two outboxes, or two threads, never
    // write one they share.
    // Inlinable, with the storage it touches: the runner calls these on every message, from
    // another module.
    @usableFromInline var buffer: OutboxBuffer

    public init() {
        buffer = OutboxBuffer.make(capacity: 16)
    }

    /// An outbox with room for `capacity` messages; 0 allocates nothing (every empty outbox
    /// shares one buffer), for a runner that swaps buffers it already owns in and out.
    public init(capacity: Int) {
        buffer = capacity > 0 ? OutboxBuffer.make(capacity: capacity) : OutboxBuffer.empty
    }

    /// The messages in the order they were emitted.
    public var messages: [Envelope] {
        withExtendedLifetime(buffer) { Array(UnsafeBufferPointer(start: buffer.elements, count: buffer.count)) }
    }

    /// Message `index`, in the order they were emitted.
    @inlinable
    public subscript(index: Int) -> Envelope {
        precondition(index >= 0 && index < buffer.count, "outbox index \(index) out of range 0..<\(buffer.count)")
        return withExtendedLifetime(buffer) { buffer.elements[index] }
    }

    @inlinable
    public var isEmpty: Bool { buffer.count == 0 }

    /// How many messages the outbox holds.
    @inlinable
    public var count: Int { buffer.count }

    /// Appends a message; the envelope is moved in, not copied.
    @inlinable @inline(__always)
    public mutating func emit(_ envelope: consuming Envelope) {
        if _slowPath(!isKnownUniquelyReferenced(&buffer) || buffer.count == buffer.room) { makeRoom() }
        let count = buffer.count
        (buffer.elements + count).initialize(to: envelope)
        buffer.count = count &+ 1
    }

    /// A buffer of its own with room for one more message: the messages move over when this
    /// outbox owns its buffer, and are copied when it shares it.
    @usableFromInline @inline(never)
    mutating func makeRoom() {
        let count = buffer.count
        let capacity = buffer.count < buffer.room ? buffer.room : Swift.max(16, buffer.room * 2)
        let grown = OutboxBuffer.make(capacity: capacity)
        if isKnownUniquelyReferenced(&buffer) {
            grown.elements.moveInitialize(from: buffer.elements, count: count)
            buffer.count = 0
        } else {
            grown.elements.initialize(from: buffer.elements, count: count)
        }
        grown.count = count
        buffer = grown
    }

    /// Empties the outbox and keeps its capacity.
    @inlinable
    public mutating func removeAll() {
        guard buffer.count > 0 else { return }
        if isKnownUniquelyReferenced(&buffer) {
            buffer.elements.deinitialize(count: buffer.count)
            buffer.count = 0
        } else {
            buffer = OutboxBuffer.make(capacity: buffer.room)
        }
    }

    /// Hands every message to `body` in the order it was emitted and leaves the outbox empty
    /// with its capacity. Each message is moved out of the buffer, lent to `body`, and then
    /// ended by its case: one whose payload holds a reference (features, errors, commands, and
    /// the audit records of those) takes the envelope's destroy; any other is moved back into
    /// the slot it came from, whose memory the buffer then counts as free, since ending it
    /// releases nothing. (Lent straight from the buffer, a message would be copied, retained and
    /// destroyed around every agent's `handle`; ended by a consuming switch, an audit record
    /// still takes the general destroy through the envelope's value witness, some 90
    /// instructions.) Messages `body` emits into another outbox wait there.
    @inlinable @inline(__always)
    public mutating func takeAll(_ body: (Envelope) -> Void) {
        guard buffer.count > 0 else { return }
        if !isKnownUniquelyReferenced(&buffer) { makeRoom() }
        let elements = buffer.elements, count = buffer.count
        var index = 0
        while index < count {
            let message = (elements + index).move()
            body(message)
            if message.payload.holdsReferences {
                _ = consume message
            } else {
                (elements + index).initialize(to: message)
            }
            index &+= 1
        }
        buffer.count = 0
    }
}

/// The outbox's storage: a count and a capacity, then the envelopes.
@usableFromInline
final class OutboxBuffer: ManagedBuffer<OutboxBuffer.Header, Envelope> {
    @usableFromInline
    struct Header {
        @usableFromInline var count: Int
        @usableFromInline let capacity: Int
    }

    /// The buffer every outbox made with capacity 0 shares: never written (it is never unique).
    @usableFromInline nonisolated(unsafe) static let empty = make(capacity: 0)

    @usableFromInline
    static func make(capacity: Int) -> OutboxBuffer {
        let made = create(minimumCapacity: capacity) { _ in Header(count: 0, capacity: capacity) }
        return unsafeDowncast(made, to: OutboxBuffer.self)
    }

    /// The envelopes; valid while the buffer lives.
    @inlinable
    var elements: UnsafeMutablePointer<Envelope> { withUnsafeMutablePointerToElements { $0 } }

    @inlinable
    var count: Int {
        get { withUnsafeMutablePointerToHeader { $0.pointee.count } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.count = newValue } }
    }

    /// Room for this many envelopes (`ManagedBuffer.capacity` asks the allocator).
    @inlinable
    var room: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }

    deinit {
        _ = withUnsafeMutablePointers { header, elements in elements.deinitialize(count: header.pointee.count) }
    }
}

extension Payload {
    /// Whether ending the payload releases anything: features (their register array), execution
    /// errors and commands (their text), and the audit records of those or of any other payload
    /// kept boxed.
    @inlinable
    var holdsReferences: Bool {
        switch self {
        case .features, .executionError, .command: true
        case .audit(let record): record.recorded.holdsReferences
        case .bar, .signal, .target, .trade, .equity, .alert, .order, .fill, .heartbeat, .barClosed: false
        }
    }
}

extension AuditRecord.Recorded {
    /// Whether ending the recorded payload releases anything.
    @inlinable
    var holdsReferences: Bool {
        switch self {
        case .signal, .target, .trade, .alert, .order, .fill: false
        case .executionError, .command, .other: true
        }
    }
}
