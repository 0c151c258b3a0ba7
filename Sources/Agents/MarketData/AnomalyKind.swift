/// A way a bar can be wrong, as the anomaly filter sees it.
public enum AnomalyKind: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// An open, high, low or close that is zero, negative or not a number.
    case nonPositivePrice
    /// A high below the low.
    case highBelowLow
    /// An open or close outside [low, high].
    case outsideRange
    /// Zero (or negative) volume on a source that declares volume.
    case zeroVolume
    /// A close whose log return lies beyond k robust sigmas of the recent returns.
    case spike

    /// The name reports and summaries use (snake case, as in the strategy language).
    public var description: String {
        switch self {
        case .nonPositivePrice: "non_positive_price"
        case .highBelowLow: "high_below_low"
        case .outsideRange: "outside_range"
        case .zeroVolume: "zero_volume"
        case .spike: "spike"
        }
    }
}

/// A set of anomaly kinds, one bit each, so a verdict carries them without allocating.
public struct AnomalyKinds: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public init(_ kind: AnomalyKind) {
        rawValue = 1 << UInt8(kind.rawValue)
    }

    public static let nonPositivePrice = AnomalyKinds(.nonPositivePrice)
    public static let highBelowLow = AnomalyKinds(.highBelowLow)
    public static let outsideRange = AnomalyKinds(.outsideRange)
    public static let zeroVolume = AnomalyKinds(.zeroVolume)
    public static let spike = AnomalyKinds(.spike)

    public func contains(_ kind: AnomalyKind) -> Bool { contains(AnomalyKinds(kind)) }

    /// The kinds in declaration order.
    public var kinds: [AnomalyKind] { AnomalyKind.allCases.filter { contains($0) } }

    public var description: String { kinds.map(\.description).joined(separator: ",") }
}

/// How many bars showed each kind of anomaly (a bar with two kinds counts once for each).
public struct AnomalyCounts: Sendable, Hashable {
    private var storage: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)

    public init() {}

    public subscript(kind: AnomalyKind) -> Int {
        get {
            switch kind {
            case .nonPositivePrice: storage.0
            case .highBelowLow: storage.1
            case .outsideRange: storage.2
            case .zeroVolume: storage.3
            case .spike: storage.4
            }
        }
        set {
            switch kind {
            case .nonPositivePrice: storage.0 = newValue
            case .highBelowLow: storage.1 = newValue
            case .outsideRange: storage.2 = newValue
            case .zeroVolume: storage.3 = newValue
            case .spike: storage.4 = newValue
            }
        }
    }

    /// Adds one to the count of every kind in the set.
    public mutating func record(_ kinds: AnomalyKinds) {
        guard !kinds.isEmpty else { return }
        for kind in AnomalyKind.allCases where kinds.contains(kind) { self[kind] += 1 }
    }

    /// The sum over kinds.
    public var total: Int { AnomalyKind.allCases.reduce(0) { $0 + self[$1] } }

    public static func == (lhs: AnomalyCounts, rhs: AnomalyCounts) -> Bool {
        AnomalyKind.allCases.allSatisfy { lhs[$0] == rhs[$0] }
    }

    public func hash(into hasher: inout Hasher) {
        for kind in AnomalyKind.allCases { hasher.combine(self[kind]) }
    }
}
