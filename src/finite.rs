//! The finiteness check every input and recording passes through: a scan
//! written so that the common case (every value finite) vectorises.

use ndarray::ArrayView2;

/// Values checked together before the scan looks for the offending index.
const BLOCK: usize = 256;
/// The bits of an `f32` other than its sign.
const ABS: u32 = 0x7fff_ffff;
/// The bits of `f32::INFINITY`: a value whose [`ABS`] bits reach them is
/// infinite or NaN.
const INFINITY: i32 = 0x7f80_0000;

/// The first entry of `values` (in row-major order) that is NaN or infinite,
/// with its `(row, column)`; `None` when every entry is finite.
///
/// A row-major matrix is scanned in blocks of [`BLOCK`] values with a
/// branch-free reduction, and only a block that fails is searched for the
/// index; any other layout is searched entry by entry.
pub(crate) fn first_non_finite(values: ArrayView2<'_, f32>) -> Option<((usize, usize), f32)> {
    let Some(flat) = values.as_slice() else {
        return values
            .indexed_iter()
            .find(|(_, v)| !v.is_finite())
            .map(|(at, &v)| (at, v));
    };
    let columns = values.ncols().max(1);
    flat.chunks(BLOCK).enumerate().find_map(|(b, block)| {
        // A value is finite when its bits without the sign are below those
        // of infinity; the maximum over the block is an integer reduction.
        let largest = block.iter().fold(0_i32, |m, v| m.max((v.to_bits() & ABS) as i32));
        if largest < INFINITY {
            return None;
        }
        let (k, &value) = block.iter().enumerate().find(|(_, v)| !v.is_finite())?;
        let index = b * BLOCK + k;
        Some(((index / columns, index % columns), value))
    })
}

#[cfg(test)]
mod tests {
    use super::first_non_finite;
    use ndarray::Array2;

    #[test]
    fn finds_the_first_non_finite_entry_in_any_layout() {
        let mut values = Array2::<f32>::ones((700, 3));
        assert_eq!(first_non_finite(values.view()), None);
        values[[400, 2]] = f32::INFINITY;
        values[[650, 0]] = f32::NAN;
        assert_eq!(first_non_finite(values.view()), Some(((400, 2), f32::INFINITY)));
        // Column-major (the transpose): the first in its own row-major order.
        let transposed = values.t();
        let ((row, column), value) = first_non_finite(transposed).expect("non-finite");
        assert_eq!(((row, column), value.is_nan()), ((0, 650), true));
        assert_eq!(first_non_finite(Array2::<f32>::zeros((0, 4)).view()), None);
        values[[0, 0]] = f32::NEG_INFINITY;
        assert_eq!(first_non_finite(values.view()), Some(((0, 0), f32::NEG_INFINITY)));
    }
}
