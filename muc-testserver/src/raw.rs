//! Bytes written to a client as they are, past the XML encoder: the
//! server's way to send what no XML writer would (malformed markup, bad
//! references), for testing a client's reader.
//!
//! [`RawWriter`] sits under the session's buffered stream. The session
//! flushes what it queued before, puts the bytes in the shared
//! [`RawBytes`], and flushes again: the writer then sends them ahead of
//! anything written after.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes waiting to be written as they are; shared by a session and its
/// [`RawWriter`].
#[derive(Debug, Clone, Default)]
pub(crate) struct RawBytes(Arc<Mutex<Vec<u8>>>);

impl RawBytes {
    /// Queues `bytes` for the next write or flush.
    pub(crate) fn push(&self, bytes: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
    }
}

/// Passes reads and writes through to `inner`, and writes the pending
/// [`RawBytes`] first.
pub(crate) struct RawWriter<T> {
    pub(crate) inner: T,
    pub(crate) pending: RawBytes,
}

impl<T: AsyncWrite + Unpin> RawWriter<T> {
    fn write_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut pending = self.pending.0.lock().unwrap_or_else(|e| e.into_inner());
        while !pending.is_empty() {
            match ready!(Pin::new(&mut self.inner).poll_write(cx, &pending)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    pending.drain(..n);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for RawWriter<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for RawWriter<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.write_pending(cx))?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.write_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.write_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
