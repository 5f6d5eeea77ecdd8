//! SASL on the accepting side: PLAIN always, SCRAM-SHA-1 and SCRAM-SHA-256
//! when enabled, using the `sasl` crate's server mechanisms against the
//! server's account table.

use std::io;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use minidom::Element;
use sasl::common::{ChannelBinding, Identity};
use sasl::secret;
use sasl::server::mechanisms::{Plain, Scram};
use sasl::server::{
    Mechanism, Provider, ProviderError, Response as SaslResponse, Validator, ValidatorError,
};
use tokio::io::{AsyncBufRead, AsyncWrite};
use tokio_xmpp::xmlstream::{ReadError, XmlStream};
use xmpp_parsers::sasl::{Challenge, DefinedCondition, Failure, Nonza};
use xmpp_parsers::stream_error::DefinedCondition as StreamCondition;

use crate::router::Hub;
use crate::session::send_stream_error;

/// Iterations for the SCRAM salted password. Low on purpose: this is a test
/// server, and each login pays for it in a debug build.
const SCRAM_ITERATIONS: u32 = 4096;
const SCRAM_SALT: &[u8] = b"muc-testserver-salt";

/// How many failed attempts a connection gets before it is closed.
const MAX_ATTEMPTS: usize = 3;

#[derive(Clone)]
struct Accounts(Arc<Hub>);

fn username(identity: &Identity) -> Option<&str> {
    match identity {
        Identity::Username(u) => Some(u.as_str()),
        Identity::None => None,
    }
}

impl Validator<secret::Plain> for Accounts {
    fn validate(&self, identity: &Identity, value: &secret::Plain) -> Result<(), ValidatorError> {
        match username(identity) {
            Some(u) if self.0.check_password(u, &value.0) => Ok(()),
            _ => Err(ValidatorError::AuthenticationFailed),
        }
    }
}

impl Provider<secret::Pbkdf2Sha1> for Accounts {
    fn provide(&self, identity: &Identity) -> Result<secret::Pbkdf2Sha1, ProviderError> {
        let pw = username(identity)
            .and_then(|u| self.0.password(u))
            .ok_or(ProviderError::AuthenticationFailed)?;
        Ok(secret::Pbkdf2Sha1::derive(
            &pw,
            SCRAM_SALT,
            SCRAM_ITERATIONS,
        )?)
    }
}
sasl::impl_validator_using_provider!(Accounts, secret::Pbkdf2Sha1);

impl Provider<secret::Pbkdf2Sha256> for Accounts {
    fn provide(&self, identity: &Identity) -> Result<secret::Pbkdf2Sha256, ProviderError> {
        let pw = username(identity)
            .and_then(|u| self.0.password(u))
            .ok_or(ProviderError::AuthenticationFailed)?;
        Ok(secret::Pbkdf2Sha256::derive(
            &pw,
            SCRAM_SALT,
            SCRAM_ITERATIONS,
        )?)
    }
}
sasl::impl_validator_using_provider!(Accounts, secret::Pbkdf2Sha256);

/// The mechanism names offered in the stream features.
pub(crate) fn offered(hub: &Hub) -> Vec<&'static str> {
    if hub.scram {
        vec!["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]
    } else {
        vec!["PLAIN"]
    }
}

fn mechanism(name: &str, hub: &Arc<Hub>) -> Option<Box<dyn Mechanism + Send>> {
    let accounts = Accounts(hub.clone());
    // sasl 0.5's server SCRAM rejects the gs2 header "n,," (client without
    // channel binding, which is what tokio-xmpp sends on plain TCP) when it is
    // given ChannelBinding::None; with an empty tls-unique binding it accepts
    // "n,," and checks `c=` against "n,," plus no data, which is correct.
    let cb = || ChannelBinding::TlsUnique(Vec::new());
    match name {
        "PLAIN" => Some(Box::new(Plain::new(accounts))),
        "SCRAM-SHA-1" if hub.scram => Some(Box::new(Scram::<sasl::common::scram::Sha1, _>::new(
            accounts,
            cb(),
        ))),
        "SCRAM-SHA-256" if hub.scram => Some(Box::new(
            Scram::<sasl::common::scram::Sha256, _>::new(accounts, cb()),
        )),
        _ => None,
    }
}

/// The outcome of the SASL negotiation.
pub(crate) enum AuthOutcome {
    /// Authenticated as this user; send `<success/>` with this data.
    Success { user: String, data: Vec<u8> },
    /// The client went away or failed too often; the stream is finished.
    Closed,
}

fn failure(condition: DefinedCondition) -> Nonza {
    Nonza::Failure(Failure {
        defined_condition: condition,
        texts: Default::default(),
    })
}

/// Run SASL on a freshly opened stream.
pub(crate) async fn authenticate<Io: AsyncBufRead + AsyncWrite + Unpin>(
    stream: &mut XmlStream<Io, Element>,
    hub: &Arc<Hub>,
) -> io::Result<AuthOutcome> {
    let mut attempts = 0;
    let mut current: Option<Box<dyn Mechanism + Send>> = None;
    loop {
        let element = match stream.next().await {
            Some(Ok(e)) => e,
            Some(Err(ReadError::SoftTimeout)) => continue,
            Some(Err(ReadError::ParseError(_))) => continue,
            Some(Err(ReadError::HardError(e))) => return Err(e),
            Some(Err(ReadError::StreamFooterReceived)) | None => return Ok(AuthOutcome::Closed),
        };
        let nonza = match Nonza::try_from(element) {
            Ok(n) => n,
            Err(_) => {
                // Anything but SASL before authentication.
                send_stream_error(stream, StreamCondition::NotAuthorized, "Authenticate first")
                    .await;
                return Ok(AuthOutcome::Closed);
            }
        };
        let (mech, data) = match nonza {
            Nonza::Auth(auth) => {
                let name = auth.mechanism.to_string();
                match mechanism(&name, hub) {
                    Some(m) => {
                        current = Some(m);
                        (current.as_mut(), auth.data)
                    }
                    None => {
                        stream
                            .send(&failure(DefinedCondition::InvalidMechanism))
                            .await?;
                        continue;
                    }
                }
            }
            Nonza::Response(r) => (current.as_mut(), r.data),
            Nonza::Abort(_) => {
                current = None;
                stream.send(&failure(DefinedCondition::Aborted)).await?;
                continue;
            }
            _ => {
                stream
                    .send(&failure(DefinedCondition::MalformedRequest))
                    .await?;
                continue;
            }
        };
        let Some(mech) = mech else {
            stream
                .send(&failure(DefinedCondition::MalformedRequest))
                .await?;
            continue;
        };
        match mech.respond(&data) {
            Ok(SaslResponse::Proceed(challenge)) => {
                stream
                    .send(&Nonza::Challenge(Challenge { data: challenge }))
                    .await?;
            }
            Ok(SaslResponse::Success(identity, data)) => {
                let user = username(&identity).unwrap_or_default().to_owned();
                tracing::debug!(%user, "SASL success");
                return Ok(AuthOutcome::Success { user, data });
            }
            Err(e) => {
                tracing::debug!("SASL failure: {e}");
                current = None;
                attempts += 1;
                stream
                    .send(&failure(DefinedCondition::NotAuthorized))
                    .await?;
                if attempts >= MAX_ATTEMPTS {
                    let _ = stream.shutdown().await;
                    return Ok(AuthOutcome::Closed);
                }
            }
        }
    }
}
