/// Which CSV column holds which part of a bar, read from the header line.
///
/// Names are matched case-insensitively after trimming spaces and quotes. The time column is
/// `timestamp`, `date`, `datetime` or `time`, or an empty first cell (pandas writes its index
/// that way, as in data/GOOG.csv); `open`, `high`, `low`, `close` and `volume` are required;
/// any other column (`Adj Close`, `symbol`) is read past.
struct CSVLayout: Sendable, Equatable {
    enum Role: UInt8, Sendable {
        case ignored, timestamp, open, high, low, close, volume
    }

    /// One role per column, in file order.
    let roles: [Role]
    /// The header's name for each column, as written.
    let names: [String]

    var fieldCount: Int { roles.count }

    /// Whether the columns are exactly time, open, high, low, close, volume (both common
    /// shapes): the reader then parses a row as straight-line code.
    var isCanonical: Bool { roles == [.timestamp, .open, .high, .low, .close, .volume] }

    static let timestampNames: Set<String> = ["timestamp", "date", "datetime", "time"]
    private static let priceNames: [String: Role] = [
        "open": .open, "high": .high, "low": .low, "close": .close, "volume": .volume,
    ]

    /// Reads the header line (without its line break).
    static func parse(headerLine: String, file: String) throws(FeedError) -> CSVLayout {
        let names = headerLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: " \t\"")
        }
        if looksLikeData(names.first ?? "") { throw FeedError.missingHeader(file: file, firstLine: headerLine) }
        var roles: [Role] = []
        for (index, name) in names.enumerated() {
            let lowered = name.lowercased()
            let role: Role
            if timestampNames.contains(lowered) || (index == 0 && lowered.isEmpty) {
                role = .timestamp
            } else {
                role = priceNames[lowered] ?? .ignored
            }
            if role != .ignored, let earlier = roles.firstIndex(of: role) {
                throw FeedError.unknownHeader(file: file, header: headerLine,
                                              problem: "columns \(earlier + 1) and \(index + 1) both name the \(role) column")
            }
            roles.append(role)
        }
        let required: [Role] = [.timestamp, .open, .high, .low, .close, .volume]
        let missing = required.filter { !roles.contains($0) }
        guard missing.isEmpty else {
            throw FeedError.unknownHeader(file: file, header: headerLine,
                                          problem: "no \(missing.map { "`\($0)`" }.joined(separator: ", ")) column")
        }
        return CSVLayout(roles: roles, names: names.enumerated().map { $0.element.isEmpty ? "column \($0.offset + 1)" : $0.element })
    }

    /// A first cell that starts like a number or a date is data, so the header is missing.
    private static func looksLikeData(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        return ("0"..."9").contains(first) || first == "-" || first == "+" || first == "."
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
