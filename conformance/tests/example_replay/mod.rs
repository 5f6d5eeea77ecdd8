//! Replays the `<example>` blocks of a XEP: every stanza is parsed with
//! xmpp-parsers, every MUC payload is decoded with its muc-xso type, and the
//! stanza is serialized back and compared with the original as an XML tree.
//!
//! Shared by the `xep0045_examples` and `xep0249_examples` test targets
//! (both `harness = false`, so their one summary line is always printed).

#![allow(dead_code)]

mod extract;
mod payloads;
mod tree;

use std::path::{Path, PathBuf};

use minidom::Element;

pub use extract::{Example, extract_examples};

/// An example the XEP itself gets wrong, with the reason.
pub struct Erratum {
    /// Example number as rendered on xmpp.org (`#example-N`).
    pub number: usize,
    /// Why it cannot be replayed as written.
    pub reason: &'static str,
}

/// What happened to one example.
#[derive(Debug, Default)]
pub struct Tally {
    /// Stanzas that round-tripped.
    pub passed: usize,
    /// Errata skipped (examples).
    pub errata: usize,
    /// Stanzas that failed, with the reason.
    pub failures: Vec<String>,
    /// MUC payloads decoded through a muc-xso type.
    pub muc_payloads: usize,
}

/// Finds the XEP file: `$<env_var>` if set, else `../shared/xeps/<file>`
/// relative to the workspace root.
pub fn locate(env_var: &str, file: &str) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(env_var) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "{env_var} points at {}, which is not a file",
                p.display()
            ))
        };
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = workspace.join("../shared/xeps").join(file);
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{file} not found at {}. Get it from https://github.com/xsf/xeps \
             (xep-0045.xml is version 1.35.5, commit 3ad7aaaa) and put it there, \
             or set {env_var}=/path/to/{file}",
            p.display()
        ))
    }
}

/// Replays every example of `xml_path`, skipping the listed errata.
pub fn replay_file(xml_path: &Path, errata: &[Erratum]) -> Result<(usize, Tally), String> {
    let text = std::fs::read_to_string(xml_path)
        .map_err(|e| format!("cannot read {}: {e}", xml_path.display()))?;
    let examples = extract_examples(&text)?;
    let mut tally = Tally::default();
    for example in &examples {
        if errata.iter().any(|e| e.number == example.number) {
            tally.errata += 1;
            continue;
        }
        replay_example(example, &mut tally);
    }
    Ok((examples.len(), tally))
}

fn replay_example(example: &Example, tally: &mut Tally) {
    let wrapped = format!("<root xmlns='jabber:client'>{}</root>", example.body);
    let root: Element = match wrapped.parse() {
        Ok(r) => r,
        Err(e) => {
            tally
                .failures
                .push(format!("Ex. {}: not well-formed: {e}", example.number));
            return;
        }
    };
    for (i, stanza) in root.children().enumerate() {
        match payloads::round_trip_stanza(stanza.clone()) {
            Ok((back, decoded)) => {
                tally.muc_payloads += decoded;
                match tree::compare(stanza, &back) {
                    Ok(()) => tally.passed += 1,
                    Err(diff) => tally.failures.push(format!(
                        "Ex. {} ({}), stanza {}: {diff}\n  original:   {}\n  serialized: {}",
                        example.number,
                        example.caption,
                        i + 1,
                        String::from(stanza),
                        String::from(&back),
                    )),
                }
            }
            Err(e) => tally.failures.push(format!(
                "Ex. {} ({}), stanza {}: {e}",
                example.number,
                example.caption,
                i + 1
            )),
        }
    }
}

/// Prints the one summary line and the failures; returns the exit code.
pub fn report(xep: &str, total: usize, tally: &Tally) -> i32 {
    for f in &tally.failures {
        eprintln!("{f}");
    }
    println!(
        "{xep} examples: {} stanzas round-trip, {} errata, {} failed",
        tally.passed,
        tally.errata,
        tally.failures.len()
    );
    let _ = total;
    if tally.failures.is_empty() { 0 } else { 1 }
}
