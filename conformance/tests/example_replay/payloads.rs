//! Stanza round trip: xmpp-parsers for the stanza, muc-xso for every MUC
//! payload (the four MUC namespaces, XEP-0249, and the MUC data forms).

use minidom::Element;
use muc_xso::forms::{RegistrationForm, RoomConfig, RoomInfo, VoiceRequest};
use muc_xso::{AdminQuery, DirectInvite, GenericExt, OwnerQuery, Payload, UserExt, ns};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::message::Message;
use xmpp_parsers::presence::Presence;

const DATA_FORMS: &str = "jabber:x:data";
const MUC_NAMESPACES: [&str; 5] = [
    ns::MUC,
    ns::MUC_USER,
    ns::MUC_ADMIN,
    ns::MUC_OWNER,
    ns::CONFERENCE,
];

fn through<T: Payload>(el: Element) -> Result<Element, String> {
    T::decode(el)
        .map(Into::into)
        .map_err(|e| format!("{} did not decode: {e}", std::any::type_name::<T>()))
}

/// A data form with a MUC FORM_TYPE goes through its muc-xso view.
fn through_form(el: Element) -> Result<(Element, bool), String> {
    let form = DataForm::try_from(el.clone()).map_err(|e| format!("data form: {e}"))?;
    let back: DataForm = match form.form_type() {
        Some(ns::ROOMCONFIG) => RoomConfig::from_form(form)
            .map_err(|e| e.to_string())?
            .into(),
        Some(ns::ROOMINFO) => RoomInfo::from_form(form).map_err(|e| e.to_string())?.into(),
        Some(ns::REQUEST) => VoiceRequest::from_form(form)
            .map_err(|e| e.to_string())?
            .into(),
        Some(ns::REGISTER) => RegistrationForm::from_form(form)
            .map_err(|e| e.to_string())?
            .into(),
        _ => return Ok((el, false)),
    };
    Ok((back.into(), true))
}

/// Round-trips one payload; the count says how many MUC payloads went
/// through a muc-xso type.
fn payload(el: Element) -> Result<(Element, usize), String> {
    let out = match (el.name(), el.ns().as_str()) {
        ("x", ns::MUC) => through::<GenericExt>(el)?,
        ("x", ns::MUC_USER) => through::<UserExt>(el)?,
        ("query", ns::MUC_ADMIN) => through::<AdminQuery>(el)?,
        ("query", ns::MUC_OWNER) => {
            let q = OwnerQuery::decode(el).map_err(|e| e.to_string())?;
            let mut q2 = q.clone();
            if let Some(form) = q.form {
                let (form_el, _) = through_form(form.into())?;
                q2.form = Some(DataForm::try_from(form_el).map_err(|e| e.to_string())?);
            }
            q2.into()
        }
        ("x", ns::CONFERENCE) => through::<DirectInvite>(el)?,
        ("x", DATA_FORMS) => {
            let (back, muc) = through_form(el)?;
            return Ok((back, usize::from(muc)));
        }
        // disco#info and jabber:iq:register are xmpp-parsers' business, but
        // the MUC forms inside them are ours.
        _ => {
            let mut count = 0;
            let mut copy = el.clone();
            let mut rebuilt = Vec::new();
            for child in el.children() {
                if child.is("x", DATA_FORMS) {
                    let (back, muc) = through_form(child.clone())?;
                    count += usize::from(muc);
                    rebuilt.push(back);
                } else {
                    rebuilt.push(child.clone());
                }
            }
            if count > 0 {
                // Swap the forms in place, keeping text nodes and order.
                let mut it = rebuilt.into_iter();
                for child in copy.children_mut() {
                    if let Some(new) = it.next() {
                        *child = new;
                    }
                }
            }
            return Ok((copy, count));
        }
    };
    Ok((out, 1))
}

/// Fails if a MUC element is still somewhere in `el` as a raw element.
fn no_raw_muc(el: &Element, decoded_root: bool) -> Result<(), String> {
    if !decoded_root && MUC_NAMESPACES.contains(&el.ns().as_str()) {
        return Err(format!(
            "MUC element <{}/> ({}) was not decoded",
            el.name(),
            el.ns()
        ));
    }
    for child in el.children() {
        no_raw_muc(child, decoded_root)?;
    }
    Ok(())
}

fn payloads(list: Vec<Element>) -> Result<(Vec<Element>, usize), String> {
    let mut out = Vec::with_capacity(list.len());
    let mut count = 0;
    for el in list {
        let (back, n) = payload(el)?;
        no_raw_muc(&back, n > 0)?;
        count += n;
        out.push(back);
    }
    Ok((out, count))
}

/// Parses `el` as a stanza, round-trips its payloads and serializes it.
pub fn round_trip_stanza(el: Element) -> Result<(Element, usize), String> {
    let had_priority = el.get_child("priority", "jabber:client").is_some();
    match el.name() {
        "presence" => {
            let mut p = Presence::try_from(el).map_err(|e| format!("presence: {e}"))?;
            let (list, n) = payloads(std::mem::take(&mut p.payloads))?;
            p.payloads = list;
            let mut back = Element::from(p);
            if !had_priority {
                // xmpp-parsers always writes <priority>0</priority>.
                back.remove_child("priority", "jabber:client");
            }
            Ok((back, n))
        }
        "message" => {
            let mut m = Message::try_from(el).map_err(|e| format!("message: {e}"))?;
            let (list, n) = payloads(std::mem::take(&mut m.payloads))?;
            m.payloads = list;
            Ok((Element::from(m), n))
        }
        "iq" => {
            let mut iq = Iq::try_from(el).map_err(|e| format!("iq: {e}"))?;
            let n = match &mut iq {
                Iq::Get { payload: p, .. } | Iq::Set { payload: p, .. } => {
                    let (back, n) = payloads(vec![p.clone()])?;
                    *p = back.into_iter().next().ok_or("payload vanished")?;
                    n
                }
                Iq::Result {
                    payload: Some(p), ..
                }
                | Iq::Error {
                    payload: Some(p), ..
                } => {
                    let (back, n) = payloads(vec![p.clone()])?;
                    *p = back.into_iter().next().ok_or("payload vanished")?;
                    n
                }
                _ => 0,
            };
            Ok((Element::from(iq), n))
        }
        other => Err(format!("<{other}/> is not a stanza")),
    }
}
