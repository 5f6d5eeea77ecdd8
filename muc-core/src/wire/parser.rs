//! The presence level of the fast path: a presence and its MUC children,
//! read from the tags of [`super::lexer`].

use std::borrow::Cow;

use jid::Jid;
use muc_xso::{
    Affiliation, Continue, DestroyNotification, Role, Status, StatusCode, UserActor, UserChild,
    UserExt, UserItem,
};
use quick_xml::Reader;
use quick_xml::events::Event;
use xmpp_parsers::message::Lang;
use xmpp_parsers::presence::{Show, Type};

use crate::incoming::IncomingPresence;

use super::lexer::*;
use super::*;

/// What the children of `<presence/>` add up to.
#[derive(Default)]
pub(super) struct Body<'a> {
    /// The `xml:lang` of the presence, which its `<status/>`es inherit.
    pub(super) lang: Option<Cow<'a, str>>,
    pub(super) show: Option<Show>,
    pub(super) statuses: Vec<(Lang, String)>,
    pub(super) priority: bool,
    pub(super) user: Option<UserExt>,
    pub(super) occupant_id: Option<String>,
}

pub(super) struct Parser<'r, 'a> {
    pub(super) r: &'r mut Reader<&'a [u8]>,
    pub(super) input: &'a str,
}

impl<'a> Parser<'_, 'a> {
    pub(super) fn next(&mut self) -> Fast<Event<'a>> {
        match self.r.read_event() {
            Ok(e) => Ok(e),
            Err(_) => bail("not well-formed"),
        }
    }

    /// The next child element of the current one, or `None` at its end.
    /// Whitespace between children is skipped; other text is declined.
    pub(super) fn child(&mut self) -> Fast<Option<Tag<'a>>> {
        loop {
            match self.next()? {
                Event::Start(e) => return Tag::of(&e, false, self.input).map(Some),
                Event::Empty(e) => return Tag::of(&e, true, self.input).map(Some),
                Event::End(_) => return Ok(None),
                Event::Text(t) if blank(&t) => {}
                _ => return bail("text, CDATA, comment or PI between elements"),
            }
        }
    }

    /// Text content up to the end of the current element, references
    /// resolved. A child element, CDATA or a comment is declined.
    pub(super) fn text(&mut self, tag: &Tag<'a>) -> Fast<Cow<'a, str>> {
        if tag.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut out: Option<Cow<'a, str>> = None;
        loop {
            match self.next()? {
                Event::Text(t) => {
                    let t = t.into_inner();
                    if !plain(&t) && (!t.chars().all(xml_char) || t.contains('\r')) {
                        return bail("text with a forbidden character");
                    }
                    out = Some(match out {
                        None => t,
                        Some(prev) => Cow::Owned(prev.into_owned() + &t),
                    });
                }
                Event::GeneralRef(r) => {
                    check_ref(&r)?;
                    let c = match r.resolve_char_ref() {
                        Ok(Some('\r')) => return bail("carriage return"),
                        Ok(Some(c)) => c,
                        _ => match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            _ => '"',
                        },
                    };
                    let mut s = out.map(Cow::into_owned).unwrap_or_default();
                    s.push(c);
                    out = Some(Cow::Owned(s));
                }
                Event::End(_) => {
                    let out = out.unwrap_or(Cow::Borrowed(""));
                    if out.contains("]]>") {
                        return bail("']]>' in text");
                    }
                    return Ok(out);
                }
                _ => return bail("markup inside text"),
            }
        }
    }

    /// Checks an element that is ignored (a foreign payload, an unknown
    /// child where unknown children are discarded) and skips it.
    pub(super) fn ignore(&mut self, tag: &Tag<'a>) -> Fast<()> {
        check_foreign(tag)?;
        if tag.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Event::Start(e) => {
                    check_foreign(&Tag::of(&e, false, self.input)?)?;
                    depth += 1;
                }
                Event::Empty(e) => check_foreign(&Tag::of(&e, true, self.input)?)?,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Event::Text(t) => {
                    // `]]>` is plain ASCII, so it is checked on its own.
                    if t.contains("]]>") || (!plain(&t) && !t.chars().all(xml_char)) {
                        return bail("text with a forbidden character");
                    }
                }
                Event::GeneralRef(r) => check_ref(&r)?,
                _ => return bail("CDATA, comment or PI"),
            }
        }
    }

    pub(super) fn presence(&mut self, to_cache: &mut Option<String>) -> Fast<IncomingPresence> {
        let tag = match self.next()? {
            Event::Start(e) => Tag::of(&e, false, self.input)?,
            Event::Empty(e) => Tag::of(&e, true, self.input)?,
            _ => return bail("does not start with an element"),
        };
        if tag.name != "presence" {
            return bail("not a presence");
        }
        let mut from = None;
        let mut id = None;
        let mut type_ = Type::None;
        let mut lang = None;
        for a in tag.attrs() {
            let (k, v) = a?;
            match k {
                "from" => from = Some(v),
                "to" => {
                    if to_cache.as_deref() != Some(&*v) {
                        if Jid::new(&v).is_err() {
                            return bail("invalid 'to'");
                        }
                        *to_cache = Some(v.into_owned());
                    }
                }
                "id" => id = Some(v.into_owned()),
                "type" => type_ = presence_type(&v)?,
                "xml:lang" => lang = Some(v),
                "xmlns" if v == CLIENT_NS => {}
                _ => return bail("attribute of <presence/>"),
            }
        }
        let Some(from) = from else {
            return bail("no 'from'");
        };
        let Ok(from) = Jid::new(&from) else {
            return bail("invalid 'from'");
        };
        let mut body = Body {
            lang,
            ..Body::default()
        };
        if !tag.empty {
            while let Some(child) = self.child()? {
                self.presence_child(child, &mut body)?;
            }
        }
        loop {
            match self.next()? {
                Event::Eof => break,
                Event::Text(t) if blank(&t) => {}
                _ => return bail("content after the presence"),
            }
        }
        Ok(IncomingPresence {
            from,
            id,
            type_,
            show: body.show,
            statuses: body.statuses,
            user: body.user,
            occupant_id: body.occupant_id,
            error: None,
        })
    }

    pub(super) fn presence_child(&mut self, tag: Tag<'a>, body: &mut Body<'a>) -> Fast<()> {
        let xmlns = tag.xmlns()?;
        match (tag.name, xmlns.as_deref()) {
            ("show", None) => {
                if tag.attrs().next().is_some() || body.show.is_some() {
                    return bail("<show/> with attributes, or twice");
                }
                body.show = Some(show(&self.text(&tag)?)?);
            }
            ("status", None) => {
                let mut lang = None;
                for a in tag.attrs() {
                    match a? {
                        ("xml:lang", v) => lang = Some(v),
                        _ => return bail("attribute of <status/>"),
                    }
                }
                let lang = Lang(
                    lang.or_else(|| body.lang.clone())
                        .unwrap_or_default()
                        .into_owned(),
                );
                let text = self.text(&tag)?;
                if crate::incoming::set_status(&mut body.statuses, lang, text.into_owned()) {
                    return bail("two <status/> in one language");
                }
            }
            ("priority", None) => {
                if tag.attrs().next().is_some() || body.priority {
                    return bail("<priority/> with attributes, or twice");
                }
                if self.text(&tag)?.parse::<i8>().is_err() {
                    return bail("<priority/> value");
                }
                body.priority = true;
            }
            ("x", Some(muc_xso::ns::MUC_USER)) => {
                if body.user.is_some() {
                    return bail("two muc#user payloads");
                }
                body.user = Some(self.user_ext(&tag)?);
            }
            ("occupant-id", Some(OCCUPANT_ID_NS)) => {
                if body.occupant_id.is_some() {
                    return bail("two occupant ids");
                }
                let mut id = None;
                for a in tag.attrs() {
                    match a? {
                        ("xmlns", _) => {}
                        ("id", v) => id = Some(v.into_owned()),
                        _ => return bail("attribute of <occupant-id/>"),
                    }
                }
                if !tag.empty && self.child()?.is_some() {
                    return bail("child of <occupant-id/>");
                }
                let Some(id) = id else {
                    return bail("occupant-id without an id");
                };
                body.occupant_id = Some(id);
            }
            (_, Some(ns)) if ns != CLIENT_NS => self.ignore(&tag)?,
            _ => return bail("a jabber:client child the fast path does not read"),
        }
        Ok(())
    }

    pub(super) fn user_ext(&mut self, tag: &Tag<'a>) -> Fast<UserExt> {
        for a in tag.attrs() {
            ignorable(a?.0)?;
        }
        let mut children = Vec::new();
        if !tag.empty {
            while let Some(child) = self.child()? {
                match child.xmlns()?.as_deref() {
                    None | Some(muc_xso::ns::MUC_USER) => {}
                    Some(_) => return bail("foreign child in muc#user"),
                }
                children.push(match child.name {
                    "item" => UserChild::Item(self.item(&child)?),
                    "status" => UserChild::Status(self.status(&child)?),
                    "destroy" => UserChild::Destroy(self.destroy(&child)?),
                    _ => return bail("muc#user child the fast path does not read"),
                });
            }
        }
        Ok(UserExt {
            children,
            extra: Vec::new(),
        })
    }

    /// The next child of an element that discards unknown children: known
    /// ones (unprefixed, in `muc#user`, no `xmlns` of their own) come back,
    /// the others are checked and skipped.
    pub(super) fn known_child(&mut self) -> Fast<Option<Tag<'a>>> {
        while let Some(child) = self.child()? {
            match child.xmlns()?.as_deref() {
                None => return Ok(Some(child)),
                Some(muc_xso::ns::MUC_USER) => return bail("redundant xmlns"),
                Some(_) => self.ignore(&child)?,
            }
        }
        Ok(None)
    }

    /// The text of a `<reason/>` or `<password/>` (no attributes).
    pub(super) fn simple_text(&mut self, tag: &Tag<'a>, slot: &mut Option<String>) -> Fast<()> {
        if tag.attrs().next().is_some() || slot.is_some() {
            return bail("text child with attributes, or twice");
        }
        *slot = Some(self.text(tag)?.into_owned());
        Ok(())
    }

    pub(super) fn item(&mut self, tag: &Tag<'a>) -> Fast<UserItem> {
        let mut item = UserItem::default();
        for a in tag.attrs() {
            match a? {
                ("affiliation", v) => match v.parse::<Affiliation>() {
                    Ok(a) => item.affiliation = Some(a),
                    Err(_) => return bail("affiliation"),
                },
                ("role", v) => match v.parse::<Role>() {
                    Ok(r) => item.role = Some(r),
                    Err(_) => return bail("role"),
                },
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => item.jid = Some(j),
                    Err(_) => return bail("item jid"),
                },
                ("nick", v) => item.nick = Some(v.into_owned()),
                (k, _) => ignorable(k)?,
            }
        }
        if tag.empty {
            return Ok(item);
        }
        while let Some(child) = self.known_child()? {
            match child.name {
                "actor" => {
                    if item.actor.is_some() {
                        return bail("two actors");
                    }
                    item.actor = Some(Box::new(self.actor(&child)?));
                }
                "reason" => self.simple_text(&child, &mut item.reason)?,
                "continue" => {
                    if item.continue_.is_some() {
                        return bail("two continues");
                    }
                    let mut c = Continue::default();
                    for a in child.attrs() {
                        match a? {
                            ("thread", v) => c.thread = Some(v.into_owned()),
                            (k, _) => ignorable(k)?,
                        }
                    }
                    self.discard_children(&child)?;
                    item.continue_ = Some(Box::new(c));
                }
                _ => self.ignore(&child)?,
            }
        }
        Ok(item)
    }

    /// Skips every child of an element that discards them all.
    pub(super) fn discard_children(&mut self, tag: &Tag<'a>) -> Fast<()> {
        if !tag.empty {
            while let Some(child) = self.child()? {
                self.ignore(&child)?;
            }
        }
        Ok(())
    }

    pub(super) fn actor(&mut self, tag: &Tag<'a>) -> Fast<UserActor> {
        let mut actor = UserActor::default();
        for a in tag.attrs() {
            match a? {
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => actor.jid = Some(j),
                    Err(_) => return bail("actor jid"),
                },
                ("nick", v) => actor.nick = Some(v.into_owned()),
                (k, _) => ignorable(k)?,
            }
        }
        self.discard_children(tag)?;
        Ok(actor)
    }

    pub(super) fn status(&mut self, tag: &Tag<'a>) -> Fast<Status> {
        let mut code = None;
        for a in tag.attrs() {
            match a? {
                ("code", v) => match v.trim().parse::<u16>() {
                    Ok(c) => code = Some(StatusCode(c)),
                    Err(_) => return bail("status code"),
                },
                (k, _) => ignorable(k)?,
            }
        }
        self.discard_children(tag)?;
        match code {
            Some(code) => Ok(Status { code }),
            None => bail("status without a code"),
        }
    }

    pub(super) fn destroy(&mut self, tag: &Tag<'a>) -> Fast<DestroyNotification> {
        let mut d = DestroyNotification::default();
        for a in tag.attrs() {
            match a? {
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => d.jid = Some(j),
                    Err(_) => return bail("destroy jid"),
                },
                (k, _) => ignorable(k)?,
            }
        }
        if !tag.empty {
            while let Some(child) = self.known_child()? {
                match child.name {
                    "reason" => self.simple_text(&child, &mut d.reason)?,
                    "password" => self.simple_text(&child, &mut d.password)?,
                    _ => self.ignore(&child)?,
                }
            }
        }
        Ok(d)
    }
}

/// The checks rxml makes on an element the fast path skips.
pub(super) fn check_foreign(tag: &Tag<'_>) -> Fast<()> {
    if !plain_name(tag.name) {
        return bail("element name");
    }
    for a in tag.attrs() {
        let (k, v) = a?;
        ignorable(k)?;
        if k == "xmlns" && reserved_ns(&v) {
            return bail("reserved namespace name");
        }
    }
    Ok(())
}

/// The namespace name bound to the `xml` prefix, which rxml refuses as a
/// default namespace (found by the `wire_presence` fuzz target).
pub(super) fn reserved_ns(ns: &str) -> bool {
    ns == crate::incoming::XML_NS
}
