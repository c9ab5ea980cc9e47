//! Test helpers: loopback servers (static folders and scripted behaviour), the binary, databases.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Response, StatusCode, Uri};
use axum::Router;
use govaudit::serve::{serve_dir, SiteServer};
use govaudit::Store;

/// A temp folder and a runtime that keeps servers alive while the binary runs as a child process.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub rt: tokio::runtime::Runtime,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    pub fn db(&self) -> PathBuf {
        self.path("test.db")
    }

    pub fn serve_dir(&self, root: &Path) -> SiteServer {
        self.rt.block_on(serve_dir(root)).expect("serve dir")
    }

    pub fn serve_script(&self, script: Script) -> Scripted {
        self.serve_script_slow(script, Duration::ZERO)
    }

    /// Like `serve_script`, every answer delayed (a server that is slower than the crawler).
    pub fn serve_script_slow(&self, script: Script, delay: Duration) -> Scripted {
        let log: Arc<Mutex<Vec<(Instant, String, String)>>> = Arc::default();
        let state = Arc::new((
            script,
            log.clone(),
            Mutex::new(HashMap::<String, u32>::new()),
            delay,
        ));
        let app = Router::new().fallback(move |method: Method, uri: Uri| {
            let state = state.clone();
            async move { scripted(&state, method, uri).await }
        });
        let addr = self.rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            addr
        });
        Scripted { addr, log }
    }
}

/// How a scripted path answers.
#[derive(Clone)]
pub enum Reply {
    Html(String),
    /// HTML with one extra response header (name, value).
    HtmlWithHeader(&'static str, String, String),
    Bytes(&'static str, Vec<u8>),
    Status(u16),
    Redirect(u16, String),
    /// Never answers.
    Stall,
    /// Answers 429 with `Retry-After: secs` the first `n` times, then the HTML.
    TooManyThen(u32, u64, String),
    /// Under the key "*": answers any path not in the script with the HTML this builds from it.
    Generated(fn(&str) -> String),
}

pub type Script = HashMap<String, Reply>;

/// A script from (path, reply) pairs.
pub fn script(pairs: Vec<(&str, Reply)>) -> Script {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub struct Scripted {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<(Instant, String, String)>>>,
}

impl Scripted {
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// (time, method, path) of every request.
    pub fn requests(&self) -> Vec<(Instant, String, String)> {
        self.log.lock().expect("log").clone()
    }
    pub fn clear(&self) {
        self.log.lock().expect("log").clear();
    }
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.2).collect()
    }
}

type ScriptState = (
    Script,
    Arc<Mutex<Vec<(Instant, String, String)>>>,
    Mutex<HashMap<String, u32>>,
    Duration,
);

async fn scripted(state: &ScriptState, method: Method, uri: Uri) -> Response<Body> {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    state
        .1
        .lock()
        .expect("log")
        .push((Instant::now(), method.to_string(), path.clone()));
    if !state.3.is_zero() {
        tokio::time::sleep(state.3).await;
    }
    let html = |s: &str| {
        Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(s.to_string()))
            .expect("response")
    };
    let reply = state.0.get(&path).or_else(|| state.0.get("*"));
    match reply {
        Some(Reply::Generated(f)) => html(&f(&path)),
        None => Response::builder()
            .status(404)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from("<h1>Not found</h1>"))
            .expect("response"),
        Some(Reply::Html(s)) => html(s),
        Some(Reply::HtmlWithHeader(name, value, s)) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(*name, value.as_str())
            .body(Body::from(s.to_string()))
            .expect("response"),
        Some(Reply::Bytes(ct, b)) => Response::builder()
            .header(header::CONTENT_TYPE, *ct)
            .body(Body::from(b.clone()))
            .expect("response"),
        Some(Reply::Status(code)) => Response::builder()
            .status(StatusCode::from_u16(*code).expect("status"))
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(format!("<h1>{code}</h1>")))
            .expect("response"),
        Some(Reply::Redirect(code, to)) => Response::builder()
            .status(*code)
            .header(header::LOCATION, to.as_str())
            .body(Body::empty())
            .expect("response"),
        Some(Reply::Stall) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            html("late")
        }
        Some(Reply::TooManyThen(n, secs, body)) => {
            let seen = {
                let mut counts = state.2.lock().expect("counts");
                let c = counts.entry(path.clone()).or_default();
                *c += 1;
                *c
            };
            if seen <= *n {
                Response::builder()
                    .status(429)
                    .header(header::RETRY_AFTER, secs.to_string())
                    .body(Body::from("slow down"))
                    .expect("response")
            } else {
                html(body)
            }
        }
    }
}

/// Runs the binary with arguments; never inherits a terminal, so progress bars stay hidden.
pub fn govaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govaudit"))
        .args(args)
        .env("GOVAUDIT_LOG", "govaudit=warn,error")
        .output()
        .expect("run govaudit")
}

/// Runs the binary and fails the test with its stderr when it does not exit 0.
pub fn govaudit_ok(args: &[&str]) -> Output {
    let out = govaudit(args);
    assert!(
        out.status.success(),
        "govaudit {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `govaudit crawl INVENTORY --db DB --offline --delay-ms 0 --map M... EXTRA...`, which must succeed.
pub fn crawl_ok(inventory: &Path, db: &Path, maps: &[&str], extra: &[&str]) -> Output {
    let inventory = inventory.display().to_string();
    let db = db.display().to_string();
    let mut args: Vec<&str> = vec![
        "crawl",
        &inventory,
        "--db",
        &db,
        "--offline",
        "--delay-ms",
        "0",
    ];
    for m in maps {
        args.push("--map");
        args.push(m);
    }
    args.extend_from_slice(extra);
    govaudit_ok(&args)
}

/// The NDJSON objects a command printed (fails the test on a line that is not JSON).
/// `govaudit sites --format json` of a database, by site origin.
pub fn sites_by_origin(db: &Path) -> HashMap<String, serde_json::Value> {
    let out = govaudit_ok(&[
        "sites",
        "--db",
        db.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    ndjson(&out)
        .into_iter()
        .map(|s| (s["site"].as_str().expect("site").to_string(), s))
        .collect()
}

pub fn ndjson(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not NDJSON ({e}): {l}")))
        .collect()
}

pub fn open(db: &Path) -> Store {
    Store::open(db).expect("open db")
}

/// One column of a query, as strings ("" for NULL).
pub fn column(store: &Store, sql: &str) -> Vec<String> {
    store
        .strings(sql)
        .expect("query")
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

/// Serves each `sites/<host>/` folder of a fixture agency on its own loopback server and crawls
/// the fixture's `agency.csv` with every host mapped (`https://<host>`). Keep the servers alive
/// while the test reads what they served.
pub fn crawl_agency(env: &Env, dir: &Path) -> Vec<govaudit::serve::SiteServer> {
    let mut servers = Vec::new();
    let mut maps = Vec::new();
    let mut hosts: Vec<_> = std::fs::read_dir(dir.join("sites"))
        .expect("fixture sites folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    hosts.sort_by_key(|e| e.file_name());
    for h in hosts {
        let server = env.serve_dir(&h.path());
        maps.push(format!(
            "https://{}={}",
            h.file_name().to_string_lossy(),
            server.origin()
        ));
        servers.push(server);
    }
    let maps: Vec<&str> = maps.iter().map(String::as_str).collect();
    crawl_ok(&dir.join("agency.csv"), &env.db(), &maps, &[]);
    servers
}

/// A fixture scenario folder under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository's bundled demo agency.
pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("inventories/demo")
}

/// A folder of `../shared/` the test needs, or None with a message when it is absent: a user's
/// clone has no `../shared`. In CI (`GOVAUDIT_REQUIRE_SHARED` set by `.ci/run`) an absent folder
/// fails the test instead, so a skipped test can never pass there.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("GOVAUDIT_REQUIRE_SHARED").is_none(),
        "GOVAUDIT_REQUIRE_SHARED is set but ../shared/{rel} is absent"
    );
    eprintln!("skipped: ../shared/{rel} is absent (the test needs the shared data)");
    None
}

/// `../shared/corpus/real-gov`, when present (see [`shared`]).
pub fn real_gov_dir() -> Option<PathBuf> {
    shared("corpus/real-gov")
}

/// `../shared/data`, when present (see [`shared`]).
pub fn shared_data_dir() -> Option<PathBuf> {
    shared("data")
}

/// Copies a folder tree (the validation agency's corpus, which its server writes logs into).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
            // Read-only sources stay writable in the copy (the server rewrites its logs).
            if let Ok(meta) = std::fs::metadata(&target) {
                let mut perms = meta.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                perms.set_readonly(false);
                let _ = std::fs::set_permissions(&target, perms);
            }
        }
    }
}

/// `count` consecutive free loopback ports, the first returned.
pub fn free_ports(count: u16) -> u16 {
    for attempt in 0..200u32 {
        let base = 30_000 + ((std::process::id() * 7919 + attempt * 104_729) % 19_000) as u16;
        let all_free =
            (0..count).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if all_free {
            return base;
        }
    }
    panic!("no {count} consecutive free ports on 127.0.0.1");
}
