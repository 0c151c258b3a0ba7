/// Formats UTC microseconds for people, without Foundation's formatters.
public enum UTCTimestamp {
    /// `2024-01-02T09:30:00Z`, with `.ffffff` only when the time has microseconds.
    public static func iso8601(_ microseconds: Int64) -> String {
        let day = ZonedClock.floorDivide(microseconds, ZonedClock.microsecondsPerDay)
        let inDay = microseconds - day * ZonedClock.microsecondsPerDay
        let seconds = inDay / 1_000_000, fraction = inDay % 1_000_000
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let time = "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        return "\(CivilDate(daysSinceEpoch: day))T\(time)" + (fraction == 0 ? "" : ".\(pad(fraction, 6))") + "Z"
    }
}
