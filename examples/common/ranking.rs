//! The explicit ablation order of `ablate --ranking`: a CSV with the header
//! `layer,neuron` (and any further columns, as `analyze` writes them) and one
//! neuron per row, first row ablated first; and the scores of `ablate
//! --scores`: `analyze`'s CSV `layer,neuron,entropy,mutual_info,…`.

use std::io::Read;
use std::path::Path;

/// The largest ranking file read: 64 MiB, millions of rows.
pub const MAX_RANKING_BYTES: u64 = 64 << 20;

/// Reads and parses a ranking file, refusing one above [`MAX_RANKING_BYTES`]
/// before reading it.
pub fn read_ranking(path: &Path) -> Result<Vec<(usize, usize)>, String> {
    parse_ranking(&read_text(path)?, &path.display().to_string())
}

/// Reads and parses a scores file, refusing one above [`MAX_RANKING_BYTES`]
/// before reading it.
pub fn read_scores(path: &Path, measure: &str) -> Result<Vec<Vec<f64>>, String> {
    parse_scores(&read_text(path)?, &path.display().to_string(), measure)
}

/// The text of `path`, at most [`MAX_RANKING_BYTES`].
fn read_text(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let mut text = String::new();
    file.take(MAX_RANKING_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if text.len() as u64 > MAX_RANKING_BYTES {
        return Err(format!("`{shown}` is larger than {MAX_RANKING_BYTES} bytes"));
    }
    Ok(text)
}

/// Parses the text of a ranking file called `shown`; blank rows are
/// skipped, columns after `layer,neuron` ignored.
pub fn parse_ranking(text: &str, shown: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut lines = text.lines();
    let header = lines.next().map(str::trim).unwrap_or("");
    if header != "layer,neuron" && !header.starts_with("layer,neuron,") {
        return Err(format!("`{shown}`: the header must start with `layer,neuron`"));
    }
    let ranking = rows(lines, shown, "layer,neuron", |cells| {
        Some((cells.next()?.parse().ok()?, cells.next()?.parse().ok()?))
    })?;
    if ranking.is_empty() {
        return Err(format!("`{shown}` lists no neurons below its header"));
    }
    Ok(ranking)
}

/// Parses the text of a scores file called `shown` (header
/// `layer,neuron,…` naming `measure`) into the measure's values per layer:
/// layers `0, 1, …` and each layer's neurons `0, 1, …` in order, as
/// `analyze` writes them.
pub fn parse_scores(text: &str, shown: &str, measure: &str) -> Result<Vec<Vec<f64>>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').map(str::trim).collect();
    if header.len() < 3 || header[..2] != ["layer", "neuron"] {
        return Err(format!(
            "`{shown}`: the header must be `layer,neuron,` and measure names"
        ));
    }
    let column = header
        .iter()
        .position(|&h| h == measure)
        .filter(|&c| c >= 2)
        .ok_or_else(|| format!("`{shown}` has no column `{measure}` (has: {})", header[2..].join(", ")))?;
    let cells = rows(
        lines,
        shown,
        &format!("layer,neuron,… with {measure} in column {}", column + 1),
        |cells| {
            let cells: Vec<&str> = cells.collect();
            Some((
                cells.first()?.parse::<usize>().ok()?,
                cells.get(1)?.parse::<usize>().ok()?,
                cells.get(column)?.parse::<f64>().ok()?,
            ))
        },
    )?;
    let mut per_layer: Vec<Vec<f64>> = Vec::new();
    for (row, (layer, neuron, value)) in cells.into_iter().enumerate() {
        if layer == per_layer.len() && neuron == 0 {
            per_layer.push(Vec::new());
        }
        let current = per_layer.len().checked_sub(1);
        match per_layer.last_mut() {
            Some(values) if current == Some(layer) && neuron == values.len() => values.push(value),
            _ => {
                return Err(format!(
                    "`{shown}` row {}: layer {layer}, neuron {neuron} out of order (layers from 0 and their neurons from 0, in order)",
                    row + 2
                ));
            }
        }
    }
    if per_layer.is_empty() {
        return Err(format!("`{shown}` holds no neuron"));
    }
    Ok(per_layer)
}

/// The non-blank rows after the header, each parsed by `parse` from its
/// trimmed comma-separated cells; a row it refuses is an error saying what
/// was `expected`.
fn rows<'a, T>(
    lines: impl Iterator<Item = &'a str>,
    shown: &str,
    expected: &str,
    parse: impl Fn(&mut dyn Iterator<Item = &'a str>) -> Option<T>,
) -> Result<Vec<T>, String> {
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(row, line)| {
            parse(&mut line.split(',').map(str::trim)).ok_or_else(|| {
                // At most 60 characters of the row: the message stays one short line.
                let mut got: String = line.chars().take(60).collect();
                if got.len() < line.len() {
                    got.push('…');
                }
                format!("`{shown}` row {}: expected `{expected}`, got `{got}`", row + 2)
            })
        })
        .collect()
}
