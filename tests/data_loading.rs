//! Loading data sets: typed errors on synthetic bad files, gzip/plain
//! equivalence, the shipped MNIST sample, and (when present) the full data
//! sets in `../shared/data`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use common::{TempDir, gzip, idx_images, idx_labels};
use infoablate::Error;
use infoablate::data::{
    DataError, Dataset, Split, cifar10_class_names, fashion_mnist_class_names, load_cifar10, load_cifar10_dir,
    load_cifar10_train_test, load_idx, load_mnist_dir, load_mnist_train_test, mnist_class_names,
};
use ndarray::{Array2, array};

// ---------------------------------------------------------------- helpers

/// Three 2×3 images with labels 2, 0, 1.
fn small_idx() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..18).map(|i| (i * 15) as u8).collect();
    (idx_images(3, 2, 3, &pixels), idx_labels(&[2, 0, 1]))
}

fn cifar_records(labels: &[u8]) -> Vec<u8> {
    labels
        .iter()
        .flat_map(|&l| std::iter::once(l).chain((0..3072).map(move |i| ((i + usize::from(l)) % 256) as u8)))
        .collect()
}

fn data_err(e: Error) -> DataError {
    match e {
        Error::Data(d) => d,
        other => panic!("expected a data error, got {other:?}"),
    }
}

// ------------------------------------------------------------ IDX errors

#[test]
fn idx_loads_and_scales() {
    let t = TempDir::new("data-loading-idx-ok");
    let (img, lab) = small_idx();
    let data = load_idx(t.write("img", &img), t.write("lab", &lab), 3).unwrap();
    assert_eq!((data.len(), data.num_features(), data.num_classes()), (3, 6, 3));
    assert_eq!(data.labels(), &[2, 0, 1]);
    assert_eq!(data.inputs()[[0, 0]], 0.0);
    assert_eq!(data.inputs()[[1, 0]], 90.0 / 255.0);
    assert_eq!(data.inputs()[[2, 5]], 255.0 / 255.0);
    assert!(data.class_names().is_none());
}

#[test]
fn truncated_idx_is_an_error_with_byte_counts() {
    let t = TempDir::new("data-loading-idx-truncated");
    let (img, lab) = small_idx();
    let short = t.write("short-images", &img[..img.len() - 5]);
    let err = load_idx(&short, t.write("lab", &lab), 3).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("short-images") && msg.contains("truncated"), "{msg}");
    assert_eq!(
        data_err(err),
        DataError::Truncated {
            path: short.display().to_string(),
            expected: 34,
            actual: 29
        }
    );
    // A header cut short, and a labels file cut short.
    let err = load_idx(t.write("hdr", &img[..7]), t.write("lab2", &lab), 3).unwrap_err();
    assert!(matches!(
        data_err(err),
        DataError::Truncated {
            expected: 16,
            actual: 7,
            ..
        }
    ));
    let err = load_idx(t.write("img", &img), t.write("short-labels", &lab[..10]), 3).unwrap_err();
    assert!(err.to_string().contains("short-labels"));
    assert!(matches!(
        data_err(err),
        DataError::Truncated {
            expected: 11,
            actual: 10,
            ..
        }
    ));
}

#[test]
fn trailing_bytes_are_an_error() {
    let t = TempDir::new("data-loading-idx-trailing");
    let (mut img, lab) = small_idx();
    img.push(0);
    let err = load_idx(t.write("long-images", &img), t.write("lab", &lab), 3).unwrap_err();
    assert!(err.to_string().contains("long-images"));
    assert!(matches!(
        data_err(err),
        DataError::TrailingBytes {
            expected: 34,
            actual: 35,
            ..
        }
    ));
}

#[test]
fn wrong_magic_names_found_and_expected() {
    let t = TempDir::new("data-loading-idx-magic");
    let (img, lab) = small_idx();
    let (img_path, lab_path) = (t.write("img", &img), t.write("lab", &lab));
    // Images and labels swapped.
    let err = load_idx(&lab_path, &img_path, 3).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("0x00000801") && msg.contains("0x00000803") && msg.contains("lab"),
        "{msg}"
    );
    assert!(matches!(
        data_err(err),
        DataError::Magic {
            found: 0x801,
            expected: 0x803,
            ..
        }
    ));
    // A random file.
    let err = load_idx(t.write("junk", b"hello world, not IDX"), &lab_path, 3).unwrap_err();
    assert!(matches!(data_err(err), DataError::Magic { found: 0x6865_6c6c, .. }));
}

#[test]
fn image_and_label_counts_must_agree() {
    let t = TempDir::new("data-loading-idx-count");
    let (img, _) = small_idx();
    let err = load_idx(t.write("img", &img), t.write("lab", &idx_labels(&[0, 1])), 3).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("3 images") && msg.contains("2 labels"), "{msg}");
    assert!(matches!(
        data_err(err),
        DataError::CountMismatch {
            images: 3,
            labels: 2,
            ..
        }
    ));
}

#[test]
fn idx_label_out_of_range_names_the_file() {
    let t = TempDir::new("data-loading-idx-label");
    let (img, lab) = small_idx();
    let err = load_idx(t.write("img", &img), t.write("my-labels", &lab), 2).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("my-labels") && msg.contains("label 2 of sample 0"),
        "{msg}"
    );
    assert!(matches!(data_err(err), DataError::Format { .. }));
}

#[test]
fn empty_data_sets_are_errors() {
    let t = TempDir::new("data-loading-idx-empty");
    let err = load_idx(
        t.write("img", &idx_images(0, 28, 28, &[])),
        t.write("lab", &idx_labels(&[])),
        10,
    )
    .unwrap_err();
    assert!(err.to_string().contains("img"));
    assert!(matches!(data_err(err), DataError::EmptyFile { .. }));
    let err = Dataset::new(Array2::zeros((0, 4)), vec![], 2).unwrap_err();
    assert_eq!(data_err(err), DataError::Empty);
    let err = load_cifar10(&[t.write("empty.bin", &[])]).unwrap_err();
    assert!(matches!(data_err(err), DataError::EmptyFile { .. }));
    let no_files: [&Path; 0] = [];
    let err = load_cifar10(&no_files).unwrap_err();
    assert!(matches!(data_err(err), DataError::Parameter { .. }));
}

#[test]
fn nan_inputs_are_rejected() {
    let err = Dataset::new(array![[0.0_f32, 1.0], [f32::NAN, 0.5]], vec![0, 1], 2).unwrap_err();
    assert!(matches!(
        data_err(err),
        DataError::NonFinite {
            sample: 1,
            feature: 0,
            ..
        }
    ));
    let err = Dataset::new(array![[f32::INFINITY]], vec![0], 1).unwrap_err();
    assert!(matches!(data_err(err), DataError::NonFinite { .. }));
}

#[test]
fn corrupt_gzip_and_missing_files_are_errors() {
    let t = TempDir::new("data-loading-idx-corrupt");
    let (img, lab) = small_idx();
    let mut gz = gzip(&img);
    let mid = gz.len() / 2;
    gz.truncate(mid);
    let err = load_idx(t.write("img.gz", &gz), t.write("lab", &lab), 3).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("img.gz") && msg.contains("gzip"), "{msg}");
    let err = load_idx(t.0.join("nope"), t.write("lab", &lab), 3).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("nope"));
}

#[test]
fn gzip_and_plain_load_identically() {
    let t = TempDir::new("data-loading-gzip-plain");
    let (img, lab) = small_idx();
    let plain = load_idx(t.write("img", &img), t.write("lab", &lab), 3).unwrap();
    let gz = load_idx(t.write("img.gz", &gzip(&img)), t.write("lab.gz", &gzip(&lab)), 3).unwrap();
    assert_eq!(plain, gz);
    // Gzip is detected by content, not by name.
    let odd = load_idx(
        t.write("img-gz-without-suffix", &gzip(&img)),
        t.write("plain.gz", &lab),
        3,
    )
    .unwrap();
    assert_eq!(plain, odd);

    let batch = cifar_records(&[3, 1, 4]);
    let plain = load_cifar10(&[t.write("b.bin", &batch)]).unwrap();
    let gz = load_cifar10(&[t.write("b.bin.gz", &gzip(&batch))]).unwrap();
    assert_eq!(plain, gz);
}

#[test]
fn mnist_dir_finds_standard_and_dotted_names() {
    let t = TempDir::new("data-loading-mnist-dir");
    let (img, lab) = small_idx();
    t.write("train-images-idx3-ubyte.gz", &gzip(&img));
    t.write("train-labels.idx1-ubyte", &lab);
    let train = load_mnist_dir(&t.0, Split::Train).unwrap();
    assert_eq!((train.len(), train.num_classes()), (3, 10));
    let err = load_mnist_dir(&t.0, Split::Test).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&t.0.display().to_string())
            && msg.contains("t10k-images-idx3-ubyte.gz")
            && msg.contains("t10k-images.idx3-ubyte"),
        "{msg}"
    );
    assert!(matches!(data_err(err), DataError::MissingFile { .. }));
}

/// Both splits read concurrently are the two single-split loads; a missing
/// split is its own typed error, the training set's first when both are.
#[test]
fn train_test_loaders_equal_two_single_loads() {
    let t = TempDir::new("data-loading-train-test");
    let missing = |err: Error| match data_err(err) {
        DataError::MissingFile { what, .. } => what,
        other => panic!("expected a missing file, got {other:?}"),
    };
    assert_eq!(missing(load_mnist_train_test(&t.0).unwrap_err()), "training images");
    assert_eq!(
        missing(load_cifar10_train_test(&t.0).unwrap_err()),
        "CIFAR-10 training batch"
    );
    let (img, lab) = small_idx();
    t.write("train-images-idx3-ubyte.gz", &gzip(&img));
    t.write("train-labels-idx1-ubyte", &lab);
    t.write("data_batch_2.bin", &cifar_records(&[7, 8]));
    assert_eq!(missing(load_mnist_train_test(&t.0).unwrap_err()), "test images");
    assert_eq!(
        missing(load_cifar10_train_test(&t.0).unwrap_err()),
        "CIFAR-10 test batch"
    );
    t.write("t10k-images-idx3-ubyte", &img);
    t.write("t10k-labels-idx1-ubyte.gz", &gzip(&lab));
    t.write("test_batch.bin.gz", &gzip(&cifar_records(&[3])));
    let (train, test) = load_mnist_train_test(&t.0).unwrap();
    assert_eq!(train, load_mnist_dir(&t.0, Split::Train).unwrap());
    assert_eq!(test, load_mnist_dir(&t.0, Split::Test).unwrap());
    let (train, test) = load_cifar10_train_test(&t.0).unwrap();
    assert_eq!(train, load_cifar10_dir(&t.0, Split::Train).unwrap());
    assert_eq!(test.labels(), &[3]);
}

// ----------------------------------------------------------- CIFAR errors

#[test]
fn cifar_length_must_be_a_multiple_of_3073() {
    let t = TempDir::new("data-loading-cifar-length");
    let mut batch = cifar_records(&[1, 2]);
    batch.pop();
    let err = load_cifar10(&[t.write("cut.bin", &batch)]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cut.bin") && msg.contains("6145") && msg.contains("3073"),
        "{msg}"
    );
    assert!(matches!(data_err(err), DataError::Format { .. }));
}

#[test]
fn cifar_label_must_be_below_10() {
    let t = TempDir::new("data-loading-cifar-label");
    let err = load_cifar10(&[t.write("bad-label.bin", &cifar_records(&[0, 9, 10]))]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("bad-label.bin") && msg.contains("label byte 10 of record 2"),
        "{msg}"
    );
}

/// Files inflated a round at a time still fail as read in order: the first
/// failing file names the error.
#[test]
fn cifar_files_fail_in_order() {
    let t = TempDir::new("data-loading-cifar-order");
    let bad_label = t.write("a.bin", &cifar_records(&[0, 10]));
    let cut = t.write("b.bin", &cifar_records(&[1])[..100]);
    let good = t.write("c.bin", &cifar_records(&[2]));
    let missing = t.0.join("missing.bin");
    let msg = |paths: &[&Path]| load_cifar10(paths).unwrap_err().to_string();
    let first = msg(&[&good, &bad_label, &cut]);
    assert!(first.contains("a.bin") && first.contains("label byte 10"), "{first}");
    assert!(msg(&[&good, &cut, &bad_label]).contains("b.bin"));
    assert!(msg(&[&good, &good, &cut, &missing]).contains("b.bin"));
    assert!(msg(&[&missing, &cut]).contains("missing.bin"));
    assert_eq!(load_cifar10(&[&good, &good, &good]).unwrap().labels(), &[2, 2, 2]);
}

#[test]
fn cifar_batches_concatenate_in_order() {
    let t = TempDir::new("data-loading-cifar-dir");
    t.write("data_batch_2.bin", &cifar_records(&[7, 8]));
    t.write("data_batch_1.bin.gz", &gzip(&cifar_records(&[5])));
    t.write("data_batch_4.bin", &cifar_records(&[0]));
    t.write("test_batch_first1000.bin.gz", &gzip(&cifar_records(&[6, 2])));
    let train = load_cifar10_dir(&t.0, Split::Train).unwrap();
    assert_eq!(train.labels(), &[5, 7, 8, 0]);
    assert_eq!(train.class_names(), Some(&cifar10_class_names()[..]));
    // Record layout: pixel i of a record labelled l is (i + l) % 256.
    assert_eq!(train.inputs()[[1, 0]], 7.0 / 255.0);
    assert_eq!(train.inputs()[[1, 3071]], ((3071 + 7) % 256) as f32 / 255.0);
    assert_eq!(load_cifar10_dir(&t.0, Split::Test).unwrap().labels(), &[6, 2]);
    // The full test batch wins over the prefix.
    t.write("test_batch.bin", &cifar_records(&[1]));
    assert_eq!(load_cifar10_dir(&t.0, Split::Test).unwrap().labels(), &[1]);

    let empty = TempDir::new("data-loading-cifar-dir-empty");
    let msg = load_cifar10_dir(&empty.0, Split::Train).unwrap_err().to_string();
    assert!(
        msg.contains("data_batch_1.bin") && msg.contains("data_batch_5.bin.gz"),
        "{msg}"
    );
    let msg = load_cifar10_dir(&empty.0, Split::Test).unwrap_err().to_string();
    assert!(
        msg.contains("test_batch.bin") && msg.contains("test_batch_first1000.bin.gz"),
        "{msg}"
    );
}

// ------------------------------------------------------------- real data

/// The real-data tests each hold hundreds of MB; run them one at a time.
static BIG: Mutex<()> = Mutex::new(());

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist-sample");
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// `SHARED/sub`; the tests that call it are `#[ignore]`d, and fail saying
/// why when run (`--ignored`) without the data.
fn shared(sub: &str) -> PathBuf {
    let dir = Path::new(SHARED).join(sub);
    assert!(
        dir.is_dir(),
        "{} not found: this test needs the full data sets in ../shared/data",
        dir.display()
    );
    dir
}

const MNIST_TRAIN_FIRST: [usize; 10] = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
const MNIST_TEST_FIRST: [usize; 10] = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];

#[test]
fn shipped_mnist_sample_loads() {
    let train = load_mnist_dir(SAMPLE, Split::Train).unwrap();
    let test = load_mnist_dir(SAMPLE, Split::Test).unwrap();
    assert_eq!(
        (train.len(), train.num_features(), train.num_classes()),
        (10_000, 784, 10)
    );
    assert_eq!((test.len(), test.num_features()), (2_000, 784));
    // Class counts of the first 10,000 / 2,000 samples of MNIST.
    assert_eq!(
        train.class_counts(),
        [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    );
    assert_eq!(test.class_counts(), [175, 234, 219, 207, 217, 179, 178, 205, 192, 194]);
    assert_eq!(train.labels()[..10], MNIST_TRAIN_FIRST);
    assert_eq!(test.labels()[..10], MNIST_TEST_FIRST);
    // Image 0 of train (a 5): 166 non-zero pixels, the first at 152 = 3/255.
    let img = train.inputs().row(0).to_owned();
    assert_eq!(img.iter().filter(|&&p| p > 0.0).count(), 166);
    assert_eq!(img.iter().position(|&p| p > 0.0), Some(152));
    assert_eq!(img[152], 3.0 / 255.0);
    assert_eq!(img[156], 126.0 / 255.0);
    assert!(train.inputs().iter().all(|&p| (0.0..=1.0).contains(&p)));
    let named = test.with_class_names(mnist_class_names()).unwrap();
    assert_eq!(named.class_names().unwrap()[7], "7");
}

#[test]
#[ignore = "needs ../shared/data"]
fn full_mnist_loads_with_published_class_counts() {
    let dir = shared("mnist");
    let _big = BIG.lock().unwrap_or_else(|e| e.into_inner());
    let test = load_mnist_dir(&dir, Split::Test).unwrap();
    assert_eq!((test.len(), test.num_features()), (10_000, 784));
    assert_eq!(
        test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert_eq!(test.labels()[..10], MNIST_TEST_FIRST);
    assert_eq!(load_mnist_dir(SAMPLE, Split::Test).unwrap(), test.head(2_000).unwrap());
    drop(test);
    let train = load_mnist_dir(&dir, Split::Train).unwrap();
    assert_eq!((train.len(), train.num_features()), (60_000, 784));
    assert_eq!(
        train.class_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(train.labels()[..10], MNIST_TRAIN_FIRST);
    // The shipped sample is exactly the first 10,000 training samples.
    assert_eq!(
        load_mnist_dir(SAMPLE, Split::Train).unwrap(),
        train.head(10_000).unwrap()
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn fashion_mnist_loads_balanced() {
    let dir = shared("fashion-mnist");
    let _big = BIG.lock().unwrap_or_else(|e| e.into_inner());
    let test = load_mnist_dir(&dir, Split::Test)
        .unwrap()
        .with_class_names(fashion_mnist_class_names())
        .unwrap();
    assert_eq!(test.class_counts(), [1_000; 10]);
    assert_eq!(test.labels()[..10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    assert_eq!(test.class_names().unwrap()[9], "Ankle boot");
    drop(test);
    let train = load_mnist_dir(&dir, Split::Train).unwrap();
    assert_eq!((train.len(), train.num_features()), (60_000, 784));
    assert_eq!(train.class_counts(), [6_000; 10]);
    assert_eq!(train.labels()[..10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
}

#[test]
#[ignore = "needs ../shared/data"]
fn cifar_subset_loads_with_readme_counts() {
    let dir = shared("cifar-10-subset");
    let _big = BIG.lock().unwrap_or_else(|e| e.into_inner());
    let test = load_cifar10_dir(&dir, Split::Test).unwrap();
    assert_eq!((test.len(), test.num_features()), (1_000, 3072));
    assert_eq!(test.class_counts(), [103, 89, 100, 103, 90, 86, 112, 102, 106, 109]);
    assert_eq!(test.labels()[..10], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    // First test image: R, G and B planes start 158, 112, 49.
    let row = test.inputs().row(0).to_owned();
    assert_eq!(
        [row[0], row[1024], row[2048]],
        [158.0 / 255.0, 112.0 / 255.0, 49.0 / 255.0]
    );
    drop(test);
    let train = load_cifar10_dir(&dir, Split::Train).unwrap();
    assert_eq!((train.len(), train.num_features()), (30_000, 3072));
    assert_eq!(
        train.class_counts(),
        [2983, 3023, 3007, 3008, 2999, 2954, 3016, 3042, 2973, 2995]
    );
    // Batches in order: batch 1 starts 6, 9, 9; batch 2 starts 1, 6; batch 3 starts 8, 5.
    assert_eq!(train.labels()[..3], [6, 9, 9]);
    assert_eq!(train.labels()[10_000..10_002], [1, 6]);
    assert_eq!(train.labels()[20_000..20_002], [8, 5]);
    assert_eq!(train.class_names().unwrap()[0], "airplane");
}
