//! The matrix products of the forward passes and of the fast path's
//! read-outs, by the `gemm` crate: its kernels pick AVX2/FMA (or AVX-512,
//! NEON) at run time and are 1.4–2.4× faster than ndarray's
//! `matrixmultiply` on the fast path's shapes (`benches/kernels.rs`), with
//! no system BLAS. Single-threaded: the engine's threads are over chunks.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::NetworkError;

/// `out = a·b + out` (when `accumulate`) or `out = a·b`, for matrices of
/// any strides.
///
/// # Errors
/// [`NetworkError::Shape`] when the shapes do not chain.
pub(crate) fn matmul(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    mut out: ArrayViewMut2<'_, f32>,
    accumulate: bool,
) -> Result<(), NetworkError> {
    let ((m, k), n) = (a.dim(), b.ncols());
    if b.nrows() != k || out.dim() != (m, n) {
        return Err(NetworkError::Shape {
            what: "matrix product".into(),
            expected: vec![m, k, n],
            got: [b.shape(), out.shape()].concat(),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if !accumulate {
            out.fill(0.0);
        }
        return Ok(());
    }
    let ([a_rs, a_cs], [b_rs, b_cs]) = (stride(&a), stride(&b));
    let [out_rs, out_cs] = [out.strides()[0], out.strides()[1]];
    // SAFETY: the pointers and element strides are those of the three views,
    // whose shapes were checked to chain, so every element `gemm` reads or
    // writes is in them; `out` is borrowed mutably, so it aliases neither
    // operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            out_cs,
            out_rs,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    Ok(())
}

/// Row and column strides, in elements.
fn stride(view: &ArrayView2<'_, f32>) -> [isize; 2] {
    [view.strides()[0], view.strides()[1]]
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use ndarray::{Array2, ShapeBuilder};

    use super::matmul;

    /// The product as three nested loops in `f64`.
    fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols())
                .map(|l| f64::from(a[[i, l]]) * f64::from(b[[l, j]]))
                .sum()
        })
    }

    /// Tolerance of an `f32` product of 37 terms of magnitude ≤ 1.
    const PRODUCT_TOL: f64 = 1e-5;

    #[test]
    fn matmul_matches_the_naive_product_for_every_layout() {
        let a = Array2::from_shape_fn((23, 37), |(i, l)| ((i * 7 + l * 3) % 13) as f32 / 13.0 - 0.5);
        let b = Array2::from_shape_fn((37, 11), |(l, j)| ((l * 5 + j) % 9) as f32 / 9.0 - 0.5);
        let expected = naive(&a, &b);
        let b_column_major = {
            let mut c = Array2::zeros(b.dim().f());
            c.assign(&b);
            c
        };
        for b in [b.view(), b_column_major.view()] {
            let mut out = Array2::from_elem((23, 11), 1.0_f32);
            matmul(a.view(), b, out.view_mut(), true).unwrap();
            for (&got, &want) in out.iter().zip(&expected) {
                assert_relative_eq!(f64::from(got), want + 1.0, epsilon = PRODUCT_TOL);
            }
            matmul(a.view(), b, out.view_mut(), false).unwrap();
            for (&got, &want) in out.iter().zip(&expected) {
                assert_relative_eq!(f64::from(got), want, epsilon = PRODUCT_TOL);
            }
        }
        let mut transposed = Array2::zeros((11, 23));
        matmul(b.t(), a.t(), transposed.view_mut(), false).unwrap();
        for (&got, &want) in transposed.t().iter().zip(&expected) {
            assert_relative_eq!(f64::from(got), want, epsilon = PRODUCT_TOL);
        }
    }

    #[test]
    fn matmul_of_empty_inner_dimension_is_zero_or_unchanged() {
        let (a, b) = (Array2::<f32>::zeros((2, 0)), Array2::<f32>::zeros((0, 3)));
        let mut out = Array2::from_elem((2, 3), 4.0_f32);
        matmul(a.view(), b.view(), out.view_mut(), true).unwrap();
        assert!(out.iter().all(|&v| v == 4.0));
        matmul(a.view(), b.view(), out.view_mut(), false).unwrap();
        assert!(out.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn matmul_refuses_shapes_that_do_not_chain() {
        let (a, b) = (Array2::<f32>::zeros((2, 3)), Array2::<f32>::zeros((4, 5)));
        let mut out = Array2::zeros((2, 5));
        assert!(matmul(a.view(), b.view(), out.view_mut(), false).is_err());
        let b = Array2::<f32>::zeros((3, 5));
        let mut out = Array2::zeros((2, 4));
        assert!(matmul(a.view(), b.view(), out.view_mut(), false).is_err());
    }
}
