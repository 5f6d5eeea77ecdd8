//! Connecting users to the scenario's server (directly, through a
//! [`TcpProxy`], or as a fresh account) and closing them again.

use std::time::Duration;

use muc_client::{ConnectOptions, Service};

use super::{Error, TcpProxy};
use crate::backend::Backend;
use crate::runner::ScenarioCtx;

/// Connects `user` (one of the pre-registered accounts: alice, bob, carol,
/// dave, eve, frank, grace, heidi) to the scenario's server.
pub async fn connect(ctx: &ScenarioCtx, user: &str) -> Result<Service, Error> {
    let account = ctx.user(user);
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        ctx.addr(),
        ConnectOptions::default().reader(ctx.reader()),
    )
    .await?;
    Ok(service)
}

/// Connects `user` through `addr` (a [`TcpProxy`], for example) instead of the
/// server's own address, with [`quick_reconnect`] options.
pub async fn connect_via(
    ctx: &ScenarioCtx,
    user: &str,
    addr: std::net::SocketAddr,
) -> Result<Service, Error> {
    let account = ctx.user(user);
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        addr,
        quick_reconnect().reader(ctx.reader()),
    )
    .await?;
    Ok(service)
}

/// Connect options for scenarios that cut connections: the first reconnect
/// attempt is immediate, the next ones come quickly.
pub fn quick_reconnect() -> ConnectOptions {
    ConnectOptions::default()
        .connect_timeout(Duration::from_secs(5))
        .reconnect_delay(Duration::from_millis(100))
}

/// Registers a fresh account (no other scenario uses it, so nothing sent
/// to its bare JID can reach another scenario) and connects it.
pub async fn connect_fresh(ctx: &ScenarioCtx) -> Result<(Service, jid::BareJid), Error> {
    let account = ctx.fresh_user().await?;
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        ctx.addr(),
        ConnectOptions::default().reader(ctx.reader()),
    )
    .await?;
    Ok((service, account.jid().clone()))
}

/// [`connect_fresh`] through a [`TcpProxy`], so the scenario can show the
/// stanzas the new user exchanged.
pub async fn connect_fresh_via(
    ctx: &ScenarioCtx,
    proxy: &TcpProxy,
) -> Result<(Service, jid::BareJid), Error> {
    let account = ctx.fresh_user().await?;
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        proxy.addr(),
        quick_reconnect().reader(ctx.reader()),
    )
    .await?;
    Ok((service, account.jid().clone()))
}

/// Closes every service (ends their streams), in order.
pub async fn close_all(services: &[&Service]) {
    for s in services {
        s.close().await;
    }
}

/// The bare JID of the pre-registered account `user` (`bob@localhost`).
pub fn bare_jid(ctx: &ScenarioCtx, user: &str) -> jid::BareJid {
    ctx.user(user).jid().clone()
}

/// True for the real servers (not the embedded one).
pub fn is_real(ctx: &ScenarioCtx) -> bool {
    !matches!(ctx.backend(), Backend::Embedded)
}

/// Connects each of `users` (pre-registered accounts), one after the other,
/// as [`connect`] does.
pub async fn connect_all<const N: usize>(
    ctx: &ScenarioCtx,
    users: [&str; N],
) -> Result<[Service; N], Error> {
    let mut services = Vec::with_capacity(N);
    for user in users {
        services.push(connect(ctx, user).await?);
    }
    services
        .try_into()
        .map_err(|_| format!("expected {N} services").into())
}

/// Awaits `body`, then closes `services` (whatever the body concluded) and
/// returns what the body did.
pub async fn close_after<T>(
    services: &[&Service],
    body: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let result = body.await;
    close_all(services).await;
    result
}
