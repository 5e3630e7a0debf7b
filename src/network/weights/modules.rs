//! Which tensors of a safetensors file form which layer: PyTorch modules by
//! `nn.Sequential` index, or by the names a caller gives ([`LayerNames`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use safetensors::tensor::TensorView;

use super::WeightsError;

/// The modules of a PyTorch MLP named by attribute rather than by
/// `nn.Sequential` index: its Linear layers in forward order, each
/// optionally followed by a `BatchNorm1d` module (folded into it at load).
///
/// Its text form is `fc1,fc2,fc3`, with `+bn` after a layer whose output a
/// BatchNorm1d normalises: `fc1+bn1,fc2+bn2,fc3`. A name is the module's
/// path in the state dict, prefix included (`model.fc1`).
///
/// # Examples
///
/// ```
/// use infoablate::network::LayerNames;
///
/// let names: LayerNames = "fc1+bn1,fc2".parse()?;
/// assert_eq!(names.layers().len(), 2);
/// assert_eq!(names.layers()[0].batch_norm.as_deref(), Some("bn1"));
/// assert_eq!(names.to_string(), "fc1+bn1,fc2");
/// # Ok::<(), infoablate::network::WeightsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerNames {
    layers: Vec<NamedLayer>,
}

/// One Linear module of [`LayerNames`] and the BatchNorm1d after it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedLayer {
    /// The Linear module's path (`fc1`): tensors `fc1.weight`, `fc1.bias`.
    pub linear: String,
    /// The BatchNorm1d module applied to its output, before the activation.
    pub batch_norm: Option<String>,
}

impl LayerNames {
    /// Layers from their Linear module names, in forward order, without
    /// BatchNorm.
    ///
    /// # Errors
    /// [`WeightsError::LayerNames`] for fewer than two names or an empty or
    /// repeated one.
    pub fn new<S: AsRef<str>>(linear: &[S]) -> Result<Self, WeightsError> {
        LayerNames::with_batch_norm(
            linear
                .iter()
                .map(|name| NamedLayer {
                    linear: name.as_ref().to_string(),
                    batch_norm: None,
                })
                .collect(),
        )
    }

    /// Layers with their optional BatchNorm1d modules.
    ///
    /// # Errors
    /// As [`new`](LayerNames::new).
    pub fn with_batch_norm(layers: Vec<NamedLayer>) -> Result<Self, WeightsError> {
        let bad = |reason: String| WeightsError::LayerNames { reason };
        if layers.len() < 2 {
            return Err(bad(format!(
                "{} layer(s) named; an MLP with a hidden layer has at least 2 Linear layers",
                layers.len()
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in layers
            .iter()
            .flat_map(|l| std::iter::once(&l.linear).chain(l.batch_norm.as_ref()))
        {
            if name.is_empty() || name.ends_with('.') {
                return Err(bad(format!("`{name}` is not a module name")));
            }
            if !seen.insert(name.as_str()) {
                return Err(bad(format!("module `{name}` is named twice")));
            }
        }
        Ok(LayerNames { layers })
    }

    /// The layers, first first.
    pub fn layers(&self) -> &[NamedLayer] {
        &self.layers
    }
}

impl FromStr for LayerNames {
    type Err = WeightsError;

    /// Parses `fc1,fc2,fc3` or `fc1+bn1,fc2+bn2,fc3` (spaces around names ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let layers = s
            .split(',')
            .map(|item| {
                let (linear, batch_norm) = match item.split_once('+') {
                    Some((l, bn)) => (l, Some(bn.trim().to_string())),
                    None => (item, None),
                };
                NamedLayer {
                    linear: linear.trim().to_string(),
                    batch_norm,
                }
            })
            .collect();
        LayerNames::with_batch_norm(layers)
    }
}

impl fmt::Display for LayerNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, layer) in self.layers.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            f.write_str(&layer.linear)?;
            if let Some(bn) = &layer.batch_norm {
                write!(f, "+{bn}")?;
            }
        }
        Ok(())
    }
}

/// A tensor: its full name and its view.
pub(super) type Named<'a> = (&'a str, TensorView<'a>);

/// The tensors of one module, by parameter name (`weight`, `bias`,
/// `running_mean`, …).
pub(super) struct Module<'a> {
    /// The module's path (`layers.0`, `fc1`).
    pub path: &'a str,
    /// Its tensors by parameter.
    pub params: BTreeMap<&'a str, Named<'a>>,
}

impl<'a> Module<'a> {
    /// The tensor of parameter `param`, if present.
    pub fn get(&self, param: &str) -> Option<&Named<'a>> {
        self.params.get(param)
    }

    /// The full name of parameter `param` of this module.
    pub fn name(&self, param: &str) -> String {
        if self.path.is_empty() {
            param.to_string()
        } else {
            format!("{}.{param}", self.path)
        }
    }

    /// Whether the module holds BatchNorm running statistics.
    fn is_batch_norm(&self) -> bool {
        self.params.contains_key("running_mean") || self.params.contains_key("running_var")
    }

    /// Whether the module has a 2-D `weight`, as a Linear module does.
    fn has_matrix_weight(&self) -> bool {
        self.get("weight").is_some_and(|(_, view)| view.shape().len() == 2)
    }

    /// Refuses parameters outside `allowed`, naming them.
    fn check_params(&self, allowed: &[&str]) -> Result<(), WeightsError> {
        let extra: Vec<String> = self
            .params
            .values()
            .filter(|(name, _)| !allowed.iter().any(|p| self.name(p) == *name))
            .map(|(name, _)| name.to_string())
            .collect();
        if extra.is_empty() {
            Ok(())
        } else {
            Err(WeightsError::UnexpectedTensors { tensors: extra })
        }
    }
}

/// One affine layer of the MLP: a Linear module and the BatchNorm1d folded
/// into it.
pub(super) struct LayerModules<'a> {
    /// The Linear module (`weight`, optional `bias`).
    pub linear: Module<'a>,
    /// The BatchNorm1d module after it.
    pub batch_norm: Option<Module<'a>>,
}

/// The parameters a Linear module may have.
const LINEAR_PARAMS: [&str; 2] = ["weight", "bias"];
/// The parameters a BatchNorm1d module may have.
const BATCH_NORM_PARAMS: [&str; 5] = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];

/// Groups `tensors` by module path (the name up to its last dot), in name order.
fn modules<'a>(tensors: &[Named<'a>]) -> BTreeMap<&'a str, Module<'a>> {
    let mut modules: BTreeMap<&'a str, Module<'a>> = BTreeMap::new();
    for (name, view) in tensors {
        let (path, param) = name.rsplit_once('.').unwrap_or(("", name));
        modules
            .entry(path)
            .or_insert_with(|| Module {
                path,
                params: BTreeMap::new(),
            })
            .params
            .insert(param, (*name, view.clone()));
    }
    modules
}

/// Splits a module path as `<prefix><k>` (`prefix` empty or ending with a
/// dot); `k` must be a plain decimal without leading zeros.
pub(super) fn parse_index(path: &str) -> Option<(&str, usize)> {
    let (prefix, digits) = match path.rfind('.') {
        Some(dot) => (&path[..=dot], &path[dot + 1..]),
        None => ("", path),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

/// Natural order of module names: `fc2` before `fc10`.
fn natural_key(name: &str) -> (String, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, tail) = name.split_at(name.len() - digits);
    (head.to_string(), tail.parse().unwrap_or(0))
}

/// Module paths of `modules` satisfying `keep`, in natural order.
fn paths_where<'a>(modules: &BTreeMap<&'a str, Module<'a>>, keep: impl Fn(&Module<'a>) -> bool) -> Vec<String> {
    let mut paths: Vec<String> = modules
        .values()
        .filter(|m| keep(m))
        .map(|m| m.path.to_string())
        .collect();
    paths.sort_by_key(|p| natural_key(p));
    paths
}

/// The layers of `tensors`: by `names` when given, else by `nn.Sequential`
/// index.
pub(super) fn layer_modules<'a>(
    tensors: &[Named<'a>],
    names: Option<&LayerNames>,
) -> Result<Vec<LayerModules<'a>>, WeightsError> {
    let modules = modules(tensors);
    match names {
        Some(names) => named_layers(modules, names),
        None => sequential_layers(modules, tensors),
    }
}

/// The layers named by `names`; every tensor must belong to one of them.
fn named_layers<'a>(
    mut modules: BTreeMap<&'a str, Module<'a>>,
    names: &LayerNames,
) -> Result<Vec<LayerModules<'a>>, WeightsError> {
    let take = |name: &str, modules: &mut BTreeMap<&'a str, Module<'a>>| {
        modules.remove(name).ok_or_else(|| WeightsError::UnknownModule {
            module: name.to_string(),
            linear: paths_where(modules, Module::has_matrix_weight),
            batch_norm: paths_where(modules, Module::is_batch_norm),
        })
    };
    let mut layers = Vec::with_capacity(names.layers.len());
    for layer in &names.layers {
        let linear = take(&layer.linear, &mut modules)?;
        linear.check_params(&LINEAR_PARAMS)?;
        let batch_norm = match &layer.batch_norm {
            Some(name) => {
                let bn = take(name, &mut modules)?;
                bn.check_params(&BATCH_NORM_PARAMS)?;
                Some(bn)
            }
            None => None,
        };
        layers.push(LayerModules { linear, batch_norm });
    }
    if !modules.is_empty() {
        let mut tensors: Vec<String> = modules
            .values()
            .flat_map(|m| m.params.values().map(|(name, _)| name.to_string()))
            .collect();
        tensors.sort();
        return Err(WeightsError::UnusedTensors {
            tensors,
            layers: names.to_string(),
        });
    }
    Ok(layers)
}

/// The layers of an `nn.Sequential`: modules `<prefix><k>` with one shared
/// prefix, Linear ones in order of `k`, a BatchNorm1d at `k + 1` folded into
/// the Linear at `k`.
fn sequential_layers<'a>(
    modules: BTreeMap<&'a str, Module<'a>>,
    tensors: &[Named<'a>],
) -> Result<Vec<LayerModules<'a>>, WeightsError> {
    let mut indexed: BTreeMap<usize, Module<'a>> = BTreeMap::new();
    let mut prefixes: BTreeMap<&'a str, &'a str> = BTreeMap::new();
    let mut extra: Vec<String> = Vec::new();
    let mut unindexed: BTreeMap<&'a str, Module<'a>> = BTreeMap::new();
    for (path, module) in modules {
        match parse_index(path) {
            Some((prefix, k)) => {
                let first = module.params.values().map(|(n, _)| *n).min().unwrap_or(path);
                let entry = prefixes.entry(prefix).or_insert(first);
                *entry = (*entry).min(first);
                indexed.insert(k, module);
            }
            None => {
                extra.extend(module.params.values().map(|(n, _)| n.to_string()));
                unindexed.insert(path, module);
            }
        }
    }
    if indexed.is_empty() {
        let linear = paths_where(&unindexed, Module::has_matrix_weight);
        if !linear.is_empty() {
            return Err(WeightsError::NamedModules {
                linear,
                batch_norm: paths_where(&unindexed, Module::is_batch_norm),
            });
        }
        let mut names: Vec<String> = tensors.iter().map(|(n, _)| n.to_string()).collect();
        names.sort();
        return Err(WeightsError::NoLinearLayers { tensors: names });
    }
    if !extra.is_empty() {
        extra.sort();
        return Err(WeightsError::UnexpectedTensors { tensors: extra });
    }
    if prefixes.len() > 1 {
        let mut it = prefixes.into_iter();
        let (Some((p1, n1)), Some((p2, n2))) = (it.next(), it.next()) else {
            unreachable!("two prefixes were counted");
        };
        return Err(WeightsError::MixedPrefixes {
            first: n1.to_string(),
            first_prefix: display_prefix(p1),
            second: n2.to_string(),
            second_prefix: display_prefix(p2),
        });
    }
    let mut layers: Vec<(usize, LayerModules<'a>)> = Vec::new();
    for (k, module) in indexed {
        if module.is_batch_norm() {
            module.check_params(&BATCH_NORM_PARAMS)?;
            match layers.last_mut() {
                Some((at, layer)) if *at + 1 == k && layer.batch_norm.is_none() => layer.batch_norm = Some(module),
                _ => {
                    return Err(WeightsError::BatchNormPlacement {
                        module: module.path.to_string(),
                    });
                }
            }
        } else {
            module.check_params(&LINEAR_PARAMS)?;
            layers.push((
                k,
                LayerModules {
                    linear: module,
                    batch_norm: None,
                },
            ));
        }
    }
    Ok(layers.into_iter().map(|(_, layer)| layer).collect())
}

/// The prefix as written in messages: without its trailing dot.
pub(super) fn display_prefix(prefix: &str) -> String {
    prefix.strip_suffix('.').unwrap_or(prefix).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_index_splits_prefix_and_index() {
        assert_eq!(parse_index("0"), Some(("", 0)));
        assert_eq!(parse_index("model.net.10"), Some(("model.net.", 10)));
        for bad in [
            "",
            "layers",
            "layers.01",
            "layers.x1",
            "fc1",
            "layers.99999999999999999999999",
        ] {
            assert_eq!(parse_index(bad), None, "{bad}");
        }
    }

    #[test]
    fn layer_names_parse_and_refuse_mistakes() {
        let names: LayerNames = " fc1 + bn1 , fc2,fc3".parse().unwrap();
        assert_eq!(names.to_string(), "fc1+bn1,fc2,fc3");
        for bad in ["fc1", "", "fc1,,fc2", "fc1,fc1", "fc1+fc2,fc2", "fc1+,fc2", "fc1.,fc2"] {
            assert!(bad.parse::<LayerNames>().is_err(), "{bad}");
        }
        assert!(LayerNames::new(&["a", "b"]).is_ok());
    }

    #[test]
    fn natural_order_puts_ten_after_two() {
        let mut names = vec!["fc10", "fc2", "fc1"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names, ["fc1", "fc2", "fc10"]);
    }
}
