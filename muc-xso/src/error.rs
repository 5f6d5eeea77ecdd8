//! Errors raised while decoding MUC payloads.

use xso::error::Error as XsoError;

/// Why a MUC payload could not be decoded.
///
/// Decoding is tolerant (unknown attributes and foreign children are never an
/// error), so this is raised only for content that breaks the protocol, such
/// as `affiliation='boss'` or a `<status/>` without a numeric code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An attribute holds a value that its element does not allow.
    #[error("invalid {attribute}='{value}' on <{element}/>: {reason}")]
    InvalidAttribute {
        /// Local name of the element that carries the attribute.
        element: &'static str,
        /// Name of the attribute.
        attribute: &'static str,
        /// The offending value, as received.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The element is not the one this type decodes (other name or namespace).
    #[error("expected <{expected}/>, found <{found}/> in namespace '{namespace}'")]
    UnexpectedElement {
        /// Name of the element this type decodes.
        expected: &'static str,
        /// Name of the element found.
        found: String,
        /// Namespace of the element found.
        namespace: String,
    },
    /// A data form does not carry the FORM_TYPE this view expects.
    #[error("expected a data form of FORM_TYPE '{expected}', found {found:?}")]
    WrongFormType {
        /// The FORM_TYPE this view needs.
        expected: &'static str,
        /// The FORM_TYPE found, if any.
        found: Option<String>,
    },
    /// Any other violation (a required attribute or child is missing, an
    /// element is repeated where only one is allowed, ...).
    #[error("invalid <{element}/>: {reason}")]
    Invalid {
        /// Local name of the outermost element being decoded.
        element: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The typed cause carried inside an `xso` text-parse error, so that the
/// attribute at fault survives the trip through the derive machinery.
#[derive(Debug, thiserror::Error)]
#[error("invalid {attribute}='{value}' on <{element}/>: {reason}")]
pub(crate) struct AttributeError {
    pub(crate) element: &'static str,
    pub(crate) attribute: &'static str,
    pub(crate) value: String,
    pub(crate) reason: String,
}

impl Error {
    pub(crate) fn from_xso(element: &str, error: XsoError) -> Self {
        match error {
            XsoError::TextParseError(inner) => match inner.downcast::<AttributeError>() {
                Ok(attr) => Error::InvalidAttribute {
                    element: attr.element,
                    attribute: attr.attribute,
                    value: attr.value,
                    reason: attr.reason,
                },
                Err(other) => Error::Invalid {
                    element: element.to_owned(),
                    reason: other.to_string(),
                },
            },
            other => Error::Invalid {
                element: element.to_owned(),
                reason: other.to_string(),
            },
        }
    }
}
