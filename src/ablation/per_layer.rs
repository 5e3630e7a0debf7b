//! Values per neuron of some hidden layers, stored sparsely.

/// One vector per hidden layer that has values, by layer: a layer index as
/// large as `usize::MAX` costs one entry, never a vector that long.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PerLayer<T>(Vec<(usize, Vec<T>)>);

impl<T> PerLayer<T> {
    /// From `(layer, values)` pairs; empty vectors are dropped, and a layer
    /// given twice keeps its last values.
    pub(super) fn new(rows: impl IntoIterator<Item = (usize, Vec<T>)>) -> Self {
        let mut rows: Vec<(usize, Vec<T>)> = rows.into_iter().filter(|(_, row)| !row.is_empty()).collect();
        rows.sort_by_key(|&(layer, _)| layer);
        rows.reverse();
        rows.dedup_by_key(|&mut (layer, _)| layer);
        rows.reverse();
        PerLayer(rows)
    }

    /// From vectors indexed by layer (empty for a layer without values).
    pub(super) fn dense(per_layer: Vec<Vec<T>>) -> Self {
        Self::new(per_layer.into_iter().enumerate())
    }

    /// The values of `layer`, empty when it has none.
    pub(super) fn get(&self, layer: usize) -> &[T] {
        match self.0.binary_search_by_key(&layer, |&(l, _)| l) {
            Ok(pos) => &self.0[pos].1,
            Err(_) => &[],
        }
    }

    /// `(layer, values)` for every layer with values, by layer.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &[T])> {
        self.0.iter().map(|(layer, row)| (*layer, row.as_slice()))
    }
}
