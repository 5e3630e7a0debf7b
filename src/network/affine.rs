//! The affine layers of the built-in `Mlp`, with each weight packed once
//! for the fast path's matrix product.
//!
//! [`AffineLayers`] owns the weights, the biases and the packed copies. The
//! packed copies are built on first use and dropped by the only way to
//! change a parameter, [`AffineLayers::params_mut`], so a product never
//! reads a stale copy.

use std::fmt;
use std::sync::OnceLock;

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::gemm::Packed;

/// Affine layers `(W [out, in], b [out])`, first layer first, and the
/// weights packed for [`Packed::apply`].
pub(super) struct AffineLayers {
    /// Each layer's weight, PyTorch's `[out, in]`.
    weights: Vec<Array2<f32>>,
    /// Each layer's bias, `[out]`.
    biases: Vec<Array1<f32>>,
    /// `Wᵀ` of each layer, packed on first use (`None` for a layer the
    /// packer refused, which then takes the plain product).
    packed: OnceLock<Vec<Option<Packed>>>,
}

impl AffineLayers {
    /// Layers from matching weights and biases (checked by the caller).
    pub(super) fn new(weights: Vec<Array2<f32>>, biases: Vec<Array1<f32>>) -> Self {
        AffineLayers {
            weights,
            biases,
            packed: OnceLock::new(),
        }
    }

    /// The weights, first layer first.
    pub(super) fn weights(&self) -> &[Array2<f32>] {
        &self.weights
    }

    /// The biases, first layer first.
    pub(super) fn biases(&self) -> &[Array1<f32>] {
        &self.biases
    }

    /// The weights and biases to change in place; drops the packed copies,
    /// which are packed again from the new values on the next product.
    pub(super) fn params_mut(&mut self) -> (&mut [Array2<f32>], &mut [Array1<f32>]) {
        self.packed = OnceLock::new();
        (&mut self.weights, &mut self.biases)
    }

    /// `x·W_kᵀ + b_k`, the same bits as [`affine_plain`](Self::affine_plain),
    /// through the packed product when `x` is contiguous and row-major.
    ///
    /// The packed product starts each output from `-0.0`, the identity of
    /// addition, so the first block of the inner sum is kept exactly, as
    /// ndarray's product with `β = 0` keeps it; the bias is added
    /// afterwards, as the plain way adds it. (Starting from the bias instead
    /// rounds differently for depths above the product's inner block of 256.)
    pub(super) fn affine(&self, k: usize, x: ArrayView2<'_, f32>) -> Array2<f32> {
        self.affine_packed(k, x).unwrap_or_else(|| self.affine_plain(k, x))
    }

    /// `x·W_kᵀ + b_k` by ndarray's product.
    pub(super) fn affine_plain(&self, k: usize, x: ArrayView2<'_, f32>) -> Array2<f32> {
        let mut z = x.dot(&self.weights[k].t());
        z += &self.biases[k].view().insert_axis(Axis(0));
        z
    }

    /// [`affine`](Self::affine) through the packed product, or `None` when
    /// `x` is not contiguous row-major or the layer has no packed copy.
    fn affine_packed(&self, k: usize, x: ArrayView2<'_, f32>) -> Option<Array2<f32>> {
        let input = x.as_slice()?;
        let packed = self.packed.get_or_init(|| self.pack())[k].as_ref()?;
        let width = self.weights[k].nrows();
        let mut out = Vec::with_capacity(x.nrows() * width);
        packed.apply(input, x.nrows(), &vec![-0.0; width], &mut out).ok()?;
        let mut z = Array2::from_shape_vec((x.nrows(), width), out).ok()?;
        z += &self.biases[k].view().insert_axis(Axis(0));
        Some(z)
    }

    /// `Wᵀ` of every layer, row-major (`in × out`), packed.
    fn pack(&self) -> Vec<Option<Packed>> {
        self.weights
            .iter()
            .map(|w| Packed::new(w.t().iter().copied().collect(), w.ncols(), w.nrows()).ok())
            .collect()
    }
}

/// A copy packs again on first use.
impl Clone for AffineLayers {
    fn clone(&self) -> Self {
        AffineLayers::new(self.weights.clone(), self.biases.clone())
    }
}

/// Equal parameters; the packed copies do not take part.
impl PartialEq for AffineLayers {
    fn eq(&self, other: &Self) -> bool {
        self.weights == other.weights && self.biases == other.biases
    }
}

/// The parameters; the packed copies are left out.
impl fmt::Debug for AffineLayers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AffineLayers")
            .field("weights", &self.weights)
            .field("biases", &self.biases)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2, ShapeBuilder, s};

    use super::AffineLayers;

    /// A deterministic spread of values in ±10, with exact zeros of either
    /// sign every eleventh.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| match i % 11 {
                0 => 0.0,
                1 => -0.0,
                _ => ((i * 7_919 + seed as usize * 104_729) % 20_011) as f32 / 997.0 - 10.0,
            })
            .collect()
    }

    fn layer(rows: usize, cols: usize, seed: u32) -> (Array2<f32>, Array1<f32>) {
        (
            Array2::from_shape_vec((rows, cols), values(rows * cols, seed)).unwrap(),
            Array1::from(values(rows, seed + 1)),
        )
    }

    fn bits(a: &Array2<f32>) -> Vec<u32> {
        a.iter().map(|v| v.to_bits()).collect()
    }

    /// The packed product plus the bias equals `x.dot(&W.t()) + b` bit for
    /// bit: depths below and above 256 (the inner block), odd widths, one row
    /// and many, biases and products of either signed zero.
    #[test]
    fn the_packed_affine_map_equals_the_plain_one_bit_for_bit() {
        for (out, depth) in [(100, 784), (10, 100), (17, 257), (33, 7), (1, 1), (16, 513), (3, 256)] {
            let (w, b) = layer(out, depth, 1);
            let mut zero_bias = b.clone();
            zero_bias.fill(-0.0);
            for bias in [b, zero_bias] {
                let layers = AffineLayers::new(vec![w.clone()], vec![bias.clone()]);
                for rows in [1, 5, 12, 13, 100] {
                    let x = Array2::from_shape_vec((rows, depth), values(rows * depth, 7 + rows as u32)).unwrap();
                    let expected = x.dot(&w.t()) + &bias;
                    assert_eq!(
                        bits(&layers.affine(0, x.view())),
                        bits(&expected),
                        "{out}×{depth}, {rows} rows"
                    );
                }
            }
        }
    }

    /// A view that is not contiguous row-major takes the plain product.
    #[test]
    fn a_strided_input_gives_the_same_bits() {
        let (w, b) = layer(20, 300, 3);
        let layers = AffineLayers::new(vec![w.clone()], vec![b.clone()]);
        let x = Array2::from_shape_vec((9, 600), values(9 * 600, 4)).unwrap();
        let strided = x.slice(s![.., ..;2]);
        assert_eq!(bits(&layers.affine(0, strided)), bits(&(strided.dot(&w.t()) + &b)));
        let column_major = Array2::from_shape_vec((9, 300).f(), values(9 * 300, 5)).unwrap();
        assert!(column_major.as_slice().is_none());
        let expected = column_major.dot(&w.t()) + &b;
        assert_eq!(bits(&layers.affine(0, column_major.view())), bits(&expected));
    }

    /// Changing a weight through `params_mut` changes the next product: the
    /// packed copy is never stale.
    #[test]
    fn a_changed_weight_is_packed_again() {
        let (w, b) = layer(4, 3, 5);
        let mut layers = AffineLayers::new(vec![w], vec![b]);
        let x = Array2::from_shape_vec((2, 3), values(6, 6)).unwrap();
        let before = layers.affine(0, x.view());
        let (weights, biases) = layers.params_mut();
        weights[0].mapv_inplace(|v| v * 2.0);
        biases[0].fill(1.0);
        let after = layers.affine(0, x.view());
        assert_ne!(bits(&before), bits(&after));
        assert_eq!(bits(&after), bits(&layers.affine_plain(0, x.view())));
        let copy = layers.clone();
        assert_eq!(copy, layers);
        assert_eq!(bits(&copy.affine(0, x.view())), bits(&after));
    }
}
