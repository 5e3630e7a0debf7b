//! A guide for PyTorch and Captum users (documentation only).
//!
//! Every quantity below is defined in [`definitions`](super::definitions).
//!
//! | PyTorch / Captum | infoablate |
//! |---|---|
//! | `nn.Sequential(Linear, ReLU, …, Linear)` | [`Mlp`](crate::network::Mlp) with [`Activation::Relu`](crate::network::Activation) |
//! | `nn.ReLU`, `nn.Tanh`, `nn.Sigmoid`, `nn.GELU()` (erf form), `nn.GELU(approximate="tanh")`, `nn.SiLU`, `nn.LeakyReLU(s)`, `nn.ELU(a)` | [`Activation`](crate::network::Activation): `Relu`, `Tanh`, `Sigmoid`, `Gelu`, `GeluTanh`, `Silu`, `LeakyRelu { negative_slope }`, `Elu { alpha }`; on the command line `relu`, …, `gelu_tanh`, `leaky_relu:0.01`, `elu:1` (the two GELUs differ by up to about `5·10⁻⁴`: name the one the model was trained with) |
//! | `safetensors.torch.save_file(model.state_dict(), "m.safetensors")` | [`Mlp::load_safetensors`](crate::network::Mlp::load_safetensors)`("m.safetensors", Activation::Relu)` |
//! | `nn.Linear(n, m, bias=False)` | loads with a zero bias (no `k.bias` tensor) |
//! | `nn.BatchNorm1d` right after a `Linear` (`model.eval()`) | folded into that Linear at load: `W' = diag(s) W`, `b' = s (b − running_mean) + β`, `s = γ / √(running_var + eps)`; `eps` is not in a state dict, so [`LoadOptions::batch_norm_eps`](crate::network::LoadOptions) (PyTorch's default `1e-5`); `affine=False` means `γ = 1`, `β = 0`; `num_batches_tracked` is ignored. A BatchNorm after an activation or Dropout does not fold into the Linear before it and is refused |
//! | a `nn.Module` with attributes `self.fc1`, `self.bn1`, `self.fc2`, … (state dict `fc1.weight`, …) | [`LayerNames`](crate::network::LayerNames) `"fc1+bn1,fc2,fc3"` in [`LoadOptions`](crate::network::LoadOptions) for [`Mlp::load_safetensors_with`](crate::network::Mlp::load_safetensors_with); `--layers fc1+bn1,fc2,fc3` in the examples. Without it the error lists the modules found and the option to pass |
//! | the state dict as plain matrices | [`safetensors_layers`](crate::network::safetensors_layers): `Vec<(W [out, in], b [out])>`, BatchNorm folded |
//! | `transforms.Normalize(mean, std)` and the activation, which a state dict does not record | [`ModelMetadata`](crate::network::ModelMetadata) in the file's `__metadata__` (`infoablate.activation`, `infoablate.normalize_mean`, `infoablate.normalize_std`): [`Mlp::save_safetensors`](crate::network::Mlp::save_safetensors) records the activation, [`save_safetensors_with`](crate::network::Mlp::save_safetensors_with) the normalisation too; on load an `--act` that contradicts the record is an error unless forced (`--force-act`, [`LoadOptions::force_activation`](crate::network::LoadOptions)). From PyTorch: `save_file(sd, path, metadata={"infoablate.activation": "gelu"})` |
//! | `model(x)` | [`Network::forward`](crate::network::Network::forward) (rows = samples) |
//! | `register_forward_hook` on a hidden module | the `observe` callback of [`Network::forward_hooked`](crate::network::Network::forward_hooked), or [`record`](crate::record::record) with a [`DenseRecorder`](crate::record::DenseRecorder) |
//! | a hook that overwrites `output[:, i] = 0` | [`Clamps`](crate::network::Clamps) |
//! | `np.save("acts.npy", acts)`, `np.save("labels.npy", y)` | `Recording::from_npy` (feature `npy`; float16/32/64; bfloat16 saved through `ml_dtypes` with `from_npy_with`, `--bf16`) and `examples/analyze.rs` |
//! | `np.savez("acts.npz", h0=…, h1=…)` (every hidden layer) | `Recording::from_npz`, `analyze --acts acts.npz` |
//! | `np.save("x.npy", X)`, `np.save("y.npy", y)` (the model's inputs) | `Dataset::from_npy`, `--inputs x.npy --labels y.npy` in every example |
//! | `transforms.Normalize(mean, std)` | [`Normalize`](crate::data::Normalize), `--normalize M1,…,MC:S1,…,SC` |
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
//! acts, labels = [], []
//! h = model[1].register_forward_hook(lambda m, i, o: acts.append(o.detach()))
//! with torch.no_grad():
//!     for x, y in loader:              # labels in the same pass: a shuffling
//!         model(x)                     # loader would reorder a second one
//!         labels.append(y)
//! h.remove()
//! np.save("acts.npy", torch.cat(acts).numpy())          # samples × neurons, float32
//! np.save("labels.npy", torch.cat(labels).numpy())
//! ```
//!
//! then `cargo run --release --example analyze -- --acts acts.npy --labels labels.npy --out scores.csv`.
