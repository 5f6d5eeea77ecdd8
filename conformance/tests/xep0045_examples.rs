//! Replays all 220 examples of XEP-0045 through xmpp-parsers and muc-xso.
//!
//! Prints exactly one line,
//! `xep-0045 examples: <n> stanzas round-trip, <e> errata, <f> failed`,
//! and fails unless `<f>` is 0. The file is `../shared/xeps/xep-0045.xml`
//! from the workspace root, or `$MUC_XEP0045`.

mod example_replay;

use example_replay::{Erratum, locate, replay_file, report};

/// The examples that are wrong in XEP-0045 1.35.5 itself.
const ERRATA: &[Erratum] = &[
    Erratum {
        number: 15,
        reason: "disco#info result with the placeholder text `...` inside <query/>: not a real stanza",
    },
    Erratum {
        number: 115,
        reason: "written as an iq type='set' from the admin to the room carrying only <error/>: \
                 from/to are swapped and the type should be 'error' (siblings 93, 102, 145 are right)",
    },
    Erratum {
        number: 128,
        reason: "stray '>' closes the presence start tag before type='unavailable', which becomes \
                 text: the stanza parses as an available presence, not the 321 removal it shows",
    },
];

fn main() {
    let path = match locate("MUC_XEP0045", "xep-0045.xml") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("xep0045_examples: {e}");
            std::process::exit(1);
        }
    };
    match replay_file(&path, ERRATA) {
        Ok((total, tally)) => {
            if total != 220 {
                eprintln!("expected 220 examples in {}, found {total}", path.display());
                std::process::exit(1);
            }
            // 130 examples use a MUC namespace; each has at least one payload.
            if tally.muc_payloads < 130 {
                eprintln!(
                    "only {} MUC payloads went through muc-xso; the dispatch is broken",
                    tally.muc_payloads
                );
                std::process::exit(1);
            }
            std::process::exit(report("xep-0045", total, &tally));
        }
        Err(e) => {
            eprintln!("xep0045_examples: {e}");
            std::process::exit(1);
        }
    }
}
