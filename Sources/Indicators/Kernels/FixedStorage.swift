/// A fixed-size heap array written through a raw pointer, with no uniqueness check per write.
///
/// `ContiguousArray` checks uniqueness (a runtime call) on every write, which costs more than a
/// moving average's arithmetic. Here the check moves up a level: a kernel's storage belongs to
/// that kernel alone, and copies that will be written are made with `duplicated()`
/// (`StreamingIndicator` does so whenever it is itself copied).
///
/// `@unchecked Sendable`: never written by two owners, per the rule above.
final class FixedStorage<Element: BitwiseCopyable>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(repeating value: Element, count: Int) {
        base = .allocate(capacity: count)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    deinit {
        base.deallocate()
    }

    func duplicated() -> FixedStorage {
        let copy = FixedStorage(repeating: base[0], count: count)
        copy.base.update(from: base, count: count)
        return copy
    }
}
