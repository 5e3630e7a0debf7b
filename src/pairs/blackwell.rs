//! Kolchinsky's Blackwell redundancy `I_∩^≺` (Entropy 2022), exactly.
//!
//! A channel `s(q|y)` is a garbling of both neurons when its rows
//! `x_q = (s(q|t1)_{t1}, s(q|t2)_{t2})` lie in the cone
//! `K = {x ≥ 0 : K1·u = K2·v}` (`K_i[y][t] = p(t_i = t | y)`) and sum to the
//! all-ones vector. `I_s(Y;Q) = Σ_q f(x_q)` with
//! `f(x) = Σ_y p(y) s_y log(s_y / s̄)`, `s = K1·u`, `s̄ = Σ_y p(y) s_y`:
//! convex and positively homogeneous, so splitting a row along the extreme
//! rays of `K` never lowers it. The maximum is therefore the linear program
//! `max Σ_r w_r f(ray_r)` subject to `Σ_r w_r ray_r = 1`, `w ≥ 0`, whose
//! optimum is a basic solution with at most `B1 + B2 − 1` nonzero weights
//! (`n_q` of the definition): a vertex of the channel polytope.
//!
//! Both steps are enumerations: extreme rays as the supports on which `A =
//! [K1, −K2]` has a one-dimensional kernel spanned by a positive vector,
//! vertices as the bases of the ray matrix with non-negative weights. Each
//! is bounded by [`MAX_ENUMERATION`] candidates. Before either, the
//! shortcut: when `col K1 ∩ col K2` is the constants (`rank K1 + rank K2 −
//! rank [K1 K2] = 1`) every garbling is constant in `y` and the value is 0.

use super::PairsError;
use super::linalg::{Matrix, TOLERANCE, binomial, for_each_subset};
use super::table::Compact;

/// The most candidate supports (for the extreme rays) or bases (for the
/// vertices) examined for one pair; past it, [`PairsError::TooLarge`].
/// A binary pair needs at most 11 supports, two 4-bin neurons at most 247.
pub const MAX_ENUMERATION: u64 = 1 << 20;

/// How `I_∩^≺` of a pair was found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Blackwell {
    /// The value in nats.
    pub nats: f64,
    /// Extreme rays of the garbling cone (0 when the shortcut applied).
    pub rays: usize,
    /// Basic feasible solutions of the ray program (several bases can
    /// name one vertex of a degenerate program).
    pub bases: usize,
}

/// `I_∩^≺` of a compact table.
///
/// # Errors
/// [`PairsError::TooLarge`] when an enumeration would exceed [`MAX_ENUMERATION`].
pub(super) fn blackwell(c: &Compact) -> Result<Blackwell, PairsError> {
    let (n1, n2) = (c.n1, c.n2);
    // A = [K1, −K2]; its rank is that of [K1 K2].
    let (k1, k2, a) = channels(c);
    let rank_a = a.rank();
    if k1.rank() + k2.rank() <= rank_a + 1 {
        return Ok(Blackwell {
            nats: 0.0,
            rays: 0,
            bases: 0,
        });
    }
    let rays = extreme_rays(&a, rank_a)?;
    let values: Vec<f64> = rays
        .iter()
        .map(|ray| garbling_information(c, &k1, &ray[..n1]))
        .collect();
    let ray_matrix = Matrix::from_fn(n1 + n2, rays.len(), |t, r| rays[r][t]);
    let basis = ray_matrix.rank();
    check_size("vertex", binomial(rays.len(), basis))?;
    let ones = vec![1.0; n1 + n2];
    let (mut best, mut bases) = (0.0_f64, 0);
    for_each_subset(rays.len(), basis, |chosen| {
        let Some(w) = ray_matrix.columns(chosen).solve(&ones) else {
            return;
        };
        if w.iter().all(|&wi| wi >= -TOLERANCE) {
            bases += 1;
            best = best.max(chosen.iter().zip(&w).map(|(&r, &wi)| wi.max(0.0) * values[r]).sum());
        }
    });
    Ok(Blackwell {
        nats: best,
        rays: rays.len(),
        bases,
    })
}

/// The garbling matrices `K1`, `K2` (`p(t_i|y)`, classes × bins) and `A = [K1, −K2]`.
fn channels(c: &Compact) -> (Matrix, Matrix, Matrix) {
    let (n1, n2, nc) = (c.n1, c.n2, c.c);
    let k1 = Matrix::from_fn(nc, n1, |y, t| c.p1y[t * nc + y] / c.py[y]);
    let k2 = Matrix::from_fn(nc, n2, |y, t| c.p2y[t * nc + y] / c.py[y]);
    let a = Matrix::from_fn(nc, n1 + n2, |y, t| if t < n1 { k1.at(y, t) } else { -k2.at(y, t - n1) });
    (k1, k2, a)
}

/// The number of distinct vertices of the definition's channel polytope:
/// the rows `x_1 … x_{n_q}` (`n_q = B1 + B2 − 1`, outcomes labelled) in the
/// garbling cone `K`, summing to the all-ones vector.
///
/// A point is a vertex when the linear spans of the smallest faces of `K`
/// holding its non-zero rows are independent. Faces of `K` are the unions of
/// extreme-ray supports, each spanned by the rays it holds; so the vertices
/// are the sets of faces with independent spans in which the all-ones vector
/// decomposes with every part strictly positive on its face, each set placed
/// on `n_q!/(n_q − k)!` labelled outcomes.
///
/// # Errors
/// [`PairsError::TooLarge`] when the rays, faces or face sets examined would
/// exceed [`MAX_ENUMERATION`].
pub(super) fn polytope_vertices(c: &Compact) -> Result<u64, PairsError> {
    let (_, _, a) = channels(c);
    let n = a.cols;
    let rays = extreme_rays(&a, a.rank())?;
    let faces = faces(&rays, n)?;
    let outcomes = (c.n1 + c.n2 - 1) as u64;
    let dimension = Matrix::from_fn(n, rays.len(), |t, r| rays[r][t]).rank();
    let mut search = FaceSearch {
        faces: &faces,
        ones: vec![1.0; n],
        outcomes,
        dimension,
        examined: 0,
        vertices: 0,
    };
    search.extend(0, &mut Vec::new(), 0)?;
    Ok(search.vertices)
}

/// A face of the garbling cone: its support and a basis of its span (rays).
struct Face {
    support: Vec<bool>,
    basis: Vec<Vec<f64>>,
}

/// The faces of the cone spanned by `rays` (every union of ray supports).
fn faces(rays: &[Vec<f64>], n: usize) -> Result<Vec<Face>, PairsError> {
    let support = |ray: &[f64]| -> Vec<bool> { ray.iter().map(|&x| x > 0.0).collect() };
    let mut supports: Vec<Vec<bool>> = Vec::new();
    for ray in rays {
        let s = support(ray);
        let unions: Vec<Vec<bool>> = supports
            .iter()
            .map(|f| f.iter().zip(&s).map(|(a, b)| *a || *b).collect())
            .collect();
        for u in std::iter::once(s).chain(unions) {
            if !supports.contains(&u) {
                supports.push(u);
                check_size("face", supports.len() as u64)?;
            }
        }
    }
    Ok(supports
        .into_iter()
        .map(|support| {
            let mut basis: Vec<Vec<f64>> = Vec::new();
            for ray in rays
                .iter()
                .filter(|r| r.iter().zip(&support).all(|(&x, &s)| s || x <= 0.0))
            {
                basis.push(ray.clone());
                if Matrix::from_fn(n, basis.len(), |t, k| basis[k][t]).rank() < basis.len() {
                    basis.pop();
                }
            }
            Face { support, basis }
        })
        .collect())
}

/// A depth-first search over sets of faces with independent spans.
struct FaceSearch<'a> {
    faces: &'a [Face],
    ones: Vec<f64>,
    outcomes: u64,
    dimension: usize,
    examined: u64,
    vertices: u64,
}

impl FaceSearch<'_> {
    fn extend(&mut self, from: usize, chosen: &mut Vec<usize>, dim: usize) -> Result<(), PairsError> {
        for f in from..self.faces.len() {
            let d = dim + self.faces[f].basis.len();
            if d > self.dimension || chosen.len() as u64 == self.outcomes {
                continue;
            }
            self.examined += 1;
            check_size("face set", self.examined)?;
            chosen.push(f);
            let stacked: Vec<&Vec<f64>> = chosen.iter().flat_map(|&g| &self.faces[g].basis).collect();
            let m = Matrix::from_fn(self.ones.len(), d, |t, k| stacked[k][t]);
            if m.rank() == d {
                if let Some(w) = m.solve(&self.ones)
                    && self.strictly_positive(chosen, &w)
                {
                    let k = chosen.len() as u64;
                    self.vertices += (self.outcomes - k + 1..=self.outcomes).product::<u64>();
                }
                self.extend(f + 1, chosen, d)?;
            }
            chosen.pop();
        }
        Ok(())
    }

    /// Whether each face's part of the all-ones vector (its basis weighted
    /// by its share of `w`) is positive on the face's whole support.
    fn strictly_positive(&self, chosen: &[usize], w: &[f64]) -> bool {
        let mut offset = 0;
        chosen.iter().all(|&g| {
            let face = &self.faces[g];
            let weights = &w[offset..offset + face.basis.len()];
            offset += face.basis.len();
            face.support.iter().enumerate().filter(|(_, s)| **s).all(|(t, _)| {
                weights
                    .iter()
                    .zip(&face.basis)
                    .map(|(wk, ray)| wk * ray[t])
                    .sum::<f64>()
                    > TOLERANCE
            })
        })
    }
}

fn check_size(what: &'static str, count: u64) -> Result<(), PairsError> {
    if count > MAX_ENUMERATION {
        return Err(PairsError::TooLarge {
            what,
            count,
            limit: MAX_ENUMERATION,
        });
    }
    Ok(())
}

/// The extreme rays of `{x ≥ 0 : A x = 0}`, each scaled to a largest entry of 1.
fn extreme_rays(a: &Matrix, rank: usize) -> Result<Vec<Vec<f64>>, PairsError> {
    let n = a.cols;
    let max_support = (rank + 1).min(n);
    check_size(
        "support",
        (2..=max_support).map(|k| binomial(n, k)).fold(0, u64::saturating_add),
    )?;
    let mut rays = Vec::new();
    for size in 2..=max_support {
        for_each_subset(n, size, |support| {
            let Some(v) = a.columns(support).kernel_vector() else {
                return;
            };
            let sign = v[0].signum();
            if v.iter().any(|&x| x * sign <= TOLERANCE) {
                return;
            }
            let top = v.iter().map(|x| x.abs()).fold(0.0, f64::max);
            let mut ray = vec![0.0; n];
            support.iter().zip(&v).for_each(|(&t, &x)| ray[t] = x.abs() / top);
            rays.push(ray);
        });
    }
    Ok(rays)
}

/// `f(x) = Σ_y p(y) s_y ln(s_y / s̄)` of a garbling row with `s = K1·u`.
fn garbling_information(c: &Compact, k1: &Matrix, u: &[f64]) -> f64 {
    let s: Vec<f64> = (0..c.c).map(|y| (0..c.n1).map(|t| k1.at(y, t) * u[t]).sum()).collect();
    let mean: f64 = s.iter().zip(&c.py).map(|(s, p)| s * p).sum();
    s.iter()
        .zip(&c.py)
        .filter(|(s, _)| **s > 0.0)
        .map(|(s, p)| p * s * (s / mean).ln())
        .sum()
}
