/// The highest (or lowest) of the last `period` values, in amortised O(1) per update.
///
/// A monotonic deque of (position, value) pairs in fixed ring storage: values that can never
/// again be the extreme are dropped as soon as a better one arrives, so the front is the answer.
struct RollingExtreme: Sendable {
    let period: Int
    let keepsMaximum: Bool
    private var values: FixedStorage<Double>
    private var positions: FixedStorage<Int>
    private var front = 0
    private var length = 0
    private var seen = 0

    init(period: Int, keepsMaximum: Bool) {
        precondition(period > 0, "RollingExtreme needs a positive period")
        self.period = period
        self.keepsMaximum = keepsMaximum
        values = FixedStorage(repeating: 0, count: period)
        positions = FixedStorage(repeating: 0, count: period)
    }

    /// A copy with its own storage (see `FixedStorage`).
    func duplicated() -> RollingExtreme {
        var copy = self
        copy.values = values.duplicated()
        copy.positions = positions.duplicated()
        return copy
    }

    /// True once `period` values have been seen.
    var isFull: Bool { seen >= period }

    /// The extreme of the values currently in the window.
    var extreme: Double { values.base[front] }

    @inline(__always)
    mutating func push(_ x: Double) {
        let position = seen
        seen += 1
        if length > 0 && positions.base[front] <= position - period {
            front = front + 1 == period ? 0 : front + 1
            length -= 1
        }
        while length > 0 {
            var back = front + length - 1
            if back >= period { back -= period }
            let dominated = keepsMaximum ? values.base[back] <= x : values.base[back] >= x
            if !dominated { break }
            length -= 1
        }
        var slot = front + length
        if slot >= period { slot -= period }
        values.base[slot] = x
        positions.base[slot] = position
        length += 1
    }
}
