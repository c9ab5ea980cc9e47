//! Prints what govaudit reads as a page's main content (template removed by markup), for looking
//! at real pages by hand, with the facts found in each block (the inconsistent-answers audit's
//! input): `cargo run --example page_text -- FILE.html...`

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("{path}: cannot read");
            continue;
        };
        let (html, _) = govaudit::extract::decode(&bytes, None, false);
        let page = govaudit::extract::page::parse(&html);
        println!("== {path}");
        println!(
            "title: {:?}  lang: {:?}  words: {}",
            page.title,
            page.lang,
            page.word_count()
        );
        for b in &page.blocks {
            println!("[{:?}] {}", b.kind, b.text);
            for f in govaudit::extract::facts::facts(&b.text) {
                println!(
                    "    {} {:?} = {} (after: {})",
                    f.kind.as_str(),
                    f.raw,
                    f.value,
                    f.context.join(" ")
                );
            }
        }
    }
}
