//! Progress bars for the long steps (indicatif, on stderr; hidden when
//! stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use infoablate::Progress;

/// A bar of `len` steps labelled `prefix`.
pub fn bar(prefix: &'static str, len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_prefix(prefix);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {elapsed} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A library progress callback that moves `bar`.
pub fn follow(bar: &ProgressBar) -> impl FnMut(Progress) + '_ {
    follow_from(bar, 0)
}

/// As [`follow`], the callback's steps counted after `offset` earlier ones.
pub fn follow_from(bar: &ProgressBar, offset: usize) -> impl FnMut(Progress) + '_ {
    move |p| bar.set_position((offset + p.done) as u64)
}
