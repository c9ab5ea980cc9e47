//! govaudit's integration tests: one binary, a module per area.
//!
//! - `inventory`: loading our CSV and the real public formats; errors with file and line.
//! - `crawl`: crawls of real HTTP servers on 127.0.0.1 (the demo agency, scripted misbehaving
//!   servers): robots.txt, sitemaps, redirects, errors, encodings, retries.
//! - `duplicates`: the duplicate audit on the demo agency and the `duplicates` fixture.
//! - `plain_writing`: `lint` on drafts and the reference passages; readability of crawled pages.
//! - `resume`: a crawl killed with SIGKILL continues without losing or re-fetching pages.
//! - `real_gov`: the six real .gov sites of `../shared/corpus/real-gov/` (skipped when absent).
//! - `answers`: inconsistent answers across the demo's sites, knowledge base and brochure.
//! - `governance`: required links and elements on the demo agency; HTTPS, HSTS, 404 on scripted
//!   servers.
//! - `report`: the report folder, the consolidation recommendation, progress between runs, and
//!   `index.html` in headless Chromium.
//! - `cli`: exit codes and messages of the binary.
//! - `agency_dev`: the validation agency of `../shared/eval/agency-dev/`, served by its own
//!   server and scored by its scorer (skipped when absent, a failure in CI).
//! - `hostile`: deep pages, PDFs that crash or loop their reader, devices and pipes as files,
//!   pages and redirects that point inside the network, bad flags (issue 14).
//! - `trust`: the `trust` fixture: non-pages, template findings, soft 404s by redirect, script
//!   ids, shared blocks, sites closed to crawlers, staleness from stamps (issue 11).
//!
//! Helpers (servers, the binary, databases) live in `util`. No test touches the internet: every
//! crawl runs with `--offline` and `--map` to loopback servers started by the test itself.

mod agency_dev;
mod answers;
mod cli;
mod crawl;
mod duplicates;
mod governance;
mod hostile;
mod incremental;
mod inventory;
mod plain_writing;
mod real_gov;
mod report;
mod resume;
mod trust;
mod util;
