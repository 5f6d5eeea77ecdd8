//! Replays the examples of XEP-0249 (direct MUC invitations).
//!
//! Prints exactly one line,
//! `xep-0249 examples: <n> stanzas round-trip, <e> errata, <f> failed`,
//! and fails unless `<f>` is 0. The file is `../shared/xeps/xep-0249.xml`
//! from the workspace root, or `$MUC_XEP0249`.

mod example_replay;

use example_replay::{locate, replay_file, report};

fn main() {
    let path = match locate("MUC_XEP0249", "xep-0249.xml") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("xep0249_examples: {e}");
            std::process::exit(1);
        }
    };
    match replay_file(&path, &[]) {
        Ok((total, tally)) => {
            if total == 0 {
                eprintln!("no examples found in {}", path.display());
                std::process::exit(1);
            }
            std::process::exit(report("xep-0249", total, &tally));
        }
        Err(e) => {
            eprintln!("xep0249_examples: {e}");
            std::process::exit(1);
        }
    }
}
