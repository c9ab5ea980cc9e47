//! Serves folders of static sites on 127.0.0.1, one server each, the way the tests do, and
//! prints the `--map` flags that point their public names at them; runs until killed.
//!
//! `cargo run --release --example serve_sites -- SITES_DIR [FLAGS_FILE]`
//!
//! Each subfolder of SITES_DIR is a document root named for its host (`sites/www.agency.gov/`):
//! it is served at `https://www.agency.gov` through `--map`, and so is `www.` added or removed,
//! on https and http (real sites are linked under all four spellings). The flags are printed on
//! one line and, when FLAGS_FILE is given, written there too. Used to audit the fixtures, the
//! demo or `../shared/corpus/real-gov` by hand: `govaudit run inv.csv $(cat flags) --offline`.

use std::io::Write;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: serve_sites SITES_DIR [FLAGS_FILE]");
        std::process::exit(2);
    };
    let flags_file = args.next().map(PathBuf::from);
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    roots.sort();
    let mut servers = Vec::new();
    let mut flags = Vec::new();
    for root in roots {
        let Some(host) = root
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let server = govaudit::serve::serve_dir(&root).await?;
        let alias = match host.strip_prefix("www.") {
            Some(bare) => bare.to_string(),
            None => format!("www.{host}"),
        };
        for name in [&host, &alias] {
            for scheme in ["https", "http"] {
                flags.push(format!("--map {scheme}://{name}={}", server.origin()));
            }
        }
        servers.push(server);
    }
    let line = flags.join(" ");
    println!("{line}");
    if let Some(path) = flags_file {
        let mut f = std::fs::File::create(path)?;
        writeln!(f, "{line}")?;
    }
    // Serve until killed.
    std::future::pending::<()>().await;
    Ok(())
}
