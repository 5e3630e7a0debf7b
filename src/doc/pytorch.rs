//! A guide for PyTorch and Captum users (documentation only).
//!
//! Every quantity below is defined in [`definitions`](super::definitions).
//!
//! | PyTorch / Captum | infoablate |
//! |---|---|
//! | `nn.Sequential(Linear, ReLU, …, Linear)` | [`Mlp`](crate::network::Mlp) with [`Activation::Relu`](crate::network::Activation) |
//! | `safetensors.torch.save_file(model.state_dict(), "m.safetensors")` | [`Mlp::load_safetensors`](crate::network::Mlp::load_safetensors)`("m.safetensors", Activation::Relu)` |
//! | `model(x)` | [`Network::forward`](crate::network::Network::forward) (rows = samples) |
//! | `register_forward_hook` on a hidden module | the `observe` callback of [`Network::forward_hooked`](crate::network::Network::forward_hooked), or [`record`](crate::record::record) with a [`DenseRecorder`](crate::record::DenseRecorder) |
//! | a hook that overwrites `output[:, i] = 0` | [`Clamps`](crate::network::Clamps) |
//! | `np.save("acts.npy", acts)`, `np.save("labels.npy", y)` | `Recording::from_npy` (feature `npy`) and `examples/analyze.rs` |
//! | `torch.nn.CrossEntropyLoss()` (mean) | the `loss` of [`evaluate`](crate::ablation::evaluate) and of each [`CurvePoint`](crate::ablation::CurvePoint), in nats |
//! | `(logits.argmax(1) == y).float().mean()` | `accuracy` (ties go to the lowest class, as `argmax` does) |
//! | Captum's `NeuronAblation` / feature ablation | one point of an [`AblationCurve`](crate::ablation::AblationCurve); the [`Engine`](crate::ablation::Engine) runs the cumulative version at every `k` |
//! | `matplotlib` figures of the curves and of the measures | the `plot` module (feature `plot`): SVG and PNG with a bundled font, no system fonts needed; `examples/paper` writes them all |
//! | `torch.manual_seed(s)` | explicit seeds: [`TrainConfig::seed`](crate::network::TrainConfig), [`Schedule::random`](crate::ablation::Schedule::random), an RNG passed to [`Mlp::new`](crate::network::Mlp::new) |
//!
//! Layout conventions: weights are `[out, in]` as in `nn.Linear`; hidden
//! layers are numbered from 0 (the first hidden layer); a hidden layer's
//! output is its post-activation value, what the next `Linear` reads.
//!
//! Recording in PyTorch and analysing here:
//!
//! ```python
//! acts = []
//! h = model[1].register_forward_hook(lambda m, i, o: acts.append(o.detach()))
//! with torch.no_grad():
//!     for x, _ in loader: model(x)
//! np.save("acts.npy", torch.cat(acts).numpy())          # samples × neurons, float32
//! np.save("labels.npy", np.concatenate([y.numpy() for _, y in loader]))
//! ```
//!
//! then `cargo run --release --example analyze -- --acts acts.npy --labels labels.npy --out scores.csv`.
