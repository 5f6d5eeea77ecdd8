//! Accepting JIDs as text or as `jid` types.

use jid::{BareJid, FullJid, Jid};
use muc_core::UsageError;

use crate::error::{Error, Result};

/// Something that names a JID: a `jid` type, or text to parse.
///
/// ```
/// use muc_client::IntoJid;
/// let j = "room@conference.example.org".into_jid().unwrap();
/// assert!(j.is_bare());
/// assert!("not a jid@".into_jid().is_err());
/// ```
pub trait IntoJid {
    /// The JID, or [`Error::InvalidJid`].
    fn into_jid(self) -> Result<Jid>;
}

impl IntoJid for Jid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self)
    }
}

impl IntoJid for &Jid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self.clone())
    }
}

impl IntoJid for BareJid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self.into())
    }
}

impl IntoJid for &BareJid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self.clone().into())
    }
}

impl IntoJid for FullJid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self.into())
    }
}

impl IntoJid for &FullJid {
    fn into_jid(self) -> Result<Jid> {
        Ok(self.clone().into())
    }
}

impl IntoJid for &str {
    fn into_jid(self) -> Result<Jid> {
        self.parse()
            .map_err(|e| Error::InvalidJid(format!("{self:?}: {e}")))
    }
}

impl IntoJid for String {
    fn into_jid(self) -> Result<Jid> {
        self.as_str().into_jid()
    }
}

impl IntoJid for &String {
    fn into_jid(self) -> Result<Jid> {
        self.as_str().into_jid()
    }
}

/// A room JID: bare, with a local part.
pub(crate) fn room_jid(j: impl IntoJid) -> Result<BareJid> {
    let jid = j.into_jid()?;
    if !jid.is_bare() || jid.node().is_none() {
        return Err(UsageError::NotBare(jid.to_string()).into());
    }
    Ok(jid.to_bare())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_jids_must_be_bare_with_a_node() {
        assert!(room_jid("r@conference.example.org").is_ok());
        assert!(matches!(
            room_jid("r@conference.example.org/nick"),
            Err(Error::Usage(UsageError::NotBare(_)))
        ));
        assert!(matches!(
            room_jid("conference.example.org"),
            Err(Error::Usage(UsageError::NotBare(_)))
        ));
        assert!(matches!(room_jid("@@"), Err(Error::InvalidJid(_))));
    }
}
