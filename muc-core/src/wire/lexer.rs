//! The byte level of the fast path: tags, attributes, text and the checks
//! that keep it as strict as the general parser.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::*;

/// Whether an attribute value or text needs a closer look: markup
/// characters, control characters, or bytes that may start U+FFFE/U+FFFF
/// or a supplementary character.
#[inline]
pub(super) fn plain(s: &str) -> bool {
    // No early exit: the loop vectorizes, and values are short.
    s.bytes().fold(true, |ok, b| {
        ok & (0x20..0xef).contains(&b) & (b != b'&') & (b != b'<')
    })
}

/// XML 1.0 `Char`.
pub(super) use crate::text::is_xml_char as xml_char;

/// An attribute value, unescaped, when the fast path is sure to read it as
/// rxml does (no normalization of whitespace needed, only valid characters).
pub(super) fn attr_value(raw: Cow<'_, str>) -> Fast<Cow<'_, str>> {
    if plain(&raw) {
        return Ok(raw);
    }
    if raw
        .bytes()
        .any(|b| matches!(b, b'<' | b'\t' | b'\n' | b'\r'))
    {
        // '<' is not allowed; whitespace would be normalized.
        return bail("attribute value to normalize");
    }
    let Ok(v) = quick_xml::escape::unescape(&raw) else {
        return bail("attribute value with an unknown reference");
    };
    if !v.chars().all(xml_char) || v.contains('\r') {
        return bail("attribute value with a forbidden character");
    }
    Ok(Cow::Owned(v.into_owned()))
}

/// A name the fast path is sure rxml accepts as it stands (ASCII, no
/// prefix).
pub(super) fn plain_name(name: &str) -> bool {
    let b = name.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return false,
    }
    b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// Whitespace that rxml reports unchanged (no `\r` to normalize).
pub(super) fn blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n'))
}

/// One element start: its name and raw attributes.
pub(super) struct Tag<'a> {
    pub(super) name: &'a str,
    pub(super) buf: &'a str,
    pub(super) empty: bool,
}

impl<'a> Tag<'a> {
    /// The tag, borrowed from `input` (the slice reader's events point
    /// into it).
    pub(super) fn of(e: &BytesStart<'_>, empty: bool, input: &'a str) -> Fast<Tag<'a>> {
        let s: &str = e;
        let name_len = e.name().0.len();
        let offset = (s.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
        match input.get(offset..offset.wrapping_add(s.len())) {
            Some(buf) if std::ptr::eq(buf.as_ptr(), s.as_ptr()) && name_len <= buf.len() => {
                Ok(Tag {
                    name: &buf[..name_len],
                    buf,
                    empty,
                })
            }
            _ => bail("event not borrowed from the input"),
        }
    }

    /// The attributes, values unescaped; malformed ones are declined.
    pub(super) fn attrs(&self) -> AttrIter<'a> {
        AttrIter {
            buf: self.buf,
            pos: self.name.len(),
            seen: [""; MAX_ATTRS],
            n: 0,
        }
    }

    /// The `xmlns` attribute, if any.
    ///
    /// A tag without the text `xmlns` has none, and its attributes are
    /// not read here: every caller that goes on with such a tag reads them
    /// (or declines it) itself.
    pub(super) fn xmlns(&self) -> Fast<Option<Cow<'a, str>>> {
        if !self.buf[self.name.len()..].contains("xmlns") {
            return Ok(None);
        }
        for a in self.attrs() {
            let (k, v) = a?;
            if k == "xmlns" {
                if reserved_ns(&v) {
                    return bail("reserved namespace name");
                }
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

/// More attributes than this on one element go to the general path.
pub(super) const MAX_ATTRS: usize = 12;

/// The attributes of a tag, read strictly by XML's rules: whitespace
/// before each, `=` between name and quoted value, no name twice.
pub(super) struct AttrIter<'a> {
    pub(super) buf: &'a str,
    pub(super) pos: usize,
    pub(super) seen: [&'a str; MAX_ATTRS],
    pub(super) n: usize,
}

pub(super) fn xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> AttrIter<'a> {
    pub(super) fn skip_space(&mut self) -> usize {
        let start = self.pos;
        let b = self.buf.as_bytes();
        while self.pos < b.len() && xml_space(b[self.pos]) {
            self.pos += 1;
        }
        self.pos - start
    }

    pub(super) fn attr(&mut self) -> Fast<Option<(&'a str, Cow<'a, str>)>> {
        let b = self.buf.as_bytes();
        let space = self.skip_space();
        if self.pos >= b.len() {
            return Ok(None);
        }
        if space == 0 {
            return bail("no space before an attribute");
        }
        let start = self.pos;
        while self.pos < b.len() && !xml_space(b[self.pos]) && b[self.pos] != b'=' {
            self.pos += 1;
        }
        let name = &self.buf[start..self.pos];
        self.skip_space();
        if b.get(self.pos) != Some(&b'=') {
            return bail("attribute without '='");
        }
        self.pos += 1;
        self.skip_space();
        let quote = match b.get(self.pos) {
            Some(q @ (b'\'' | b'"')) => *q,
            _ => return bail("unquoted attribute value"),
        };
        self.pos += 1;
        let Some(len) = b[self.pos..].iter().position(|c| *c == quote) else {
            return bail("unterminated attribute value");
        };
        let raw = &self.buf[self.pos..self.pos + len];
        self.pos += len + 1;
        if name.is_empty() || self.seen[..self.n].contains(&name) {
            return bail("empty or repeated attribute name");
        }
        if self.n == MAX_ATTRS {
            return bail("too many attributes");
        }
        self.seen[self.n] = name;
        self.n += 1;
        Ok(Some((name, attr_value(Cow::Borrowed(raw))?)))
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Fast<(&'a str, Cow<'a, str>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.attr() {
            Ok(Some(a)) => Some(Ok(a)),
            Ok(None) => None,
            Err(e) => {
                // Stop after an error.
                self.pos = self.buf.len();
                Some(Err(e))
            }
        }
    }
}

/// An attribute the fast path does not use, on an element that ignores
/// unknown attributes: only its well-formedness matters.
pub(super) fn ignorable(key: &str) -> Fast<()> {
    if plain_name(key) || key == "xml:lang" {
        Ok(())
    } else {
        bail("attribute name")
    }
}

pub(super) fn check_ref(r: &quick_xml::events::BytesRef<'_>) -> Fast<()> {
    match r.resolve_char_ref() {
        Ok(Some(c)) if xml_char(c) => Ok(()),
        Ok(Some(_)) | Err(_) => bail("bad character reference"),
        Ok(None) if matches!(&**r, "lt" | "gt" | "amp" | "apos" | "quot") => Ok(()),
        Ok(None) => bail("unknown entity"),
    }
}
