//! Attribute codecs that name the element and attribute at fault.
//!
//! `xso`'s own text conversions report "invalid value" without saying where;
//! these codecs wrap the conversion so that [`crate::Error::InvalidAttribute`]
//! can tell the user which element and attribute carried the bad value.

use std::borrow::Cow;

use xso::TextCodec;
use xso::error::Error as XsoError;

use crate::error::AttributeError;

/// A value that lives in an XML attribute.
pub(crate) trait AttrValue: Sized {
    /// Parses the attribute text; the error says what is wrong.
    fn parse_attr(text: &str) -> Result<Self, String>;
    /// Renders the value as attribute text.
    fn render_attr(&self) -> Cow<'_, str>;
}

/// Codec for an optional attribute (absent stays `None`).
pub(crate) struct Opt {
    pub(crate) element: &'static str,
    pub(crate) attribute: &'static str,
}

/// Codec for a required attribute.
pub(crate) struct Req {
    pub(crate) element: &'static str,
    pub(crate) attribute: &'static str,
}

fn fail(element: &'static str, attribute: &'static str, value: String, reason: String) -> XsoError {
    XsoError::text_parse_error(AttributeError {
        element,
        attribute,
        value,
        reason,
    })
}

impl<T: AttrValue> TextCodec<Option<T>> for Opt {
    fn decode(&self, s: String) -> Result<Option<T>, XsoError> {
        match T::parse_attr(&s) {
            Ok(v) => Ok(Some(v)),
            Err(reason) => Err(fail(self.element, self.attribute, s, reason)),
        }
    }

    fn encode<'x>(&self, value: &'x Option<T>) -> Result<Option<Cow<'x, str>>, XsoError> {
        Ok(value.as_ref().map(AttrValue::render_attr))
    }
}

impl<T: AttrValue> TextCodec<T> for Req {
    fn decode(&self, s: String) -> Result<T, XsoError> {
        T::parse_attr(&s).map_err(|reason| fail(self.element, self.attribute, s, reason))
    }

    fn encode<'x>(&self, value: &'x T) -> Result<Option<Cow<'x, str>>, XsoError> {
        Ok(Some(value.render_attr()))
    }
}

impl AttrValue for jid::Jid {
    fn parse_attr(text: &str) -> Result<Self, String> {
        jid::Jid::new(text).map_err(|e| e.to_string())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl AttrValue for jid::BareJid {
    fn parse_attr(text: &str) -> Result<Self, String> {
        jid::BareJid::new(text).map_err(|e| e.to_string())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl AttrValue for u32 {
    fn parse_attr(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map_err(|_| "expected a non-negative integer".to_owned())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

/// XML Schema booleans: `true`, `false`, `1`, `0`; kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct XsdBool {
    pub(crate) value: bool,
    pub(crate) numeric: bool,
}

impl AttrValue for XsdBool {
    fn parse_attr(text: &str) -> Result<Self, String> {
        match text.trim() {
            "true" => Ok(XsdBool {
                value: true,
                numeric: false,
            }),
            "false" => Ok(XsdBool {
                value: false,
                numeric: false,
            }),
            "1" => Ok(XsdBool {
                value: true,
                numeric: true,
            }),
            "0" => Ok(XsdBool {
                value: false,
                numeric: true,
            }),
            _ => Err("expected true, false, 1 or 0".to_owned()),
        }
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Borrowed(match (self.value, self.numeric) {
            (true, false) => "true",
            (false, false) => "false",
            (true, true) => "1",
            (false, true) => "0",
        })
    }
}

/// XEP-0082 DateTime, written back with `Z` for UTC as the profile asks.
impl AttrValue for xmpp_parsers::date::DateTime {
    fn parse_attr(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map_err(|e: chrono::ParseError| e.to_string())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}
