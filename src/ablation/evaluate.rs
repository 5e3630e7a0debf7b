//! The score of a network with nothing ablated.

use ndarray::s;

use super::metric::{Metric, check_logits, overflow};
use crate::Result;
use crate::data::Dataset;
use crate::network::{Clamps, DatasetRows, Network, NetworkError, check_classes, check_input_width};

/// Accuracy and mean cross-entropy of a network on a data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Fraction of samples whose arg-max logit (ties → lowest class) is the label.
    pub accuracy: f64,
    /// Mean of `−log softmax(logits)[label]`, in nats.
    pub loss: f64,
}

/// Evaluates any network on `data` in batches of `batch_size`: the
/// [`Metric`] of its logits, the point `k = 0` of every ablation curve.
///
/// # Errors
/// [`NetworkError::InputWidth`], [`NetworkError::Parameter`] for a zero batch
/// size or a network whose class count is below the data's,
/// [`NetworkError::Shape`] for logits of the wrong shape,
/// [`NetworkError::NonFiniteOutput`] naming the layer where the forward pass
/// overflows, and whatever the network returns.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::ablation::evaluate;
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use ndarray::array;
///
/// // Logits equal the inputs: sample 0 is right (class 1), sample 1 is wrong.
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]), (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[0.0_f32, 1.0], [0.0, 0.0]], vec![1, 1], 2)?;
/// let eval = evaluate(&mlp, &data, 64)?;
/// assert_eq!(eval.accuracy, 0.5);
/// let expected = ((1.0 + (-1.0f64).exp()).ln() + 2.0f64.ln()) / 2.0;
/// assert!((eval.loss - expected).abs() < 1e-12);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn evaluate<N: Network + ?Sized>(network: &N, data: &Dataset, batch_size: usize) -> Result<Evaluation> {
    if batch_size == 0 {
        return Err(NetworkError::Parameter {
            name: "batch_size",
            value: "0".into(),
            reason: "must be positive",
        }
        .into());
    }
    check_classes(network.num_classes(), data.num_classes())?;
    // A data set's inputs are finite by construction: only the width is checked.
    check_input_width(data.inputs(), network.input_width())?;
    let classes = network.num_classes();
    let mut metric = Metric::new();
    let mut start = 0;
    while start < data.len() {
        let end = (start + batch_size).min(data.len());
        let inputs = data.inputs().slice_move(s![start..end, ..]);
        let logits = network.forward_dataset_rows(DatasetRows::of(data, start, end), &Clamps::new(), &mut |_, _| {})?;
        check_logits(logits.view(), end - start, classes)?;
        let mut batch = Metric::new();
        if let Err(row) = batch.add_batch(logits.view(), &data.labels()[start..end]) {
            let input = inputs.slice_move(s![row..row + 1, ..]);
            return Err(overflow(network, input, &Clamps::new(), start + row));
        }
        metric.merge(&batch);
        start = end;
    }
    Ok(Evaluation {
        accuracy: metric.accuracy(),
        loss: metric.mean_loss(),
    })
}
