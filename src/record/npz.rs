//! Several hidden layers recorded anywhere, read from one NumPy `.npz`
//! archive (`np.savez(path, h0=…, h1=…)` or `np.savez_compressed`).

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use super::Recording;
use super::npy::{MAX_NPY_FILE_BYTES, NpyError, NpyFile, NpyOptions, format_error, matrix, open_capped, read_labels};
use crate::Result;

/// The most arrays an `.npz` archive may hold: 1024 (one per hidden layer).
pub const MAX_NPZ_ARRAYS: usize = 1024;

/// The most bytes the arrays of one `.npz` archive may decompress to, all
/// together: [`MAX_NPY_FILE_BYTES`], what one `.npy` file may hold. Reading
/// stops there, so a small archive that inflates to more (a zip bomb) costs
/// no more memory than a `.npy` file of that size; member sizes declared in
/// the archive are not trusted.
pub const MAX_NPZ_DECOMPRESSED_BYTES: u64 = MAX_NPY_FILE_BYTES;

/// Bytes read per step from a member.
const STEP: usize = 1 << 20;

/// The archive's member names without `.npy`, in the order of its layers:
/// by number when every name is `h` followed by a number (`h0, h1, …, h10`),
/// else the archive's order (`np.savez` keeps the order of its keywords).
fn layer_order(names: &[String]) -> Vec<usize> {
    let numbers: Option<Vec<usize>> = names
        .iter()
        .map(|n| {
            let digits = n.strip_prefix('h')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        })
        .collect();
    let mut order: Vec<usize> = (0..names.len()).collect();
    if let Some(numbers) = numbers {
        order.sort_by_key(|&i| numbers[i]);
    }
    order
}

/// The archive, opened and its member count checked.
fn open(path: &Path) -> Result<zip::ZipArchive<std::io::BufReader<std::fs::File>>> {
    let shown = path.display().to_string();
    let (file, _) = open_capped(path, ".npz")?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format_error(&shown, format!("not a valid .npz (zip) archive ({e})")))?;
    if archive.is_empty() || archive.len() > MAX_NPZ_ARRAYS {
        return Err(format_error(
            &shown,
            format!(
                "{} arrays; an .npz of layers holds 1 to {MAX_NPZ_ARRAYS}",
                archive.len()
            ),
        )
        .into());
    }
    Ok(archive)
}

/// The member names without `.npy`, in the archive's order.
fn member_names(archive: &zip::ZipArchive<std::io::BufReader<std::fs::File>>, shown: &str) -> Result<Vec<String>> {
    archive
        .file_names()
        .map(|n| {
            let n = n.map_err(|e| format_error(shown, format!("a member name cannot be read ({e})")))?;
            let name = n.strip_suffix(".npy").map(str::to_string);
            name.ok_or_else(|| format_error(shown, format!("member `{n}` is not a `.npy` array")).into())
        })
        .collect()
}

/// Reads the whole member `index` (called `member`), at most `budget` bytes
/// once decompressed.
fn read_member(
    archive: &mut zip::ZipArchive<std::io::BufReader<std::fs::File>>,
    index: usize,
    member: &str,
    budget: u64,
    shown: &str,
) -> Result<Vec<u8>> {
    let entry = archive
        .by_index(index)
        .map_err(|e| format_error(shown, format!("member `{member}` cannot be read ({e})")))?;
    let mut reader = entry.take(budget.saturating_add(1));
    let mut bytes = Vec::new();
    loop {
        let start = bytes.len();
        bytes
            .try_reserve(STEP)
            .map_err(|_| format_error(shown, format!("cannot allocate memory for member `{member}`")))?;
        bytes.resize(start + STEP, 0);
        let got = read_some(&mut reader, &mut bytes[start..])
            .map_err(|e| format_error(shown, format!("member `{member}` is corrupt ({e})")))?;
        bytes.truncate(start + got);
        if got == 0 {
            break;
        }
    }
    if bytes.len() as u64 > budget {
        return Err(format_error(
            shown,
            format!("its arrays decompress to more than {MAX_NPZ_DECOMPRESSED_BYTES} bytes (at member `{member}`)"),
        )
        .into());
    }
    Ok(bytes)
}

/// Fills as much of `buf` as one read gives, retrying on interruption.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

impl Recording {
    /// Every hidden layer recorded anywhere, from one `.npz` archive of 2-D
    /// `samples × neurons` arrays (`float16`, `float32` or `float64`, as
    /// [`from_npy`](Self::from_npy) reads them), numbered from 0 in the
    /// order of [`npz_layer_names`](Self::npz_layer_names): `h0, h1, …` by
    /// number, any other names in the archive's order. `labels` is a 1-D
    /// `.npy` of integer labels.
    ///
    /// # Errors
    /// Those of [`from_npy`](Self::from_npy) for each array (naming
    /// `archive.npz:member.npy`); [`NpyError::Format`] for a file that is
    /// not a zip archive, a member that is not a `.npy` file, more than
    /// [`MAX_NPZ_ARRAYS`] members, or arrays decompressing to more than
    /// [`MAX_NPZ_DECOMPRESSED_BYTES`]; [`NpyError::LengthMismatch`] for an
    /// array whose row count differs from the label count.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::record::Recording;
    /// use ndarray::array;
    /// use ndarray_npy::WriteNpyExt;
    ///
    /// let dir = std::env::temp_dir().join(format!("infoablate-doc-npz-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// // What `np.savez_compressed(path, h1=…, h0=…)` writes.
    /// let mut npz = zip::ZipWriter::new(std::fs::File::create(dir.join("acts.npz")).unwrap());
    /// let options = zip::write::SimpleFileOptions::default();
    /// npz.start_file("h1.npy", options).unwrap();
    /// array![[1.0_f32], [0.0]].write_npy(&mut npz).unwrap();
    /// npz.start_file("h0.npy", options).unwrap();
    /// array![[0.5_f32, 1.0], [0.0, 2.0]].write_npy(&mut npz).unwrap();
    /// npz.finish().unwrap();
    /// ndarray_npy::write_npy(dir.join("labels.npy"), &array![1_u8, 0]).unwrap();
    /// let rec = Recording::from_npz(dir.join("acts.npz"), dir.join("labels.npy"))?;
    /// assert_eq!(Recording::npz_layer_names(dir.join("acts.npz"))?, ["h0", "h1"]);
    /// assert_eq!(rec.layer(0)?.ncols(), 2);
    /// assert_eq!(rec.layer(1)?, array![[1.0_f32], [0.0]].view());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_npz(archive: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Recording> {
        Self::from_npz_with(archive, labels, &NpyOptions::default())
    }

    /// As [`from_npz`](Self::from_npz), reading every array as `options`
    /// say (see [`from_npy_with`](Self::from_npy_with)).
    ///
    /// # Errors
    /// As [`from_npz`](Self::from_npz) and [`from_npy_with`](Self::from_npy_with).
    pub fn from_npz_with(
        archive: impl AsRef<Path>,
        labels: impl AsRef<Path>,
        options: &NpyOptions,
    ) -> Result<Recording> {
        let (path, labels_path) = (archive.as_ref(), labels.as_ref());
        let shown = path.display().to_string();
        let labels = read_labels(labels_path)?;
        let mut zip = open(path)?;
        let names = member_names(&zip, &shown)?;
        let mut layers: Vec<Option<Array2<f32>>> = vec![None; names.len()];
        let mut used = 0_u64;
        for (index, name) in names.iter().enumerate() {
            let bytes = read_member(&mut zip, index, name, MAX_NPZ_DECOMPRESSED_BYTES - used, &shown)?;
            used += bytes.len() as u64;
            let member = NpyFile::parse(bytes, format!("{shown}:{name}.npy"))?;
            let acts = matrix(&member, options)?;
            if acts.nrows() != labels.len() {
                return Err(NpyError::LengthMismatch {
                    acts: format!("{shown}:{name}.npy"),
                    samples: acts.nrows(),
                    labels: labels_path.display().to_string(),
                    num_labels: labels.len(),
                }
                .into());
            }
            layers[index] = Some(acts);
        }
        let layers: Vec<Array2<f32>> = layer_order(&names)
            .into_iter()
            .filter_map(|i| layers[i].take())
            .collect();
        let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
        Recording::new((0..layers.len()).collect(), layers, labels, num_classes)
    }

    /// The array names of an `.npz` archive (without `.npy`), in the order
    /// [`from_npz`](Self::from_npz) numbers them as layers `0, 1, …`.
    ///
    /// # Errors
    /// As [`from_npz`](Self::from_npz) for the archive itself (its members
    /// are not read).
    pub fn npz_layer_names(archive: impl AsRef<Path>) -> Result<Vec<String>> {
        let path = archive.as_ref();
        let names = member_names(&open(path)?, &path.display().to_string())?;
        Ok(layer_order(&names).into_iter().map(|i| names[i].clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn layers_are_ordered_by_number_or_kept_in_archive_order() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(layer_order(&names(&["h10", "h2", "h0"])), [2, 1, 0]);
        assert_eq!(layer_order(&names(&["fc2", "fc1"])), [0, 1]);
        assert_eq!(layer_order(&names(&["h1", "h"])), [0, 1]);
        assert_eq!(layer_order(&names(&["h1", "h+2"])), [0, 1]);
    }

    #[test]
    fn a_member_decompressing_past_the_budget_is_refused_at_the_budget() {
        let path = std::env::temp_dir().join(format!("infoablate-npz-bomb-{}.npz", std::process::id()));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("h0.npy", options).unwrap();
        // 8 MiB of zeros deflate to about 8 KiB.
        zip.write_all(&vec![0_u8; 8 << 20]).unwrap();
        zip.finish().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < 64 << 10);
        let mut archive = open(&path).unwrap();
        let e = read_member(&mut archive, 0, "h0", 1 << 20, "bomb.npz").unwrap_err();
        assert!(e.to_string().contains("decompress to more than"), "{e}");
        assert_eq!(
            read_member(&mut archive, 0, "h0", 8 << 20, "bomb.npz").unwrap().len(),
            8 << 20
        );
        std::fs::remove_file(&path).unwrap();
    }
}
