/// Picks the points of a long series worth drawing at a given chart width.
///
/// A chart cannot show more than one x position per pixel column, but dropping points at
/// random hides spikes. For each column this keeps the first, lowest, highest and last
/// point (in time order, without repeats), so the drawn line covers exactly the range the
/// full series covers in that column and joins the neighbours where the series does.
/// Ten million bars become at most four points per column.
enum MinMaxDownsampler {
    /// Indices into `values` to draw, ascending.
    ///
    /// - Parameters:
    ///   - times: Increasing x values, one per value.
    ///   - values: The series; NaN values are skipped.
    ///   - columns: Number of pixel columns the x range is drawn over.
    static func indices(times: [Int64], values: [Double], columns: Int) -> [Int] {
        guard let firstTime = times.first, let lastTime = times.last, columns > 0 else { return [] }
        if values.count <= 4 * columns { return values.indices.filter { !values[$0].isNaN } }
        let span = Double(max(lastTime - firstTime, 1))
        var kept = [Int]()
        kept.reserveCapacity(4 * columns)
        var column = -1
        var first = 0, low = 0, high = 0, last = 0
        func flush() {
            guard column >= 0 else { return }
            var picked = [first, low, high, last]
            picked.sort()
            for index in picked where kept.last != index { kept.append(index) }
        }
        for index in values.indices where !values[index].isNaN {
            let value = values[index]
            let at = min(Int(Double(times[index] - firstTime) / span * Double(columns)), columns - 1)
            if at != column {
                flush()
                column = at
                (first, low, high, last) = (index, index, index, index)
            } else {
                if value < values[low] { low = index }
                if value > values[high] { high = index }
                last = index
            }
        }
        flush()
        return kept
    }
}
