/// The last `capacity` values of a series, in fixed storage allocated once.
struct RingBuffer: Sendable {
    private var storage: ContiguousArray<Double>
    /// Where the next value goes; once full, also the position of the oldest value.
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "RingBuffer needs a positive capacity")
        storage = ContiguousArray(repeating: 0, count: capacity)
    }

    var capacity: Int { storage.count }
    var isFull: Bool { count == storage.count }

    /// Stores `x` and returns the value it displaced: the oldest once full, 0 before.
    @inline(__always)
    @discardableResult
    mutating func push(_ x: Double) -> Double {
        let displaced = storage[next]
        storage[next] = x
        next += 1
        if next == storage.count { next = 0 }
        if count < storage.count { count += 1 }
        return displaced
    }

    /// The oldest stored value (the first one pushed while not yet full).
    var oldest: Double { isFull ? storage[next] : storage[0] }

    /// The sum of the stored values in storage order.
    func sum() -> Double {
        storage.withUnsafeBufferPointer { values in
            var total = 0.0
            for index in 0..<count { total += values[index] }
            return total
        }
    }

    /// The sum of |value - centre| over the stored values in storage order.
    func absoluteDeviation(from centre: Double) -> Double {
        storage.withUnsafeBufferPointer { values in
            var total = 0.0
            for index in 0..<count { total += abs(values[index] - centre) }
            return total
        }
    }

    /// The sum of (value - centre)² over the stored values in storage order.
    func squaredDeviation(from centre: Double) -> Double {
        storage.withUnsafeBufferPointer { values in
            var total = 0.0
            for index in 0..<count {
                let deviation = values[index] - centre
                total += deviation * deviation
            }
            return total
        }
    }
}
