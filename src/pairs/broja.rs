//! `max_{q∈Δ} H_q(Y|T1,T2)` of Bertschinger et al. 2014 (the BROJA
//! redundancy is `mi_1 + mi_2 − H(Y) + max_q H_q(Y|T1,T2)`).
//!
//! `Δ` is, class by class, a transportation polytope: `q(·,·,y)` has row
//! sums `p(t1,y)` and column sums `p(t2,y)`. Two solvers:
//!
//! - [`max_conditional_entropy_binary`]: both neurons with two occupied bins.
//!   Each class then has one free cell `x_y = q(1,1,y)` in an interval; the
//!   objective is concave with Hessian `−diag(D) + c·11ᵀ`, so a damped
//!   Newton step costs `O(C)` (Sherman–Morrison), kept strictly inside the
//!   box (the gradient grows without bound at a face where a cell of one
//!   class vanishes while its cell total stays positive).
//! - [`max_conditional_entropy_conic`]: any bins, as an exponential-cone
//!   program solved by Clarabel: maximise `Σ r` subject to
//!   `(r_k, q_k, Q_{t1t2}) ∈ K_exp` (that is `r_k ≤ −q_k log(q_k/Q_{t1t2})`)
//!   for every cell `k = (t1,t2,y)`, `Q_{t1t2} = Σ_y q(t1,t2,y)`, and the
//!   marginal equalities.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};

use super::PairsError;
use super::table::Compact;

/// `x ln x`, 0 at 0 (and for the tiny negatives rounding leaves).
fn xlogx(x: f64) -> f64 {
    if x > 0.0 { x * x.ln() } else { 0.0 }
}

/// `H_q(Y|T1,T2)` in nats of a pmf `q(t1,t2,y)`, row-major with `classes` a cell.
fn conditional_entropy(q: &[f64], classes: usize) -> f64 {
    let cells = q.chunks_exact(classes);
    cells
        .map(|cell| xlogx(cell.iter().sum()) - cell.iter().map(|&v| xlogx(v)).sum::<f64>())
        .sum()
}

/// `max_{q∈Δ} H_q(Y|T1,T2)` in nats: `H_p` when a neuron has one occupied
/// bin (`Δ` is then the point `p`), the binary solver for two bins each
/// (Clarabel where it does not converge), Clarabel otherwise.
///
/// # Errors
/// [`PairsError::Solver`] when Clarabel does not reach a solution.
pub(super) fn max_conditional_entropy(c: &Compact) -> Result<f64, PairsError> {
    match (c.n1, c.n2) {
        (1, _) | (_, 1) => Ok(conditional_entropy(&c.p, c.c)),
        (2, 2) => max_conditional_entropy_binary(c).map_or_else(|| max_conditional_entropy_conic(c), Ok),
        _ => max_conditional_entropy_conic(c),
    }
}

/// The free cell of one class: `q(1,1,y) ∈ [lo, hi]`, with `a = p(T1=1,y)`,
/// `b = p(T2=1,y)`, `m = p(y)`.
struct Class {
    a: f64,
    b: f64,
    m: f64,
    lo: f64,
    hi: f64,
}

impl Class {
    /// `q(0,0,y), q(0,1,y), q(1,0,y), q(1,1,y)` at `q(1,1,y) = x`.
    fn cells(&self, x: f64) -> [f64; 4] {
        [self.m - self.a - self.b + x, self.b - x, self.a - x, x]
    }
    fn free(&self) -> bool {
        self.hi - self.lo > 1e-15 * self.m
    }
}

/// Signs of `dq/dx` of the cells `00, 01, 10, 11`.
const SIGNS: [f64; 4] = [1.0, -1.0, -1.0, 1.0];

fn objective(classes: &[Class], x: &[f64]) -> f64 {
    let mut totals = [0.0; 4];
    let mut value = 0.0;
    for (class, &xy) in classes.iter().zip(x) {
        for (k, q) in class.cells(xy).into_iter().enumerate() {
            totals[k] += q;
            value -= xlogx(q);
        }
    }
    value + totals.iter().map(|&q| xlogx(q)).sum::<f64>()
}

/// `max_{q∈Δ} H_q(Y|T1,T2)` in nats for two neurons with two occupied bins
/// each (bins 0 and 1 of a compact table): Newton, or a corner certified
/// optimal; `None` where neither settles it.
fn max_conditional_entropy_binary(c: &Compact) -> Option<f64> {
    debug_assert!(c.n1 == 2 && c.n2 == 2);
    let classes: Vec<Class> = (0..c.c)
        .map(|y| {
            let (a, b, m) = (c.p1y[c.c + y], c.p2y[c.c + y], c.py[y]);
            let lo = (a + b - m).max(0.0);
            // max(lo): rounding can put the bounds of a pinned class a few ulps apart.
            Class {
                a,
                b,
                m,
                lo,
                hi: a.min(b).max(lo),
            }
        })
        .collect();
    // Start at the independent coupling, interior for every free class.
    let x: Vec<f64> = classes
        .iter()
        .map(|k| {
            if k.free() {
                (k.a * k.b / k.m).clamp(k.lo, k.hi)
            } else {
                k.lo
            }
        })
        .collect();
    let free: Vec<usize> = (0..classes.len()).filter(|&y| classes[y].free()).collect();
    if free.is_empty() {
        return Some(objective(&classes, &x));
    }
    newton(&classes, x, &free).or_else(|| optimal_corner(&classes, &free))
}

/// Damped Newton from `x`; `None` where it stalls or leaves the interior.
fn newton(classes: &[Class], mut x: Vec<f64>, free: &[usize]) -> Option<f64> {
    let mut value = objective(classes, &x);
    for _ in 0..MAX_NEWTON_STEPS {
        let (direction, decrement) = newton_step(classes, &x, free)?;
        // The longest step that keeps every free cell strictly inside.
        let mut t: f64 = 1.0;
        for (&y, &d) in free.iter().zip(&direction) {
            let room = if d > 0.0 {
                classes[y].hi - x[y]
            } else {
                x[y] - classes[y].lo
            };
            if d != 0.0 {
                t = t.min(0.99 * room / d.abs());
            }
        }
        // Converged: F is within about decrement / 2 of its maximum and the
        // full Newton step stays inside (near a face the decrement is small
        // too, but the step is cut short by the boundary).
        if decrement <= 1e-20 || (decrement <= 1e-14 && t == 1.0) {
            return Some(value);
        }
        let mut accepted = false;
        for _ in 0..60 {
            let mut trial = x.clone();
            free.iter().zip(&direction).for_each(|(&y, &d)| trial[y] += t * d);
            let trial_value = objective(classes, &trial);
            // Armijo, with room for the rounding of F near the optimum.
            if trial_value >= value + 1e-4 * t * decrement - 1e-15 * value.abs() {
                (x, value, accepted) = (trial, trial_value, true);
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            return None;
        }
    }
    None
}

/// The value at a corner where one cell `k*` vanishes in every class, if
/// one is the maximum.
///
/// At the maximum either every cell total `Q_k` is positive — then no free
/// class sits at a bound (the gradient there points inwards without bound)
/// and Newton finds it — or some `Q_{k*}` is 0, which pins every class: a
/// corner, which Newton only creeps towards. From a corner, moving class `y`
/// inwards at rate `u_y ≥ 0` changes F at rate
/// `Σ_y g_y u_y + Σ_y u_y ln(Σu / u_y)` (the `ln ε` of the vanishing cells
/// cancels), with `g_y` the gradient of the other cells. Its maximum over
/// `Σu = 1` is `ln Σ_y exp(g_y)` (Gibbs), so the corner is the maximum
/// exactly when that is `≤ 0`.
fn optimal_corner(classes: &[Class], free: &[usize]) -> Option<f64> {
    (0..4).find_map(|star| {
        let x: Vec<f64> = classes
            .iter()
            .map(|class| {
                // The free cell that zeroes cell `star`: 00, 01, 10, 11.
                let at = [class.a + class.b - class.m, class.b, class.a, 0.0][star];
                let slack = 1e-12 * class.m;
                (at >= class.lo - slack && at <= class.hi + slack).then(|| at.clamp(class.lo, class.hi))
            })
            .collect::<Option<_>>()?;
        let cells: Vec<[f64; 4]> = classes
            .iter()
            .zip(&x)
            .map(|(c, &xy)| c.cells(xy).map(|q| q.max(0.0)))
            .collect();
        if cells.iter().any(|c| c[star] > 1e-12) {
            return None;
        }
        let mut totals = [0.0; 4];
        cells.iter().for_each(|c| (0..4).for_each(|k| totals[k] += c[k]));
        let mut rates = Vec::with_capacity(free.len());
        for &y in free {
            let others = (0..4).filter(|&k| k != star);
            if others.clone().any(|k| cells[y][k] <= 0.0) {
                return None; // a second vanishing cell: no certificate
            }
            rates.push(SIGNS[star] * others.map(|k| SIGNS[k] * (totals[k] / cells[y][k]).ln()).sum::<f64>());
        }
        let top = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_sum_exp = top + rates.iter().map(|r| (r - top).exp()).sum::<f64>().ln();
        (log_sum_exp <= 0.0).then(|| objective(classes, &x))
    })
}

/// Newton steps before the binary solver gives up (it converges in under
/// ten where the maximum is well inside the polytope).
const MAX_NEWTON_STEPS: usize = 40;

/// The Newton direction on the free classes and `gᵀd` (the Newton
/// decrement squared), or `None` where a cell has reached 0.
fn newton_step(classes: &[Class], x: &[f64], free: &[usize]) -> Option<(Vec<f64>, f64)> {
    let cells: Vec<[f64; 4]> = classes
        .iter()
        .zip(x)
        .map(|(class, &xy)| class.cells(xy).map(|q| q.max(0.0)))
        .collect();
    let mut totals = [0.0; 4];
    cells.iter().for_each(|c| (0..4).for_each(|k| totals[k] += c[k]));
    if free.iter().any(|&y| cells[y].iter().any(|&q| q <= 0.0)) {
        return None;
    }
    let coupling: f64 = totals.iter().map(|q| 1.0 / q).sum();
    // Per free class: the gradient, w = 1/D and α_k = w/q_k (Σ_k α_k = 1).
    let grad: Vec<f64> = free
        .iter()
        .map(|&y| (0..4).map(|k| SIGNS[k] * (totals[k] / cells[y][k]).ln()).sum())
        .collect();
    let inv_diag: Vec<f64> = free
        .iter()
        .map(|&y| 1.0 / cells[y].iter().map(|q| 1.0 / q).sum::<f64>())
        .collect();
    // (diag(D) − c·11ᵀ) d = g  ⇒  d = D⁻¹g + D⁻¹1 · c(1ᵀD⁻¹g) / (1 − c·1ᵀD⁻¹1).
    // The denominator cancels where one cell total Q_* is tiny; with
    // β_ky = q_ky/Q_k it is, exactly,
    // Σ_{fixed y} β_*y + Σ_{free y} Σ_{k≠*} α_ky (β_*y − β_ky).
    let star = (0..4).min_by(|&a, &b| totals[a].total_cmp(&totals[b])).unwrap_or(0);
    let free_share: f64 = free.iter().map(|&y| cells[y][star]).sum::<f64>() / totals[star];
    let mut denom = (1.0 - free_share).max(0.0);
    for (&y, &w) in free.iter().zip(&inv_diag) {
        let beta_star = cells[y][star] / totals[star];
        for k in (0..4).filter(|&k| k != star) {
            denom += w / cells[y][k] * (beta_star - cells[y][k] / totals[k]);
        }
    }
    let sum_inv_g: f64 = inv_diag.iter().zip(&grad).map(|(w, g)| w * g).sum();
    let shift = if denom > 0.0 { coupling * sum_inv_g / denom } else { 0.0 };
    let direction: Vec<f64> = inv_diag.iter().zip(&grad).map(|(w, g)| w * (g + shift)).collect();
    let decrement = direction.iter().zip(&grad).map(|(d, g)| d * g).sum();
    Some((direction, decrement))
}

/// The most free cells `q(t1,t2,y)` (both marginals positive) the conic
/// BROJA program takes. Its KKT factorisation fills in roughly as the cube
/// of the cell count: about 1 s at 1,000 cells and 18 s at 2,560 on one
/// core, so past this limit a pair is a typed error, not a hang. Binary pairs
/// (at most 4 cells a class) use the dedicated solver and rarely reach it;
/// coarser bins or fewer classes bring a table under it.
pub const MAX_BROJA_CELLS: usize = 1024;

/// `max_{q∈Δ} H_q(Y|T1,T2)` in nats for any bins, by Clarabel.
///
/// # Errors
/// [`PairsError::BrojaTooLarge`] past [`MAX_BROJA_CELLS`] free cells;
/// [`PairsError::Solver`] when Clarabel does not reach a solution.
pub(super) fn max_conditional_entropy_conic(c: &Compact) -> Result<f64, PairsError> {
    let (n1, n2, nc) = (c.n1, c.n2, c.c);
    // Variables: q for the cells that can be positive (both marginals > 0), then r.
    let cells: Vec<(usize, usize, usize)> = (0..n1)
        .flat_map(|t1| (0..n2).flat_map(move |t2| (0..nc).map(move |y| (t1, t2, y))))
        .filter(|&(t1, t2, y)| c.p1y[t1 * nc + y] > 0.0 && c.p2y[t2 * nc + y] > 0.0)
        .collect();
    let k = cells.len();
    if k > MAX_BROJA_CELLS {
        return Err(PairsError::BrojaTooLarge {
            cells: k,
            limit: MAX_BROJA_CELLS,
        });
    }
    let (mut triplets, mut b): (Vec<(usize, usize, f64)>, Vec<f64>) = (Vec::new(), Vec::new());
    let mut row = 0;
    // Equalities, one per (t1, y) and per (t2, y) but the last t2 of each class
    // (it follows from the others).
    for t1 in 0..n1 {
        for y in 0..nc {
            for (v, _) in cells.iter().enumerate().filter(|(_, cell)| (cell.0, cell.2) == (t1, y)) {
                triplets.push((row, v, 1.0));
            }
            b.push(c.p1y[t1 * nc + y]);
            row += 1;
        }
    }
    for t2 in 0..n2 - 1 {
        for y in 0..nc {
            for (v, _) in cells.iter().enumerate().filter(|(_, cell)| (cell.1, cell.2) == (t2, y)) {
                triplets.push((row, v, 1.0));
            }
            b.push(c.p2y[t2 * nc + y]);
            row += 1;
        }
    }
    let equalities = row;
    // Exponential cones: s = (r_v, q_v, Q_{t1t2}) = −A x.
    for (v, &(t1, t2, _)) in cells.iter().enumerate() {
        triplets.push((row, k + v, -1.0));
        triplets.push((row + 1, v, -1.0));
        for (w, _) in cells.iter().enumerate().filter(|(_, o)| (o.0, o.1) == (t1, t2)) {
            triplets.push((row + 2, w, -1.0));
        }
        b.extend([0.0; 3]);
        row += 3;
    }
    let (rows, (cols, vals)): (Vec<usize>, (Vec<usize>, Vec<f64>)) =
        triplets.into_iter().map(|(r, c, v)| (r, (c, v))).unzip();
    let a = CscMatrix::new_from_triplets(row, 2 * k, rows, cols, vals);
    let p = CscMatrix::zeros((2 * k, 2 * k));
    let mut objective = vec![0.0; 2 * k];
    objective[k..].iter_mut().for_each(|v| *v = -1.0);
    let mut cones = vec![SupportedConeT::ZeroConeT(equalities)];
    cones.extend((0..k).map(|_| SupportedConeT::ExponentialConeT()));
    let settings = DefaultSettings {
        verbose: false,
        tol_gap_abs: 1e-12,
        tol_gap_rel: 1e-12,
        tol_feas: 1e-12,
        max_iter: 400,
        ..DefaultSettings::default()
    };
    let mut solver = DefaultSolver::new(&p, &objective, &a, &b, &cones, settings)
        .map_err(|e| PairsError::Solver(format!("Clarabel rejected the BROJA program: {e}")))?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {}
        status => return Err(PairsError::Solver(format!("Clarabel stopped with {status:?}"))),
    }
    // The objective at the solver's q, not its r (tighter).
    let mut q = vec![0.0; n1 * n2 * nc];
    for (v, &(t1, t2, y)) in cells.iter().enumerate() {
        q[(t1 * n2 + t2) * nc + y] = solver.solution.x[v].max(0.0);
    }
    Ok(conditional_entropy(&q, nc))
}
