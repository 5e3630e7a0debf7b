//! The explicit ablation order of `ablate --ranking`: a CSV with the header
//! `layer,neuron` and one neuron per row, first row ablated first.

use std::io::Read;
use std::path::Path;

/// The largest ranking file read: 64 MiB, millions of rows.
pub const MAX_RANKING_BYTES: u64 = 64 << 20;

/// Reads and parses a ranking file, refusing one above [`MAX_RANKING_BYTES`]
/// before reading it.
pub fn read_ranking(path: &Path) -> Result<Vec<(usize, usize)>, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let mut text = String::new();
    file.take(MAX_RANKING_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if text.len() as u64 > MAX_RANKING_BYTES {
        return Err(format!("`{shown}` is larger than {MAX_RANKING_BYTES} bytes"));
    }
    parse_ranking(&text, &shown.to_string())
}

/// Parses the text of a ranking file called `shown`; blank rows are skipped.
pub fn parse_ranking(text: &str, shown: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some("layer,neuron") {
        return Err(format!("`{shown}`: the header must be `layer,neuron`"));
    }
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(row, line)| {
            let parsed = line
                .split_once(',')
                .and_then(|(l, n)| Some((l.trim().parse().ok()?, n.trim().parse().ok()?)));
            parsed.ok_or_else(|| {
                // At most 60 characters of the row: the message stays one short line.
                let mut got: String = line.chars().take(60).collect();
                if got.len() < line.len() {
                    got.push('…');
                }
                format!("`{shown}` row {}: expected `layer,neuron`, got `{got}`", row + 2)
            })
        })
        .collect()
}
