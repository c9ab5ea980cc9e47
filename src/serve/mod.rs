//! A small static web server for document roots on disk: the demo agency's sites, test fixtures and
//! benchmarks, served on 127.0.0.1 so a crawl can reach them through `--map`.
//!
//! Reads: files under one folder, and its optional `_routes` file. Writes: nothing but responses.
//! Binds loopback only: it must never be reachable from another machine.
//!
//! A URL path `/a/b/` serves `a/b/index.html`; `/a/b` serves the file `a/b`, or redirects to
//! `/a/b/` when that is a folder (as real servers do); a missing file answers 404 with the root's
//! `404.html` when there is one. `_routes` adds scripted answers, one a line:
//! `PATH redirect TARGET [STATUS]` (default 301) or `PATH status CODE`. Every request is logged
//! (method and path) so tests can prove what was, and was not, fetched.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Response, StatusCode, Uri};
use axum::Router;
use tokio::sync::oneshot;

/// One scripted answer from `_routes`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Redirect { to: String, status: u16 },
    Status(u16),
}

struct Inner {
    root: PathBuf,
    routes: Vec<(String, Route)>,
    log: Mutex<Vec<(String, String)>>,
}

/// A running server. It stops when dropped.
pub struct SiteServer {
    /// The loopback address it listens on.
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<oneshot::Sender<()>>,
}

impl SiteServer {
    /// `http://127.0.0.1:PORT`, the TO side of a `--map`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far: (method, path with query).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.inner.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets the requests logged so far.
    pub fn clear_requests(&self) {
        if let Ok(mut l) = self.inner.log.lock() {
            l.clear();
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `root` on 127.0.0.1 on a free port, on the current tokio runtime.
pub async fn serve_dir(root: &Path) -> std::io::Result<SiteServer> {
    serve_dir_on(root, 0).await
}

/// Serves `root` on 127.0.0.1:`port` (0 picks a free port).
pub async fn serve_dir_on(root: &Path, port: u16) -> std::io::Result<SiteServer> {
    let routes = match std::fs::read_to_string(root.join("_routes")) {
        Ok(text) => parse_routes(&text),
        Err(_) => Vec::new(),
    };
    let inner = Arc::new(Inner {
        root: root.to_path_buf(),
        routes,
        log: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(handle).with_state(inner.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(SiteServer {
        addr,
        inner,
        stop: Some(stop),
    })
}

fn parse_routes(text: &str) -> Vec<(String, Route)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            match parts.as_slice() {
                [path, "redirect", to] => Some((
                    path.to_string(),
                    Route::Redirect {
                        to: to.to_string(),
                        status: 301,
                    },
                )),
                [path, "redirect", to, status] => Some((
                    path.to_string(),
                    Route::Redirect {
                        to: to.to_string(),
                        status: status.parse().ok()?,
                    },
                )),
                [path, "status", code] => {
                    Some((path.to_string(), Route::Status(code.parse().ok()?)))
                }
                _ => None,
            }
        })
        .collect()
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        // No charset: like most static servers, the page's own <meta charset> decides.
        Some("html" | "htm" | "cfm") => "text/html",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(status: StatusCode, ctype: &str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(ctype) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn redirect(status: u16, to: &str) -> Response<Body> {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::MOVED_PERMANENTLY);
    let mut r = respond(
        code,
        "text/html; charset=utf-8",
        format!("<p>Moved to <a href=\"{to}\">{to}</a></p>").into_bytes(),
    );
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn handle(State(inner): State<Arc<Inner>>, method: Method, uri: Uri) -> Response<Body> {
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    if let Ok(mut log) = inner.log.lock() {
        log.push((method.to_string(), path_and_query));
    }
    let path = uri.path();
    if let Some((_, route)) = inner.routes.iter().find(|(p, _)| p == path) {
        return match route {
            Route::Redirect { to, status } => redirect(*status, to),
            Route::Status(code) => {
                let status =
                    StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                respond(
                    status,
                    "text/html; charset=utf-8",
                    format!("<!doctype html><title>{code}</title><h1>Error {code}</h1>")
                        .into_bytes(),
                )
            }
        };
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut file = inner.root.clone();
    for comp in Path::new(decoded.trim_start_matches('/')).components() {
        match comp {
            Component::Normal(c) => file.push(c),
            Component::CurDir => {}
            // `..` and absolute parts could escape the root.
            _ => return not_found(&inner.root).await,
        }
    }
    if file.file_name().is_some_and(|n| n == "_routes") {
        return not_found(&inner.root).await;
    }
    if decoded.ends_with('/') {
        file.push("index.html");
    } else if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        let mut to = format!("{path}/");
        if let Some(q) = uri.query() {
            to.push('?');
            to.push_str(q);
        }
        return redirect(301, &to);
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => respond(StatusCode::OK, content_type(&file), bytes),
        Err(_) => not_found(&inner.root).await,
    }
}

async fn not_found(root: &Path) -> Response<Body> {
    let body = tokio::fs::read(root.join("404.html"))
        .await
        .unwrap_or_else(|_| {
            b"<!doctype html><title>Not found</title><h1>Page not found</h1>".to_vec()
        });
    respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse() {
        let r = parse_routes(
            "# c\n/a redirect /b\n/c redirect https://x.gov/ 302\n/d status 500\nbad line\n",
        );
        assert_eq!(
            r,
            vec![
                (
                    "/a".into(),
                    Route::Redirect {
                        to: "/b".into(),
                        status: 301
                    }
                ),
                (
                    "/c".into(),
                    Route::Redirect {
                        to: "https://x.gov/".into(),
                        status: 302
                    }
                ),
                ("/d".into(), Route::Status(500)),
            ]
        );
    }
}
