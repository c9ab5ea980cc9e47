//! Sitemaps: the `<loc>` (and `<lastmod>`) entries of a `urlset`, and the child sitemaps of a
//! `sitemapindex`, from XML that may be gzip-compressed.
//!
//! Reads: sitemap bytes. Writes: nothing. Pure; the crawl fetches the files and decides scope.
//! Malformed XML yields the entries read before the error, never a failure.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// Most URLs read from one sitemap file (the protocol's own limit).
pub const MAX_URLS_PER_FILE: usize = 50_000;
/// Largest decompressed sitemap read, in bytes (the protocol allows 50 MB).
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// What one sitemap file lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs with their `<lastmod>`.
    pub urls: Vec<(String, Option<String>)>,
    /// Child sitemaps (from a `sitemapindex`).
    pub sitemaps: Vec<String>,
}

/// Parses a sitemap (XML, or gzip-compressed XML).
pub fn parse(bytes: &[u8]) -> Sitemap {
    let owned;
    let xml: &[u8] = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let _ = flate2::read::GzDecoder::new(bytes)
            .take(MAX_SITEMAP_BYTES)
            .read_to_end(&mut out);
        owned = out;
        &owned
    } else {
        bytes
    };
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut out = Sitemap::default();
    let mut buf = Vec::new();
    // Which element we are in: the parent (`url` or `sitemap`) and the field (`loc`, `lastmod`).
    let mut parent: Option<Vec<u8>> = None;
    let mut field: Option<Vec<u8>> = None;
    let mut loc: Option<String> = None;
    let mut lastmod: Option<String> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                match name.as_slice() {
                    b"url" | b"sitemap" => {
                        parent = Some(name);
                        loc = None;
                        lastmod = None;
                    }
                    b"loc" | b"lastmod" => field = Some(name),
                    _ => {}
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(f) = &field {
                    let text = t.decode().map(|s| s.into_owned()).unwrap_or_default();
                    push_text(f, text, &mut loc, &mut lastmod);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(f) = &field {
                    let ch = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        _ => match r.decode().as_deref() {
                            Ok("amp") => Some('&'),
                            Ok("lt") => Some('<'),
                            Ok("gt") => Some('>'),
                            Ok("quot") => Some('"'),
                            Ok("apos") => Some('\''),
                            _ => None,
                        },
                    };
                    if let Some(c) = ch {
                        push_text(f, c.to_string(), &mut loc, &mut lastmod);
                    }
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(f) = &field {
                    let text = String::from_utf8_lossy(&t).trim().to_string();
                    push_text(f, text, &mut loc, &mut lastmod);
                }
            }
            Ok(Event::End(e)) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                match name.as_slice() {
                    b"loc" | b"lastmod" => field = None,
                    b"url" | b"sitemap" => {
                        if let Some(l) = finish(loc.take()) {
                            if parent.as_deref() == Some(b"sitemap".as_slice()) {
                                out.sitemaps.push(l);
                            } else if out.urls.len() < MAX_URLS_PER_FILE {
                                out.urls.push((l, finish(lastmod.take())));
                            }
                        }
                        parent = None;
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

fn push_text(field: &[u8], text: String, loc: &mut Option<String>, lastmod: &mut Option<String>) {
    let slot = if field == b"loc" { loc } else { lastmod };
    match slot {
        Some(s) => s.push_str(&text),
        None => *slot = Some(text),
    }
}

fn finish(s: Option<String>) -> Option<String> {
    s.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlset_and_index() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://a.gov/</loc><lastmod>2024-01-02</lastmod></url>
  <url><loc> https://a.gov/x?a=1&amp;b=2 </loc></url>
</urlset>"#;
        let s = parse(xml);
        assert_eq!(
            s.urls,
            vec![
                ("https://a.gov/".into(), Some("2024-01-02".into())),
                ("https://a.gov/x?a=1&b=2".into(), None)
            ]
        );
        let idx = parse(
            b"<sitemapindex><sitemap><loc>https://a.gov/s1.xml</loc></sitemap></sitemapindex>",
        );
        assert_eq!(idx.sitemaps, vec!["https://a.gov/s1.xml".to_string()]);
        assert_eq!(
            parse(b"<urlset><url><loc>https://a.gov/ok</loc></url><url><loc>broken")
                .urls
                .len(),
            1
        );
    }

    #[test]
    fn gzip_sitemaps() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<urlset><url><loc>https://a.gov/z</loc></url></urlset>")
            .expect("gzip");
        let bytes = gz.finish().expect("gzip");
        assert_eq!(
            parse(&bytes).urls,
            vec![("https://a.gov/z".to_string(), None)]
        );
    }
}
