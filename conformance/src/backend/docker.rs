//! Is there a Docker engine? (for the container backends)
//!
//! The answer is [`Probe::Unsupported`] (the backend is then skipped, with the reason
//! printed) when the crate was built without the `containers` feature or when no engine
//! answers `GET /_ping` on `DOCKER_HOST` or `/var/run/docker.sock`.

use super::Probe;

/// Checks for the `containers` feature and a Docker engine that answers.
pub(crate) fn probe() -> Probe {
    if !cfg!(feature = "containers") {
        return Probe::Unsupported(
            "conformance was built without the cargo feature `containers` \
             (cargo run -p conformance --features containers ...)"
                .to_owned(),
        );
    }
    match engine_answers() {
        Ok(()) => Probe::Installed,
        Err(why) => Probe::Unsupported(format!("no Docker engine answers: {why}")),
    }
}

/// Pings the engine named by `DOCKER_HOST` (unix:// or tcp://), else `/var/run/docker.sock`.
pub(crate) fn engine_answers() -> Result<(), String> {
    use std::io::{Read, Write};
    use std::time::Duration;

    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned());
    let timeout = Some(Duration::from_secs(2));
    let request = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    let mut reply = Vec::new();
    if let Some(path) = host.strip_prefix("unix://") {
        let mut s =
            std::os::unix::net::UnixStream::connect(path).map_err(|e| format!("{path}: {e}"))?;
        s.set_read_timeout(timeout)
            .map_err(|e| format!("{path}: {e}"))?;
        s.set_write_timeout(timeout)
            .map_err(|e| format!("{path}: {e}"))?;
        s.write_all(request).map_err(|e| format!("{path}: {e}"))?;
        s.take(4096)
            .read_to_end(&mut reply)
            .map_err(|e| format!("{path}: {e}"))?;
    } else if let Some(addr) = host.strip_prefix("tcp://") {
        use std::net::ToSocketAddrs;
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| format!("{addr}: {e}"))?
            .next()
            .ok_or_else(|| format!("{addr}: no address"))?;
        let mut s = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2))
            .map_err(|e| format!("{addr}: {e}"))?;
        s.set_read_timeout(timeout)
            .map_err(|e| format!("{addr}: {e}"))?;
        s.write_all(request).map_err(|e| format!("{addr}: {e}"))?;
        s.take(4096)
            .read_to_end(&mut reply)
            .map_err(|e| format!("{addr}: {e}"))?;
    } else {
        return Err(format!(
            "DOCKER_HOST={host:?} is neither unix:// nor tcp://"
        ));
    }
    let text = String::from_utf8_lossy(&reply);
    if text.starts_with("HTTP/1.") && text.contains(" 200 ") {
        Ok(())
    } else {
        Err(format!(
            "{host}: unexpected reply {:?}",
            text.lines().next().unwrap_or("")
        ))
    }
}
