/// The last `capacity` values of a series, in fixed storage allocated once.
struct RingBuffer: Sendable {
    private var storage: FixedStorage<Double>
    let capacity: Int
    /// Where the next value goes; once full, also the position of the oldest value.
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "RingBuffer needs a positive capacity")
        storage = FixedStorage(repeating: 0, count: capacity)
        self.capacity = capacity
    }

    /// A copy with its own storage (see `FixedStorage`).
    func duplicated() -> RingBuffer {
        var copy = self
        copy.storage = storage.duplicated()
        return copy
    }

    var isFull: Bool { count == capacity }

    /// Stores `x` and returns the value it displaced: the oldest once full, 0 before.
    @inline(__always)
    @discardableResult
    mutating func push(_ x: Double) -> Double {
        let slot = storage.base + next
        let displaced = slot.pointee
        slot.pointee = x
        next += 1
        if next == capacity { next = 0 }
        if count < capacity { count += 1 }
        return displaced
    }

    /// A full ring's storage, capacity and the position of its oldest value, for a loop that
    /// pushes many values: storing at that position and moving it on by one (wrapping) is `push`.
    @inline(__always)
    mutating func withFullRing(_ body: (UnsafeMutablePointer<Double>, Int, inout Int) -> Void) {
        precondition(isFull, "withFullRing needs a full ring")
        body(storage.base, capacity, &next)
    }

    /// The oldest stored value (the first one pushed while not yet full).
    var oldest: Double { isFull ? storage.base[next] : storage.base[0] }

    /// The sum of the stored values in storage order.
    func sum() -> Double {
        var total = 0.0
        for index in 0..<count { total += storage.base[index] }
        return total
    }

    /// The sum of |value - centre| over the stored values in storage order.
    func absoluteDeviation(from centre: Double) -> Double {
        var total = 0.0
        for index in 0..<count { total += abs(storage.base[index] - centre) }
        return total
    }

    /// The sum of (value - centre)² over the stored values in storage order.
    func squaredDeviation(from centre: Double) -> Double {
        var total = 0.0
        for index in 0..<count {
            let deviation = storage.base[index] - centre
            total += deviation * deviation
        }
        return total
    }
}
