//! The bundled example agency: written out to a folder, served on 127.0.0.1 and crawled through
//! `--map`, so a new user sees govaudit work without touching the network.
//!
//! Reads: the example compiled into the binary from `inventories/demo/`. Writes: the example's files
//! and a database under the output folder. Never sends a request beyond loopback (the crawl runs
//! with `offline`).

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use crate::crawl::{self, CrawlConfig, CrawlSummary, Progress};
use crate::error::{Error, Result};
use crate::serve::{serve_dir, SiteServer};
use crate::store::Store;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/inventories/demo");

/// What a demo run did.
pub struct DemoRun {
    /// The inventory written out (`OUT/inventory/agency.csv`).
    pub inventory: PathBuf,
    /// The database.
    pub db: PathBuf,
    /// The crawl.
    pub crawl: CrawlSummary,
    /// (public origin, local server) for each site.
    pub servers: Vec<(String, String)>,
}

/// Writes the example agency under `out/inventory/` and returns the inventory path.
pub fn write_example(out: &Path) -> Result<PathBuf> {
    let dir = out.join("inventory");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|source| Error::Io {
            what: "removing the old example",
            path: dir.clone(),
            source,
        })?;
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        what: "creating",
        path: dir.clone(),
        source,
    })?;
    DEMO.extract(&dir).map_err(|source| Error::Io {
        what: "writing the example agency to",
        path: dir.clone(),
        source,
    })?;
    Ok(dir.join("agency.csv"))
}

/// Runs the demo: example written out, its sites served on loopback, crawled into `db`.
pub async fn run(
    out: &Path,
    db: &Path,
    fresh_db: bool,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<DemoRun> {
    let inventory_path = write_example(out)?;
    let inventory = crate::inventory::load(&inventory_path)?;
    let sites_dir = inventory_path
        .parent()
        .map(|p| p.join("sites"))
        .unwrap_or_default();
    let mut config = CrawlConfig {
        inventory: inventory_path.display().to_string(),
        sites: inventory.sites.clone(),
        offline: true,
        delay: std::time::Duration::ZERO,
        ..CrawlConfig::default()
    };
    let mut servers: Vec<SiteServer> = Vec::new();
    let mut pairs = Vec::new();
    for site in inventory.web_sites() {
        let Some(host) = site.host() else { continue };
        let root = sites_dir.join(&host);
        if !root.is_dir() {
            continue;
        }
        let server = serve_dir(&root).await.map_err(|source| Error::Io {
            what: "serving",
            path: root.clone(),
            source,
        })?;
        // The server's own address (http://127.0.0.1:PORT) is always a valid URL.
        let to = url::Url::parse(&server.origin()).expect("a socket address is a valid origin");
        config.map.insert(site.origin.clone(), to);
        pairs.push((site.origin.clone(), server.origin()));
        servers.push(server);
    }
    if fresh_db {
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db.display()));
            if p.exists() {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    let store = Store::open(db)?;
    let summary = crawl::crawl(&config, &store, progress).await?;
    drop(servers);
    Ok(DemoRun {
        inventory: inventory_path,
        db: db.to_path_buf(),
        crawl: summary,
        servers: pairs,
    })
}
