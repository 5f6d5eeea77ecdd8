//! XML tree comparison: names and namespaces, the attribute set, child order
//! and text; whitespace-only text nodes are ignored.
//!
//! Two normalizations make up for how xmpp-parsers (not muc-xso) writes
//! stanzas back, and nothing else is forgiven:
//! * the children of the stanza itself are compared as a multiset, because
//!   `Message`, `Presence` and `Iq` keep body, thread, error and payloads in
//!   separate fields and write them in a fixed order (T7 in
//!   research/prosody-and-tokio-xmpp.md); inside every payload, order counts;
//! * a data-form field's `type='text-single'` is the XEP-0004 default, which
//!   xmpp-parsers' `Field` leaves out when writing, and a field's children
//!   are grouped by name (`Field` writes its options before its values);
//!   the order of values among themselves still counts.

use std::collections::BTreeMap;

use minidom::{Element, Node};

enum Child<'a> {
    El(&'a Element),
    Text(String),
}

fn children(el: &Element) -> Vec<Child<'_>> {
    let mut out: Vec<Child<'_>> = Vec::new();
    for node in el.nodes() {
        match node {
            Node::Element(e) => out.push(Child::El(e)),
            Node::Text(t) => match out.last_mut() {
                Some(Child::Text(prev)) => prev.push_str(t),
                _ => out.push(Child::Text(t.clone())),
            },
        }
    }
    out.retain(|c| !matches!(c, Child::Text(t) if t.trim().is_empty()));
    if el.is("field", "jabber:x:data") {
        out.sort_by_key(|c| match c {
            Child::El(e) => e.name().to_owned(),
            Child::Text(_) => String::new(),
        });
    }
    out
}

/// `Ok` when the stanzas `a` and `b` are the same tree; otherwise where they
/// differ.
pub fn compare(a: &Element, b: &Element) -> Result<(), String> {
    if a.name() != b.name() || a.ns() != b.ns() || attrs(a) != attrs(b) {
        return Err(format!(
            "stanza <{} {:?}> became <{} {:?}>",
            a.name(),
            attrs(a),
            b.name(),
            attrs(b)
        ));
    }
    let mut rest = children(b);
    for x in children(a) {
        let found = rest.iter().position(|y| match (&x, y) {
            (Child::El(x), Child::El(y)) => {
                compare_at(x, y, &mut vec![a.name().to_owned()]).is_ok()
            }
            (Child::Text(x), Child::Text(y)) => x == y,
            _ => false,
        });
        match found {
            Some(i) => {
                rest.remove(i);
            }
            None => {
                // Say why the closest candidate differs.
                let why = match &x {
                    Child::El(x) => rest
                        .iter()
                        .find_map(|y| match y {
                            Child::El(y) if y.name() == x.name() => {
                                compare_at(x, y, &mut vec![a.name().to_owned()]).err()
                            }
                            _ => None,
                        })
                        .unwrap_or_else(|| format!("<{}/> is missing", x.name())),
                    Child::Text(t) => format!("text {t:?} is missing"),
                };
                return Err(why);
            }
        }
    }
    if !rest.is_empty() {
        return Err(format!("{} extra children after serialization", rest.len()));
    }
    Ok(())
}

fn attrs(e: &Element) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = e
        .attrs()
        .into_iter()
        .map(|((ns, name), v)| (format!("{{{}}}{}", ns.as_str(), name.as_str()), v.clone()))
        .collect();
    if e.is("field", "jabber:x:data")
        && map.get("{}type").map(String::as_str) == Some("text-single")
    {
        map.remove("{}type");
    }
    map
}

fn compare_at(a: &Element, b: &Element, path: &mut Vec<String>) -> Result<(), String> {
    path.push(a.name().to_owned());
    let here_s = format!("/{}", path.join("/"));
    let here = || here_s.clone();
    if a.name() != b.name() || a.ns() != b.ns() {
        return Err(format!(
            "at {}: element {{{}}}{} became {{{}}}{}",
            here(),
            a.ns(),
            a.name(),
            b.ns(),
            b.name()
        ));
    }
    let (aa, ba) = (attrs(a), attrs(b));
    if aa != ba {
        return Err(format!("at {}: attributes {aa:?} became {ba:?}", here()));
    }
    let (ac, bc) = (children(a), children(b));
    if ac.len() != bc.len() {
        return Err(format!(
            "at {}: {} children became {}",
            here(),
            ac.len(),
            bc.len()
        ));
    }
    for (x, y) in ac.iter().zip(bc.iter()) {
        match (x, y) {
            (Child::El(x), Child::El(y)) => compare_at(x, y, path)?,
            (Child::Text(x), Child::Text(y)) if x == y => {}
            (Child::Text(x), Child::Text(y)) => {
                return Err(format!("at {}: text {x:?} became {y:?}", here()));
            }
            _ => return Err(format!("at {}: child order changed", here())),
        }
    }
    path.pop();
    Ok(())
}
