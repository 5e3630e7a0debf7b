//! Plain loops compiled for the widest SIMD extension the CPU has.
//!
//! The crate is built for the baseline target (SSE2 on x86-64), so a loop
//! the compiler vectorises runs two `f64` or four `f32` lanes at a time.
//! [`widest`] runs a closure through a copy compiled for AVX-512F, or AVX2
//! and FMA, when the CPU has them (detected at run time; the detection is
//! cached by the standard library), where the same loop runs eight or
//! sixteen lanes. The closure's operations are not changed: Rust never
//! fuses a multiplication and an addition on its own, so every copy
//! rounds exactly as the baseline one and the result does not depend on the CPU.

/// Runs `body` compiled for AVX-512F or for AVX2 and FMA when this CPU
/// has them, else as it is.
///
/// Only what is inlined into `body` gains the wider code: keep the loop in
/// the closure itself (iterators, slices, `#[inline]` helpers).
#[inline(always)]
pub(crate) fn widest<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature `avx512` is compiled for was just detected.
            return unsafe { avx512(body) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the features `avx2` is compiled for were just detected.
            return unsafe { avx2(body) };
        }
    }
    body()
}

/// `body` compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// `body` compiled for AVX-512F (which implies AVX2 and FMA).
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(test)]
mod tests {
    use super::widest;

    #[test]
    fn runs_the_body_and_rounds_as_the_baseline() {
        // An unfused multiply-add chain: the same bits with and without
        // the wider code (an FMA would round once and differ here).
        let w: Vec<f64> = (0..103).map(|i| 1.0 / f64::from(i + 3)).collect();
        let delta = 0.1_f64;
        let mut plain: Vec<f64> = (0..103).map(|i| f64::from(i) * 1e-3).collect();
        let mut wide = plain.clone();
        for (z, &x) in plain.iter_mut().zip(&w) {
            *z += std::hint::black_box(delta) * x;
        }
        widest(|| {
            for (z, &x) in wide.iter_mut().zip(&w) {
                *z += delta * x;
            }
        });
        assert_eq!(
            plain.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            wide.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(widest(|| 7), 7);
    }
}
