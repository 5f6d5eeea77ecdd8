//! Writing a stanza: a `minidom::Element` as XML items, without copies.
//!
//! xso's own `AsXml` for `Element` copies every element's namespace into a
//! fresh `String` and `Arc` (minidom hands the namespace out only as an
//! owned `String`); for a server writing tens of thousands of stanzas a
//! second that is a large share of its time. The namespaces a MUC server
//! writes are few and known, so they are named by `'static` strings here;
//! any other namespace is copied as before. The items are otherwise the
//! same as xso's: element names checked, attributes and text borrowed.

use std::borrow::Cow;

use minidom::{Element, Node};
use xso::AsXml;
use xso::Item;
use xso::error::Error;
use xso::exports::rxml::{Namespace, NcNameStr};

/// The namespaces this server writes all the time.
const KNOWN: [&str; 12] = [
    "jabber:client",
    "http://jabber.org/protocol/muc#user",
    "http://jabber.org/protocol/muc",
    "http://jabber.org/protocol/muc#admin",
    "http://jabber.org/protocol/muc#owner",
    "urn:ietf:params:xml:ns:xmpp-stanzas",
    "urn:xmpp:delay",
    "urn:xmpp:occupant-id:0",
    "urn:xmpp:sid:0",
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "jabber:x:data",
];

/// An element to write (see the module docs).
pub(crate) struct Wire<'a>(pub(crate) &'a Element);

fn namespace(el: &Element) -> Namespace<'static> {
    match KNOWN.iter().find(|ns| el.has_ns(**ns)) {
        Some(ns) => Namespace::from_str(ns),
        None => Namespace::from(el.ns()),
    }
}

/// Appends the items of `el` (recursively) to `out`.
fn items<'a>(el: &'a Element, out: &mut Vec<Result<Item<'a>, Error>>) -> Result<(), Error> {
    let name = <&NcNameStr>::try_from(el.name())?;
    out.push(Ok(Item::ElementHeadStart(
        namespace(el),
        Cow::Borrowed(name),
    )));
    for ((ns, name), value) in el.attrs().iter() {
        out.push(Ok(Item::Attribute(
            ns.clone(),
            Cow::Borrowed(name),
            Cow::Borrowed(value),
        )));
    }
    out.push(Ok(Item::ElementHeadEnd));
    for node in el.nodes() {
        match node {
            Node::Text(text) => out.push(Ok(Item::Text(Cow::Borrowed(text)))),
            Node::Element(child) => items(child, out)?,
        }
    }
    out.push(Ok(Item::ElementFoot));
    Ok(())
}

impl AsXml for Wire<'_> {
    type ItemIter<'x>
        = std::vec::IntoIter<Result<Item<'x>, Error>>
    where
        Self: 'x;

    fn as_xml_iter(&self) -> Result<Self::ItemIter<'_>, Error> {
        let mut out = Vec::with_capacity(32);
        items(self.0, &mut out)?;
        Ok(out.into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items are xso's own for the same element, namespace by
    /// namespace, known or not.
    #[test]
    fn same_items_as_xso() {
        let el: Element = "<presence xmlns='jabber:client' from='r@muc.l/n' id='x' type='unavailable'>\
             <show>away</show><status xml:lang='en'>a &amp; b</status>\
             <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/>\
             <status code='110'/></x><foo xmlns='urn:example:other' bar='1'><baz/>text</foo></presence>"
            .parse()
            .expect("element");
        let wire = Wire(&el);
        let ours: Vec<_> = wire
            .as_xml_iter()
            .expect("items")
            .map(|i| i.expect("item"))
            .collect();
        let theirs: Vec<_> = el
            .as_xml_iter()
            .expect("items")
            .map(|i| i.expect("item"))
            .collect();
        // Equal but for how each namespace is stored (borrowed or owned),
        // which their Debug output names.
        let plain = |items: &[Item<'_>]| {
            format!("{items:?}").replace("Namespace<'static>", "Namespace<'x>")
        };
        assert_eq!(plain(&ours), plain(&theirs));
        assert!(ours.len() > 20);
    }
}
