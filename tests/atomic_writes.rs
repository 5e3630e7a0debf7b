//! Files are written whole or not at all: a failed write — an error from the
//! writer, a full disk, a refused rename — leaves the old file intact and no
//! temporary file behind.

mod common;

use std::io::{Error as IoError, ErrorKind, Write};
use std::path::{Path, PathBuf};

use common::TempDir;
use infoablate::Error;
use infoablate::atomic_file::{write, write_with};
use infoablate::measures::{MeasureSettings, Quantizer, Scores, analyze};
use infoablate::network::{Activation, Init, Mlp};
use infoablate::record::Recording;
use ndarray::Array2;
use rand::SeedableRng;

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Scores of `width` neurons: a CSV of about 60 bytes per neuron.
fn scores(width: usize) -> Scores {
    let acts = Array2::from_shape_fn((4, width), |(i, j)| ((i * 7 + j) % 5) as f32 * 0.37);
    let rec = Recording::new(vec![0], vec![acts], vec![0, 1, 0, 1], 2).unwrap();
    analyze(&rec, &MeasureSettings::new(Quantizer::equal_width(4).unwrap()), None).unwrap()
}

#[test]
fn an_injected_writer_error_leaves_the_old_file_and_no_temporary() {
    let t = TempDir::new("atomic-injected");
    let path = t.0.join("curve.csv");
    write(&path, "k,accuracy\n0,0.9\n").unwrap();
    for fail_after in [0, 1, 10_000, 1 << 20] {
        let err = write_with(&path, |w| {
            w.write_all(&vec![b'x'; fail_after])?;
            Err(IoError::new(ErrorKind::StorageFull, "injected: no space left"))
        })
        .unwrap_err();
        assert!(matches!(err, Error::Io { action: "write", .. }), "{err:?}");
        assert!(err.to_string().contains("injected: no space left"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "k,accuracy\n0,0.9\n");
        assert_eq!(names(&t.0), ["curve.csv"]);
    }
    // Then a write that succeeds replaces the content.
    write_with(&path, |w| w.write_all(b"new\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    assert_eq!(names(&t.0), ["curve.csv"]);
}

#[test]
fn a_refused_rename_removes_the_temporary() {
    let t = TempDir::new("atomic-rename");
    // The destination is a non-empty directory: the rename over it fails.
    let path = t.0.join("taken");
    std::fs::create_dir_all(path.join("inside")).unwrap();
    let err = write(&path, "content").unwrap_err();
    assert!(
        matches!(err, Error::Io { .. }) && err.to_string().contains("taken"),
        "{err}"
    );
    assert_eq!(names(&t.0), ["taken"]);
    assert!(path.join("inside").is_dir());
}

#[test]
fn scores_and_models_are_written_through_the_atomic_writer() {
    let t = TempDir::new("atomic-library");
    let csv = t.0.join("scores.csv");
    let s = scores(3);
    s.save_csv(&csv, Some(0)).unwrap();
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), s.to_csv(Some(0)).unwrap());
    let mlp = Mlp::new(
        &[3, 4, 2],
        Activation::Relu,
        Init::He,
        &mut rand::rngs::StdRng::seed_from_u64(3),
    )
    .unwrap();
    let model = t.0.join("m.safetensors");
    mlp.save_safetensors(&model, "").unwrap();
    assert_eq!(std::fs::read(&model).unwrap(), mlp.to_safetensors_bytes("").unwrap());
    assert_eq!(names(&t.0), ["m.safetensors", "scores.csv"]);
}

/// On a small file system (a tmpfs of about 64 KiB, say `mount -t tmpfs -o
/// size=64k tmpfs /mnt/small`), filled up but for a few KiB: saving scores
/// and a model fails with an I/O error, the old files keep their content
/// and no temporary file is left.
#[test]
#[ignore = "needs a small file system: mount a tmpfs of about 64 KiB and set INFOABLATE_SMALL_FS to its path"]
fn a_full_disk_leaves_the_old_files_intact() {
    let root = PathBuf::from(std::env::var("INFOABLATE_SMALL_FS").expect("INFOABLATE_SMALL_FS"));
    let dir = root.join(format!("infoablate-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("scores.csv");
    let model = dir.join("m.safetensors");
    write(&csv, "old scores\n").unwrap();
    write(&model, "old model").unwrap();
    // Fill the file system but for about 8 KiB.
    let mut filler = std::fs::File::create(dir.join("filler")).unwrap();
    let mut written = 0_usize;
    while filler.write_all(&[0; 4096]).and_then(|()| filler.sync_all()).is_ok() {
        written += 4096;
    }
    drop(filler);
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("filler"))
        .unwrap()
        .set_len(written.saturating_sub(8192) as u64)
        .unwrap();

    let big = scores(5000); // a CSV of more than 64 KiB
    assert!(big.to_csv(Some(0)).unwrap().len() > 64 << 10);
    let err = big.save_csv(&csv, Some(0)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "old scores\n");

    let mlp = Mlp::new(
        &[100, 100, 10],
        Activation::Relu,
        Init::He,
        &mut rand::rngs::StdRng::seed_from_u64(4),
    )
    .unwrap();
    let err = mlp.save_safetensors(&model, "").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "old model");

    assert_eq!(names(&dir), ["filler", "m.safetensors", "scores.csv"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
