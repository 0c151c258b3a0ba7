#include "CKernels.h"

#include <stddef.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#endif

// Replacing a value in a sorted run by search and shift costs a search of dependent loads and
// a shift whose direction and length change with every call: branches that go either way at
// random. The vector variants instead rewrite the whole run (rounded up to whole vectors) in one
// fixed pass of comparisons, selects, min and max. Lane i of the result needs s[i] and s[i+1]
// and the lane below it of the first step:
//
//   delete the first `evicted`:  d[i] = s[i] < evicted ? s[i] : s[i+1]    (d[-1] = -inf)
//   insert `value` into d:       r[i] = min(max(d[i-1], value), d[i])
//
// Below the evicted value's slot d is s; from it on, d is s moved down by one. Where d[i] < value
// (below the new value's place), max(d[i-1], value) ≥ value > d[i], so r is d; at and above it,
// d[i-1] and value are both ≤ d[i], so r is the larger of them: the value at its place (d[i-1] <
// value there), d moved up by one above it. Lanes at or after n read +inf and stay +inf. No
// arithmetic, so every variant gives the same bits (min and max of two equal values give that
// value: no -0.0, no NaN).

/// Search and shift, one value at a time: for CPUs without AVX2 and for other architectures.
static void replace_scalar(double *sorted, long n, double evicted, double value) {
    long slot = 0, count = n;
    while (count > 0) {  // the first index whose value is not less than `evicted`
        long half = count / 2;
        if (sorted[slot + half] < evicted) {
            slot += half + 1;
            count -= half + 1;
        } else {
            count = half;
        }
    }
    if (value > evicted) {
        while (slot + 1 < n && sorted[slot + 1] < value) {
            sorted[slot] = sorted[slot + 1];
            slot++;
        }
    } else {
        while (slot > 0 && sorted[slot - 1] > value) {
            sorted[slot] = sorted[slot - 1];
            slot--;
        }
    }
    sorted[slot] = value;
}

#if defined(__x86_64__)

/// Eight lanes a vector. Every load is of a whole vector at a multiple of eight from `sorted`,
/// the places the previous call stored, so each load is served from one of those stores whole;
/// s[i+1] and d[i-1] are shifted in from the next vector and the previous one. The next vector
/// is loaded before this one is stored over.
__attribute__((target("avx512f")))
static void replace_avx512(double *sorted, long n, double evicted, double value) {
    const __m512d evictedLanes = _mm512_set1_pd(evicted), valueLanes = _mm512_set1_pd(value);
    __m512d current = _mm512_loadu_pd(sorted);
    __m512d previousDeleted = _mm512_set1_pd(-INFINITY);
    for (long i = 0; i < n; i += 8) {
        const __m512d next = _mm512_loadu_pd(sorted + i + 8);
        // s[i+1 ... i+8]
        const __m512d above = _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(next), _mm512_castpd_si512(current), 1));
        const __mmask8 beforeEvicted = _mm512_cmp_pd_mask(current, evictedLanes, _CMP_LT_OQ);
        const __m512d deleted = _mm512_mask_blend_pd(beforeEvicted, above, current);
        // d[i-1 ... i+6]
        const __m512d deletedBelow = _mm512_castsi512_pd(
            _mm512_alignr_epi64(_mm512_castpd_si512(deleted), _mm512_castpd_si512(previousDeleted), 7));
        _mm512_storeu_pd(sorted + i, _mm512_min_pd(_mm512_max_pd(deletedBelow, valueLanes), deleted));
        previousDeleted = deleted;
        current = next;
    }
}

/// [a3, b0, b1, b2]: b with the last lane of a shifted in at the bottom.
__attribute__((target("avx2")))
static inline __m256d shift_in_below(__m256d a, __m256d b) {
    return _mm256_shuffle_pd(_mm256_permute2f128_pd(a, b, 0x21), b, 0x5);
}

/// The AVX-512 pass with four lanes a vector and a blend by a mask vector. AVX2 has no
/// one-instruction shift across its two halves, so s[i+1] is loaded from where it lies; it is
/// stored over only after it has been read.
__attribute__((target("avx2")))
static void replace_avx2(double *sorted, long n, double evicted, double value) {
    const __m256d evictedLanes = _mm256_set1_pd(evicted), valueLanes = _mm256_set1_pd(value);
    __m256d previousDeleted = _mm256_set1_pd(-INFINITY);
    for (long i = 0; i < n; i += 4) {
        const __m256d current = _mm256_loadu_pd(sorted + i), above = _mm256_loadu_pd(sorted + i + 1);
        const __m256d deleted = _mm256_blendv_pd(above, current, _mm256_cmp_pd(current, evictedLanes, _CMP_LT_OQ));
        const __m256d deletedBelow = shift_in_below(previousDeleted, deleted);
        _mm256_storeu_pd(sorted + i, _mm256_min_pd(_mm256_max_pd(deletedBelow, valueLanes), deleted));
        previousDeleted = deleted;
    }
}

#endif

bool stratum_kernel_variant_available(StratumKernelVariant variant) {
    switch (variant) {
    case StratumKernelVariantScalar:
        return true;
#if defined(__x86_64__)
    case StratumKernelVariantAVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case StratumKernelVariantAVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return false;
    }
}

StratumKernelVariant stratum_kernel_variant_chosen(void) {
    if (stratum_kernel_variant_available(StratumKernelVariantAVX512)) return StratumKernelVariantAVX512;
    if (stratum_kernel_variant_available(StratumKernelVariantAVX2)) return StratumKernelVariantAVX2;
    return StratumKernelVariantScalar;
}

typedef void (*SortedReplace)(double *, long, double, double);

static SortedReplace sorted_replace_variant(StratumKernelVariant variant) {
    switch (variant) {
#if defined(__x86_64__)
    case StratumKernelVariantAVX512: return replace_avx512;
    case StratumKernelVariantAVX2: return replace_avx2;
#endif
    default: return replace_scalar;
    }
}

void stratum_sorted_replace_using(StratumKernelVariant variant, double *sorted, long n, double evicted, double value) {
    sorted_replace_variant(variant)(sorted, n, evicted, value);
}

/// The chosen variant, found on first use. Threads that race to find it store the same pointer;
/// atomic so that the race is well defined.
static SortedReplace chosen_sorted_replace;

void stratum_sorted_replace(double *sorted, long n, double evicted, double value) {
    SortedReplace replace = __atomic_load_n(&chosen_sorted_replace, __ATOMIC_RELAXED);
    if (__builtin_expect(replace == NULL, 0)) {
        replace = sorted_replace_variant(stratum_kernel_variant_chosen());
        __atomic_store_n(&chosen_sorted_replace, replace, __ATOMIC_RELAXED);
    }
    replace(sorted, n, evicted, value);
}
