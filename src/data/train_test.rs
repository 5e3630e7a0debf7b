//! Both splits of a data set directory at once: the training and test files
//! are read concurrently (feature `parallel`), as two calls of the one-split
//! loader would read them.

use std::path::Path;

use super::{Dataset, Split, load_cifar10_dir, load_mnist_dir};
use crate::Result;

/// The training and test sets of an MNIST-format directory (MNIST,
/// Fashion-MNIST, …), read concurrently: the same as
/// [`load_mnist_dir`] with [`Split::Train`] and then [`Split::Test`].
///
/// # Errors
/// As [`load_mnist_dir`]; when both splits fail, the training set's error.
///
/// # Examples
///
/// ```
/// use infoablate::data::{Split, load_mnist_dir, load_mnist_train_test};
///
/// let (train, test) = load_mnist_train_test("data/mnist-sample")?;
/// assert_eq!((train.len(), test.len()), (10_000, 2_000));
/// assert_eq!(test, load_mnist_dir("data/mnist-sample", Split::Test)?);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn load_mnist_train_test(dir: impl AsRef<Path>) -> Result<(Dataset, Dataset)> {
    both(dir.as_ref(), |dir, split| load_mnist_dir(dir, split))
}

/// The training and test sets of a CIFAR-10 binary directory, read
/// concurrently: the same as [`load_cifar10_dir`] with [`Split::Train`] and
/// then [`Split::Test`].
///
/// # Errors
/// As [`load_cifar10_dir`]; when both splits fail, the training set's error.
///
/// # Examples
///
/// ```
/// use infoablate::data::load_cifar10_train_test;
///
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-cifar-both-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let record = |label: u8| [vec![label], vec![128; 3072]].concat();
/// std::fs::write(dir.join("data_batch_1.bin"), [record(0), record(1)].concat())?;
/// std::fs::write(dir.join("test_batch.bin"), record(9))?;
///
/// let (train, test) = load_cifar10_train_test(&dir)?;
/// assert_eq!((train.labels(), test.labels()), (&[0, 1][..], &[9][..]));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_cifar10_train_test(dir: impl AsRef<Path>) -> Result<(Dataset, Dataset)> {
    both(dir.as_ref(), |dir, split| load_cifar10_dir(dir, split))
}

/// `load` of both splits of `dir`, concurrently; the training set's error first.
fn both(dir: &Path, load: impl Fn(&Path, Split) -> Result<Dataset> + Sync) -> Result<(Dataset, Dataset)> {
    let (train, test) = crate::parallel::join(|| load(dir, Split::Train), || load(dir, Split::Test));
    Ok((train?, test?))
}
