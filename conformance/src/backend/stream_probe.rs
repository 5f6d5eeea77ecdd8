//! XMPP-level readiness: open a client stream and wait for the server's header and features.
//!
//! A bare TCP connect is not enough for ejabberd, which opens its listen socket 30–90 ms
//! before its tables exist (research note, pitfall P13).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connects to `addr`, sends a client stream header for `domain`, and waits (at most
/// `timeout` in all) for a stream header from `domain` followed by `</stream:features>`.
///
/// Returns a short description of what went wrong otherwise.
pub(crate) async fn probe(addr: SocketAddr, domain: &str, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, exchange(addr, domain)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no stream features from {addr} within {timeout:?}")),
    }
}

async fn exchange(addr: SocketAddr, domain: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let header = format!(
        "<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
    );
    stream
        .write_all(header.as_bytes())
        .await
        .map_err(|e| format!("write to {addr}: {e}"))?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read from {addr}: {e}"))?;
        if n == 0 {
            return Err(format!(
                "{addr} closed the stream early; got {:?}",
                String::from_utf8_lossy(&seen)
            ));
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.len() > 64 * 1024 {
            return Err(format!("{addr} sent 64 KiB without stream features"));
        }
        let text = String::from_utf8_lossy(&seen);
        if let Some(verdict) = judge(&text, domain) {
            // Close politely so the server logs no error; ignore failures, we are done.
            let _ = stream.write_all(b"</stream:stream>").await;
            return verdict;
        }
    }
}

/// `Some(Ok)` once `text` holds a stream header from `domain` and the end of the
/// features; `Some(Err)` on a stream error; `None` while more input is needed.
fn judge(text: &str, domain: &str) -> Option<Result<(), String>> {
    if text.contains("<stream:error") {
        return Some(Err(format!("stream error: {text}")));
    }
    if !text.contains("</stream:features>") {
        return None;
    }
    let from_ok =
        text.contains(&format!("from='{domain}'")) || text.contains(&format!("from=\"{domain}\""));
    if from_ok {
        Some(Ok(()))
    } else {
        Some(Err(format!("stream header not from {domain}: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judge_waits_for_features_from_the_right_domain() {
        let hdr =
            "<?xml version='1.0'?><stream:stream id='1' from='localhost' xmlns='jabber:client'>";
        assert_eq!(judge(hdr, "localhost"), None);
        let full = format!("{hdr}<stream:features><mechanisms/></stream:features>");
        assert_eq!(judge(&full, "localhost"), Some(Ok(())));
        assert!(matches!(judge(&full, "example.org"), Some(Err(_))));
        assert!(matches!(
            judge(
                "<stream:stream><stream:error><host-unknown/></stream:error>",
                "localhost"
            ),
            Some(Err(_))
        ));
    }

    #[tokio::test]
    async fn probe_fails_fast_on_a_closed_port() {
        let [port] =
            crate::backend::process::free_ports::<1>(crate::backend::Backend::Ejabberd).unwrap();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let r = probe(addr, "localhost", Duration::from_secs(2)).await;
        assert!(r.is_err());
    }
}
