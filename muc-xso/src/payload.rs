//! The [`Payload`] trait: one way to find and decode any MUC payload.

use minidom::Element;
use xso::error::FromElementError;

use crate::error::Error;

/// A MUC element that travels as a stanza payload.
///
/// Every wire type of this crate implements it, so code that handles stanzas
/// can find and decode a payload with one call and get a typed [`Error`].
///
/// ```
/// use muc_xso::{Payload, UserExt};
/// let presence: xmpp_parsers::presence::Presence =
///     "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch'>\
///        <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>\
///      </presence>".parse::<minidom::Element>().unwrap().try_into().unwrap();
/// let x = UserExt::find_in(&presence.payloads).expect("present").expect("valid");
/// assert!(x.item().is_some());
/// ```
pub trait Payload: TryFrom<Element, Error = FromElementError> + Into<Element> {
    /// The element's namespace.
    const NS: &'static str;
    /// The element's local name.
    const NAME: &'static str;

    /// Whether `element` is this payload (by name and namespace).
    fn matches(element: &Element) -> bool {
        element.is(Self::NAME, Self::NS)
    }

    /// Decodes `element`, with an error that names the element and attribute
    /// at fault.
    fn decode(element: Element) -> Result<Self, Error> {
        decode_derived(element)
    }

    /// Decodes a borrowed `element` (copying it only where this type has no
    /// faster way).
    fn decode_ref(element: &Element) -> Result<Self, Error> {
        Self::decode(element.clone())
    }

    /// Finds the first payload of this type among `payloads` and decodes it.
    ///
    /// `None` when there is none; `Some(Err(_))` when it is there but invalid.
    fn find_in(payloads: &[Element]) -> Option<Result<Self, Error>> {
        payloads
            .iter()
            .find(|el| Self::matches(el))
            .map(Self::decode_ref)
    }
}

/// The derived (xso) decoding with muc-xso's typed errors.
fn decode_derived<T: Payload>(element: Element) -> Result<T, Error> {
    match T::try_from(element) {
        Ok(value) => Ok(value),
        Err(FromElementError::Mismatch(el)) => Err(Error::UnexpectedElement {
            expected: T::NAME,
            found: el.name().to_owned(),
            namespace: el.ns(),
        }),
        Err(FromElementError::Invalid(e)) => Err(Error::from_xso(T::NAME, e)),
    }
}

/// `<x/>` in `muc#user` is read directly from the tree when it has the
/// usual shape (`crate::fast`), the derived decoder doing the rest: same
/// values, same errors, a fraction of the time.
impl Payload for crate::UserExt {
    const NS: &'static str = crate::ns::MUC_USER;
    const NAME: &'static str = "x";

    fn decode(element: Element) -> Result<Self, Error> {
        match crate::fast::user_ext(&element) {
            Some(x) => Ok(x),
            None => decode_derived(element),
        }
    }

    fn decode_ref(element: &Element) -> Result<Self, Error> {
        match crate::fast::user_ext(element) {
            Some(x) => Ok(x),
            None => decode_derived(element.clone()),
        }
    }
}

macro_rules! payload {
    ($($ty:ty => $ns:expr, $name:literal;)*) => {
        $(impl Payload for $ty {
            const NS: &'static str = $ns;
            const NAME: &'static str = $name;
        })*
    };
}

payload! {
    crate::GenericExt => crate::ns::MUC, "x";
    crate::History => crate::ns::MUC, "history";
    crate::Status => crate::ns::MUC_USER, "status";
    crate::UserItem => crate::ns::MUC_USER, "item";
    crate::UserActor => crate::ns::MUC_USER, "actor";
    crate::Continue => crate::ns::MUC_USER, "continue";
    crate::Invite => crate::ns::MUC_USER, "invite";
    crate::Decline => crate::ns::MUC_USER, "decline";
    crate::DestroyNotification => crate::ns::MUC_USER, "destroy";
    crate::AdminQuery => crate::ns::MUC_ADMIN, "query";
    crate::AdminItem => crate::ns::MUC_ADMIN, "item";
    crate::AdminActor => crate::ns::MUC_ADMIN, "actor";
    crate::OwnerQuery => crate::ns::MUC_OWNER, "query";
    crate::DestroyRequest => crate::ns::MUC_OWNER, "destroy";
    crate::DirectInvite => crate::ns::CONFERENCE, "x";
}
