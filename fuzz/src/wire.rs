//! The `wire_presence` target: a differential test of muc-core's
//! quick-xml fast path for presences against the general
//! (minidom → xmpp-parsers → muc-xso) path it must agree with; and, when
//! the input is one element, of the fast reading of its minidom tree
//! (`decode_element`) against the same general path.

use minidom::Element;
use muc_core::wire::{PresenceDecoder, decode_element_general};

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
    check_element(data);
}

/// The tree reading against the general path, on the tree minidom makes of
/// `data` (in the stream's `jabber:client` namespace), if it makes one.
fn check_element(data: &[u8]) {
    let Ok(el) = Element::from_reader_with_prefixes(data, "jabber:client".to_owned()) else {
        return;
    };
    let mut decoder = PresenceDecoder::new();
    let general = decode_element_general(&el);
    match decoder.decode_element_fast(&el) {
        Ok(fast) => match &general {
            Ok(general) => assert_eq!(&fast, general, "the tree reading decoded differently"),
            Err(e) => {
                panic!("the tree reading accepted what the general path rejects ({e}): {fast:?}")
            }
        },
        Err(_) => {
            let via = decoder.decode_element(&el);
            assert_eq!(via.as_ref().ok(), general.as_ref().ok());
        }
    }
    let again = decoder.decode_element(&el);
    assert_eq!(
        again.ok(),
        general.ok(),
        "a second reading on the same decoder differs"
    );
}
