//! Inputs built as an attacker would: headers that lie about sizes, labels
//! that would size huge tables, gzip bombs, sizes that overflow. Each gives
//! a typed error naming what is wrong, quickly, without allocating what the
//! input claims.

mod common;

use common::{TempDir, gzip, idx_images, idx_labels};
use infoablate::Error;
use infoablate::data::{DataError, Dataset, MAX_CLASSES, MAX_DECODED_BYTES, load_cifar10, load_idx};
use infoablate::measures::{CountTable, LayerCounts, LayerQuantizer, MAX_COUNT_CELLS, MeasureError, Quantizer};
use infoablate::record::{MAX_LAYER_INDEX, RecordError, Recording};
use ndarray::{Array2, array};

fn data_err(e: Error) -> DataError {
    match e {
        Error::Data(d) => d,
        other => panic!("expected a data error, got {other:?}"),
    }
}

fn measure_err(e: Error) -> MeasureError {
    match e {
        Error::Measure(m) => m,
        other => panic!("expected a measure error, got {other:?}"),
    }
}

/// `n` MiB of zeros as `n` concatenated gzip members of 1 MiB each (a
/// member compresses to about 1 KiB).
fn zeros_bomb(mebibytes: usize) -> Vec<u8> {
    let member = gzip(&vec![0_u8; 1 << 20]);
    member.repeat(mebibytes)
}

#[test]
fn gzip_bomb_after_a_one_pixel_idx_is_refused_without_inflating_it() {
    let t = TempDir::new("hostile-bomb");
    let mut file = gzip(&idx_images(1, 1, 1, &[7]));
    file.extend(zeros_bomb(1536)); // 1.5 GiB of zeros in a 1.6 MB file
    assert!(file.len() < 4 << 20);
    let images = t.write("images.gz", &file);
    let labels = t.write("labels", &idx_labels(&[0]));
    let clock = std::time::Instant::now();
    let err = data_err(load_idx(&images, &labels, 10).unwrap_err());
    // Inflating 1.5 GiB takes seconds; the bounded reader stops after 1 MiB.
    assert!(clock.elapsed().as_secs_f64() < 5.0, "{:?}", clock.elapsed());
    let message = err.to_string();
    assert!(
        message.contains("images.gz") && message.contains("more than 1048576 bytes follow the 17 bytes"),
        "{message}"
    );
    // A few trailing bytes are counted exactly, gzipped or not.
    let mut short_tail = gzip(&idx_images(1, 1, 1, &[7]));
    short_tail.extend(gzip(&[0; 5]));
    let err = data_err(load_idx(t.write("tail.gz", &short_tail), &labels, 10).unwrap_err());
    assert!(
        matches!(
            err,
            DataError::TrailingBytes {
                expected: 17,
                actual: 22,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn idx_header_declaring_more_than_the_cap_is_refused_before_reading() {
    let t = TempDir::new("hostile-idx-cap");
    // 2^16 × 2^8 × 2^7 = 2^31 bytes declared, gzipped so the length is unknown.
    let images = t.write("images.gz", &gzip(&idx_images(1 << 16, 1 << 8, 1 << 7, &[0; 64])));
    let labels = t.write("labels", &idx_labels(&[0]));
    let message = load_idx(&images, &labels, 10).unwrap_err().to_string();
    assert!(
        message.contains("2147483648 bytes") && message.contains(&MAX_DECODED_BYTES.to_string()),
        "{message}"
    );
    // Declared sizes that fit but are not there: truncated, with the counts.
    let images = t.write("short.gz", &gzip(&idx_images(1000, 28, 28, &[1; 100])));
    let err = data_err(load_idx(&images, &labels, 10).unwrap_err());
    assert_eq!(
        err,
        DataError::Truncated {
            path: images.display().to_string(),
            expected: 16 + 784_000,
            actual: 116
        }
    );
}

#[test]
fn cifar_gzip_bomb_is_refused_at_the_cap() {
    let t = TempDir::new("hostile-cifar-bomb");
    // 1 GiB + 1 MiB of zeros: label 0, black pixels, so every record is valid.
    let bomb = zeros_bomb(1025);
    let err = load_cifar10(&[t.write("batch.bin.gz", &bomb)]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("batch.bin.gz") && message.contains("above the limit of 1073741824 bytes per file"),
        "{message}"
    );
}

#[test]
fn huge_class_counts_are_refused_everywhere() {
    let t = TempDir::new("hostile-classes");
    let images = t.write("images", &idx_images(2, 1, 1, &[0, 255]));
    let labels = t.write("labels", &idx_labels(&[0, 1]));
    for classes in [MAX_CLASSES + 1, usize::MAX] {
        let err = data_err(load_idx(&images, &labels, classes).unwrap_err());
        assert!(
            matches!(
                err,
                DataError::Parameter {
                    name: "num_classes",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(Dataset::new(array![[0.0_f32]], vec![0], classes).is_err());
        assert!(Recording::new(vec![0], vec![array![[0.0_f32]]], vec![0], classes).is_err());
    }
    assert_eq!(
        load_idx(&images, &labels, MAX_CLASSES).unwrap().num_classes(),
        MAX_CLASSES
    );
}

#[test]
fn labels_that_would_size_huge_count_tables_are_refused_naming_the_label() {
    // Two samples of 10 000 neurons with labels {0, 65535}: 65 536 classes.
    let acts = Array2::from_shape_fn((2, 10_000), |(i, j)| (i + j % 3) as f32);
    let rec = Recording::new(vec![0], vec![acts.clone()], vec![0, 65_535], 65_536).unwrap();
    for quantizer in [Quantizer::binary(0.0).unwrap(), Quantizer::equal_width(65_536).unwrap()] {
        let q = LayerQuantizer::fit(quantizer, rec.layer(0).unwrap()).unwrap();
        let err = LayerCounts::from_activations(0, acts.view(), rec.labels(), rec.num_classes(), &q).unwrap_err();
        let err = measure_err(err);
        let message = err.to_string();
        assert!(
            matches!(
                err,
                MeasureError::Parameter {
                    name: "num_classes",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            message.contains("65536 classes (labels up to 65535)")
                && message.contains("10000 neurons")
                && message.contains(&MAX_COUNT_CELLS.to_string()),
            "{message}"
        );
    }
    // Equal-frequency keeps `bins − 1` edges per neuron: refused before fitting.
    let err = LayerQuantizer::fit(Quantizer::equal_frequency(65_536).unwrap(), acts.view()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("65535 bin edges per neuron × 10000 neurons = 655350000 edges"),
        "{message}"
    );
    // usize::MAX classes: the product overflows, still a typed error.
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let err = LayerCounts::from_activations(0, acts.view(), &[0, 1], usize::MAX, &q).unwrap_err();
    assert!(err.to_string().contains("more than 2^64"), "{err}");
}

#[test]
fn count_table_sizes_and_totals_never_overflow() {
    for (bins, classes) in [
        (usize::MAX, 2),
        (2, usize::MAX),
        (usize::MAX, usize::MAX),
        (1 << 20, 1 << 20),
    ] {
        assert!(matches!(
            CountTable::new(bins, classes),
            Err(MeasureError::Parameter { .. })
        ));
        assert!(matches!(
            CountTable::from_counts(bins, classes, vec![0; 4]),
            Err(MeasureError::Parameter { .. })
        ));
    }
    assert_eq!(CountTable::new(1 << 13, 1 << 14).unwrap().total(), 0); // exactly MAX_COUNT_CELLS
    assert!(CountTable::new((1 << 13) + 1, 1 << 14).is_err());
    // A total above u64::MAX, at construction or by merging.
    assert!(CountTable::from_counts(2, 1, vec![u64::MAX, 1]).is_err());
    let mut a = CountTable::from_counts(2, 1, vec![u64::MAX - 2, 1]).unwrap();
    let b = CountTable::from_counts(2, 1, vec![1, 1]).unwrap();
    let err = a.merge(&b).unwrap_err();
    assert!(err.to_string().contains("u64::MAX"), "{err}");
    assert_eq!(a.as_slice(), &[u64::MAX - 2, 1]); // unchanged
    a.merge(&CountTable::from_counts(2, 1, vec![0, 1]).unwrap()).unwrap();
    assert_eq!(a.total(), u64::MAX);
}

#[test]
fn recording_layer_indices_are_bounded() {
    let one = || vec![array![[1.0_f32, 2.0]]];
    for layer in [MAX_LAYER_INDEX + 1, 1_000_000_000, usize::MAX] {
        let err = Recording::new(vec![layer], one(), vec![0], 1).unwrap_err();
        assert!(
            matches!(&err, Error::Record(RecordError::Layers(l)) if l == &[layer]),
            "{err:?}"
        );
        assert!(err.to_string().contains("at most 65535"), "{err}");
    }
    let rec = Recording::new(vec![MAX_LAYER_INDEX], one(), vec![0], 1).unwrap();
    assert_eq!(rec.layers(), &[MAX_LAYER_INDEX]);
    // Counts of a layer past the cap (scores and schedules index by layer).
    let acts = array![[1.0_f32, 2.0]];
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    for layer in [MAX_LAYER_INDEX + 1, usize::MAX] {
        let err = measure_err(LayerCounts::from_activations(layer, acts.view(), &[0], 1, &q).unwrap_err());
        assert!(matches!(err, MeasureError::Parameter { name: "layer", .. }), "{err:?}");
    }
    assert!(LayerCounts::from_activations(MAX_LAYER_INDEX, acts.view(), &[0], 1, &q).is_ok());
}

#[cfg(feature = "npy")]
mod npy {
    use std::path::PathBuf;

    use infoablate::record::{MAX_NPY_HEADER_BYTES, NpyError, NpyOptions, Raw16};

    use super::*;

    /// A `.npy` file: version, header text (padded to 64 bytes), payload.
    fn npy(version: u8, header: &str, payload: &[u8]) -> Vec<u8> {
        let prefix = if version == 1 { 10 } else { 12 };
        let mut h = header.to_string();
        while !(prefix + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut v = b"\x93NUMPY".to_vec();
        v.extend([version, 0]);
        if version == 1 {
            v.extend((h.len() as u16).to_le_bytes());
        } else {
            v.extend((h.len() as u32).to_le_bytes());
        }
        v.extend(h.as_bytes());
        v.extend(payload);
        v
    }

    fn npy_err<T: std::fmt::Debug>(result: infoablate::Result<T>) -> NpyError {
        match result {
            Err(Error::Record(RecordError::Npy(e))) => e,
            other => panic!("expected an npy error, got {other:?}"),
        }
    }

    fn good(t: &TempDir) -> (PathBuf, PathBuf) {
        let acts = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }",
            &[1.0_f32.to_le_bytes(), 2.0_f32.to_le_bytes()].concat(),
        );
        let labels = npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", &[0, 1]);
        (t.write("acts.npy", &acts), t.write("labels.npy", &labels))
    }

    #[test]
    fn the_good_files_load() {
        let t = TempDir::new("hostile-npy-good");
        let (acts, labels) = good(&t);
        let rec = Recording::from_npy(&acts, &labels).unwrap();
        assert_eq!(rec.layer(0).unwrap(), array![[1.0_f32], [2.0]].view());
    }

    #[test]
    fn a_header_claiming_a_huge_shape_is_refused_before_allocating() {
        let t = TempDir::new("hostile-npy-shape");
        let (acts, labels) = good(&t);
        let lying = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }",
            &[],
        );
        assert_eq!(lying.len(), 128);
        let lying = t.write("lying.npy", &lying);
        let e = npy_err(Recording::from_npy(&lying, &labels));
        let message = e.to_string();
        assert!(matches!(e, NpyError::Format { .. }), "{e:?}");
        assert!(
            message.contains("lying.npy")
                && message.contains("shape [1000000000, 1000]")
                && message.contains("4000000000000 bytes of data, but the file holds 0"),
            "{message}"
        );
        // Labels claiming four billion entries.
        let lying = t.write(
            "lying-labels.npy",
            &npy(
                1,
                "{'descr': '<i8', 'fortran_order': False, 'shape': (4000000000,), }",
                &[0; 16],
            ),
        );
        let message = npy_err(Recording::from_npy(&acts, &lying)).to_string();
        assert!(
            message.contains("32000000000 bytes of data, but the file holds 16"),
            "{message}"
        );
        // A shape whose size overflows 64 bits.
        let lying = t.write(
            "overflow.npy",
            &npy(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                &[],
            ),
        );
        let message = npy_err(Recording::from_npy(&lying, &labels)).to_string();
        assert!(message.contains("more than 2^64 bytes"), "{message}");
        // One byte too many is refused as well.
        let long = npy(
            1,
            "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
            &[0, 1, 2],
        );
        let message = npy_err(Recording::from_npy(&acts, t.write("long.npy", &long))).to_string();
        assert!(message.contains("2 bytes of data, but the file holds 3"), "{message}");
    }

    #[test]
    fn an_unknown_dtype_with_a_huge_shape_is_a_dtype_error_without_allocating() {
        // ndarray-npy allocates the array before it compares descriptors, so
        // `'<;4'` with a shape of 10^10 floats once asked for 37 GiB (found
        // by the `npy` fuzz target).
        let t = TempDir::new("hostile-npy-descr");
        let (acts, labels) = good(&t);
        for descr in ["<;4", "<u4", "<i2", "=f4"] {
            let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (10000000000, 1000), }}");
            let file = t.write("odd.npy", &npy(1, &header, &[]));
            let e = npy_err(Recording::from_npy(&file, &labels));
            assert!(
                matches!(&e, NpyError::Dtype { found, .. } if found.contains(descr)),
                "{e:?}"
            );
            let e = npy_err(Recording::from_npy(&acts, &file));
            assert!(matches!(&e, NpyError::Dtype { .. }), "{e:?}");
        }
    }

    #[test]
    fn raw_2_byte_values_that_lie_about_their_size_are_refused_before_allocating() {
        let t = TempDir::new("hostile-npy-bf16");
        let (acts, labels) = good(&t);
        let bf16 = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
        for descr in ["<V2", "|V2"] {
            // 10^13 values declared, none present: refused with or without the option.
            let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (10000000000, 1000), }}");
            let huge = t.write("huge.npy", &npy(1, &header, &[]));
            for e in [
                npy_err(Recording::from_npy_with(&huge, &labels, &bf16)),
                npy_err(Recording::from_npy(&huge, &labels)),
            ] {
                assert!(e.to_string().contains("20000000000000 bytes of data"), "{e}");
            }
            // An odd byte count: 2 × 1 values need 4 bytes, 3 are present.
            let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 1), }}");
            let odd = t.write("odd.npy", &npy(1, &header, &[0x80, 0x3f, 0x00]));
            let e = npy_err(Recording::from_npy_with(&odd, &labels, &bf16));
            assert!(e.to_string().contains("4 bytes of data, but the file holds 3"), "{e}");
            // Well-formed: read with the option, a typed hint without it.
            let good_v2 = t.write("v2.npy", &npy(1, &header, &[0x80, 0x3f, 0x20, 0xc0]));
            let rec = Recording::from_npy_with(&good_v2, &labels, &bf16).unwrap();
            assert_eq!(rec.layer(0).unwrap(), array![[1.0_f32], [-2.5]].view());
            let e = npy_err(Recording::from_npy(&good_v2, &labels));
            assert!(matches!(&e, NpyError::RawV2 { .. }), "{e:?}");
            // Never as labels, and a 1-D array is not a layer.
            let e = npy_err(Recording::from_npy_with(&acts, &good_v2, &bf16));
            assert!(matches!(&e, NpyError::Dtype { .. }), "{e:?}");
            let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}");
            let flat = t.write("flat.npy", &npy(1, &header, &[0x80, 0x3f, 0x20, 0xc0]));
            let e = npy_err(Recording::from_npy_with(&flat, &labels, &bf16));
            assert!(matches!(&e, NpyError::Rank { found: 1, .. }), "{e:?}");
        }
    }

    #[test]
    fn a_version_2_header_length_of_4_gib_is_refused_before_reading_it() {
        let t = TempDir::new("hostile-npy-v2");
        let (_, labels) = good(&t);
        let mut file = npy(
            2,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
            &[0; 4],
        );
        file[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        let message = npy_err(Recording::from_npy(t.write("v2.npy", &file), &labels)).to_string();
        assert!(
            message.contains("says 4294967295 bytes") && message.contains(&MAX_NPY_HEADER_BYTES.to_string()),
            "{message}"
        );
        // Within the cap but past the end of the file.
        file[8..12].copy_from_slice(&9_000_u32.to_le_bytes());
        let message = npy_err(Recording::from_npy(t.write("v2b.npy", &file), &labels)).to_string();
        assert!(
            message.contains("says 9000 bytes but the file has 132 bytes"),
            "{message}"
        );
        // A well-formed version 2.0 file loads.
        let v2 = npy(
            2,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }",
            &[0; 8],
        );
        assert!(Recording::from_npy(t.write("v2c.npy", &v2), &labels).is_ok());
    }

    #[test]
    fn deeply_nested_headers_are_refused_before_parsing() {
        // The header parser takes time exponential in the nesting: 25
        // unclosed `[` took minutes (found by the `npy` fuzz target).
        let t = TempDir::new("hostile-npy-nesting");
        let (_, labels) = good(&t);
        let clock = std::time::Instant::now();
        for header in [
            "[".repeat(25),
            "{'a': ".repeat(30),
            format!("{}1{}", "(".repeat(5), ")".repeat(5)),
        ] {
            let path = t.write("deep.npy", &npy(1, &header, &[]));
            let message = npy_err(Recording::from_npy(&path, &labels)).to_string();
            assert!(
                message.contains("nests brackets") && message.contains("more than the 4"),
                "{message}"
            );
        }
        assert!(clock.elapsed().as_secs_f64() < 1.0, "{:?}", clock.elapsed());
        // Brackets inside strings do not count; depth 4 is parsed (and refused as a shape).
        let quoted = npy(
            1,
            "{'descr': '<f4(((((', 'fortran_order': False, 'shape': (2, 1), }",
            &[0; 8],
        );
        let message = npy_err(Recording::from_npy(t.write("quoted.npy", &quoted), &labels)).to_string();
        assert!(!message.contains("nests brackets"), "{message}");
        let four = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (((2,),),), }",
            &[0; 8],
        );
        let message = npy_err(Recording::from_npy(t.write("four.npy", &four), &labels)).to_string();
        assert!(!message.contains("nests brackets"), "{message}");
    }

    #[test]
    fn labels_up_to_65535_load_and_are_refused_when_counting() {
        let t = TempDir::new("hostile-npy-labels");
        let acts = Array2::from_shape_fn((2, 10_000), |(i, j)| (i * j % 5) as f32);
        let acts = t.write(
            "acts.npy",
            &npy(
                1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 10000), }",
                &acts.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>(),
            ),
        );
        let labels = t.write(
            "labels.npy",
            &npy(
                1,
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                &[0_i32.to_le_bytes(), 65_535_i32.to_le_bytes()].concat(),
            ),
        );
        let rec = Recording::from_npy(&acts, &labels).unwrap();
        assert_eq!(rec.num_classes(), 65_536);
        let settings = infoablate::measures::MeasureSettings::new(Quantizer::binary(0.0).unwrap());
        let err = infoablate::measures::analyze(&rec, &settings, None).unwrap_err();
        assert!(err.to_string().contains("labels up to 65535"), "{err}");
    }

    /// An `.npz` archive of `members` (name, bytes), deflated or stored.
    fn npz(t: &TempDir, name: &str, members: &[(&str, Vec<u8>)], deflate: bool) -> PathBuf {
        use std::io::Write;
        let path = t.0.join(name);
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let method = if deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (member, bytes) in members {
            zip.start_file(*member, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    fn f16_npy(values: &[f32], shape: &str) -> Vec<u8> {
        let payload: Vec<u8> = values
            .iter()
            .flat_map(|&v| half::f16::from_f32(v).to_bits().to_le_bytes())
            .collect();
        npy(
            1,
            &format!("{{'descr': '<f2', 'fortran_order': False, 'shape': {shape}, }}"),
            &payload,
        )
    }

    #[test]
    fn float16_activations_load_exactly_and_their_lying_shapes_are_refused() {
        let t = TempDir::new("hostile-npy-f16");
        let (_, labels) = good(&t);
        let acts = t.write("h.npy", &f16_npy(&[0.5, -2.0, 65504.0, 0.099975586], "(2, 2)"));
        let rec = Recording::from_npy(&acts, &labels).unwrap();
        assert_eq!(
            rec.layer(0).unwrap(),
            array![[0.5_f32, -2.0], [65504.0, 0.099975586]].view()
        );
        let lying = t.write("lying16.npy", &f16_npy(&[0.5, 1.0], "(1000000000000, 2)"));
        let message = npy_err(Recording::from_npy(&lying, &labels)).to_string();
        assert!(
            message.contains("lying16.npy") && message.contains("bytes of data"),
            "{message}"
        );
        // float16 infinity is a typed non-finite error, not a value.
        let inf = t.write("inf16.npy", &f16_npy(&[0.5, f32::INFINITY], "(2, 1)"));
        assert!(matches!(
            Recording::from_npy(&inf, &labels),
            Err(Error::Record(RecordError::NonFinite { sample: 1, .. }))
        ));
    }

    #[test]
    fn npz_layers_load_in_order_deflated_or_stored() {
        let t = TempDir::new("hostile-npz-good");
        let (_, labels) = good(&t);
        for deflate in [true, false] {
            let members = [
                ("h1.npy", f16_npy(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "(2, 3)")),
                ("h0.npy", f16_npy(&[7.0, 8.0], "(2, 1)")),
            ];
            let path = npz(&t, "acts.npz", &members, deflate);
            let rec = Recording::from_npz(&path, &labels).unwrap();
            assert_eq!(rec.layer(0).unwrap(), array![[7.0_f32], [8.0]].view());
            assert_eq!(rec.layer(1).unwrap().dim(), (2, 3));
            assert_eq!(Recording::npz_layer_names(&path).unwrap(), ["h0", "h1"]);
        }
        let named = npz(
            &t,
            "named.npz",
            &[
                ("fc2.npy", f16_npy(&[1.0, 2.0], "(2, 1)")),
                ("fc1.npy", f16_npy(&[3.0, 4.0, 5.0, 6.0], "(2, 2)")),
            ],
            true,
        );
        assert_eq!(Recording::npz_layer_names(&named).unwrap(), ["fc2", "fc1"]);
        assert_eq!(
            Recording::from_npz(&named, &labels).unwrap().layer(1).unwrap().ncols(),
            2
        );
    }

    #[test]
    fn hostile_npz_archives_are_typed_errors_naming_the_member() {
        let t = TempDir::new("hostile-npz");
        let (_, labels) = good(&t);
        let lying = npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1), }",
            &[0; 8],
        );
        let path = npz(&t, "lying.npz", &[("h0.npy", lying)], true);
        let message = npy_err(Recording::from_npz(&path, &labels)).to_string();
        assert!(
            message.contains("lying.npz:h0.npy") && message.contains("bytes of data"),
            "{message}"
        );

        let path = t.write("plain.npz", b"not a zip archive at all");
        let message = npy_err(Recording::from_npz(&path, &labels)).to_string();
        assert!(message.contains("not a valid .npz"), "{message}");

        let path = npz(&t, "readme.npz", &[("README.txt", b"hello".to_vec())], false);
        let message = npy_err(Recording::from_npz(&path, &labels)).to_string();
        assert!(message.contains("`README.txt` is not a `.npy` array"), "{message}");

        let many: Vec<(String, Vec<u8>)> = (0..=infoablate::record::MAX_NPZ_ARRAYS)
            .map(|i| (format!("h{i}.npy"), Vec::new()))
            .collect();
        let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let path = npz(&t, "many.npz", &many, false);
        let message = npy_err(Recording::from_npz(&path, &labels)).to_string();
        assert!(message.contains("1025 arrays"), "{message}");

        let three_rows = f16_npy(&[1.0, 2.0, 3.0], "(3, 1)");
        let path = npz(&t, "rows.npz", &[("h0.npy", three_rows)], true);
        assert!(matches!(
            npy_err(Recording::from_npz(&path, &labels)),
            NpyError::LengthMismatch {
                samples: 3,
                num_labels: 2,
                ..
            }
        ));
    }

    #[test]
    fn npy_data_sets_refuse_one_class_and_mismatched_lengths() {
        let t = TempDir::new("hostile-npy-dataset");
        let (acts, labels) = good(&t);
        let data = Dataset::from_npy(&acts, &labels, None).unwrap();
        assert_eq!((data.len(), data.num_classes()), (2, 2));
        let one = t.write(
            "one.npy",
            &npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", &[0, 0]),
        );
        assert!(matches!(
            data_err(Dataset::from_npy(&acts, &one, None).unwrap_err()),
            DataError::Parameter {
                name: "num_classes",
                ..
            }
        ));
        let three = t.write(
            "three.npy",
            &npy(
                1,
                "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
                &[0, 1, 1],
            ),
        );
        assert!(matches!(
            npy_err(Dataset::from_npy(&acts, &three, None)),
            NpyError::LengthMismatch {
                samples: 2,
                num_labels: 3,
                ..
            }
        ));
        // A NaN input and a label out of range are errors naming their file.
        let nan = t.write(
            "nan.npy",
            &npy(
                1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }",
                &[1.0_f32.to_le_bytes(), f32::NAN.to_le_bytes()].concat(),
            ),
        );
        let e = data_err(Dataset::from_npy(&nan, &labels, None).unwrap_err());
        assert!(
            matches!(&e, DataError::InFile { path, source } if path.ends_with("nan.npy")
                && matches!(**source, DataError::NonFinite { sample: 1, feature: 0, .. })),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("nan.npy") && e.to_string().contains("not finite"),
            "{e}"
        );
        let five = t.write(
            "five.npy",
            &npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", &[0, 5]),
        );
        let e = data_err(Dataset::from_npy(&acts, &five, Some(3)).unwrap_err());
        assert!(
            matches!(&e, DataError::InFile { path, source } if path.ends_with("five.npy")
                && matches!(**source, DataError::LabelOutOfRange { label: 5, sample: 1, .. })),
            "{e:?}"
        );
        let huge = data_err(Dataset::from_npy(&acts, &labels, Some(MAX_CLASSES + 1)).unwrap_err());
        assert!(
            matches!(
                huge,
                DataError::Parameter {
                    name: "num_classes",
                    ..
                }
            ),
            "{huge:?}"
        );
    }
}
