/// `exp` and `log` from additions, multiplications and divisions only.
///
/// The platform's libm may round its last bit differently on Linux and macOS, and the synthetic
/// generator promises the same bars for the same seed everywhere. IEEE 754 makes +, −, ×, ÷ and
/// √ correctly rounded on every platform, so functions built only from them (and exact scaling
/// by powers of two) give the same bits everywhere. Accuracy is within a few ulp, which a
/// random walk does not notice.
enum PortableMath {
    private static let ln2High = 6.931_471_803_691_238_164_90e-01
    private static let ln2Low = 1.908_214_929_270_587_700_02e-10
    private static let inverseLn2 = 1.442_695_040_888_963_387_00

    /// e^x: x = k·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite), e^r by its Taylor series to r^13,
    /// then scaled by 2^k.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782_712_893_384 { return .infinity }
        if x < -745.133_219_101_941_1 { return 0 }
        let k = (x * inverseLn2).rounded()
        let r = (x - k * ln2High) - k * ln2Low
        var sum = 1.0
        for n in stride(from: 13, through: 1, by: -1) {
            sum = 1 + sum * r / Double(n)
        }
        return Double(sign: .plus, exponent: Int(k), significand: sum)
    }

    /// ln x for x > 0: x = m·2^e with m in [√½, √2), ln m = 2·atanh(f) with f = (m − 1)/(m + 1),
    /// |f| ≤ 0.172, by its series to f^23.
    static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == 0 ? -.infinity : (x.isInfinite ? x : .nan) }
        var exponent = Double(x.exponent)
        var mantissa = x.significand
        if mantissa > 1.414_213_562_373_095_1 {
            mantissa /= 2
            exponent += 1
        }
        let f = (mantissa - 1) / (mantissa + 1)
        let square = f * f
        var series = 0.0
        for n in stride(from: 23, through: 3, by: -2) {
            series = (series + 1 / Double(n)) * square
        }
        let lnMantissa = 2 * f + 2 * f * series
        return exponent * ln2High + (exponent * ln2Low + lnMantissa)
    }
}
