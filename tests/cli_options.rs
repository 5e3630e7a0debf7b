//! The examples' shared command-line options (`examples/common/`): the
//! quantizer they name, the data options, `--help` and bad arguments, the
//! ranking and scores files `ablate` reads; and the built example binaries'
//! exit statuses.

#[allow(dead_code)]
#[path = "../examples/common/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "../examples/common/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../examples/common/ranking.rs"]
mod ranking;

use std::path::Path;
use std::process::Command;

use clap::Parser;
use cli::{QuantizerName, quantizer};

#[test]
fn quantizer_options_name_the_quantizer_and_refuse_what_does_not_apply() {
    assert_eq!(quantizer(QuantizerName::EqualWidth, Some(4), None).unwrap().bins(), 4);
    assert_eq!(
        quantizer(QuantizerName::Binary, None, Some(0.5)).unwrap().threshold(),
        Some(0.5)
    );
    assert!(quantizer(QuantizerName::Binary, Some(3), None).is_err());
    assert!(quantizer(QuantizerName::EqualFrequency, None, Some(0.5)).is_err());
    assert_eq!(quantizer(QuantizerName::ZeroEqualWidth, None, None).unwrap().bins(), 10);
    assert!(quantizer(QuantizerName::EqualWidth, Some(0), None).is_err());
}

/// The data options as an example flattens them.
#[derive(Debug, Parser)]
#[command(name = "example")]
struct DataOnly {
    #[command(flatten)]
    data: data::DataArgs,
}

fn parse(args: &[&str]) -> Result<DataOnly, (i32, String)> {
    cli::parse_from(std::iter::once("example").chain(args.iter().copied()))
}

#[test]
fn help_exits_0_and_bad_arguments_exit_2_with_the_usage() {
    let (code, help) = parse(&["--help"]).unwrap_err();
    assert_eq!(code, 0);
    assert!(help.contains("--inputs") && help.contains("--normalize"), "{help}");
    let (code, text) = parse(&["--bogus"]).unwrap_err();
    assert_eq!(code, 2);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("error: unexpected argument '--bogus'"), "{text}");
    assert!(lines[1].starts_with("Usage: example"), "{text}");
    // --inputs needs --labels; --data and --inputs exclude each other.
    assert_eq!(parse(&["--inputs", "x.npy"]).unwrap_err().0, 2);
    assert_eq!(
        parse(&["--data", "d", "--inputs", "x.npy", "--labels", "y.npy"])
            .unwrap_err()
            .0,
        2
    );
    assert_eq!(
        parse(&["--test-inputs", "t.npy", "--test-labels", "u.npy"])
            .unwrap_err()
            .0,
        2
    );
    // A held-out test split applies to --inputs only.
    assert_eq!(parse(&["--data", "d", "--test-split", "10"]).unwrap_err().0, 2);
}

#[test]
fn normalize_takes_one_pair_or_one_value_per_channel() {
    let one = parse(&["--normalize", "0.1307,0.3081"])
        .unwrap()
        .data
        .normalize
        .unwrap();
    assert_eq!((one.mean(), one.std()), (&[0.1307_f32][..], &[0.3081_f32][..]));
    let three = parse(&["--normalize", "-0.5,0,0.5:1,2,3"])
        .unwrap()
        .data
        .normalize
        .unwrap();
    assert_eq!(
        (three.mean(), three.std()),
        (&[-0.5_f32, 0.0, 0.5][..], &[1.0_f32, 2.0, 3.0][..])
    );
    for bad in ["0.5", "0.5,0", "1,2:3", "a,b", "0,1,2"] {
        let (code, text) = parse(&["--normalize", bad]).unwrap_err();
        assert_eq!(code, 2, "{bad}");
        assert!(text.contains("normali"), "{bad}: {text}");
    }
}

#[test]
fn analyze_output_is_a_ranking_and_a_scores_file() {
    let csv = "layer,neuron,entropy,mutual_info\n0,0,1,0.5\n0,1,0.9,0.75\n1,0,1,NaN\n";
    assert_eq!(ranking::parse_ranking(csv, "s.csv").unwrap(), [(0, 0), (0, 1), (1, 0)]);
    let mi = ranking::parse_scores(csv, "s.csv", "mutual_info").unwrap();
    assert_eq!(mi[0], [0.5, 0.75]);
    assert!(mi[1][0].is_nan());
    assert_eq!(
        ranking::parse_scores(csv, "s.csv", "entropy").unwrap(),
        [vec![1.0, 0.9], vec![1.0]]
    );
    let e = ranking::parse_scores(csv, "s.csv", "csi").unwrap_err();
    assert!(
        e.contains("no column `csi`") && e.contains("entropy, mutual_info"),
        "{e}"
    );
    assert!(ranking::parse_scores(csv, "s.csv", "neuron").is_err());
    let shuffled = "layer,neuron,mutual_info\n0,1,0.5\n0,0,0.75\n";
    let e = ranking::parse_scores(shuffled, "s.csv", "mutual_info").unwrap_err();
    assert!(e.contains("row 2: layer 0, neuron 1 out of order"), "{e}");
    let e = ranking::parse_scores("layer,neuron,mutual_info\n0,0,x\n", "s.csv", "mutual_info").unwrap_err();
    assert!(e.contains("row 2"), "{e}");
    assert!(ranking::parse_ranking("neuron,entropy\n0,1\n", "s.csv").is_err());
    // A ranking with its header alone names nothing to ablate.
    let e = ranking::parse_ranking("layer,neuron\n\n", "r.csv").unwrap_err();
    assert!(e.contains("`r.csv` lists no neurons"), "{e}");
}

/// The example binaries of this build profile.
fn examples_dir() -> std::path::PathBuf {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(profile)
        .join("examples")
}

#[test]
#[ignore = "needs the example binaries: cargo build --release --examples"]
fn every_example_binary_prints_help_and_refuses_unknown_flags() {
    for name in [
        "quickstart",
        "paper",
        "ablate",
        "analyze",
        "pairs",
        "infoplane",
        "custom_network",
    ] {
        let exe = examples_dir().join(name);
        assert!(
            exe.is_file(),
            "{} not built: run cargo build --release --examples",
            exe.display()
        );
        let help = Command::new(&exe).arg("--help").output().unwrap();
        assert_eq!(help.status.code(), Some(0), "{name} --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("Usage:"),
            "{name} --help"
        );
        let bogus = Command::new(&exe).arg("--bogus").output().unwrap();
        assert_eq!(bogus.status.code(), Some(2), "{name} --bogus");
        let stderr = String::from_utf8_lossy(&bogus.stderr);
        assert!(
            stderr.contains("--bogus") && stderr.contains("Usage:"),
            "{name}: {stderr}"
        );
        assert!(
            bogus.stdout.is_empty(),
            "{name} --bogus ran: {}",
            String::from_utf8_lossy(&bogus.stdout)
        );
    }
}

#[test]
fn npy_inputs_load_with_a_held_out_test_split_or_test_files_and_normalised() {
    use ndarray::{Array1, Array2};
    let dir = std::env::temp_dir().join(format!("infoablate-cli-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let x = Array2::from_shape_fn((50, 4), |(i, j)| (i * 4 + j) as f32 - 100.0);
    let y = Array1::from_shape_fn(50, |i| (i % 5) as u8);
    ndarray_npy::write_npy(dir.join("x.npy"), &x).unwrap();
    ndarray_npy::write_npy(dir.join("y.npy"), &y).unwrap();
    let (xs, ys) = (dir.join("x.npy"), dir.join("y.npy"));
    let (xs, ys) = (xs.to_str().unwrap(), ys.to_str().unwrap());

    let args = parse(&[
        "--inputs",
        xs,
        "--labels",
        ys,
        "--test-split",
        "10",
        "--normalize",
        "-100,2",
    ])
    .unwrap();
    let loaded = args.data.load(0).unwrap();
    assert_eq!((loaded.train.len(), loaded.test.len()), (40, 10));
    assert_eq!(loaded.test.class_counts(), [2; 5]);
    assert_eq!(loaded.train.num_classes(), 5);
    // (x + 100) / 2 of x = i·4 + j − 100 is in [0, 100).
    assert!(loaded.train.inputs().iter().all(|&v| (0.0..100.0).contains(&v)));
    assert!(loaded.source.contains("4 features, 5 classes"), "{}", loaded.source);

    let args = parse(&["--inputs", xs, "--labels", ys, "--test-inputs", xs, "--test-labels", ys]).unwrap();
    let loaded = args.data.load(0).unwrap();
    assert_eq!((loaded.train.len(), loaded.test.len()), (50, 50));
    // Three channels do not divide four features: a typed error, not garbage.
    let args = parse(&["--inputs", xs, "--labels", ys, "--normalize", "0,0,0:1,1,1"]).unwrap();
    let e = args.data.load(0).err().unwrap().to_string();
    assert!(
        e.contains("3 normalisation channels do not divide 4 input features"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `paper`'s analysis split, which `ablate --analysis validation` draws too:
/// a fifth of the training set by default, stratified and seeded, and a
/// typed error for a size the set cannot give.
#[test]
fn the_validation_split_is_a_seeded_fifth_and_refuses_impossible_sizes() {
    use infoablate::data::Dataset;
    let x = ndarray::Array2::from_shape_fn((50, 3), |(i, j)| (i * 3 + j) as f32);
    let data = Dataset::new(x, (0..50).map(|i| i % 5).collect(), 5).unwrap();
    let (train, validation) = data::hold_out_validation(&data, None, 3).unwrap();
    assert_eq!((train.len(), validation.len()), (40, 10));
    assert_eq!(data::hold_out_validation(&data, None, 3).unwrap().1, validation);
    assert_eq!(data::hold_out_validation(&data, Some(5), 3).unwrap().1.len(), 5);
    for size in [0, 50, 1_000_000] {
        let e = data::hold_out_validation(&data, Some(size), 3).unwrap_err().to_string();
        assert!(e.contains("holdout"), "{size}: {e}");
    }
}
