//! A direct reading of the `muc#user` `<x/>` of a presence from its
//! `minidom::Element`, for the shapes rooms send all the time.
//!
//! The derived decoder (xso) replays the element as XML events through
//! generic builders; that is most of the cost of handling a presence once
//! the stanza is parsed. This reads the tree directly. It answers only when
//! it is sure to produce exactly what the derived decoder would; anything
//! else (an invitation, a foreign child, text where none belongs, a value
//! that does not parse ...) returns `None`, and the derived decoder
//! decides, errors included. Typed attribute values are read by the same
//! codecs as the derived decoder's (`crate::codec`). The unit tests below
//! hold the two to the same output.

use minidom::{Element, Node};

use crate::codec::AttrValue;
use crate::ns;
use crate::status::{Status, StatusCode};
use crate::user::{Continue, DestroyNotification, UserActor, UserChild, UserExt, UserItem};

/// Whether `s` is whitespace only (text the derived decoders skip).
fn blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// `None` when `el` has text that is not whitespace.
fn no_text(el: &Element) -> Option<()> {
    for node in el.nodes() {
        if let Node::Text(t) = node {
            if !blank(t) {
                return None;
            }
        }
    }
    Some(())
}

/// The child elements of `el`, or `None` when it has text that is not
/// whitespace.
fn elements(el: &Element) -> Option<impl Iterator<Item = &Element>> {
    no_text(el)?;
    Some(el.children())
}

/// Unprefixed attributes, as (name, value); attributes in a namespace
/// (`xml:lang` ...) are ignored, as every element read here ignores
/// unknown attributes.
fn attrs(el: &Element) -> impl Iterator<Item = (&str, &str)> {
    el.attrs()
        .iter()
        .filter(|((ns, _), _)| ns.is_none())
        .map(|((_, name), value)| (name.as_str(), value.as_str()))
}

/// A typed attribute value, read as the derived decoder's codec reads it;
/// `None` when it does not parse (the derived decoder then names the fault).
fn value<T: AttrValue>(text: &str) -> Option<T> {
    T::parse_attr(text).ok()
}

/// The text of a leaf element with no attributes and no children
/// (`<reason/>`, `<password/>`).
fn leaf_text(el: &Element, slot: &mut Option<String>) -> Option<()> {
    if slot.is_some() || el.attrs().iter().next().is_some() || el.children().next().is_some() {
        return None;
    }
    *slot = Some(el.text());
    Some(())
}

/// Whether `el` is a `muc#user` child named `name`.
fn is(el: &Element, name: &str) -> bool {
    el.name() == name && el.has_ns(ns::MUC_USER)
}

fn actor(el: &Element) -> Option<UserActor> {
    let mut actor = UserActor::default();
    for (k, v) in attrs(el) {
        match k {
            "jid" => actor.jid = Some(value(v)?),
            "nick" => actor.nick = Some(v.to_owned()),
            _ => {}
        }
    }
    // Unknown children are discarded, but text is not allowed.
    no_text(el)?;
    Some(actor)
}

fn continue_(el: &Element) -> Option<Continue> {
    let mut c = Continue::default();
    for (k, v) in attrs(el) {
        if k == "thread" {
            c.thread = Some(v.to_owned());
        }
    }
    // Unknown children are discarded, but text is not allowed.
    no_text(el)?;
    Some(c)
}

fn item(el: &Element) -> Option<UserItem> {
    let mut item = UserItem::default();
    for (k, v) in attrs(el) {
        match k {
            "affiliation" => item.affiliation = Some(value(v)?),
            "role" => item.role = Some(value(v)?),
            "jid" => item.jid = Some(value(v)?),
            "nick" => item.nick = Some(v.to_owned()),
            _ => {}
        }
    }
    for child in elements(el)? {
        if is(child, "actor") {
            if item.actor.is_some() {
                return None;
            }
            item.actor = Some(Box::new(actor(child)?));
        } else if is(child, "reason") {
            leaf_text(child, &mut item.reason)?;
        } else if is(child, "continue") {
            if item.continue_.is_some() {
                return None;
            }
            item.continue_ = Some(Box::new(continue_(child)?));
        }
        // Anything else is discarded.
    }
    Some(item)
}

fn status(el: &Element) -> Option<Status> {
    let code = attrs(el)
        .find(|(k, _)| *k == "code")
        .and_then(|(_, v)| value::<StatusCode>(v))?;
    no_text(el)?;
    Some(Status::new(code))
}

fn destroy(el: &Element) -> Option<DestroyNotification> {
    let mut d = DestroyNotification::default();
    for (k, v) in attrs(el) {
        if k == "jid" {
            d.jid = Some(value(v)?);
        }
    }
    for child in elements(el)? {
        if is(child, "reason") {
            leaf_text(child, &mut d.reason)?;
        } else if is(child, "password") {
            leaf_text(child, &mut d.password)?;
        }
    }
    Some(d)
}

/// The `muc#user` `<x/>` of a presence, when it is made only of items,
/// status codes and a destruction notice; `None` for anything else.
pub(crate) fn user_ext(el: &Element) -> Option<UserExt> {
    if !is(el, "x") {
        return None;
    }
    let mut children = Vec::new();
    for child in elements(el)? {
        if !child.has_ns(ns::MUC_USER) {
            // Kept in `extra`: the derived decoder handles it.
            return None;
        }
        children.push(match child.name() {
            "item" => UserChild::Item(item(child)?),
            "status" => UserChild::Status(status(child)?),
            "destroy" => UserChild::Destroy(destroy(child)?),
            _ => return None,
        });
    }
    Some(UserExt {
        children,
        extra: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Payload;

    /// The fast reading, where it answers, equals the derived decoder's.
    fn agree(xml: &str) -> bool {
        let Ok(el) = xml.parse::<Element>() else {
            return false;
        };
        let derived = UserExt::try_from(el.clone());
        match (user_ext(&el), derived) {
            (Some(fast), Ok(slow)) => {
                assert_eq!(fast, slow, "{xml}");
                true
            }
            (Some(fast), Err(e)) => {
                panic!("fast path accepts what xso rejects ({e:?}): {xml}\n{fast:?}")
            }
            (None, _) => {
                // `decode` is the derived decoder's answer.
                let decoded = UserExt::decode(el.clone());
                let slow = UserExt::try_from(el);
                assert_eq!(
                    format!("{:?}", decoded.as_ref().ok()),
                    format!("{:?}", slow.as_ref().ok()),
                    "{xml}"
                );
                false
            }
        }
    }

    fn x(inner: &str) -> String {
        format!("<x xmlns='http://jabber.org/protocol/muc#user'>{inner}</x>")
    }

    #[test]
    fn common_shapes_take_the_fast_path() {
        for inner in [
            "",
            "<item affiliation='member' role='participant' jid='user00042@example.org/res'/>",
            "<item affiliation='member' role='participant' jid='me@example.org/bench'/><status code='110'/>",
            "<status code='201'/><item affiliation='owner' role='moderator' jid='a@b/c'/><status code='110'/>",
            "<item affiliation='none' nick='Bobby' role='participant' jid='bob@localhost/r'/><status code='303'/>",
            "<status code='307'/><item affiliation='none' role='none' jid='b@l/r'><actor nick='Alice' jid='a@l/r'/><reason>bye bob</reason></item><status code='110'/>",
            "<item role='none' affiliation='none'><reason>bye</reason><actor nick='Alice'/><continue thread='t'/></item>",
            "<destroy jid='other@conference.localhost'><reason>moving</reason><password>pw</password></destroy><item role='none'/>",
            "<item foo='bar' xml:lang='en'><unknown/><other xmlns='urn:o'><deep/></other></item>",
            "<status code=' 170 '><ignored/></status><status code='999'/>",
            "\n  <item role='none'>\n  </item>\n",
            "<item><reason/></item>",
        ] {
            assert!(agree(&x(inner)), "declined: {inner}");
        }
        assert!(agree(
            "<x xmlns='http://jabber.org/protocol/muc#user' foo='bar'/>"
        ));
    }

    #[test]
    fn everything_else_is_left_to_the_derived_decoder() {
        for inner in [
            "text",
            "<item>text</item>",
            "<item affiliation='boss'/>",
            "<item affiliation=' member'/>",
            "<item role='king'/>",
            "<item jid='@@'/>",
            "<item><actor jid='@'/></item>",
            "<item><actor/><actor/></item>",
            "<item><reason>a</reason><reason>b</reason></item>",
            "<item><reason xml:lang='en'>r</reason></item>",
            "<item><reason>r<b/></reason></item>",
            "<item><continue/><continue/></item>",
            "<item><actor>text</actor></item>",
            "<status/>",
            "<status code='x'/>",
            "<status code='-1'/>",
            "<status code='70000'/>",
            "<status code='110'>text</status>",
            "<destroy jid='@'/>",
            "<destroy><reason>a</reason><reason>b</reason></destroy>",
            "<invite to='a@b'/>",
            "<decline from='a@b'/>",
            "<password>pw</password>",
            "<unknown/>",
            "<foreign xmlns='urn:f'/>",
        ] {
            assert!(!agree(&x(inner)), "accepted: {inner}");
        }
        // Not a muc#user <x/> at all.
        assert!(!agree("<x xmlns='http://jabber.org/protocol/muc'/>"));
        assert!(!agree(
            "<item xmlns='http://jabber.org/protocol/muc#user'/>"
        ));
    }

    #[test]
    fn random_children_agree() {
        // Every combination of up to three children from a list of good
        // and bad ones.
        let parts = [
            "<item affiliation='member' role='participant' jid='u@example.org/res'/>",
            "<item role='none'><actor nick='A'/><reason>r</reason></item>",
            "<status code='110'/>",
            "<status code='x'/>",
            "<destroy jid='o@muc.example.org'><reason>r</reason></destroy>",
            "<invite to='a@b'/>",
            "<foreign xmlns='urn:f'/>",
            "<item affiliation='boss'/>",
            " ",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    agree(&x(&format!("{a}{b}{c}")));
                }
            }
        }
    }
}
