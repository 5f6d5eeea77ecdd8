//! Text the application asks us to send must be XML: a control character
//! (NUL, BEL ...) cannot be written to the stream, so it is refused up
//! front with a typed error rather than failing (or panicking) on the way
//! out.

use xmpp_parsers::message::Message;

use crate::error::UsageError;

/// Whether `c` may appear in XML 1.0 text (`Char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Refuses text that cannot be written as XML.
pub(crate) fn check(what: &str, text: &str) -> Result<(), UsageError> {
    match text.chars().find(|c| !is_xml_char(*c)) {
        None => Ok(()),
        Some(c) => Err(UsageError::InvalidText(format!(
            "{what} holds U+{:04X}, which XML does not allow",
            u32::from(c)
        ))),
    }
}

/// Refuses a message whose bodies, subjects or thread cannot be written.
pub(crate) fn check_message(m: &Message) -> Result<(), UsageError> {
    for b in m.bodies.values() {
        check("the body", b)?;
    }
    for s in m.subjects.values() {
        check("the subject", s)?;
    }
    if let Some(t) = &m.thread {
        check("the thread", &t.id)?;
    }
    Ok(())
}

/// The first piece of text (or attribute value) in `el` that XML cannot
/// carry, as an error.
pub(crate) fn check_element(el: &minidom::Element) -> Option<UsageError> {
    for (_, value) in el.attrs().iter() {
        if let Err(e) = check("an attribute", value) {
            return Some(e);
        }
    }
    for node in el.nodes() {
        let bad = match node {
            minidom::Node::Text(t) => check("a text", t).err(),
            minidom::Node::Element(child) => check_element(child),
        };
        if bad.is_some() {
            return bad;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_the_rest_is_fine() {
        assert!(check("x", "tab\tnewline\ncr\r ✓ 𝄞").is_ok());
        for bad in ["nul\u{0}", "bell\u{7}", "esc\u{1B}", "\u{FFFE}", "\u{FFFF}"] {
            assert!(
                matches!(check("x", bad), Err(UsageError::InvalidText(_))),
                "{bad:?}"
            );
        }
    }
}
