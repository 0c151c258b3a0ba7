/// The state of a feature program's most common kernels (SMA, crossover/crossunder), each kind
/// side by side in one flat allocation, with the program's lowered steps that run them.
///
/// A `StreamingIndicator` checks that its state is unshared on every update and reaches it
/// through two `switch`es; a program running several of them pays that per indicator per bar.
/// Here the whole store is checked once per bar (`makeUnique`) and each kernel is then updated
/// in place at a fixed address: the same kernel code, so the same numbers.
///
/// A value type: copies share storage until one of them is about to write (copy-on-write). The
/// steps never change, so copies share them for good; they sit here so that `evaluate` reaches
/// them without retaining an array.
struct KernelStore<Step: Sendable>: Sendable {
    typealias Slot = KernelSlot

    private var storage: Storage

    init(sma: [Slot<SimpleMovingAverage>], crossing: [Slot<Crossing>], program: [Step]) {
        storage = Storage(sma: sma, crossing: crossing, program: Program(program))
    }

    var sma: UnsafeMutablePointer<Slot<SimpleMovingAverage>> { storage.sma }
    var crossing: UnsafeMutablePointer<Slot<Crossing>> { storage.crossing }
    var program: UnsafeBufferPointer<Step> { storage.program.steps }

    /// Gives this store storage of its own before a write; shared window storage is copied too.
    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.duplicated() }
    }

    /// `@unchecked Sendable`: written only by the store that references it uniquely (`makeUnique`).
    private final class Storage: @unchecked Sendable {
        let sma: UnsafeMutablePointer<Slot<SimpleMovingAverage>>
        let smaCount: Int
        let crossing: UnsafeMutablePointer<Slot<Crossing>>
        let crossingCount: Int
        let program: Program

        init(sma: [Slot<SimpleMovingAverage>], crossing: [Slot<Crossing>], program: Program) {
            self.program = program
            // At least one element each, so the pointers are never null and never shared.
            self.sma = .allocate(capacity: max(sma.count, 1))
            self.sma.initialize(from: sma, count: sma.count)
            smaCount = sma.count
            self.crossing = .allocate(capacity: max(crossing.count, 1))
            self.crossing.initialize(from: crossing, count: crossing.count)
            crossingCount = crossing.count
        }

        deinit {
            sma.deinitialize(count: smaCount)
            sma.deallocate()
            crossing.deinitialize(count: crossingCount)
            crossing.deallocate()
        }

        /// A deep copy: every kernel with its own window storage.
        func duplicated() -> Storage {
            let sma = (0..<smaCount).map { Slot(kernel: self.sma[$0].kernel.duplicated(), skipped: self.sma[$0].skipped) }
            let crossing = (0..<crossingCount).map { Slot(kernel: self.crossing[$0].kernel.duplicated(), skipped: self.crossing[$0].skipped) }
            return Storage(sma: sma, crossing: crossing, program: program)
        }
    }

    /// The steps in a fixed allocation, shared by every copy of the store.
    private final class Program: Sendable {
        nonisolated(unsafe) let steps: UnsafeBufferPointer<Step>

        init(_ steps: [Step]) {
            let base = UnsafeMutablePointer<Step>.allocate(capacity: max(steps.count, 1))
            base.initialize(from: steps, count: steps.count)
            self.steps = UnsafeBufferPointer(start: base, count: steps.count)
        }

        deinit {
            let base = UnsafeMutablePointer(mutating: steps.baseAddress!)
            base.deinitialize(count: steps.count)
            base.deallocate()
        }
    }
}

/// One kernel and whether the last bar was skipped for a NaN argument (outputs read NaN).
struct KernelSlot<Kernel: DuplicableKernel>: Sendable {
    var kernel: Kernel
    var skipped: Bool
}
