//! The training observer: snapshots of every hidden layer on a fixed analysis set.

use super::layer::measure_layers;
use super::settings::InfoPlaneSettings;
use super::trace::{InfoPlaneTrace, Snapshot};
use crate::Result;
use crate::data::Dataset;
use crate::network::Network;
use crate::record::{DenseRecorder, record};

/// Records, at each point of training it is shown, every hidden layer's
/// [`LayerPoint`](super::LayerPoint) on a fixed analysis set.
///
/// With the built-in [`Mlp`](crate::network::Mlp) (feature `mlp`) it is a
/// [`TrainObserver`](crate::network::TrainObserver): pass it to
/// [`Mlp::train_observed`](crate::network::Mlp::train_observed). For a model
/// of your own, call [`observe`](InfoPlaneObserver::observe) from your loop.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::data::Dataset;
/// use infoablate::infoplane::{InfoPlaneObserver, InfoPlaneSettings};
/// use infoablate::network::{Activation, Init, Mlp, TrainConfig};
/// use ndarray::array;
/// use rand::SeedableRng;
///
/// let x = array![[0.0_f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// let data = Dataset::new(x, vec![0, 1, 1, 0], 2)?;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
/// let mut mlp = Mlp::new(&[2, 8, 2], Activation::Tanh, Init::Xavier, &mut rng)?;
/// let mut observer = InfoPlaneObserver::new(&data, InfoPlaneSettings::default())?;
/// observer.observe(&mlp, 0, 0)?; // before training
/// mlp.train_observed(&data, &TrainConfig { epochs: 3, batch_size: 4, ..TrainConfig::default() }, &mut observer)?;
/// let trace = observer.into_trace();
/// assert_eq!(trace.snapshots.len(), 4);
/// assert_eq!(trace.snapshots[3].epoch, 3);
/// // Four samples: at most 4 codewords, H(T) ≤ log2 4.
/// assert!(trace.snapshots.iter().all(|s| s.layers[0].entropy <= 2.0));
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct InfoPlaneObserver<'a> {
    analysis: &'a Dataset,
    trace: InfoPlaneTrace,
}

impl<'a> InfoPlaneObserver<'a> {
    /// An observer of every hidden layer on `analysis`.
    ///
    /// # Errors
    /// [`InfoPlaneError::Parameter`](super::InfoPlaneError::Parameter) for invalid settings.
    pub fn new(analysis: &'a Dataset, settings: InfoPlaneSettings) -> Result<Self> {
        settings.validate()?;
        Ok(InfoPlaneObserver {
            analysis,
            trace: InfoPlaneTrace {
                settings,
                snapshots: Vec::new(),
            },
        })
    }

    /// Records every hidden layer of `network` on the analysis set as the
    /// snapshot of `epoch` and `step`, and returns it.
    ///
    /// # Errors
    /// As [`record`] and [`measure_layers`].
    pub fn observe(&mut self, network: &(dyn Network + Sync), epoch: usize, step: usize) -> Result<&mut Snapshot> {
        let settings = &self.trace.settings;
        let recorder = DenseRecorder::all(network.num_hidden())?.with_num_classes(self.analysis.num_classes());
        let recording = record(network, self.analysis, recorder, settings.batch_size, &mut |_| {})?;
        let layers = measure_layers(&recording, settings)?;
        self.trace.snapshots.push(Snapshot {
            epoch,
            step,
            train_loss: None,
            train_accuracy: None,
            layers,
        });
        Ok(self.trace.snapshots.last_mut().expect("a snapshot was just pushed"))
    }

    /// The snapshots so far.
    pub fn trace(&self) -> &InfoPlaneTrace {
        &self.trace
    }

    /// The snapshots, ending the observation.
    pub fn into_trace(self) -> InfoPlaneTrace {
        self.trace
    }
}

#[cfg(feature = "mlp")]
impl crate::network::TrainObserver for InfoPlaneObserver<'_> {
    fn every_steps(&self) -> Option<usize> {
        self.trace.settings.every_steps
    }

    fn at_step(&mut self, network: &crate::network::Mlp, epoch: usize, step: usize) -> Result<()> {
        self.observe(network, epoch, step).map(|_| ())
    }

    fn at_epoch(
        &mut self,
        network: &crate::network::Mlp,
        report: &crate::network::EpochReport,
        step: usize,
    ) -> Result<()> {
        if self.trace.settings.every_steps.is_none() {
            let snapshot = self.observe(network, report.epoch, step)?;
            snapshot.train_loss = Some(report.train_loss);
            snapshot.train_accuracy = Some(report.train_accuracy);
        }
        Ok(())
    }
}
