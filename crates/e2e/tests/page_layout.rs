//! The page's layout rule: outside its per-vendor modules (`src/vendors/`), no page file
//! names a vendor. Steps ask the vendor contract and the page registry instead, so a
//! fifth vendor touches its own modules and one line per registry.

use std::path::{Path, PathBuf};

use ferry_e2e::workspace_root;

/// Code that would name a vendor: its core module, its typed settings, its id.
const VENDOR_NAMES: [&str; 12] = [
    "engage::",
    "lumi_say::",
    "participant_kit::",
    "engaging_networks::",
    "Target::Engage",
    "Target::LumiSay",
    "Target::ParticipantKit",
    "Target::EngagingNetworks",
    "\"engage\"",
    "\"lumi-say\"",
    "\"participant-kit\"",
    "\"engaging-networks\"",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line, without its `//` comment (a `//` inside a string is rare enough
/// in this code base not to matter: it would only hide a name, never invent one).
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Every `(file, line number, name)` where code outside `src/vendors/` names a vendor.
fn vendor_names_outside_vendor_modules(src: &Path) -> Vec<(String, usize, &'static str)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let vendors = src.join("vendors");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&vendors)) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for name in VENDOR_NAMES {
                if code_of(line).contains(name) {
                    found.push((file.strip_prefix(src).unwrap().display().to_string(), n + 1, name));
                }
            }
        }
    }
    found
}

#[test]
fn no_page_file_outside_the_vendor_modules_names_a_vendor() {
    let src = workspace_root().join("src");
    let found = vendor_names_outside_vendor_modules(&src);
    assert!(found.is_empty(), "vendor named outside src/vendors/: {found:?}");
}

#[test]
fn the_check_finds_a_vendor_named_in_a_step() {
    let dir = std::env::temp_dir().join(format!("ferry-layout-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("steps")).unwrap();
    std::fs::create_dir_all(dir.join("vendors")).unwrap();
    std::fs::write(dir.join("steps/send.rs"), "// engage:: in a comment is fine\nlet x = ferry_core::vendors::engage::CONCURRENCY;\n").unwrap();
    std::fs::write(dir.join("vendors/engage.rs"), "use ferry_core::vendors::engage::Settings;\n").unwrap();
    let found = vendor_names_outside_vendor_modules(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, vec![("steps/send.rs".to_string(), 2, "engage::")]);
}
