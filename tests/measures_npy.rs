//! `.npy` activations to CSV scores: the logic of `examples/analyze.rs`.
#![cfg(feature = "npy")]

use std::path::PathBuf;

use approx::assert_abs_diff_eq;
use infoablate::Error;
use infoablate::measures::{Estimator, MeasureSettings, Quantizer, Units, analyze};
use infoablate::record::{NpyError, NpyOptions, Raw16, RecordError, Recording};
use ndarray::{Array2, ShapeBuilder, array};
use ndarray_npy::{WritableElement, write_npy};

/// A handful of logarithms: a few ulps.
const TOL: f64 = 1e-12;

/// A fresh directory for one test's files.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("infoablate-measures-npy-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write<A: WritableElement, D: ndarray::Dimension>(&self, name: &str, array: &ndarray::Array<A, D>) -> PathBuf {
        let path = self.0.join(name);
        write_npy(&path, array).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The same four samples as the analytic tests: neuron 0 copies the label,
/// neuron 1 is always active, neuron 2 fires once, for class 0.
fn acts() -> Array2<f64> {
    array![[0.0, 1.0, 0.0], [0.0, 2.0, 1.0], [3.0, 1.0, 0.0], [1.0, 2.0, 0.0]]
}

fn parse_csv(csv: &str) -> (String, Vec<Vec<f64>>) {
    let mut lines = csv.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_of_npy_activations_has_the_hand_computed_values() {
    let dir = Dir::new("csv");
    let a = dir.write("acts.npy", &acts().mapv(|v| v as f32));
    let l = dir.write("labels.npy", &array![0_i64, 0, 1, 1]);
    let rec = Recording::from_npy(&a, &l).unwrap();
    let scores = analyze(&rec, &MeasureSettings::default(), None).unwrap();
    let csv = scores.to_csv(Some(0)).unwrap();
    let (header, rows) = parse_csv(&csv);
    assert_eq!(header, "neuron,entropy,mutual_info,kl_selectivity,csi");
    let h2 = -(0.75 * 0.75_f64.log2() + 0.25 * 0.25_f64.log2());
    let expected = [
        [0.0, 1.0, 1.0, 1.0, 1.0],
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [2.0, h2, h2 - 0.5, (4.0_f64 / 3.0).log2(), 1.0],
    ];
    assert_eq!(rows.len(), 3);
    for (row, want) in rows.iter().zip(expected) {
        for (got, want) in row.iter().zip(want) {
            assert_abs_diff_eq!(*got, want, epsilon = TOL);
        }
    }
    assert!(csv.starts_with("neuron,entropy,mutual_info,kl_selectivity,csi\n0,1,1,1,1\n1,0,0,0,0\n2,"));
    // full precision: every printed value parses back to the score exactly
    for (m, name) in ["entropy", "mutual_info", "kl_selectivity", "csi"].iter().enumerate() {
        for (row, &v) in rows.iter().zip(scores.get(name, 0).unwrap()) {
            assert_eq!(row[m + 1].to_bits(), v.to_bits());
        }
    }
    // and the file written by `save_csv` is the same text
    let out = dir.0.join("scores.csv");
    scores.save_csv(&out, Some(0)).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
}

#[test]
fn every_accepted_dtype_and_order_reads_the_same() {
    let dir = Dir::new("dtypes");
    let reference = Recording::new(vec![0], vec![acts().mapv(|v| v as f32)], vec![0, 0, 1, 1], 2).unwrap();
    let fortran = {
        let mut f = Array2::<f32>::zeros((4, 3).f());
        f.assign(&acts().mapv(|v| v as f32));
        f
    };
    let act_files = [
        dir.write("f32.npy", &acts().mapv(|v| v as f32)),
        dir.write("f64.npy", &acts()),
        dir.write("fortran.npy", &fortran),
    ];
    let label_files = [
        dir.write("u8.npy", &array![0_u8, 0, 1, 1]),
        dir.write("i32.npy", &array![0_i32, 0, 1, 1]),
        dir.write("i64.npy", &array![0_i64, 0, 1, 1]),
    ];
    for a in &act_files {
        for l in &label_files {
            assert_eq!(Recording::from_npy(a, l).unwrap(), reference, "{a:?} {l:?}");
        }
    }
    // the settings of the example's flags
    let rec = Recording::from_npy(&act_files[1], &label_files[0]).unwrap();
    let settings = MeasureSettings::new(Quantizer::equal_width(3).unwrap())
        .with_units(Units::Nats)
        .with_estimator(Estimator::MillerMadow);
    let scores = analyze(&rec, &settings, None).unwrap();
    // neuron 1 takes values 1 and 2: equal-width over [1, 2] puts them in bins 0 and 2, H(T) = ln 2 + 1/8.
    assert_abs_diff_eq!(
        scores.get("entropy", 0).unwrap()[1],
        std::f64::consts::LN_2 + 0.125,
        epsilon = TOL
    );
}

fn npy_error(result: infoablate::Result<Recording>) -> NpyError {
    match result {
        Err(Error::Record(RecordError::Npy(e))) => e,
        other => panic!("expected an npy error, got {other:?}"),
    }
}

#[test]
fn bad_files_give_one_clear_error() {
    let dir = Dir::new("bad");
    let good_acts = dir.write("acts.npy", &acts().mapv(|v| v as f32));
    let good_labels = dir.write("labels.npy", &array![0_u8, 0, 1, 1]);

    let int_acts = dir.write("int_acts.npy", &array![[1_i16, 2], [3, 4], [5, 6], [7, 8]]);
    let e = npy_error(Recording::from_npy(&int_acts, &good_labels));
    assert!(
        matches!(
            &e,
            NpyError::Dtype {
                expected: "float16, float32 or float64",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("int_acts.npy") && e.to_string().contains("i2"),
        "{e}"
    );

    let float_labels = dir.write("float_labels.npy", &array![0.0_f32, 0.0, 1.0, 1.0]);
    let e = npy_error(Recording::from_npy(&good_acts, &float_labels));
    assert!(
        matches!(
            &e,
            NpyError::Dtype {
                expected: "uint8, int32 or int64",
                ..
            }
        ),
        "{e}"
    );

    let e = npy_error(Recording::from_npy(&good_labels, &good_labels));
    assert!(matches!(e, NpyError::Dtype { .. }), "{e}"); // u8 activations
    let flat = dir.write("flat.npy", &array![0.0_f32, 1.0, 2.0, 3.0]);
    let e = npy_error(Recording::from_npy(&flat, &good_labels));
    assert!(
        matches!(
            e,
            NpyError::Rank {
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    let e = npy_error(Recording::from_npy(
        &good_acts,
        dir.write("l2.npy", &array![[0_u8, 1], [1, 0]]),
    ));
    assert!(
        matches!(
            e,
            NpyError::Rank {
                expected: 1,
                found: 2,
                ..
            }
        ),
        "{e}"
    );

    let short = dir.write("short.npy", &array![0_i32, 1, 1]);
    let e = npy_error(Recording::from_npy(&good_acts, &short));
    assert!(
        matches!(
            e,
            NpyError::LengthMismatch {
                samples: 4,
                num_labels: 3,
                ..
            }
        ),
        "{e}"
    );

    let negative = dir.write("negative.npy", &array![0_i64, -1, 1, 1]);
    let e = npy_error(Recording::from_npy(&good_acts, &negative));
    assert!(
        matches!(
            e,
            NpyError::Label {
                sample: 1,
                label: -1,
                ..
            }
        ),
        "{e}"
    );

    let mut with_nan = acts();
    with_nan[[2, 1]] = f64::NAN;
    let nan = dir.write("nan.npy", &with_nan);
    let e = Recording::from_npy(&nan, &good_labels).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Record(RecordError::NonFinite {
                neuron: 1,
                sample: 2,
                ..
            })
        ),
        "{e}"
    );

    let mut huge = acts();
    huge[[0, 0]] = 1e300;
    let e = npy_error(Recording::from_npy(dir.write("huge.npy", &huge), &good_labels));
    assert!(matches!(e, NpyError::Format { .. }), "{e}");

    let garbage = dir.0.join("garbage.npy");
    std::fs::write(&garbage, b"not an npy file").unwrap();
    let e = npy_error(Recording::from_npy(&garbage, &good_labels));
    assert!(
        matches!(e, NpyError::Format { .. }) && e.to_string().contains("garbage.npy"),
        "{e}"
    );

    let e = Recording::from_npy(dir.0.join("missing.npy"), &good_labels).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("missing.npy"),
        "{e}"
    );
}

/// The bytes `np.save` writes (NumPy 2, ml_dtypes 0.5) for
/// `np.array([[1.0, -2.5], [3.140625, 0.0], [1e38, -1e-40]], dtype=ml_dtypes.bfloat16)`,
/// in C order or (`fortran`) after `np.asfortranarray`.
fn ml_dtypes_bf16(fortran: bool) -> Vec<u8> {
    let (order, data) = if fortran {
        ("True", "803f4940967e20c000000180")
    } else {
        ("False", "803f20c049400000967e0180")
    };
    let header = format!("{{'descr': '<V2', 'fortran_order': {order}, 'shape': (3, 2), }}");
    let header = format!("{header:<117}\n");
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend((header.len() as u16).to_le_bytes());
    file.extend(header.as_bytes());
    file.extend(
        (0..data.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&data[i..i + 2], 16).unwrap()),
    );
    file
}

#[test]
fn bfloat16_saved_by_ml_dtypes_reads_exactly_with_the_option_only() {
    let dir = Dir::new("bf16");
    let labels = dir.write("labels.npy", &array![0_u8, 1, 1]);
    // `a.astype(np.float32).view(np.uint32)` in NumPy: the exact values.
    let bits: [u32; 6] = [1065353216, 3223322624, 1078525952, 0, 2123759616, 2147549184];
    let expected = Array2::from_shape_vec((3, 2), bits.map(f32::from_bits).to_vec()).unwrap();
    let bf16 = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
    for fortran in [false, true] {
        let path = dir.0.join(format!("bf16-{fortran}.npy"));
        std::fs::write(&path, ml_dtypes_bf16(fortran)).unwrap();
        let rec = Recording::from_npy_with(&path, &labels, &bf16).unwrap();
        let read = rec.layer(0).unwrap();
        assert!(
            read.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{read}"
        );
        let e = npy_error(Recording::from_npy(&path, &labels));
        assert!(matches!(&e, NpyError::RawV2 { found, .. } if found == "'<V2'"), "{e:?}");
        let message = e.to_string();
        assert!(
            message.contains("--bf16") && message.contains("Raw16::Bfloat16"),
            "{message}"
        );
    }
}

#[test]
fn bfloat16_layers_of_an_npz_read_with_the_option() {
    use std::io::Write;
    let dir = Dir::new("bf16-npz");
    let labels = dir.write("labels.npy", &array![0_u8, 1, 1]);
    let archive = dir.0.join("acts.npz");
    let mut npz = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    npz.start_file("h0.npy", zip::write::SimpleFileOptions::default())
        .unwrap();
    npz.write_all(&ml_dtypes_bf16(false)).unwrap();
    npz.finish().unwrap();
    let bf16 = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
    let rec = Recording::from_npz_with(&archive, &labels, &bf16).unwrap();
    assert_eq!(rec.layer(0).unwrap().row(0), array![1.0_f32, -2.5]);
    let e = npy_error(Recording::from_npz(&archive, &labels));
    assert!(
        matches!(&e, NpyError::RawV2 { path, .. } if path.ends_with("acts.npz:h0.npy")),
        "{e:?}"
    );
}
