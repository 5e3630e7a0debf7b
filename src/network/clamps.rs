//! Constant replacements of chosen hidden neurons' outputs.

use ndarray::ArrayViewMut2;

use super::NetworkError;

/// Which hidden neurons have their output replaced by a constant during a
/// forward pass, and by what value.
///
/// Ablating a neuron is clamping it: to `0` (removing it) or to its mean on
/// the analysis set (the paper's "bias balancing").
///
/// # Examples
///
/// ```
/// use infoablate::network::Clamps;
/// use ndarray::array;
///
/// let mut clamps = Clamps::new();
/// clamps.set(0, 1, 0.5);
/// let mut h = array![[1.0_f32, 2.0, 3.0]];
/// clamps.apply(0, h.view_mut());
/// assert_eq!(h, array![[1.0_f32, 0.5, 3.0]]);
/// assert_eq!(clamps.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Clamps {
    /// `(layer, (neuron, value) pairs)` for the layers with a clamp, by
    /// layer; the pairs sorted by neuron, unique, never empty. Sparse, so a
    /// huge layer index costs one entry, not a vector that long.
    layers: Vec<(usize, Vec<(usize, f32)>)>,
}

impl Clamps {
    /// No neuron clamped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clamps neuron `neuron` of hidden layer `layer` to `value`, replacing
    /// any earlier value for it.
    pub fn set(&mut self, layer: usize, neuron: usize, value: f32) {
        let row = match self.layers.binary_search_by_key(&layer, |&(l, _)| l) {
            Ok(pos) => &mut self.layers[pos].1,
            Err(pos) => {
                self.layers.insert(pos, (layer, Vec::new()));
                &mut self.layers[pos].1
            }
        };
        match row.binary_search_by_key(&neuron, |&(n, _)| n) {
            Ok(pos) => row[pos].1 = value,
            Err(pos) => row.insert(pos, (neuron, value)),
        }
    }

    /// Releases every clamp.
    pub fn clear(&mut self) {
        self.layers.clear();
    }

    /// The `(neuron, value)` pairs clamped in `layer`, by neuron index.
    pub fn layer(&self, layer: usize) -> &[(usize, f32)] {
        match self.layers.binary_search_by_key(&layer, |&(l, _)| l) {
            Ok(pos) => &self.layers[pos].1,
            Err(_) => &[],
        }
    }

    /// Total number of clamped neurons.
    pub fn len(&self) -> usize {
        self.layers.iter().map(|(_, row)| row.len()).sum()
    }

    /// Whether no neuron is clamped.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Highest layer index with a clamp, if any.
    pub fn deepest_layer(&self) -> Option<usize> {
        self.layers.last().map(|&(layer, _)| layer)
    }

    /// Lowest layer index with a clamp, if any.
    pub fn shallowest_layer(&self) -> Option<usize> {
        self.layers.first().map(|&(layer, _)| layer)
    }

    /// Overwrites the clamped columns of `outputs` (hidden layer `layer`'s
    /// output, `samples × width`). Clamps beyond the width are ignored here;
    /// [`validate`](Clamps::validate) reports them.
    pub fn apply(&self, layer: usize, mut outputs: ArrayViewMut2<'_, f32>) {
        let width = outputs.ncols();
        for &(neuron, value) in self.layer(layer) {
            if neuron < width {
                outputs.column_mut(neuron).fill(value);
            }
        }
    }

    /// Checks every clamp against the hidden widths of a network.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`], [`NetworkError::NoSuchNeuron`], and
    /// [`NetworkError::Parameter`] for a non-finite value.
    pub fn validate(&self, hidden_widths: &[usize]) -> Result<(), NetworkError> {
        for &(layer, ref row) in &self.layers {
            let Some(&width) = hidden_widths.get(layer) else {
                return Err(NetworkError::NoSuchLayer {
                    layer,
                    num_hidden: hidden_widths.len(),
                });
            };
            for &(neuron, value) in row {
                if neuron >= width {
                    return Err(NetworkError::NoSuchNeuron { layer, neuron, width });
                }
                if !value.is_finite() {
                    return Err(NetworkError::Parameter {
                        name: "clamp value",
                        value: value.to_string(),
                        reason: "must be finite",
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_neurons_sorted_and_unique() {
        let mut c = Clamps::new();
        c.set(1, 5, 1.0);
        c.set(1, 2, 2.0);
        c.set(1, 5, 3.0);
        assert_eq!(c.layer(1), &[(2, 2.0), (5, 3.0)]);
        assert_eq!(c.layer(0), &[]);
        assert_eq!(c.len(), 2);
        assert_eq!(c.shallowest_layer(), Some(1));
        assert_eq!(c.deepest_layer(), Some(1));
    }

    #[test]
    fn validate_names_the_bad_neuron() {
        let mut c = Clamps::new();
        c.set(0, 3, 0.0);
        assert_eq!(
            c.validate(&[3]),
            Err(NetworkError::NoSuchNeuron {
                layer: 0,
                neuron: 3,
                width: 3
            })
        );
        c.clear();
        c.set(2, 0, 0.0);
        assert_eq!(
            c.validate(&[3, 3]),
            Err(NetworkError::NoSuchLayer {
                layer: 2,
                num_hidden: 2
            })
        );
    }

    #[test]
    fn a_huge_layer_index_costs_one_entry() {
        let mut c = Clamps::new();
        c.set(usize::MAX, usize::MAX, 1.0);
        c.set(0, 1, 2.0);
        assert_eq!(c.layer(usize::MAX), &[(usize::MAX, 1.0)]);
        assert_eq!((c.shallowest_layer(), c.deepest_layer()), (Some(0), Some(usize::MAX)));
        assert_eq!(
            c.validate(&[3]),
            Err(NetworkError::NoSuchLayer {
                layer: usize::MAX,
                num_hidden: 1
            })
        );
        let mut h = ndarray::array![[5.0_f32, 5.0]];
        c.apply(usize::MAX, h.view_mut());
        assert_eq!(h, ndarray::array![[5.0_f32, 5.0]]);
    }
}
