//! The closed-form measures of a pair, in nats: the three mutual
//! informations (through the crate's estimators) and Williams–Beer `I_min`.

use super::table::Compact;
use crate::Result;
use crate::measures::{Estimator, Units, mutual_information};

/// `[I(T1;Y), I(T2;Y), I(T1,T2;Y)]` in nats.
pub(super) fn mutual_informations(c: &Compact, estimator: Estimator) -> Result<[f64; 3]> {
    let mut mi = [0.0; 3];
    for (which, value) in mi.iter_mut().enumerate() {
        *value = mutual_information(&c.marginal_table(which)?, estimator, Units::Nats)?;
    }
    Ok(mi)
}

/// `D(P_{T|Y=y} ‖ P_T)` in nats of one neuron's `p(t, y)` (`bins × c`).
fn class_divergence(pty: &[f64], py: &[f64], y: usize) -> f64 {
    let c = py.len();
    pty.chunks_exact(c)
        .filter(|row| row[y] > 0.0)
        .map(|row| {
            let pt: f64 = row.iter().sum();
            let cond = row[y] / py[y];
            cond * (cond / pt).ln()
        })
        .sum()
}

/// Williams–Beer `I_min = Σ_y p(y) min_i D(P_{Ti|Y=y} ‖ P_{Ti})` in nats.
pub(super) fn williams_beer(c: &Compact) -> f64 {
    (0..c.c)
        .map(|y| c.py[y] * class_divergence(&c.p1y, &c.py, y).min(class_divergence(&c.p2y, &c.py, y)))
        .sum()
}
