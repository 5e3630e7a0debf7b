//! Safetensors weights I/O of `Mlp`: files written by hand in PyTorch
//! `nn.Sequential` naming, round trips, dtypes, and every error.

use std::fmt::Write as _;
use std::path::PathBuf;

use approx::assert_abs_diff_eq;
use infoablate::Error;
use infoablate::network::{
    Activation, Init, LayerNames, LoadOptions, Mlp, ModelMetadata, Network, WeightsError, safetensors_layers,
};
use ndarray::{Array1, Array2};
use rand::SeedableRng;

/// Hand-computed logits against `Network::forward`: a few f32 roundings apart.
const LOGIT_TOL: f32 = 1e-5;
/// Relative error of an f16 conversion: half an f16 ulp (2^-11).
const F16_REL_TOL: f32 = 1.0 / 2048.0;
/// Relative error of a bf16 conversion: half a bf16 ulp (2^-8).
const BF16_REL_TOL: f32 = 1.0 / 256.0;

// ---------------------------------------------------------------------------
// A safetensors writer by hand: 8-byte little-endian header length, JSON
// header (`dtype`, `shape`, `data_offsets`), raw little-endian data.
// ---------------------------------------------------------------------------

/// One tensor to write.
struct Tensor {
    name: String,
    dtype: &'static str,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn f32_tensor(name: &str, shape: &[usize], values: &[f32]) -> Tensor {
    assert_eq!(shape.iter().product::<usize>(), values.len(), "{name}");
    Tensor {
        name: name.to_string(),
        dtype: "F32",
        shape: shape.to_vec(),
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn raw_tensor(name: &str, dtype: &'static str, shape: &[usize], data: Vec<u8>) -> Tensor {
    Tensor {
        name: name.to_string(),
        dtype,
        shape: shape.to_vec(),
        data,
    }
}

/// The file's bytes. Data is laid out in slice order; the header lists the
/// tensors in reverse order (JSON order carries no meaning) after a
/// `__metadata__` entry, as `safetensors.torch.save_file` writes.
fn safetensors_file(tensors: &[Tensor]) -> Vec<u8> {
    let mut offset = 0;
    let mut entries = Vec::new();
    for t in tensors {
        let end = offset + t.data.len();
        entries.push(format!(
            r#""{}":{{"dtype":"{}","shape":{:?},"data_offsets":[{offset},{end}]}}"#,
            t.name, t.dtype, t.shape
        ));
        offset = end;
    }
    entries.reverse();
    let mut header = String::from(r#"{"__metadata__":{"format":"pt"}"#);
    for e in &entries {
        write!(header, ",{e}").unwrap();
    }
    header.push('}');
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    for t in tensors {
        bytes.extend_from_slice(&t.data);
    }
    bytes
}

/// A Linear layer for the hand-built files: `w[out][in]`, `b[out]`.
#[derive(Clone)]
struct Linear {
    w: Vec<Vec<f32>>,
    b: Vec<f32>,
}

/// Deterministic values in [-1, 1) from a small LCG.
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
    fn value(&mut self) -> f32 {
        (self.next_u64() % 2001) as f32 / 1000.0 - 1.0
    }
    fn linear(&mut self, inputs: usize, outputs: usize) -> Linear {
        Linear {
            w: (0..outputs)
                .map(|_| (0..inputs).map(|_| self.value()).collect())
                .collect(),
            b: (0..outputs).map(|_| self.value()).collect(),
        }
    }
}

fn linear_tensors(name_of: impl Fn(&str) -> String, layer: &Linear) -> [Tensor; 2] {
    let (out, inp) = (layer.w.len(), layer.w[0].len());
    let flat: Vec<f32> = layer.w.iter().flatten().copied().collect();
    [
        f32_tensor(&name_of("weight"), &[out, inp], &flat),
        f32_tensor(&name_of("bias"), &[out], &layer.b),
    ]
}

/// A file of `layers` at Sequential `indices` under `prefix` (`""` or `"layers."`).
fn sequential_file(prefix: &str, indices: &[usize], layers: &[Linear]) -> Vec<u8> {
    let tensors: Vec<Tensor> = indices
        .iter()
        .zip(layers)
        .flat_map(|(k, layer)| linear_tensors(|p| format!("{prefix}{k}.{p}"), layer))
        .collect();
    safetensors_file(&tensors)
}

/// The MLP by plain loops: `z_o = b_o + Σ_i w_oi x_i`, activation on every
/// layer but the last.
fn hand_forward(layers: &[Linear], activation: fn(f32) -> f32, x: &[f32]) -> Vec<f32> {
    let mut h = x.to_vec();
    for (k, layer) in layers.iter().enumerate() {
        let mut z = Vec::with_capacity(layer.b.len());
        for (row, bias) in layer.w.iter().zip(&layer.b) {
            let mut sum = *bias;
            for (w, v) in row.iter().zip(&h) {
                sum += w * v;
            }
            z.push(sum);
        }
        if k + 1 < layers.len() {
            for v in &mut z {
                *v = activation(*v);
            }
        }
        h = z;
    }
    h
}

fn relu(v: f32) -> f32 {
    v.max(0.0)
}

fn tanh(v: f32) -> f32 {
    v.tanh()
}

fn sample_inputs(rng: &mut Lcg, rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| 2.0 * rng.value())
}

fn assert_matches_hand(mlp: &Mlp, layers: &[Linear], activation: fn(f32) -> f32, inputs: &Array2<f32>) {
    let logits = mlp.forward(inputs.view()).unwrap();
    for (r, row) in inputs.rows().into_iter().enumerate() {
        let expected = hand_forward(layers, activation, &row.to_vec());
        assert_eq!(logits.ncols(), expected.len());
        for (c, e) in expected.iter().enumerate() {
            assert_abs_diff_eq!(logits[[r, c]], *e, epsilon = LOGIT_TOL);
        }
    }
}

fn assert_weights_equal(mlp: &Mlp, layers: &[Linear]) {
    assert_eq!(mlp.num_affine(), layers.len());
    for (k, layer) in layers.iter().enumerate() {
        let w = mlp.weight(k).unwrap();
        for (o, row) in layer.w.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                assert_eq!(w[[o, i]], *v, "layer {k} weight [{o}, {i}]");
            }
        }
        assert_eq!(mlp.bias(k).unwrap().to_vec(), layer.b, "layer {k} bias");
    }
}

/// The `WeightsError` of loading `bytes`.
fn load_err(bytes: &[u8]) -> WeightsError {
    match Mlp::from_safetensors_bytes(bytes, Activation::Relu) {
        Err(Error::Weights(e)) => e,
        Err(other) => panic!("expected a weights error, got {other}"),
        Ok(mlp) => panic!("expected an error, loaded {:?}", mlp.sizes()),
    }
}

fn assert_names(err: &WeightsError, names: &[&str]) {
    let message = err.to_string();
    for name in names {
        assert!(
            message.contains(&format!("`{name}`")),
            "`{name}` not named in: {message}"
        );
    }
}

fn temp_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "infoablate-weights-io-{}-{tag}.safetensors",
        std::process::id()
    ))
}

/// Three Linear layers 5 → 4 → 3 → 2.
fn three_layers(seed: u64) -> Vec<Linear> {
    let mut rng = Lcg(seed);
    vec![rng.linear(5, 4), rng.linear(4, 3), rng.linear(3, 2)]
}

/// A valid two-layer file under prefix `layers.`, as tensors to tamper with.
fn valid_tensors() -> Vec<Tensor> {
    let mut rng = Lcg(3);
    let (a, b) = (rng.linear(3, 4), rng.linear(4, 2));
    let mut tensors: Vec<Tensor> = linear_tensors(|p| format!("layers.0.{p}"), &a).into();
    tensors.extend(linear_tensors(|p| format!("layers.2.{p}"), &b));
    tensors
}

fn without(tensors: Vec<Tensor>, name: &str) -> Vec<Tensor> {
    let before = tensors.len();
    let kept: Vec<Tensor> = tensors.into_iter().filter(|t| t.name != name).collect();
    assert_eq!(kept.len() + 1, before, "{name} was not in the file");
    kept
}

fn replaced(mut tensors: Vec<Tensor>, replacement: Tensor) -> Vec<Tensor> {
    let slot = tensors
        .iter_mut()
        .find(|t| t.name == replacement.name)
        .expect("a tensor to replace");
    *slot = replacement;
    tensors
}

// ---------------------------------------------------------------------------
// (1) nn.Sequential layout with prefix `layers.`, against a hand computation.
// ---------------------------------------------------------------------------

#[test]
fn layers_prefix_relu_matches_hand_computation() {
    let layers = three_layers(11);
    let mlp = Mlp::from_safetensors_bytes(&sequential_file("layers.", &[0, 2, 4], &layers), Activation::Relu).unwrap();
    assert_eq!(mlp.sizes(), vec![5, 4, 3, 2]);
    assert_eq!(mlp.activation(), Activation::Relu);
    assert_weights_equal(&mlp, &layers);
    let inputs = sample_inputs(&mut Lcg(99), 7, 5);
    assert_matches_hand(&mlp, &layers, relu, &inputs);
}

#[test]
fn layers_prefix_tanh_matches_hand_computation() {
    let layers = three_layers(12);
    let mlp = Mlp::from_safetensors_bytes(&sequential_file("layers.", &[0, 2, 4], &layers), Activation::Tanh).unwrap();
    assert_eq!(mlp.activation(), Activation::Tanh);
    assert_weights_equal(&mlp, &layers);
    let inputs = sample_inputs(&mut Lcg(98), 7, 5);
    assert_matches_hand(&mlp, &layers, tanh, &inputs);
}

#[test]
fn bytes_need_no_alignment() {
    let layers = three_layers(13);
    let file = sequential_file("layers.", &[0, 2, 4], &layers);
    for shift in 1..8 {
        let mut shifted = vec![0u8; shift];
        shifted.extend_from_slice(&file);
        let mlp = Mlp::from_safetensors_bytes(&shifted[shift..], Activation::Relu).unwrap();
        assert_weights_equal(&mlp, &layers);
    }
}

// ---------------------------------------------------------------------------
// (2) Bare Sequential naming, dotted prefixes, numeric ordering of gaps.
// ---------------------------------------------------------------------------

#[test]
fn bare_sequential_naming_loads() {
    let layers = three_layers(21);
    let mlp = Mlp::from_safetensors_bytes(&sequential_file("", &[0, 2, 4], &layers), Activation::Sigmoid).unwrap();
    assert_weights_equal(&mlp, &layers);
    let inputs = sample_inputs(&mut Lcg(5), 4, 5);
    assert_matches_hand(&mlp, &layers, |v| 1.0 / (1.0 + (-v).exp()), &inputs);
}

#[test]
fn dotted_prefix_loads() {
    let layers = three_layers(22);
    let mlp =
        Mlp::from_safetensors_bytes(&sequential_file("model.net.", &[0, 2, 4], &layers), Activation::Relu).unwrap();
    assert_weights_equal(&mlp, &layers);
}

#[test]
fn gapped_indices_are_ordered_numerically() {
    // 3 → 4 → 5 → 2 only chains as 0, 3, 10; lexicographic order (0, 10, 3) would not.
    let mut rng = Lcg(23);
    let layers = vec![rng.linear(3, 4), rng.linear(4, 5), rng.linear(5, 2)];
    for prefix in ["", "layers."] {
        // Write layer 10 first in the data as well, so no order of the file helps.
        let order = [2usize, 0, 1];
        let indices = [0usize, 3, 10];
        let tensors: Vec<Tensor> = order
            .iter()
            .flat_map(|&j| linear_tensors(|p| format!("{prefix}{}.{p}", indices[j]), &layers[j]))
            .collect();
        let mlp = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Tanh).unwrap();
        assert_eq!(mlp.sizes(), vec![3, 4, 5, 2], "prefix {prefix:?}");
        assert_weights_equal(&mlp, &layers);
        assert_matches_hand(&mlp, &layers, tanh, &sample_inputs(&mut Lcg(8), 3, 3));
    }
}

// ---------------------------------------------------------------------------
// (3) Round trips.
// ---------------------------------------------------------------------------

fn header_names(bytes: &[u8]) -> String {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    String::from_utf8(bytes[8..8 + n].to_vec()).unwrap()
}

#[test]
fn round_trip_bytes_is_exact_and_named_like_sequential() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mlp = Mlp::new(&[6, 5, 4, 3], Activation::Relu, Init::He, &mut rng).unwrap();
    for (prefix, first) in [
        ("", "\"0.weight\""),
        ("layers", "\"layers.0.weight\""),
        ("layers.", "\"layers.0.weight\""),
    ] {
        let bytes = mlp.to_safetensors_bytes(prefix).unwrap();
        let header = header_names(&bytes);
        assert!(header.contains(first), "{header}");
        let p = if prefix.is_empty() {
            String::new()
        } else {
            "layers.".to_string()
        };
        for name in ["0.bias", "2.weight", "2.bias", "4.weight", "4.bias"] {
            assert!(
                header.contains(&format!("\"{p}{name}\"")),
                "{name} missing from {header}"
            );
        }
        assert!(header.contains("\"F32\""), "{header}");
        let loaded = Mlp::from_safetensors_bytes(&bytes, Activation::Relu).unwrap();
        assert_eq!(loaded, mlp);
    }
}

#[test]
fn round_trip_file_is_exact() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(43);
    let mlp = Mlp::new(&[7, 9, 3], Activation::Tanh, Init::Xavier, &mut rng).unwrap();
    let path = temp_path("round-trip");
    mlp.save_safetensors(&path, "model.net").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(header_names(&bytes).contains("\"model.net.2.bias\""));
    let loaded = Mlp::load_safetensors(&path, Activation::Tanh).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded, mlp);
    let x = sample_inputs(&mut Lcg(1), 5, 7);
    assert_eq!(loaded.forward(x.view()).unwrap(), mlp.forward(x.view()).unwrap());
}

#[test]
fn saving_to_a_path_without_a_file_name_is_an_io_error() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(45);
    let mlp = Mlp::new(&[3, 4, 2], Activation::Relu, Init::He, &mut rng).unwrap();
    let err = mlp.save_safetensors(std::env::temp_dir().join(".."), "").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("not a file name"), "{err}");
}

#[cfg(unix)]
#[test]
fn saved_file_has_ordinary_permissions_and_no_temporary_is_left() {
    use std::os::unix::fs::PermissionsExt;
    let mut rng = rand::rngs::StdRng::seed_from_u64(44);
    let mlp = Mlp::new(&[3, 4, 2], Activation::Relu, Init::He, &mut rng).unwrap();
    let dir = std::env::temp_dir().join(format!("infoablate-weights-perm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let reference = dir.join("reference");
    std::fs::write(&reference, b"x").unwrap();
    let path = dir.join("m.safetensors");
    mlp.save_safetensors(&path, "").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&path),
        mode(&reference),
        "the model is created like any file (umask)"
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(names, ["m.safetensors", "reference"]);
}

#[test]
fn round_trip_of_column_major_weights_writes_row_major() {
    // A weight in Fortran memory order must still be written as [out, in] row-major.
    let w0 = Array2::from_shape_fn((3, 2), |(o, i)| (o * 10 + i) as f32);
    let w0_fortran = w0.t().as_standard_layout().t().to_owned();
    assert!(!w0_fortran.is_standard_layout());
    let w1 = Array2::from_shape_fn((2, 3), |(o, i)| (o as f32) - (i as f32) * 0.5);
    let layers = vec![
        (w0_fortran, Array1::from(vec![0.1, 0.2, 0.3])),
        (w1, Array1::from(vec![1.0, -1.0])),
    ];
    let mlp = Mlp::from_layers(layers, Activation::Relu).unwrap();
    let loaded = Mlp::from_safetensors_bytes(&mlp.to_safetensors_bytes("").unwrap(), Activation::Relu).unwrap();
    assert_eq!(loaded.weight(0).unwrap(), w0.view());
    assert_eq!(loaded, mlp);
}

// ---------------------------------------------------------------------------
// (4) dtypes.
// ---------------------------------------------------------------------------

/// A two-layer file (3 → 2 → 2) whose tensors are encoded by `encode` under `dtype`.
fn dtype_file(dtype: &'static str, values: &[Vec<f32>; 4], encode: impl Fn(f32) -> Vec<u8>) -> Vec<u8> {
    let shapes: [&[usize]; 4] = [&[2, 3], &[2], &[2, 2], &[2]];
    let names = ["0.weight", "0.bias", "2.weight", "2.bias"];
    let tensors: Vec<Tensor> = names
        .iter()
        .zip(shapes)
        .zip(values)
        .map(|((name, shape), vals)| raw_tensor(name, dtype, shape, vals.iter().flat_map(|&v| encode(v)).collect()))
        .collect();
    safetensors_file(&tensors)
}

fn dtype_values() -> [Vec<f32>; 4] {
    [
        vec![0.1, -0.2, 0.3, 1.5, -2.25, 0.7],
        vec![0.05, -0.5],
        vec![1.0, -3.0, 0.333, 2.0],
        vec![-0.125, 10.0],
    ]
}

fn loaded_values(mlp: &Mlp) -> Vec<f32> {
    (0..2)
        .flat_map(|k| {
            let mut v = mlp.weight(k).unwrap().iter().copied().collect::<Vec<_>>();
            v.extend(mlp.bias(k).unwrap().iter());
            v
        })
        .collect()
}

#[test]
fn f64_is_converted_to_f32() {
    let values = dtype_values();
    let file = dtype_file("F64", &values, |v| f64::from(v).to_le_bytes().to_vec());
    let mlp = Mlp::from_safetensors_bytes(&file, Activation::Relu).unwrap();
    let expected: Vec<f32> = values.iter().flatten().copied().collect();
    assert_eq!(loaded_values(&mlp), expected);
    // A value not exactly an f32 rounds to the nearest f32.
    let file = dtype_file("F64", &values, |v| (f64::from(v) + 1e-12).to_le_bytes().to_vec());
    let mlp = Mlp::from_safetensors_bytes(&file, Activation::Relu).unwrap();
    for (got, want) in loaded_values(&mlp).iter().zip(&expected) {
        assert_eq!(*got, (f64::from(*want) + 1e-12) as f32);
    }
}

#[test]
fn f16_is_converted_to_f32() {
    let values = dtype_values();
    let file = dtype_file("F16", &values, |v| half::f16::from_f32(v).to_le_bytes().to_vec());
    let mlp = Mlp::from_safetensors_bytes(&file, Activation::Relu).unwrap();
    for (got, want) in loaded_values(&mlp).iter().zip(values.iter().flatten()) {
        assert_abs_diff_eq!(*got, *want, epsilon = F16_REL_TOL * want.abs());
    }
    // Bit patterns by hand: 0x3C00 = 1.0, 0xC000 = -2.0, 0x3800 = 0.5, 0x0000 = 0.
    let words: [u16; 4] = [0x3C00, 0xC000, 0x3800, 0x0000];
    let bytes = |ws: &[u16]| ws.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
    let tensors = vec![
        raw_tensor("0.weight", "F16", &[2, 2], bytes(&words)),
        raw_tensor("0.bias", "F16", &[2], bytes(&words[..2])),
        raw_tensor("2.weight", "F16", &[1, 2], bytes(&words[2..])),
        raw_tensor("2.bias", "F16", &[1], bytes(&words[..1])),
    ];
    let mlp = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Relu).unwrap();
    assert_eq!(
        mlp.weight(0).unwrap().iter().copied().collect::<Vec<_>>(),
        vec![1.0, -2.0, 0.5, 0.0]
    );
    assert_eq!(mlp.bias(1).unwrap().to_vec(), vec![1.0]);
}

#[test]
fn bf16_is_converted_to_f32() {
    let values = dtype_values();
    let file = dtype_file("BF16", &values, |v| half::bf16::from_f32(v).to_le_bytes().to_vec());
    let mlp = Mlp::from_safetensors_bytes(&file, Activation::Relu).unwrap();
    for (got, want) in loaded_values(&mlp).iter().zip(values.iter().flatten()) {
        assert_abs_diff_eq!(*got, *want, epsilon = BF16_REL_TOL * want.abs());
    }
    // bf16 is the top half of an f32: 0x3F80 = 1.0, 0x4040 = 3.0, 0xBF00 = -0.5.
    let words: [u16; 3] = [0x3F80, 0x4040, 0xBF00];
    let bytes = |ws: &[u16]| ws.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
    let tensors = vec![
        raw_tensor("0.weight", "BF16", &[1, 3], bytes(&words)),
        raw_tensor("0.bias", "BF16", &[1], bytes(&words[..1])),
        raw_tensor("2.weight", "BF16", &[2, 1], bytes(&words[1..])),
        raw_tensor("2.bias", "BF16", &[2], bytes(&words[..2])),
    ];
    let mlp = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Relu).unwrap();
    assert_eq!(
        mlp.weight(0).unwrap().iter().copied().collect::<Vec<_>>(),
        vec![1.0, 3.0, -0.5]
    );
    assert_eq!(
        mlp.weight(1).unwrap().iter().copied().collect::<Vec<_>>(),
        vec![3.0, -0.5]
    );
}

#[test]
fn mixed_float_dtypes_load() {
    let mut tensors = valid_tensors();
    let w = &tensors[2];
    let values: Vec<f32> = w
        .data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let shape = w.shape.clone();
    tensors[2] = raw_tensor(
        "layers.2.weight",
        "F64",
        &shape,
        values.iter().flat_map(|&v| f64::from(v).to_le_bytes()).collect(),
    );
    let mlp = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Relu).unwrap();
    assert_eq!(mlp.weight(1).unwrap().iter().copied().collect::<Vec<_>>(), values);
}

#[test]
fn integer_bool_and_f8_dtypes_are_refused() {
    for (dtype, width) in [
        ("I32", 4),
        ("I64", 8),
        ("U8", 1),
        ("BOOL", 1),
        ("F8_E4M3", 1),
        ("I16", 2),
    ] {
        let tensors = replaced(
            valid_tensors(),
            raw_tensor("layers.2.bias", dtype, &[2], vec![0; 2 * width]),
        );
        let err = load_err(&safetensors_file(&tensors));
        assert!(
            matches!(&err, WeightsError::UnsupportedDtype { tensor, dtype: d } if tensor == "layers.2.bias" && d == dtype),
            "{err:?}"
        );
        assert_names(&err, &["layers.2.bias"]);
        assert!(err.to_string().contains(dtype), "{err}");
    }
}

// ---------------------------------------------------------------------------
// (5) Every error, with the tensor named.
// ---------------------------------------------------------------------------

#[test]
fn not_safetensors_is_a_format_error() {
    for bytes in [
        b"".as_slice(),
        b"short",
        b"this is a text file, not safetensors at all",
        &[0xff; 64],
    ] {
        let err = load_err(bytes);
        assert!(matches!(err, WeightsError::Format { .. }), "{err:?}");
        assert!(err.to_string().contains("not a valid safetensors file"), "{err}");
    }
}

#[test]
fn corrupt_header_is_a_format_error() {
    let header = b"{\"0.weight\": not json";
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    assert!(matches!(load_err(&bytes), WeightsError::Format { .. }));

    // Offsets that do not match the shape.
    let mut tensors = valid_tensors();
    tensors[0].shape = vec![4, 4];
    assert!(matches!(
        load_err(&safetensors_file(&tensors)),
        WeightsError::Format { .. }
    ));

    // Data missing at the end.
    let mut file = safetensors_file(&valid_tensors());
    file.truncate(file.len() - 4);
    assert!(matches!(load_err(&file), WeightsError::Format { .. }));
}

#[test]
fn huge_declared_sizes_are_refused_without_overflow() {
    // Eight U8 tensors of 2^61 - 1 bytes each: the offsets sum past u64::MAX.
    let big: u64 = (1 << 61) - 1;
    let mut header = String::from("{");
    for i in 0..8u64 {
        if i > 0 {
            header.push(',');
        }
        write!(
            header,
            r#""{i}.weight":{{"dtype":"U8","shape":[{big}],"data_offsets":[{},{}]}}"#,
            i * big,
            (i + 1) * big
        )
        .unwrap();
    }
    header.push('}');
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    assert!(matches!(load_err(&bytes), WeightsError::Format { .. }));

    // A header length far beyond the buffer.
    let mut bytes = u64::MAX.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"{}");
    assert!(matches!(load_err(&bytes), WeightsError::Format { .. }));
}

#[test]
fn no_linear_tensors() {
    let err = load_err(&safetensors_file(&[]));
    assert!(
        matches!(&err, WeightsError::NoLinearLayers { tensors } if tensors.is_empty()),
        "{err:?}"
    );
    assert!(err.to_string().contains("no tensors"), "{err}");

    let tensors = vec![
        f32_tensor("conv1.kernel", &[2, 2], &[1.0; 4]),
        f32_tensor("embedding", &[3], &[1.0; 3]),
    ];
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::NoLinearLayers { tensors } if tensors.len() == 2),
        "{err:?}"
    );
    assert_names(&err, &["conv1.kernel", "embedding"]);
}

#[test]
fn mixed_prefixes() {
    let mut tensors: Vec<Tensor> = valid_tensors()
        .into_iter()
        .map(|mut t| {
            if t.name.starts_with("layers.2.") {
                t.name = t.name.replace("layers.2.", "head.2.");
            }
            t
        })
        .collect();
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::MixedPrefixes { first_prefix, second_prefix, .. }
            if first_prefix == "head" && second_prefix == "layers"),
        "{err:?}"
    );
    assert_names(&err, &["head.2.bias", "layers.0.bias"]);

    // A bare index next to a prefixed one.
    for t in &mut tensors {
        t.name = t.name.replace("head.2.", "2.");
    }
    let err = load_err(&safetensors_file(&tensors));
    assert!(matches!(err, WeightsError::MixedPrefixes { .. }), "{err:?}");
    assert_names(&err, &["2.bias", "layers.0.bias"]);
    assert!(err.to_string().contains("(none)"), "{err}");
}

#[test]
fn weight_without_bias_is_bias_false_and_bias_without_weight_is_an_error() {
    // nn.Linear(bias=False): no bias tensor, read as zeros.
    let mlp = Mlp::from_safetensors_bytes(
        &safetensors_file(&without(valid_tensors(), "layers.2.bias")),
        Activation::Relu,
    )
    .unwrap();
    assert!(mlp.bias(1).unwrap().iter().all(|&b| b == 0.0));
    let full = Mlp::from_safetensors_bytes(&safetensors_file(&valid_tensors()), Activation::Relu).unwrap();
    assert_eq!(mlp.weight(1).unwrap(), full.weight(1).unwrap());
    assert_eq!(mlp.bias(0).unwrap(), full.bias(0).unwrap());

    let err = load_err(&safetensors_file(&without(valid_tensors(), "layers.0.weight")));
    assert!(
        matches!(&err, WeightsError::MissingTensor { missing, present }
            if missing == "layers.0.weight" && present == "layers.0.bias"),
        "{err:?}"
    );
    assert_names(&err, &["layers.0.weight", "layers.0.bias"]);
}

/// BatchNorm1d tensors of module `name` (width 4) as PyTorch saves them.
fn batch_norm_tensors(name: &str, affine: bool) -> Vec<Tensor> {
    let mut tensors = vec![
        f32_tensor(&format!("{name}.running_mean"), &[4], &[0.5, -0.25, 0.0, 1.0]),
        f32_tensor(&format!("{name}.running_var"), &[4], &[0.25, 4.0, 1.0, 0.5]),
        raw_tensor(
            &format!("{name}.num_batches_tracked"),
            "I64",
            &[],
            7i64.to_le_bytes().to_vec(),
        ),
    ];
    if affine {
        tensors.push(f32_tensor(&format!("{name}.weight"), &[4], &[2.0, 0.5, -1.0, 1.0]));
        tensors.push(f32_tensor(&format!("{name}.bias"), &[4], &[0.1, 0.0, -0.3, 0.2]));
    }
    tensors
}

/// BatchNorm1d of the first layer (eval mode, eps 1e-5) by the formula, against the fold.
#[test]
fn batchnorm_after_a_linear_is_folded_into_it() {
    const EPS: f64 = 1e-5;
    for affine in [true, false] {
        let mut tensors = valid_tensors();
        tensors.extend(batch_norm_tensors("layers.1", affine));
        let bn = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Relu).unwrap();
        let plain = Mlp::from_safetensors_bytes(&safetensors_file(&valid_tensors()), Activation::Relu).unwrap();
        let (mean, var) = ([0.5, -0.25, 0.0, 1.0], [0.25, 4.0, 1.0, 0.5]);
        let (gamma, beta) = if affine {
            ([2.0, 0.5, -1.0, 1.0], [0.1, 0.0, -0.3, 0.2])
        } else {
            ([1.0; 4], [0.0; 4])
        };
        let x = Array2::from_shape_fn((3, 3), |(i, j)| (i as f32 - 1.0) * 0.7 + j as f32 * 0.3);
        // The unfolded forward pass: Linear, BatchNorm, ReLU, Linear.
        let z = plain.weight(0).unwrap();
        let b = plain.bias(0).unwrap();
        let h = Array2::from_shape_fn((3, 4), |(s, o)| {
            let pre: f64 = (0..3).map(|i| f64::from(z[[o, i]]) * f64::from(x[[s, i]])).sum::<f64>() + f64::from(b[o]);
            let normed = (pre - mean[o]) / (var[o] + EPS).sqrt() * gamma[o] + beta[o];
            normed.max(0.0) as f32
        });
        let expected = h.dot(&plain.weight(1).unwrap().t()) + plain.bias(1).unwrap();
        let got = bn.forward(x.view()).unwrap();
        for (g, e) in got.iter().zip(expected.iter()) {
            assert_abs_diff_eq!(g, e, epsilon = LOGIT_TOL);
        }
    }
}

#[test]
fn batchnorm_elsewhere_or_incomplete_is_refused() {
    // Linear, ReLU, BatchNorm1d, Linear: the BatchNorm normalises the activation's output.
    let mut a = Lcg(3);
    let (l0, l1) = (a.linear(3, 4), a.linear(4, 2));
    let mut tensors: Vec<Tensor> = linear_tensors(|p| format!("layers.0.{p}"), &l0).into();
    tensors.extend(batch_norm_tensors("layers.2", true));
    tensors.extend(linear_tensors(|p| format!("layers.3.{p}"), &l1));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::BatchNormPlacement { module } if module == "layers.2"),
        "{err:?}"
    );
    assert_names(&err, &["layers.2"]);

    // Running variance without its mean; a negative variance.
    let mut tensors = valid_tensors();
    tensors.extend(without(batch_norm_tensors("layers.1", true), "layers.1.running_mean"));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::MissingTensor { missing, .. } if missing == "layers.1.running_mean"),
        "{err:?}"
    );
    let mut tensors = valid_tensors();
    tensors.extend(replaced(
        batch_norm_tensors("layers.1", true),
        f32_tensor("layers.1.running_var", &[4], &[1.0, -0.5, 1.0, 1.0]),
    ));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(err, WeightsError::NegativeVariance { index: 1, .. }),
        "{err:?}"
    );
    // A BatchNorm of the wrong width.
    let mut tensors = valid_tensors();
    tensors.extend(replaced(
        batch_norm_tensors("layers.1", true),
        f32_tensor("layers.1.running_var", &[3], &[1.0; 3]),
    ));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::Shape { tensor, .. } if tensor == "layers.1.running_var"),
        "{err:?}"
    );
}

#[test]
fn other_extra_tensors_are_named() {
    let mut tensors = valid_tensors();
    tensors.push(f32_tensor("layers.0.weight_scale", &[1], &[1.0]));
    let err = load_err(&safetensors_file(&tensors));
    assert!(matches!(err, WeightsError::UnexpectedTensors { .. }), "{err:?}");
    assert_names(&err, &["layers.0.weight_scale"]);
}

/// `fc1`, `bn1`, `fc2`, `fc10` (natural order after `fc2`) as a model with
/// attributes saves them.
fn named_tensors() -> Vec<Tensor> {
    let mut rng = Lcg(5);
    let (a, b, c) = (rng.linear(3, 4), rng.linear(4, 4), rng.linear(4, 2));
    let mut tensors: Vec<Tensor> = linear_tensors(|p| format!("fc1.{p}"), &a).into();
    tensors.extend(batch_norm_tensors("bn1", true));
    tensors.extend(linear_tensors(|p| format!("fc2.{p}"), &b));
    tensors.extend(linear_tensors(|p| format!("fc10.{p}"), &c));
    tensors
}

#[test]
fn named_layers_load_and_the_error_without_them_says_what_to_pass() {
    let bytes = safetensors_file(&named_tensors());
    let err = load_err(&bytes);
    assert!(
        matches!(&err, WeightsError::NamedModules { linear, batch_norm }
            if linear == &["fc1", "fc2", "fc10"] && batch_norm == &["bn1"]),
        "{err:?}"
    );
    assert!(err.to_string().contains("--layers fc1,fc2,fc10"), "{err}");

    let names: LayerNames = "fc1+bn1,fc2,fc10".parse().unwrap();
    let options = LoadOptions::activation(Activation::Tanh).with_layers(names);
    let (mlp, meta) = Mlp::from_safetensors_bytes_with(&bytes, &options).unwrap();
    assert_eq!(mlp.sizes(), vec![3, 4, 4, 2]);
    assert_eq!(meta.other.get("format").map(String::as_str), Some("pt"));
    // The same network as the Sequential file with the same tensors.
    let sequential: Vec<Tensor> = named_tensors()
        .into_iter()
        .map(|mut t| {
            for (from, to) in [("fc10.", "6."), ("fc1.", "0."), ("bn1.", "1."), ("fc2.", "3.")] {
                if let Some(rest) = t.name.strip_prefix(from) {
                    t.name = format!("{to}{rest}");
                }
            }
            t
        })
        .collect();
    let by_index = Mlp::from_safetensors_bytes(&safetensors_file(&sequential), Activation::Tanh).unwrap();
    assert_eq!(mlp, by_index);
    // The helper gives the same affine layers.
    let layers = safetensors_layers(&bytes, &options).unwrap();
    assert_eq!(layers[0].0, mlp.weight(0).unwrap());
    assert_eq!(layers[2].1, mlp.bias(2).unwrap());
}

#[test]
fn named_layers_that_miss_or_leave_tensors_are_errors() {
    let bytes = safetensors_file(&named_tensors());
    let load = |names: &str| {
        let options = LoadOptions::activation(Activation::Relu).with_layers(names.parse().unwrap());
        match Mlp::from_safetensors_bytes_with(&bytes, &options) {
            Err(Error::Weights(e)) => e,
            other => panic!("expected a weights error, got {other:?}"),
        }
    };
    let err = load("fc1+bn1,fc3,fc10");
    assert!(
        matches!(&err, WeightsError::UnknownModule { module, linear, .. } if module == "fc3" && linear == &["fc2", "fc10"]),
        "{err:?}"
    );
    assert_names(&err, &["fc3", "fc2"]);
    let err = load("fc1,fc2,fc10");
    assert!(
        matches!(&err, WeightsError::UnusedTensors { tensors, .. } if tensors.len() == 5 && tensors[0] == "bn1.bias"),
        "{err:?}"
    );
    // A BatchNorm named as a Linear layer.
    let err = load("fc1,bn1,fc2,fc10");
    assert!(matches!(err, WeightsError::UnexpectedTensors { .. }), "{err:?}");
    assert!("fc1".parse::<LayerNames>().is_err());
}

#[test]
fn activation_and_normalization_are_recorded_and_checked() {
    let mlp = Mlp::from_layers(
        three_layers(9)
            .iter()
            .map(|l| (to_array(&l.w), Array1::from_vec(l.b.clone())))
            .collect(),
        Activation::Elu { alpha: 0.5 },
    )
    .unwrap();
    let meta = ModelMetadata {
        normalize_mean: Some(vec![0.5]),
        normalize_std: Some(vec![0.25]),
        ..ModelMetadata::default()
    };
    let bytes = mlp.to_safetensors_bytes_with("net", &meta).unwrap();
    let (loaded, saved) = Mlp::from_safetensors_bytes_with(&bytes, &LoadOptions::default()).unwrap();
    assert_eq!(loaded, mlp);
    assert_eq!(saved.activation, Some(Activation::Elu { alpha: 0.5 }));
    assert_eq!(saved.normalization(), Some((&[0.5_f32][..], &[0.25_f32][..])));

    // A contradicting activation is an error unless forced.
    let err = Mlp::from_safetensors_bytes(&bytes, Activation::Relu).unwrap_err();
    assert!(
        matches!(&err, Error::Weights(WeightsError::ActivationMismatch { saved, given })
            if *saved == Activation::Elu { alpha: 0.5 } && *given == Activation::Relu),
        "{err:?}"
    );
    assert!(err.to_string().contains("--force-act"), "{err}");
    let options = LoadOptions::activation(Activation::Relu).forced();
    assert_eq!(
        Mlp::from_safetensors_bytes_with(&bytes, &options)
            .unwrap()
            .0
            .activation(),
        Activation::Relu
    );
    // A file without metadata needs an activation.
    let err =
        Mlp::from_safetensors_bytes_with(&safetensors_file(&valid_tensors()), &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Weights(WeightsError::NoActivation)), "{err:?}");

    // Normalisations that do not fit: 2 channels of a 5-wide input, mean without std.
    let two = ModelMetadata {
        normalize_mean: Some(vec![0.5, 0.1]),
        normalize_std: Some(vec![0.25, 0.2]),
        ..ModelMetadata::default()
    };
    assert!(matches!(
        mlp.to_safetensors_bytes_with("", &two),
        Err(Error::Weights(WeightsError::Metadata { .. }))
    ));
    let mut map = std::collections::HashMap::new();
    map.insert("infoablate.normalize_mean".to_string(), "0.5".to_string());
    assert!(matches!(
        ModelMetadata::from_map(&map, false),
        Err(WeightsError::Metadata { .. })
    ));
    map.insert("infoablate.normalize_std".to_string(), "0".to_string());
    assert!(matches!(
        ModelMetadata::from_map(&map, false),
        Err(WeightsError::Metadata { .. })
    ));
    let mut map = std::collections::HashMap::new();
    map.insert("infoablate.activation".to_string(), "mish".to_string());
    let err = ModelMetadata::from_map(&map, false).unwrap_err();
    assert!(err.to_string().contains("infoablate.activation"), "{err}");
    assert_eq!(ModelMetadata::from_map(&map, true).unwrap().activation, None);
}

/// `w[out][in]` as an array.
fn to_array(w: &[Vec<f32>]) -> Array2<f32> {
    Array2::from_shape_fn((w.len(), w[0].len()), |(i, j)| w[i][j])
}

#[test]
fn norm_layer_weight_is_a_shape_error() {
    // nn.Sequential(Linear, LayerNorm, Linear): LayerNorm has a 1-D weight and bias only.
    let mut tensors = valid_tensors();
    tensors.push(f32_tensor("layers.1.weight", &[4], &[1.0; 4]));
    tensors.push(f32_tensor("layers.1.bias", &[4], &[0.0; 4]));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::Shape { tensor, shape, .. } if tensor == "layers.1.weight" && shape == &[4]),
        "{err:?}"
    );
    assert_names(&err, &["layers.1.weight"]);
}

#[test]
fn wrong_rank_or_empty_shapes() {
    let cases = [
        (f32_tensor("layers.2.bias", &[1, 2], &[0.0; 2]), "layers.2.bias"),
        (f32_tensor("layers.2.bias", &[], &[0.0]), "layers.2.bias"),
        (f32_tensor("layers.0.weight", &[4, 3, 1], &[0.0; 12]), "layers.0.weight"),
        (f32_tensor("layers.0.weight", &[0, 3], &[]), "layers.0.weight"),
    ];
    for (tensor, name) in cases {
        let err = load_err(&safetensors_file(&replaced(valid_tensors(), tensor)));
        assert!(
            matches!(&err, WeightsError::Shape { tensor, .. } if tensor == name),
            "{err:?}"
        );
        assert_names(&err, &[name]);
    }
}

#[test]
fn bias_length_mismatch_names_both() {
    let tensors = replaced(valid_tensors(), f32_tensor("layers.0.bias", &[3], &[0.0; 3]));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::BiasLength { weight, rows: 4, bias, len: 3 }
            if weight == "layers.0.weight" && bias == "layers.0.bias"),
        "{err:?}"
    );
    assert_names(&err, &["layers.0.weight", "layers.0.bias"]);
}

#[test]
fn layers_that_do_not_chain_name_both() {
    // layers.2 reads 5 inputs but layers.0 has 4 outputs.
    let tensors = replaced(valid_tensors(), f32_tensor("layers.2.weight", &[2, 5], &[0.0; 10]));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::Chain { previous, outputs: 4, next, inputs: 5 }
            if previous == "layers.0.weight" && next == "layers.2.weight"),
        "{err:?}"
    );
    assert_names(&err, &["layers.0.weight", "layers.2.weight"]);
}

#[test]
fn non_finite_values_name_the_tensor() {
    let mut weight = vec![0.5f32; 8];
    weight[5] = f32::NAN;
    let tensors = replaced(valid_tensors(), f32_tensor("layers.2.weight", &[2, 4], &weight));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::NonFinite { tensor, index: 5, value } if tensor == "layers.2.weight" && value.is_nan()),
        "{err:?}"
    );
    assert_names(&err, &["layers.2.weight"]);

    let tensors = replaced(
        valid_tensors(),
        f32_tensor("layers.0.bias", &[4], &[0.0, f32::INFINITY, 0.0, 0.0]),
    );
    let err = load_err(&safetensors_file(&tensors));
    assert!(matches!(&err, WeightsError::NonFinite { index: 1, .. }), "{err:?}");
    assert_names(&err, &["layers.0.bias"]);

    // Finite in f64 but beyond f32.
    let data: Vec<u8> = [0.0, 1e300, 0.0, 0.0f64].iter().flat_map(|v| v.to_le_bytes()).collect();
    let tensors = replaced(valid_tensors(), raw_tensor("layers.0.bias", "F64", &[4], data));
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::NonFinite { index: 1, value, .. } if *value == 1e300),
        "{err:?}"
    );
    assert_names(&err, &["layers.0.bias"]);

    // f16 infinity: 0x7C00.
    let data: Vec<u8> = [0u16, 0, 0x7C00, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let tensors = replaced(valid_tensors(), raw_tensor("layers.0.bias", "F16", &[4], data));
    let err = load_err(&safetensors_file(&tensors));
    assert!(matches!(&err, WeightsError::NonFinite { index: 2, .. }), "{err:?}");
}

#[test]
fn fewer_than_two_linear_layers() {
    let tensors = without(without(valid_tensors(), "layers.2.weight"), "layers.2.bias");
    let err = load_err(&safetensors_file(&tensors));
    assert!(
        matches!(&err, WeightsError::TooFewLayers { weights } if weights == &["layers.0.weight"]),
        "{err:?}"
    );
    assert_names(&err, &["layers.0.weight"]);
}

#[test]
fn file_errors_name_the_file_and_the_tensor() {
    let path = temp_path("missing-weight");
    std::fs::write(&path, safetensors_file(&without(valid_tensors(), "layers.2.weight"))).unwrap();
    let result = Mlp::load_safetensors(&path, Activation::Relu);
    std::fs::remove_file(&path).unwrap();
    let Err(Error::Weights(err)) = result else {
        panic!("expected a weights error, got {result:?}");
    };
    assert!(
        matches!(&err, WeightsError::File { path: p, .. } if p == &path),
        "{err:?}"
    );
    assert!(matches!(err.root(), WeightsError::MissingTensor { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("`layers.2.weight`"), "{message}");
    assert!(std::error::Error::source(&err).is_some());

    let path = temp_path("garbage");
    std::fs::write(&path, b"garbage").unwrap();
    let result = Mlp::load_safetensors(&path, Activation::Relu);
    std::fs::remove_file(&path).unwrap();
    let Err(Error::Weights(err)) = result else {
        panic!("expected a weights error, got {result:?}");
    };
    assert!(matches!(err.root(), WeightsError::Format { .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

#[test]
fn io_errors_name_the_file() {
    let path = temp_path("does-not-exist");
    let err = Mlp::load_safetensors(&path, Activation::Relu).unwrap_err();
    assert!(matches!(err, Error::Io { action: "read", .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");

    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mlp = Mlp::new(&[2, 2, 2], Activation::Relu, Init::He, &mut rng).unwrap();
    let path = std::env::temp_dir()
        .join("infoablate-no-such-dir")
        .join("m.safetensors");
    let err = mlp.save_safetensors(&path, "").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("infoablate-no-such-dir"), "{err}");
}

// ---------------------------------------------------------------------------
// (6) Truncated and garbage bytes: errors, never panics.
// ---------------------------------------------------------------------------

#[test]
fn every_truncation_of_a_valid_file_is_an_error() {
    let file = sequential_file("layers.", &[0, 2, 4], &three_layers(61));
    assert!(Mlp::from_safetensors_bytes(&file, Activation::Relu).is_ok());
    for len in 0..file.len() {
        let err = load_err(&file[..len]);
        assert!(matches!(err, WeightsError::Format { .. }), "length {len}: {err:?}");
    }
    // Trailing bytes are refused too.
    let mut longer = file.clone();
    longer.push(0);
    assert!(matches!(load_err(&longer), WeightsError::Format { .. }));
}

#[test]
fn random_bytes_and_corruptions_never_panic() {
    let mut rng = Lcg(0xfeed);
    for len in 0..400usize {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let _ = load_err(&bytes);
        // A plausible header length followed by random bytes.
        let mut framed = (len.saturating_sub(8) as u64).to_le_bytes().to_vec();
        framed.extend_from_slice(&bytes[..len.saturating_sub(8)]);
        assert!(Mlp::from_safetensors_bytes(&framed, Activation::Relu).is_err());
    }
    // Random byte flips anywhere in a valid file: any outcome but a panic.
    let file = sequential_file("", &[0, 2, 4], &three_layers(62));
    for _ in 0..2000 {
        let mut corrupt = file.clone();
        for _ in 0..1 + rng.next_u64() % 3 {
            let at = (rng.next_u64() as usize) % corrupt.len();
            corrupt[at] = rng.next_u64() as u8;
        }
        let _ = Mlp::from_safetensors_bytes(&corrupt, Activation::Relu);
    }
}

/// Logits of `nn.Sequential(Linear(3, 4, bias=False), BatchNorm1d(4), GELU(),
/// Linear(4, 3), BatchNorm1d(3, affine=False), GELU(), Linear(3, 2))` in eval
/// mode, computed independently in float64 with PyTorch's formulas (the
/// BatchNorm unfolded, Python's `math.erf`) by this script:
///
/// ```python
/// # Logits of nn.Sequential(Linear(3,4,bias=False), BatchNorm1d(4), GELU(), Linear(4,3),
/// # BatchNorm1d(3, affine=False), GELU(), Linear(3,2)) in eval mode, in float64 with
/// # PyTorch's formulas (BatchNorm unfolded, GELU = x/2 (1 + erf(x/sqrt 2))).
/// import math
/// W0 = [[0.5, -0.25, 1.0], [-0.75, 0.5, 0.25], [1.25, 1.0, -0.5], [0.0, -1.5, 0.75]]
/// G1, B1 = [1.5, 0.5, -1.0, 2.0], [0.1, -0.2, 0.3, 0.0]
/// M1, V1 = [0.2, -0.1, 0.4, -0.3], [0.5, 2.0, 0.25, 1.5]
/// W3 = [[0.3, -0.6, 0.9, 0.1], [-0.4, 0.2, 0.5, -0.7], [0.8, 0.6, -0.2, 0.4]]
/// b3 = [0.05, -0.15, 0.25]
/// M4, V4 = [0.1, -0.2, 0.05], [0.8, 0.3, 1.2]
/// W6 = [[1.0, -0.5, 0.25], [-0.75, 0.5, 1.5]]
/// b6 = [0.2, -0.1]
/// EPS = 1e-5
/// X = [[0.5, -1.0, 2.0], [-1.5, 0.25, 0.0], [3.0, 1.0, -2.0], [0.0, 0.0, 0.0], [-0.3, -2.2, 1.7]]
/// gelu = lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))
/// lin = lambda W, b, x: [sum(w * v for w, v in zip(row, x)) + (b[i] if b else 0.0) for i, row in enumerate(W)]
/// bn = lambda x, m, v, g, b: [(xi - mi) / math.sqrt(vi + EPS) * gi + bi for xi, mi, vi, gi, bi in zip(x, m, v, g, b)]
/// for x in X:
///     h = [gelu(v) for v in bn(lin(W0, None, x), M1, V1, G1, B1)]
///     h = [gelu(v) for v in bn(lin(W3, b3, h), M4, V4, [1.0] * 3, [0.0] * 3)]
///     print("[" + ", ".join(f"{v:.9}" for v in lin(W6, b6, h)) + "],")
/// ```
const REFERENCE_LOGITS: [[f64; 2]; 5] = [
    [7.62193464, 2.80680905],
    [2.23469778, -1.37136994],
    [0.206321713, -0.0514532365],
    [0.770256152, -0.470480674],
    [11.6469174, -0.942521281],
];
/// The logits above against f32 forward passes of the folded network.
const REFERENCE_TOL: f64 = 2e-5;

#[test]
fn pytorch_sequential_with_bias_false_batchnorm_and_gelu_matches_reference_logits() {
    let w0 = [0.5, -0.25, 1.0, -0.75, 0.5, 0.25, 1.25, 1.0, -0.5, 0.0, -1.5, 0.75];
    let w3 = [0.3, -0.6, 0.9, 0.1, -0.4, 0.2, 0.5, -0.7, 0.8, 0.6, -0.2, 0.4];
    let tensors = vec![
        f32_tensor("0.weight", &[4, 3], &w0),
        f32_tensor("1.weight", &[4], &[1.5, 0.5, -1.0, 2.0]),
        f32_tensor("1.bias", &[4], &[0.1, -0.2, 0.3, 0.0]),
        f32_tensor("1.running_mean", &[4], &[0.2, -0.1, 0.4, -0.3]),
        f32_tensor("1.running_var", &[4], &[0.5, 2.0, 0.25, 1.5]),
        raw_tensor("1.num_batches_tracked", "I64", &[], 100i64.to_le_bytes().to_vec()),
        f32_tensor("3.weight", &[3, 4], &w3),
        f32_tensor("3.bias", &[3], &[0.05, -0.15, 0.25]),
        f32_tensor("4.running_mean", &[3], &[0.1, -0.2, 0.05]),
        f32_tensor("4.running_var", &[3], &[0.8, 0.3, 1.2]),
        raw_tensor("4.num_batches_tracked", "I64", &[], 100i64.to_le_bytes().to_vec()),
        f32_tensor("6.weight", &[2, 3], &[1.0, -0.5, 0.25, -0.75, 0.5, 1.5]),
        f32_tensor("6.bias", &[2], &[0.2, -0.1]),
    ];
    let mlp = Mlp::from_safetensors_bytes(&safetensors_file(&tensors), Activation::Gelu).unwrap();
    assert_eq!(mlp.sizes(), vec![3, 4, 3, 2]);
    let x = ndarray::array![
        [0.5_f32, -1.0, 2.0],
        [-1.5, 0.25, 0.0],
        [3.0, 1.0, -2.0],
        [0.0, 0.0, 0.0],
        [-0.3, -2.2, 1.7]
    ];
    let logits = mlp.forward(x.view()).unwrap();
    for (row, expected) in logits.rows().into_iter().zip(REFERENCE_LOGITS) {
        for (&got, want) in row.iter().zip(expected) {
            assert_abs_diff_eq!(f64::from(got), want, epsilon = REFERENCE_TOL);
        }
    }
}
