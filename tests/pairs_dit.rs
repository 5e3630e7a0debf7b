//! dit's textbook bivariate distributions, with the values (in bits) the
//! literature and dit report: every closed form and `red_prec` to 1e-9,
//! `red_broja` to 1e-7.

use approx::assert_abs_diff_eq;
use infoablate::measures::{Estimator, Units};
use infoablate::pairs::{
    PairMeasures, PairSettings, PairTable, Redundancy, SourceTable, red_broja, red_broja_conic, red_mmi_sources,
    red_prec, red_prec_vertices, red_wb_sources,
};

/// Closed forms and the exact `red_prec`.
const EXACT: f64 = 1e-9;
/// `red_broja`, a convex program.
const CONIC: f64 = 1e-7;

/// A table of two binary sources from `(x1, x2, y, count)` rows.
fn table(classes: usize, rows: &[(usize, usize, usize, u64)]) -> PairTable {
    let mut counts = vec![0; 4 * classes];
    for &(x1, x2, y, n) in rows {
        counts[(x1 * 2 + x2) * classes + y] += n;
    }
    PairTable::from_counts(2, 2, classes, counts).unwrap()
}

/// Uniform inputs with `y = f(x1, x2)`.
fn uniform(classes: usize, f: impl Fn(usize, usize) -> usize) -> PairTable {
    let rows: Vec<_> = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(a, b)| (a, b, f(a, b), 1))
        .collect();
    table(classes, &rows)
}

/// Correlated sources: p(x1, x2) = .35, .15, .15, .35.
fn correlated(classes: usize, f: impl Fn(usize, usize) -> usize) -> PairTable {
    let rows: Vec<_> = [(0, 0, 7), (0, 1, 3), (1, 0, 3), (1, 1, 7)]
        .iter()
        .map(|&(a, b, n)| (a, b, f(a, b), n))
        .collect();
    table(classes, &rows)
}

fn measures(t: &PairTable) -> PairMeasures {
    PairMeasures::compute(t, &PairSettings::default()).unwrap()
}

/// Binary entropy in bits.
fn h(p: f64) -> f64 {
    -(p * p.log2() + (1.0 - p) * (1.0 - p).log2())
}

fn assert_redundancies(m: &PairMeasures, [mmi, wb, broja, prec]: [f64; 4]) {
    assert_abs_diff_eq!(m.red_mmi, mmi, epsilon = EXACT);
    assert_abs_diff_eq!(m.red_wb, wb, epsilon = EXACT);
    assert_abs_diff_eq!(m.red_broja.unwrap(), broja, epsilon = CONIC);
    assert_abs_diff_eq!(m.red_prec.unwrap(), prec, epsilon = EXACT);
}

#[test]
fn and() {
    let m = measures(&uniform(2, |a, b| a & b));
    let red = 0.311278124459;
    assert_abs_diff_eq!(red, h(0.25) - 0.5, epsilon = 1e-12);
    assert_redundancies(&m, [red, red, red, red]);
    assert_abs_diff_eq!(m.interaction_info, 0.188722, epsilon = 1e-6);
    assert_abs_diff_eq!(m.interaction_info, 1.0 - h(0.25), epsilon = EXACT);
    assert_abs_diff_eq!(m.joint_mi, h(0.25), epsilon = EXACT);
}

#[test]
fn xor() {
    let m = measures(&uniform(2, |a, b| a ^ b));
    assert_redundancies(&m, [0.0; 4]);
    assert_abs_diff_eq!(m.interaction_info, 1.0, epsilon = EXACT);
    let atoms = m.atoms(Redundancy::Prec).unwrap();
    assert_abs_diff_eq!(atoms.synergy, 1.0, epsilon = EXACT);
}

#[test]
fn rdn() {
    let m = measures(&table(2, &[(0, 0, 0, 1), (1, 1, 1, 1)]));
    assert_redundancies(&m, [1.0; 4]);
    assert_abs_diff_eq!(m.interaction_info, -1.0, epsilon = EXACT);
    let atoms = m.atoms(Redundancy::Broja).unwrap();
    assert_abs_diff_eq!(atoms.unique_1, 0.0, epsilon = CONIC);
    assert_abs_diff_eq!(atoms.synergy, 0.0, epsilon = CONIC);
}

#[test]
fn unq() {
    let m = measures(&uniform(2, |a, _| a));
    assert_redundancies(&m, [0.0; 4]);
    assert_abs_diff_eq!(m.atoms(Redundancy::Wb).unwrap().unique_1, 1.0, epsilon = EXACT);
    assert_abs_diff_eq!(m.interaction_info, 0.0, epsilon = EXACT);
}

#[test]
fn sum() {
    let m = measures(&uniform(3, |a, b| a + b));
    assert_redundancies(&m, [0.5; 4]);
    assert_abs_diff_eq!(m.joint_mi, 1.5, epsilon = EXACT);
}

#[test]
fn copy() {
    let m = measures(&uniform(4, |a, b| 2 * a + b));
    assert_redundancies(&m, [1.0, 1.0, 0.0, 0.0]);
    assert_abs_diff_eq!(m.joint_mi, 2.0, epsilon = EXACT);
}

#[test]
fn copy_with_correlated_sources() {
    let m = measures(&correlated(4, |a, b| 2 * a + b));
    // dit's value; the exact one is I(X1;X2) = 1 − h(0.3) = 0.11870910077 (1e-9 below).
    let mutual = 0.118709101766;
    assert_abs_diff_eq!(mutual, 1.0 - h(0.3), epsilon = EXACT);
    assert_abs_diff_eq!(m.red_wb, 1.0, epsilon = EXACT);
    assert_abs_diff_eq!(m.red_broja.unwrap(), mutual, epsilon = CONIC);
    assert_abs_diff_eq!(m.red_prec.unwrap(), 0.0, epsilon = EXACT);
}

#[test]
fn unq_with_correlated_sources() {
    let m = measures(&correlated(2, |a, _| a));
    assert_redundancies(&m, [0.118709101766; 4]);
    let exact = 1.0 - h(0.3);
    assert_abs_diff_eq!(m.red_prec.unwrap(), exact, epsilon = 1e-12);
    assert_abs_diff_eq!(m.red_wb, exact, epsilon = 1e-12);
}

#[test]
fn two_copies_of_class_below_five_share_one_bit() {
    // Ten equally frequent classes; both neurons are [class < 5].
    let rows: Vec<_> = (0..10)
        .map(|y| (usize::from(y < 5), usize::from(y < 5), y, 3))
        .collect();
    let t = table(10, &rows);
    assert_abs_diff_eq!(red_prec(&t, Units::Bits).unwrap(), 1.0, epsilon = EXACT);
    // n_q = 3: the 3² deterministic maps of the two bins to three outcomes.
    assert_eq!(red_prec_vertices(&t).unwrap(), 9);
    let m = measures(&t);
    assert_redundancies(&m, [1.0; 4]);
}

#[test]
fn generic_neurons_share_only_the_constant_channel() {
    // Three classes with distinct p(t1|y), p(t2|y): the channels' column
    // spaces meet in the constants, the cone is the ray of the all-ones
    // vector, and the vertices put it on one of n_q = 3 outcomes.
    let rows = [
        (0, 0, 0, 5),
        (1, 1, 0, 1),
        (0, 1, 1, 2),
        (1, 0, 1, 3),
        (1, 1, 2, 4),
        (0, 0, 2, 1),
    ];
    let t = table(3, &rows);
    assert_eq!(red_prec(&t, Units::Bits).unwrap(), 0.0);
    assert_eq!(red_prec_vertices(&t).unwrap(), 3);
}

#[test]
fn the_conic_solver_agrees_on_every_textbook_case() {
    let cases = [
        uniform(2, |a, b| a & b),
        uniform(2, |a, b| a ^ b),
        uniform(3, |a, b| a + b),
        uniform(4, |a, b| 2 * a + b),
        correlated(4, |a, b| 2 * a + b),
        correlated(2, |a, _| a),
    ];
    for t in &cases {
        let newton = red_broja(t, Units::Bits).unwrap();
        assert_abs_diff_eq!(red_broja_conic(t, Units::Bits).unwrap(), newton, epsilon = 1e-6);
    }
}

#[test]
fn nats_and_miller_madow() {
    let t = uniform(2, |a, b| a & b);
    let bits = measures(&t);
    let nats = PairMeasures::compute(
        &t,
        &PairSettings {
            units: Units::Nats,
            ..PairSettings::default()
        },
    )
    .unwrap();
    assert_abs_diff_eq!(
        nats.red_broja.unwrap(),
        bits.red_broja.unwrap() * std::f64::consts::LN_2,
        epsilon = CONIC
    );
    assert_abs_diff_eq!(nats.red_wb, bits.red_wb * std::f64::consts::LN_2, epsilon = EXACT);
    // Miller–Madow moves the MI terms only: (m_T + m_Y − m_TY − 1)/(2N) nats.
    let mm = PairMeasures::compute(
        &t,
        &PairSettings {
            estimator: Estimator::MillerMadow,
            ..PairSettings::default()
        },
    )
    .unwrap();
    let n = 4.0;
    assert_abs_diff_eq!(
        mm.mi_1 - bits.mi_1,
        (2.0 + 2.0 - 3.0 - 1.0) / (2.0 * n) / std::f64::consts::LN_2,
        epsilon = EXACT
    );
    assert_abs_diff_eq!(
        mm.joint_mi - bits.joint_mi,
        (4.0 + 2.0 - 4.0 - 1.0) / (2.0 * n) / std::f64::consts::LN_2,
        epsilon = EXACT
    );
    assert_eq!(mm.red_wb, bits.red_wb);
    assert_eq!(mm.red_broja, bits.red_broja);
}

/// Three sources against dit's `PID_WB` and `PID_MMI` (bits): X1, X2 fair
/// and independent, X3 = X1 xor X2, Y = X1 and X2; and a skewed table.
#[test]
fn three_sources_as_dit_reports() {
    let table = |rows: &[([usize; 3], usize, u64)], classes: usize| {
        let mut counts = vec![0; 8 * classes];
        for &([a, b, c], y, n) in rows {
            counts[((a * 2 + b) * 2 + c) * classes + y] += n;
        }
        SourceTable::from_counts(&[2, 2, 2], classes, counts).unwrap()
    };
    // (rows, classes, dit's red_wb, dit's red_mmi)
    let and: &[([usize; 3], usize, u64)] = &[
        ([0, 0, 0], 0, 1),
        ([0, 1, 1], 0, 1),
        ([1, 0, 1], 0, 1),
        ([1, 1, 0], 1, 1),
    ];
    // dit: outcomes (0,0,0,0) .3, (0,1,1,1) .2, (1,0,1,1) .1, (1,1,1,2) .25, (1,1,0,2) .15
    let skewed: &[([usize; 3], usize, u64)] = &[
        ([0, 0, 0], 0, 6),
        ([0, 1, 1], 1, 4),
        ([1, 0, 1], 1, 2),
        ([1, 1, 1], 2, 5),
        ([1, 1, 0], 2, 3),
    ];
    let cases = [
        (and, 2, 0.3112781244591328, 0.31127812445913294),
        (skewed, 3, 0.3107481600149183, 0.6110008528178219),
    ];
    for (rows, classes, wb, mmi) in cases {
        let t = table(rows, classes);
        assert_abs_diff_eq!(red_wb_sources(&t, Units::Bits).unwrap(), wb, epsilon = EXACT);
        assert_abs_diff_eq!(red_mmi_sources(&t, Units::Bits).unwrap(), mmi, epsilon = EXACT);
    }
    // Two sources: the pair's own red_wb and red_mmi.
    let pair = uniform(2, |a, b| a & b);
    let m = measures(&pair);
    let two = SourceTable::from_pair(&pair);
    assert_abs_diff_eq!(red_wb_sources(&two, Units::Bits).unwrap(), m.red_wb, epsilon = EXACT);
    assert_abs_diff_eq!(red_mmi_sources(&two, Units::Bits).unwrap(), m.red_mmi, epsilon = EXACT);
    assert!(SourceTable::from_counts(&[2], 2, vec![0; 4]).is_err());
    assert!(SourceTable::from_counts(&[2, 2, 2], 2, vec![0; 15]).is_err());
    assert!(SourceTable::from_counts(&[usize::MAX, 2, 2], 2, vec![]).is_err());
    assert!(
        red_wb_sources(
            &SourceTable::from_counts(&[2, 2, 2], 2, vec![0; 16]).unwrap(),
            Units::Bits
        )
        .is_err()
    );
}
