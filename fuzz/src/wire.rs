//! The `wire_presence` target: a differential test of muc-core's
//! quick-xml fast path for presences against the general
//! (minidom → xmpp-parsers → muc-xso) path it must agree with.

use muc_core::wire::PresenceDecoder;

/// The `wire_presence` check; panics on a disagreement.
pub fn check(data: &[u8]) {
    let mut decoder = PresenceDecoder::new();
    let general = decoder.decode_general(data);
    match decoder.decode_fast(data) {
        Ok(fast) => match general {
            Ok(general) => assert_eq!(fast, general, "the fast path decoded differently"),
            Err(e) => {
                panic!("the fast path accepted what the general path rejects ({e}): {fast:?}")
            }
        },
        Err(_) => {
            // Handed over: decode() must be the general path's answer.
            let via = decoder.decode(data);
            assert_eq!(
                via.as_ref().ok(),
                general.as_ref().ok(),
                "decode() differs from the general path"
            );
        }
    }
    // A second stanza on the same decoder (it caches the validated `to`).
    let again = decoder.decode(data);
    assert_eq!(again.ok(), decoder.decode_general(data).ok());
}
