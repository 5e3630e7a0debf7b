//! The data options every example shares: the shipped MNIST sample by
//! default, a directory of IDX / CIFAR-10 files (`--data DIR --dataset …`),
//! or NumPy arrays of any features and classes (`--inputs X.npy --labels
//! Y.npy`, with `--test-inputs XT.npy --test-labels YT.npy` or a held-out
//! test split), normalised per channel by `--normalize`.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use infoablate::data::{
    Dataset, Normalize, Split, load_cifar10_dir, load_cifar10_train_test, load_mnist_dir, load_mnist_train_test,
    stratified_split,
};

/// The data sets a directory can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DatasetKind {
    /// MNIST-format IDX files (`train-images-idx3-ubyte[.gz]`, …).
    Mnist,
    /// Fashion-MNIST, same file format as MNIST.
    FashionMnist,
    /// CIFAR-10 binary batches (`data_batch_N.bin[.gz]`, `test_batch.bin[.gz]`).
    Cifar10,
}

/// Where the samples come from.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Directory of the data set's files (default: the MNIST sample shipped in data/mnist-sample).
    #[arg(long, conflicts_with = "inputs")]
    pub data: Option<PathBuf>,
    /// Which data set `--data` holds.
    #[arg(long, value_enum, default_value = "mnist")]
    pub dataset: DatasetKind,
    /// Training inputs instead of `--data`: a 2-D float16/float32/float64 .npy, samples × features
    /// (any finite values).
    #[arg(long, requires = "labels")]
    pub inputs: Option<PathBuf>,
    /// Labels of `--inputs`: a 1-D uint8/int32/int64 .npy, classes 0 … C−1 (C ≥ 2).
    #[arg(long, requires = "inputs")]
    pub labels: Option<PathBuf>,
    /// Test inputs (.npy); without them a stratified test split is held out of `--inputs`.
    #[arg(long, requires_all = ["inputs", "test_labels"])]
    pub test_inputs: Option<PathBuf>,
    /// Labels of `--test-inputs` (.npy).
    #[arg(long, requires = "test_inputs")]
    pub test_labels: Option<PathBuf>,
    /// Test samples held out of `--inputs` when no `--test-inputs` are given (default: a fifth).
    #[arg(long, requires = "inputs", conflicts_with = "test_inputs")]
    pub test_split: Option<usize>,
    /// Per-channel input normalisation `(x − mean) / std`, as torchvision's Normalize:
    /// `MEAN,STD` for all features, or `M1,…,MC:S1,…,SC` for C channels of a C × H × W flattening.
    #[arg(long, value_parser = super::cli::normalize, allow_hyphen_values = true)]
    pub normalize: Option<Normalize>,
}

/// A training set, a test set and where they came from.
pub struct Loaded {
    /// The training samples (or those the scores are estimated on).
    pub train: Dataset,
    /// The test samples.
    pub test: Dataset,
    /// A description, e.g. `MNIST (DIR)`, for messages and reports.
    pub source: String,
    /// A short name for output directories, e.g. `mnist`.
    pub short: String,
    /// The input normalisation applied, if any.
    pub normalize: Option<Normalize>,
}

/// `source`, saying it is normalised by `norm`.
fn normalised(source: &str, norm: &Normalize) -> String {
    format!("{source}, normalised (mean {:?}, std {:?})", norm.mean(), norm.std())
}

impl DataArgs {
    /// Loads the training and test sets the options name, normalised if asked;
    /// `seed` draws a held-out test split.
    pub fn load(&self, seed: u64) -> super::cli::Result<Loaded> {
        self.load_for_model(seed, None)
    }

    /// [`DataArgs::load`] for a model whose file records the input
    /// normalisation `recorded`: it applies when `--normalize` is absent, and
    /// a `--normalize` that differs from it is an error.
    pub fn load_for_model(&self, seed: u64, recorded: Option<Normalize>) -> super::cli::Result<Loaded> {
        let normalize = self.normalization(recorded)?;
        let mut loaded = match (&self.inputs, self.directory()?) {
            (Some(inputs), _) => self.load_npy(inputs, seed)?,
            (None, (dir, name)) => {
                let short = self
                    .dataset
                    .to_possible_value()
                    .map_or("data".into(), |v| v.get_name().to_string());
                let (train, test) = self.load_train_test(&dir)?;
                Loaded {
                    train,
                    test,
                    source: name,
                    short,
                    normalize: None,
                }
            }
        };
        if let Some(norm) = &normalize {
            loaded.train = norm.apply(loaded.train)?;
            loaded.test = norm.apply(loaded.test)?;
            loaded.source = normalised(&loaded.source, norm);
        }
        loaded.normalize = normalize;
        Ok(loaded)
    }

    /// The test set alone, for runs that never touch
    /// the training samples: from a directory (or the shipped sample) the
    /// training files are not read at all; `.npy` inputs are loaded whole,
    /// since the test set is held out of them or takes its classes from them.
    pub fn load_test_for_model(&self, seed: u64, recorded: Option<Normalize>) -> super::cli::Result<Dataset> {
        if self.inputs.is_some() {
            return Ok(self.load_for_model(seed, recorded)?.test);
        }
        let normalize = self.normalization(recorded)?;
        let test = self.load_split(&self.directory()?.0, Split::Test)?;
        Ok(match &normalize {
            Some(norm) => norm.apply(test)?,
            None => test,
        })
    }

    /// The normalisation to apply: `--normalize`, else the one the model
    /// records; an error when both are given and differ.
    fn normalization(&self, recorded: Option<Normalize>) -> super::cli::Result<Option<Normalize>> {
        Ok(match (&self.normalize, recorded) {
            (Some(given), Some(recorded)) if *given != recorded => {
                return Err(format!(
                    "--normalize (mean {:?}, std {:?}) differs from the normalisation the model records \
                     (mean {:?}, std {:?})",
                    given.mean(),
                    given.std(),
                    recorded.mean(),
                    recorded.std()
                )
                .into());
            }
            (Some(given), _) => Some(given.clone()),
            (None, recorded) => recorded,
        })
    }

    /// The directory of the data set's files (`--data`, or the shipped MNIST
    /// sample) and its description.
    fn directory(&self) -> super::cli::Result<(PathBuf, String)> {
        let name = match self.dataset {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::FashionMnist => "Fashion-MNIST",
            DatasetKind::Cifar10 => "CIFAR-10",
        };
        match &self.data {
            Some(dir) => Ok((dir.clone(), format!("{name} ({})", dir.display()))),
            None if self.dataset == DatasetKind::Mnist => Ok((
                Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample"),
                "MNIST sample (data/mnist-sample)".into(),
            )),
            None => Err("the shipped sample is MNIST; pass --data DIR for another data set".into()),
        }
    }

    /// One split of the data set in `dir`.
    fn load_split(&self, dir: &Path, split: Split) -> super::cli::Result<Dataset> {
        Ok(match self.dataset {
            DatasetKind::Mnist | DatasetKind::FashionMnist => load_mnist_dir(dir, split)?,
            DatasetKind::Cifar10 => load_cifar10_dir(dir, split)?,
        })
    }

    /// Both splits of the data set in `dir`, read concurrently.
    fn load_train_test(&self, dir: &Path) -> super::cli::Result<(Dataset, Dataset)> {
        Ok(match self.dataset {
            DatasetKind::Mnist | DatasetKind::FashionMnist => load_mnist_train_test(dir)?,
            DatasetKind::Cifar10 => load_cifar10_train_test(dir)?,
        })
    }

    fn load_npy(&self, inputs: &Path, seed: u64) -> super::cli::Result<Loaded> {
        let labels = self.labels.as_deref().ok_or("--inputs needs --labels")?;
        let all = Dataset::from_npy(inputs, labels, None)?;
        let short = inputs
            .file_stem()
            .map_or("npy".into(), |s| s.to_string_lossy().into_owned());
        let (train, test, split) = match (&self.test_inputs, &self.test_labels) {
            (Some(xt), Some(yt)) => {
                let test = Dataset::from_npy(xt, yt, Some(all.num_classes()))?;
                (all, test, format!("test {}", xt.display()))
            }
            _ => {
                let held = self.test_split.unwrap_or(all.len() / 5);
                let (train, test) = stratified_split(&all, held, seed)?;
                (train, test, format!("{held} test samples held out, seed {seed}"))
            }
        };
        if train.num_features() != test.num_features() {
            return Err(format!(
                "the training inputs have {} features but the test inputs {}",
                train.num_features(),
                test.num_features()
            )
            .into());
        }
        Ok(Loaded {
            source: format!(
                "{} ({} features, {} classes; {split})",
                inputs.display(),
                train.num_features(),
                train.num_classes()
            ),
            train,
            test,
            short,
            normalize: None,
        })
    }
}

/// Splits `train` into the images a model trains on and the validation
/// images the `paper` example holds out of them as its analysis set:
/// `size` of them (default a fifth, at most 10,000), stratified, drawn with
/// `seed`. `ablate --analysis validation` draws the same split, so on a
/// model `paper` trained it reproduces `paper`'s curves.
pub fn hold_out_validation(train: &Dataset, size: Option<usize>, seed: u64) -> super::cli::Result<(Dataset, Dataset)> {
    let held_out = size.unwrap_or((train.len() / 5).min(10_000));
    Ok(stratified_split(train, held_out, seed)?)
}
