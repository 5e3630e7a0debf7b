//! The small dense linear algebra of the Blackwell redundancy: reduced row
//! echelon form with partial pivoting and an absolute tolerance, and what
//! follows from it (rank, a one-dimensional kernel, a consistent solve).

/// A dense row-major matrix.
#[derive(Debug, Clone)]
pub(super) struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

/// Entries this small (the tables' pmfs are at most 1) count as 0.
pub(super) const TOLERANCE: f64 = 1e-10;

impl Matrix {
    pub fn from_fn(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Self {
        let data = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (r, c)))
            .map(|(r, c)| f(r, c))
            .collect();
        Matrix { rows, cols, data }
    }

    pub fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    /// The matrix of the given columns.
    pub fn columns(&self, which: &[usize]) -> Matrix {
        Matrix::from_fn(self.rows, which.len(), |r, c| self.at(r, which[c]))
    }

    /// Reduced row echelon form in place; the pivot columns.
    fn reduce(&mut self) -> Vec<usize> {
        let mut pivots = Vec::new();
        let mut row = 0;
        for col in 0..self.cols {
            if row == self.rows {
                break;
            }
            let Some(best) = (row..self.rows).max_by(|&a, &b| self.at(a, col).abs().total_cmp(&self.at(b, col).abs()))
            else {
                break;
            };
            if self.at(best, col).abs() <= TOLERANCE {
                continue;
            }
            for c in 0..self.cols {
                self.data.swap(row * self.cols + c, best * self.cols + c);
            }
            let pivot = self.at(row, col);
            for c in 0..self.cols {
                self.data[row * self.cols + c] /= pivot;
            }
            for r in (0..self.rows).filter(|&r| r != row) {
                let factor = self.at(r, col);
                if factor != 0.0 {
                    for c in 0..self.cols {
                        self.data[r * self.cols + c] -= factor * self.data[row * self.cols + c];
                    }
                }
            }
            pivots.push(col);
            row += 1;
        }
        pivots
    }

    pub fn rank(&self) -> usize {
        self.clone().reduce().len()
    }

    /// The kernel's basis vector when the kernel is one-dimensional.
    pub fn kernel_vector(&self) -> Option<Vec<f64>> {
        let mut m = self.clone();
        let pivots = m.reduce();
        if pivots.len() + 1 != self.cols {
            return None;
        }
        let free = (0..self.cols).find(|c| !pivots.contains(c))?;
        let mut v = vec![0.0; self.cols];
        v[free] = 1.0;
        for (r, &p) in pivots.iter().enumerate() {
            v[p] = -m.at(r, free);
        }
        Some(v)
    }

    /// The unique `x` with `self · x = rhs`, when the columns are independent
    /// and the system is consistent.
    pub fn solve(&self, rhs: &[f64]) -> Option<Vec<f64>> {
        let mut m = Matrix::from_fn(self.rows, self.cols + 1, |r, c| {
            if c < self.cols { self.at(r, c) } else { rhs[r] }
        });
        let pivots = m.reduce();
        if pivots.len() != self.cols {
            return None; // dependent columns, or a pivot in the right-hand side
        }
        Some((0..self.cols).map(|r| m.at(r, self.cols)).collect())
    }
}

/// Calls `f` with every `k`-subset of `0..n` in lexicographic order.
pub(super) fn for_each_subset(n: usize, k: usize, mut f: impl FnMut(&[usize])) {
    if k > n {
        return;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        f(&idx);
        let Some(i) = (0..k).rev().find(|&i| idx[i] < n - k + i) else {
            return;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// `C(n, k)`, saturating at `u64::MAX`.
pub(super) fn binomial(n: usize, k: usize) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    (0..k).fold(1_u64, |acc, i| acc.saturating_mul((n - i) as u64) / (i as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_kernel_and_solve() {
        let m = Matrix::from_fn(2, 3, |r, c| [[1.0, 2.0, 3.0], [2.0, 4.0, 7.0]][r][c]);
        assert_eq!(m.rank(), 2);
        let v = m.kernel_vector().unwrap();
        assert_eq!(v, vec![-2.0, 1.0, 0.0]);
        let square = m.columns(&[0, 2]);
        let x = square.solve(&[4.0, 9.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
        assert!(m.columns(&[0, 1]).solve(&[1.0, 2.0]).is_none());
    }

    #[test]
    fn subsets_and_binomials() {
        let mut seen = Vec::new();
        for_each_subset(4, 2, |s| seen.push(s.to_vec()));
        assert_eq!(seen.len() as u64, binomial(4, 2));
        assert_eq!(seen[0], vec![0, 1]);
        assert_eq!(seen[5], vec![2, 3]);
        assert_eq!(binomial(20, 10), 184_756);
        assert_eq!(binomial(3, 5), 0);
    }
}
