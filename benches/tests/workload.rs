//! The Rust workload is byte-identical to the Python one (WORKLOAD.md sums).

use benches::workload::{self, N, Phase};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn phase(p: Phase) -> Vec<u8> {
    p.stanzas(N).concat().into_bytes()
}

#[test]
fn sizes_match_workload_md() {
    assert_eq!(workload::STREAM_HEADER.len(), 170);
    assert_eq!(workload::SELF_PRESENCE.len(), 242);
    assert_eq!(Phase::Join.stanza(42).len(), 232);
    assert_eq!(Phase::Status.stanza(42).len(), 281);
    assert_eq!(Phase::Leave.stanza(42).len(), 245);
    assert_eq!(
        Phase::Join.stanza(42),
        "<presence from='bench@muc.example.org/user00042' to='me@example.org/bench' id='join-00042'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='user00042@example.org/res'/></x></presence>"
    );
}

#[test]
fn join_phase_sha256() {
    let b = phase(Phase::Join);
    assert_eq!(b.len(), 2_320_000);
    assert_eq!(
        sha(&b),
        "2127ac32877f13f9b5c68532691fd82b3da817312b46507bfd8af9d87af8fb94"
    );
}

#[test]
fn status_phase_sha256() {
    let b = phase(Phase::Status);
    assert_eq!(b.len(), 2_810_000);
    assert_eq!(
        sha(&b),
        "ef0dc514ca9c7b4de9bba410d3e3e871f3d9247a66b52432f406bceb81bcd161"
    );
}

#[test]
fn leave_phase_sha256() {
    let b = phase(Phase::Leave);
    assert_eq!(b.len(), 2_450_000);
    assert_eq!(
        sha(&b),
        "66a6017605255e72d13bc8a2d58ff4b890900967780ca51e097ea7db796a246b"
    );
}

#[test]
fn whole_stream_sha256() {
    let s = workload::whole_stream(N);
    assert_eq!(s.len(), 7_580_428);
    assert_eq!(
        sha(s.as_bytes()),
        "daa7da836d396f0042759172c7ec4247503bdda8b112b9d97b1684204e54d51b"
    );
}
