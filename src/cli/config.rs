//! Raw arguments to library configs, once: after this point no code sees command-line strings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use govaudit::crawl::fetch::OriginMap;
use govaudit::rules::RuleSet;
use govaudit::{CrawlConfig, Inventory};

use super::args::CrawlArgs;

/// The database path: `--db`, else `govaudit.db` in the current folder.
pub fn db_path(db: &Option<PathBuf>) -> PathBuf {
    db.clone().unwrap_or_else(|| PathBuf::from("govaudit.db"))
}

/// Parses `--map` values.
pub fn origin_map(specs: &[String]) -> Result<OriginMap, BadInput> {
    let mut map = OriginMap::default();
    for spec in specs {
        let (from, to) = OriginMap::parse_pair(spec).map_err(BadInput)?;
        map.insert(from, to);
    }
    Ok(map)
}

/// An input error found while turning flags into configs (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Builds the crawl config for an inventory.
pub fn crawl_config(
    inventory_path: &Path,
    inventory: &Inventory,
    a: &CrawlArgs,
) -> Result<CrawlConfig> {
    let map = origin_map(&a.map)?;
    Ok(CrawlConfig {
        inventory: canonical_label(inventory_path),
        sites: inventory.sites.clone(),
        map,
        max_pages_per_site: a.max_pages_per_site,
        max_depth: a.max_depth,
        concurrency: a.concurrency as usize,
        per_host: a.per_host as usize,
        delay: Duration::from_millis(a.delay_ms),
        timeout: Duration::from_secs(a.timeout_s),
        user_agent: a.user_agent.clone(),
        check_external: !a.no_external,
        respect_robots: !a.ignore_robots,
        max_body: a.max_body_mb * 1024 * 1024,
        offline: a.offline,
        allow_net: a
            .allow_net
            .iter()
            .map(|s| govaudit::crawl::network::parse_net(s).map_err(BadInput))
            .collect::<Result<_, _>>()?,
    })
}

/// The inventory's absolute path, so `crawl inv.csv` and `crawl ./inv.csv` continue the same run.
fn canonical_label(p: &Path) -> String {
    std::fs::canonicalize(p)
        .with_context(|| format!("resolving {}", p.display()))
        .map(|c| c.display().to_string())
        .unwrap_or_else(|_| p.display().to_string())
}

/// The rules: the `--rules` folder when given, else the built-in ones.
pub fn rules(dir: &Option<PathBuf>) -> Result<RuleSet, govaudit::Error> {
    match dir {
        Some(d) => Ok(RuleSet::load(d)?),
        None => Ok(RuleSet::builtin()),
    }
}
