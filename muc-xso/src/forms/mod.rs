//! Typed views of the MUC data forms (XEP-0045 §15.5) and of room discovery.
//!
//! Each view wraps an `xmpp-parsers` [`DataForm`] and keeps every field it
//! was given, known or not, so a form fetched from a server can be changed
//! and submitted back without losing what the server added. Getters are
//! lenient: a value that does not parse reads as `None` (the raw field stays
//! reachable through `form()`).

use jid::Jid;
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};

use crate::error::Error;

mod register;
mod request;
mod roomconfig;
mod roominfo;

pub use register::RegistrationForm;
pub use request::VoiceRequest;
pub use roomconfig::{RoomConfig, Whois};
pub use roominfo::{RoomFeatures, RoomInfo};

/// Checks that `form` carries `expected` as its FORM_TYPE.
pub(crate) fn check_form_type(form: &DataForm, expected: &'static str) -> Result<(), Error> {
    match form.form_type() {
        Some(t) if t == expected => Ok(()),
        found => Err(Error::WrongFormType {
            expected,
            found: found.map(str::to_owned),
        }),
    }
}

/// An empty form of `type_` with the given FORM_TYPE.
pub(crate) fn new_form(type_: DataFormType, form_type: &str) -> DataForm {
    DataForm::new(type_, form_type, Vec::new())
}

pub(crate) fn field<'a>(form: &'a DataForm, var: &str) -> Option<&'a Field> {
    form.fields.iter().find(|f| f.var.as_deref() == Some(var))
}

pub(crate) fn values<'a>(form: &'a DataForm, var: &str) -> &'a [String] {
    field(form, var).map(|f| f.values.as_slice()).unwrap_or(&[])
}

pub(crate) fn text<'a>(form: &'a DataForm, var: &str) -> Option<&'a str> {
    values(form, var).first().map(String::as_str)
}

pub(crate) fn boolean(form: &DataForm, var: &str) -> Option<bool> {
    let f = field(form, var)?;
    // XEP-0004 §3.3: a boolean field without a value is false (Prosody
    // sends unchecked options that way).
    if f.values.is_empty() && f.type_ == FieldType::Boolean {
        return Some(false);
    }
    match f.values.first()?.trim() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

pub(crate) fn number(form: &DataForm, var: &str) -> Option<u32> {
    text(form, var)?.trim().parse().ok()
}

pub(crate) fn jids(form: &DataForm, var: &str) -> Vec<Jid> {
    values(form, var)
        .iter()
        .filter_map(|v| Jid::new(v.trim()).ok())
        .collect()
}

/// Replaces the values of `var`, adding the field (of `type_`) if missing.
pub(crate) fn set_values(form: &mut DataForm, var: &str, type_: FieldType, new: Vec<String>) {
    match form
        .fields
        .iter_mut()
        .find(|f| f.var.as_deref() == Some(var))
    {
        Some(f) => f.values = new,
        None => {
            let mut f = Field::new(var, type_);
            f.values = new;
            form.fields.push(f);
        }
    }
}

/// A copy of `form` as `type='submit'`: FORM_TYPE and every field's values,
/// without labels, options or descriptions.
pub(crate) fn as_submit(form: &DataForm) -> DataForm {
    DataForm {
        type_: DataFormType::Submit,
        title: None,
        instructions: None,
        fields: form
            .fields
            .iter()
            .filter(|f| f.var.is_some() && f.type_ != FieldType::Fixed)
            .map(|f| {
                let mut out = Field::new(f.var.as_deref().unwrap_or_default(), f.type_.clone());
                out.values = f.values.clone();
                out
            })
            .collect(),
    }
}

/// Generates a getter and a setter per form field.
///
/// Kinds: `bool`, `text`, `private`, `number`, `list` (list-single),
/// `multi` (list-multi), `lines` (text-multi), `jids` (jid-multi) and
/// `jid` (jid-single).
macro_rules! form_fields {
    ($view:ident { $( $(#[doc = $doc:literal])* $kind:ident $get:ident / $set:ident = $var:literal; )* }) => {
        impl $view {
            $( form_fields!(@one $kind $get $set $var [$($doc)*]); )*
        }
    };
    (@one bool $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`.")]
        pub fn $get(&self) -> Option<bool> { $crate::forms::boolean(&self.form, $var) }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set(&mut self, value: bool) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::Boolean,
                vec![if value { "1" } else { "0" }.to_owned()]);
            self
        }
    };
    (@one text $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        form_fields!(@string TextSingle $get $set $var [$($doc)*]);
    };
    (@one private $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        form_fields!(@string TextPrivate $get $set $var [$($doc)*]);
    };
    (@one list $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        form_fields!(@string ListSingle $get $set $var [$($doc)*]);
    };
    (@string $type:ident $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`.")]
        pub fn $get(&self) -> Option<&str> { $crate::forms::text(&self.form, $var) }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set(&mut self, value: impl Into<String>) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::$type, vec![value.into()]);
            self
        }
    };
    (@one number $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`.")]
        pub fn $get(&self) -> Option<u32> { $crate::forms::number(&self.form, $var) }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set(&mut self, value: u32) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::TextSingle, vec![value.to_string()]);
            self
        }
    };
    (@one multi $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        form_fields!(@strings ListMulti $get $set $var [$($doc)*]);
    };
    (@one lines $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        form_fields!(@strings TextMulti $get $set $var [$($doc)*]);
    };
    (@strings $type:ident $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`.")]
        pub fn $get(&self) -> &[String] { $crate::forms::values(&self.form, $var) }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set<S: Into<String>>(&mut self, values: impl IntoIterator<Item = S>) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::$type,
                values.into_iter().map(Into::into).collect());
            self
        }
    };
    (@one jids $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`; values that are not JIDs are skipped.")]
        pub fn $get(&self) -> Vec<jid::Jid> { $crate::forms::jids(&self.form, $var) }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set<J: Into<jid::Jid>>(&mut self, values: impl IntoIterator<Item = J>) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::JidMulti,
                values.into_iter().map(|j| j.into().to_string()).collect());
            self
        }
    };
    (@one jid $get:ident $set:ident $var:literal [$($doc:literal)*]) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nField `", $var, "`.")]
        pub fn $get(&self) -> Option<jid::Jid> { $crate::forms::jids(&self.form, $var).into_iter().next() }
        #[doc = concat!("Sets `", $var, "`.")]
        pub fn $set(&mut self, value: impl Into<jid::Jid>) -> &mut Self {
            $crate::forms::set_values(&mut self.form, $var, FieldType::JidSingle,
                vec![value.into().to_string()]);
            self
        }
    };
}
pub(crate) use form_fields;

/// Gives a form view its common plumbing: construction from a form with the
/// right FORM_TYPE, access to the whole form, and `From` conversions.
macro_rules! form_view {
    ($view:ident, $form_type:expr) => {
        impl $view {
            /// The FORM_TYPE this view reads.
            pub const FORM_TYPE: &'static str = $form_type;

            /// Wraps `form`, which must carry this view's FORM_TYPE.
            pub fn from_form(form: DataForm) -> Result<Self, $crate::Error> {
                $crate::forms::check_form_type(&form, $form_type)?;
                Ok($view { form })
            }

            /// The whole form, with every field (also the unknown ones).
            pub fn form(&self) -> &DataForm {
                &self.form
            }

            /// The whole form, to change fields this view has no accessor for.
            pub fn form_mut(&mut self) -> &mut DataForm {
                &mut self.form
            }

            /// Unwraps the form.
            pub fn into_form(self) -> DataForm {
                self.form
            }

            /// A `type='submit'` copy: FORM_TYPE and every field's values,
            /// ready to send back.
            pub fn to_submit(&self) -> DataForm {
                $crate::forms::as_submit(&self.form)
            }
        }

        impl TryFrom<DataForm> for $view {
            type Error = $crate::Error;
            fn try_from(form: DataForm) -> Result<Self, $crate::Error> {
                $view::from_form(form)
            }
        }

        impl From<$view> for DataForm {
            fn from(view: $view) -> DataForm {
                view.form
            }
        }
    };
}
pub(crate) use form_view;
