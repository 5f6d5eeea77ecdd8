//! Keeping passwords out of `Debug` output (and so out of logs).

use xmpp_parsers::data_forms::DataForm;

/// Shows that a secret is there without showing it.
pub(crate) fn secret(s: &Option<String>) -> Option<&'static str> {
    s.as_ref().map(|_| "***")
}

/// A copy of `form` with the values of the `secret_vars` fields replaced.
pub(crate) fn form(form: &DataForm, secret_vars: &[&str]) -> DataForm {
    let mut copy = form.clone();
    for field in &mut copy.fields {
        if field
            .var
            .as_deref()
            .is_some_and(|v| secret_vars.contains(&v))
        {
            for v in &mut field.values {
                *v = "***".to_owned();
            }
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use crate::forms::RoomConfig;
    use crate::*;

    #[test]
    fn no_password_in_debug_output() {
        let secret = "cauldronburn";
        let mut config = RoomConfig::new();
        config.set_room_secret(secret);
        let dumps = [
            format!("{:?}", GenericExt::new().with_password(secret)),
            format!("{:?}", UserExt::new().with_password(secret)),
            format!(
                "{:?}",
                DestroyNotification {
                    password: Some(secret.into()),
                    ..Default::default()
                }
            ),
            format!(
                "{:?}",
                DestroyRequest {
                    password: Some(secret.into()),
                    ..Default::default()
                }
            ),
            format!(
                "{:?}",
                DirectInvite::new("a@b".parse().unwrap()).with_password(secret)
            ),
            format!("{config:?}"),
        ];
        for d in dumps {
            assert!(!d.contains(secret), "{d}");
            assert!(
                d.contains("***"),
                "the password's presence is still visible: {d}"
            );
        }
    }
}
