//! Inventories: the real public formats load unedited; bad rows name file and line.

use crate::util::{govaudit, shared_data_dir, Env};
use govaudit::inventory;

#[test]
fn real_public_inventories_load_unedited() {
    let Some(data) = shared_data_dir() else {
        return;
    };
    // (file, at least this many sites)
    let files = [
        ("dotgov/current-federal.csv", 1_300),
        ("dotgov/current-full.csv", 16_000),
        (
            "federal-website-index/site-scanning-target-url-list-2024-02-21.csv",
            27_000,
        ),
        (
            "public-website-inventory/us-gov-public-website-inventory.csv",
            1_200,
        ),
    ];
    for (file, min_sites) in files {
        let path = data.join(file);
        let inv = inventory::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            inv.sites.len() >= min_sites,
            "{file}: {} sites",
            inv.sites.len()
        );
        assert!(
            inv.errors().next().is_none(),
            "{file}: {:?}",
            inv.problems.first()
        );
        assert!(
            inv.sites.iter().all(|s| s.origin.starts_with("https://")),
            "{file}"
        );
    }
    let cisa = inventory::load(&data.join("dotgov/current-federal.csv")).expect("cisa");
    let acus = cisa
        .sites
        .iter()
        .find(|s| s.origin == "https://acus.gov")
        .expect("acus.gov listed");
    assert_eq!(
        acus.agency.as_deref(),
        Some("Administrative Conference of the United States")
    );
    // The GSA list names some hosts twice: kept once and reported.
    let gsa = inventory::load(
        &data.join("federal-website-index/site-scanning-target-url-list-2024-02-21.csv"),
    )
    .expect("gsa");
    assert!(gsa
        .problems
        .iter()
        .any(|p| p.message.contains("already listed on line")));
    let pilot =
        inventory::load(&data.join("public-website-inventory/us-gov-public-website-inventory.csv"))
            .expect("pilot");
    assert_eq!(pilot.sites[0].origin, "https://apps.bea.gov");
    assert_eq!(
        pilot.sites[0].agency.as_deref(),
        Some("Department of Commerce")
    );
    assert_eq!(pilot.sites[0].office.as_deref(), Some("BEA"));
}

#[test]
fn inventory_check_lists_problems_with_line_numbers() {
    let env = Env::new();
    let inv = env.write(
        "agency.csv",
        "url,name,agency,channel,path\n\
         https://www.one.gov/,One,Dept,,\n\
         ,No address,Dept,,\n\
         https://www.one.gov/other,Again,Dept,,\n\
         https://two.gov,Two,Dept,fax,\n\
         ,KB,Dept,kb,missing.csv\n",
    );
    let out = govaudit(&["inventory", "check", inv.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("line 3: error: no url or domain value"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 4: warning: https://www.one.gov is already listed on line 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: error: unknown channel \"fax\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: error: kb names a file that does not exist"),
        "{stdout}"
    );

    // crawl refuses the same file, naming the first bad line.
    let out = govaudit(&[
        "crawl",
        inv.to_str().expect("utf8"),
        "--offline",
        "--db",
        env.db().to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("agency.csv line 3: no url or domain value"),
        "{stderr}"
    );
    assert!(stderr.contains("and 1 more problem"), "{stderr}");
}

#[test]
fn demo_inventory_is_clean() {
    let out = govaudit(&[
        "inventory",
        "check",
        crate::util::demo_dir()
            .join("agency.csv")
            .to_str()
            .expect("utf8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("6 sites (4 web, 2 other channels)"),
        "{stdout}"
    );
}
