//! Renders the library's progress events with indicatif; hidden when stderr is not a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use govaudit::audit::AuditProgress;
use govaudit::Progress;

/// A spinner line with `template` on stderr, ticking on its own; hidden with `quiet` or when
/// stderr is not a terminal.
fn spinner(quiet: bool, template: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(5));
    b.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

/// A spinner line for a crawl.
pub struct CrawlProgress {
    bar: ProgressBar,
}

impl CrawlProgress {
    /// Creates it; hidden with `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> CrawlProgress {
        CrawlProgress {
            bar: spinner(quiet, "{spinner} {elapsed_precise} {msg}"),
        }
    }

    /// Shows a progress event.
    pub fn update(&self, p: &Progress) {
        if self.bar.is_hidden() {
            return;
        }
        let rate = if p.elapsed_s > 0.0 {
            p.pages as f64 / p.elapsed_s
        } else {
            0.0
        };
        self.bar.set_message(format!(
            "pages {} · link checks {} · queued {} · in flight {} · errors {} · {:.0} pages/s",
            p.pages, p.checks, p.queued, p.in_flight, p.errors, rate
        ));
    }

    /// Removes the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A progress line for an audit: its stage, and a bar over the pages while they are read.
pub struct AuditBar {
    bar: ProgressBar,
}

impl AuditBar {
    /// Creates it; hidden with `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> AuditBar {
        AuditBar {
            bar: spinner(quiet, "{spinner} {elapsed_precise} audit: {msg}"),
        }
    }

    /// Shows a progress event.
    pub fn update(&self, p: &AuditProgress) {
        if self.bar.is_hidden() {
            return;
        }
        if p.total > 0 {
            let share = p.done as f64 / p.total as f64;
            let filled = (share * 30.0).round().clamp(0.0, 30.0) as usize;
            self.bar.set_message(format!(
                "{} [{}{}] {}/{}",
                p.stage,
                "#".repeat(filled),
                "-".repeat(30 - filled),
                p.done,
                p.total
            ));
        } else {
            self.bar.set_message(p.stage.to_string());
        }
    }

    /// Removes the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
