#ifndef STRATUM_CKERNELS_H
#define STRATUM_CKERNELS_H

#include <stdbool.h>

/// The instruction sets `stratum_sorted_replace` has a variant for.
typedef enum StratumKernelVariant {
    StratumKernelVariantScalar = 0,
    StratumKernelVariantAVX2 = 1,
    StratumKernelVariantAVX512 = 2,
} StratumKernelVariant;

/// Replaces one occurrence of `evicted` in the ascending run `sorted[0 ..< n]` by `value`,
/// keeping the run ascending: afterwards it holds sorted(run − {evicted} ∪ {value}).
///
/// Requirements: n ≥ 1; `evicted` is in the run; no value is NaN, and zero appears as +0.0
/// only (the variants order values by `<` alone); `sorted[n ..< stratum_sorted_replace_span(n)]`
/// are +∞, and stay +∞. The variant is chosen from the CPU on first use.
void stratum_sorted_replace(double *sorted, long n, double evicted, double value);

/// How many places from `sorted` `stratum_sorted_replace` reads and writes for a run of `n`:
/// n rounded up to a multiple of 8, plus 8.
static inline long stratum_sorted_replace_span(long n) { return (n + 7) / 8 * 8 + 8; }

/// `stratum_sorted_replace` with the given variant, which must be available (tests compare variants).
void stratum_sorted_replace_using(StratumKernelVariant variant, double *sorted, long n, double evicted, double value);

/// Whether this CPU (and build) can run `variant`.
bool stratum_kernel_variant_available(StratumKernelVariant variant);

/// The variant `stratum_sorted_replace` uses on this CPU: the widest available.
StratumKernelVariant stratum_kernel_variant_chosen(void);

#endif
