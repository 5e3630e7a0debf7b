//! The closed-form measures of a pair, in nats, straight from the count
//! table's marginals: the three mutual informations and Williams–Beer
//! `I_min`. Empty bins and classes contribute nothing to any of them (and
//! Miller–Madow counts occupied cells only), so no compaction is needed.
//! The sums run over the cells in row-major order, exactly as the crate's
//! [`mutual_information`](crate::measures::mutual_information) sums a table,
//! so the values equal it on the marginal tables.

use super::PairsError;
use super::table::PairTable;
use crate::measures::{Estimator, MeasureError, miller_madow_entropy_nats as miller_madow, plug_in_mi_nats as plug_in};

/// The integer marginals of a pair table, in one buffer.
pub(super) struct Marginals {
    b1: usize,
    b2: usize,
    c: usize,
    n: u64,
    /// `n[t1][y]`, `n[t2][y]`, `n[y]`, `n[t1]`, `n[t2]`, `n[t1][t2]`, in turn.
    data: Vec<u64>,
}

impl Marginals {
    /// # Errors
    /// [`PairsError::Empty`] for a table with no sample.
    pub fn new(table: &PairTable) -> Result<Self, PairsError> {
        let ((b1, b2), c) = (table.bins(), table.classes());
        let mut data = vec![0; b1 * c + b2 * c + c + b1 + b2 + b1 * b2];
        let (n1y, rest) = data.split_at_mut(b1 * c);
        let (n2y, rest) = rest.split_at_mut(b2 * c);
        let (ny, rest) = rest.split_at_mut(c);
        let (n1, rest) = rest.split_at_mut(b1);
        let (n2, n12) = rest.split_at_mut(b2);
        for (cell, row) in table.as_slice().chunks_exact(c).enumerate() {
            let (t1, t2) = (cell / b2, cell % b2);
            for (y, &k) in row.iter().enumerate() {
                n1y[t1 * c + y] += k;
                n2y[t2 * c + y] += k;
                ny[y] += k;
                n12[cell] += k;
            }
        }
        for t in 0..b1 {
            n1[t] = n1y[t * c..(t + 1) * c].iter().sum();
        }
        for t in 0..b2 {
            n2[t] = n2y[t * c..(t + 1) * c].iter().sum();
        }
        let n = ny.iter().sum();
        if n == 0 {
            return Err(PairsError::Empty("the pair table".into()));
        }
        Ok(Marginals { b1, b2, c, n, data })
    }

    fn n1y(&self) -> &[u64] {
        &self.data[..self.b1 * self.c]
    }
    fn n2y(&self) -> &[u64] {
        let start = self.b1 * self.c;
        &self.data[start..start + self.b2 * self.c]
    }
    fn ny(&self) -> &[u64] {
        let start = (self.b1 + self.b2) * self.c;
        &self.data[start..start + self.c]
    }
    fn n1(&self) -> &[u64] {
        let start = (self.b1 + self.b2 + 1) * self.c;
        &self.data[start..start + self.b1]
    }
    fn n2(&self) -> &[u64] {
        let start = (self.b1 + self.b2 + 1) * self.c + self.b1;
        &self.data[start..start + self.b2]
    }
    fn n12(&self) -> &[u64] {
        &self.data[(self.b1 + self.b2 + 1) * self.c + self.b1 + self.b2..]
    }

    /// Occupied bins of each neuron and occupied classes.
    pub fn occupied(&self) -> (usize, usize, usize) {
        let count = |v: &[u64]| v.iter().filter(|&&k| k > 0).count();
        (count(self.n1()), count(self.n2()), count(self.ny()))
    }

    /// `[I(T1;Y), I(T2;Y), I(T1,T2;Y)]` in nats.
    ///
    /// # Errors
    /// [`MeasureError::Unsupported`] for a [`Named`](Estimator::Named) estimator.
    pub fn mutual_informations(&self, estimator: Estimator, table: &PairTable) -> Result<[f64; 3], MeasureError> {
        let (ny, n) = (self.ny(), self.n);
        let joint = table.as_slice();
        match estimator {
            Estimator::PlugIn => Ok([
                plug_in(self.n1y(), self.n1(), ny, n),
                plug_in(self.n2y(), self.n2(), ny, n),
                plug_in(joint, self.n12(), ny, n),
            ]),
            Estimator::MillerMadow => {
                let mm =
                    |cells: &[u64], bins: &[u64]| miller_madow(bins, n) + miller_madow(ny, n) - miller_madow(cells, n);
                Ok([
                    mm(self.n1y(), self.n1()),
                    mm(self.n2y(), self.n2()),
                    mm(joint, self.n12()),
                ])
            }
            Estimator::Named(_) => Err(MeasureError::Unsupported {
                measure: "pair mutual information",
                estimator,
            }),
        }
    }

    /// Williams–Beer `I_min = Σ_y p(y) min_i D(P_{Ti|Y=y} ‖ P_{Ti})` in nats.
    pub fn williams_beer(&self) -> f64 {
        williams_beer(&[(self.n1y(), self.n1()), (self.n2y(), self.n2())], self.ny(), self.n)
    }
}

/// Williams–Beer `I_min = Σ_y p(y) min_i D(P_{Ti|Y=y} ‖ P_{Ti})` in nats of
/// any number of sources, each given by its counts `n[t][y]` (`bins ×
/// classes`) and `n[t]`, with the class counts `n[y]` and the total `n`.
pub(super) fn williams_beer(sources: &[(&[u64], &[u64])], ny: &[u64], n: u64) -> f64 {
    let (n, c) = (n as f64, ny.len());
    let divergence = |(nty, nt): (&[u64], &[u64]), y: usize, ny: f64| -> f64 {
        nt.iter()
            .enumerate()
            .filter(|(t, _)| nty[t * c + y] > 0)
            .map(|(t, &k)| {
                let cond = nty[t * c + y] as f64 / ny;
                cond * (cond * n / k as f64).ln()
            })
            .sum()
    };
    ny.iter()
        .enumerate()
        .filter(|(_, k)| **k > 0)
        .map(|(y, &k)| {
            let ny = k as f64;
            let least = sources
                .iter()
                .map(|&s| divergence(s, y, ny))
                .fold(f64::INFINITY, f64::min);
            ny / n * least
        })
        .sum()
}
