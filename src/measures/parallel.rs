//! The one place that chooses between rayon and a plain loop (feature `parallel`).

/// `f(0), …, f(n−1)`, in parallel with the `parallel` feature.
pub(crate) fn map_indices<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// `f(item)` for every item, in parallel with the `parallel` feature; the
/// results in order.
pub(super) fn map_mut<T: Send, R: Send>(items: &mut [T], f: impl Fn(&mut T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter_mut().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter_mut().map(f).collect()
    }
}
