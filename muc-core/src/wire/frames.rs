//! Cutting a stream's bytes into stanzas, without parsing them
//! ([`StanzaFramer`]).

use std::fmt;

/// One top-level piece of a stream, after its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete top-level element (a stanza, or a stream-level element
    /// such as `<stream:error/>`), as the bytes it was sent in.
    Stanza(Vec<u8>),
    /// The stream's closing tag (`</stream:stream>`): nothing follows.
    End,
}

/// Why a stanza, or the rest of the stream, cannot be cut out. Most are
/// fatal for the stream (XML gives no way to resynchronize); a stanza over
/// the bounds is not: the framer skips it and goes on
/// ([`is_fatal`](Self::is_fatal)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Something other than whitespace or an element between stanzas
    /// (text, a comment, a processing instruction, a DOCTYPE ...).
    #[error("{0} between stanzas")]
    NotAllowed(&'static str),
    /// A processing instruction or DOCTYPE inside a stanza (XMPP forbids
    /// both).
    #[error("{0} inside a stanza")]
    Forbidden(&'static str),
    /// A stanza larger than [`StanzaFramer::with_limits`] allows: skipped
    /// (its bytes are dropped as they come).
    #[error("a stanza larger than {0} bytes (skipped)")]
    TooLarge(usize),
    /// A stanza nested deeper than [`StanzaFramer::with_limits`] allows:
    /// skipped.
    #[error("a stanza nested deeper than {0} levels (skipped)")]
    TooDeep(usize),
    /// Bytes after the stream's closing tag.
    #[error("data after the end of the stream")]
    AfterEnd,
    /// Markup no XML parser would read: an end tag that does not match its
    /// start tag, `<` inside a tag, an empty or overlong element name.
    /// (Checked here because it moves where a stanza ends: a stanza that is
    /// not well-formed inside, but whose tags nest, is one frame, and its
    /// parser rejects it alone.)
    #[error("not well-formed XML: {0}")]
    NotWellFormed(&'static str),
}

impl FrameError {
    /// Whether the stream is lost: every error but a skipped stanza
    /// ([`TooLarge`](Self::TooLarge), [`TooDeep`](Self::TooDeep)). After a
    /// fatal error the framer keeps returning it.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, FrameError::TooLarge(_) | FrameError::TooDeep(_))
    }
}

/// Where the scan stands between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Between stanzas (only whitespace and `<` are allowed).
    Between,
    /// In character data inside a stanza.
    Text,
    /// Just after a `<`; what follows says what it opens.
    Open,
    /// In a start tag or empty-element tag; `quote` is the open quote of an
    /// attribute value, `slash` whether the last byte outside quotes was `/`.
    Tag { quote: Option<u8>, slash: bool },
    /// In an end tag.
    EndTag,
    /// In a comment (`<!--`), CDATA section (`<![CDATA[`): until `close`.
    Until(&'static [u8]),
    /// After `</stream:stream>` (or any end tag at the top).
    Ended,
}

/// Cuts a stream's bytes into [`Frame`]s, without parsing them.
///
/// It is what a transport that reads the socket itself puts
/// between the socket and [`PresenceDecoder`](super::PresenceDecoder) (or a
/// general parser for the other stanzas). It follows the XML just enough to
/// find where each top-level element of the stream ends: tags (with `>` in
/// quoted attribute values), end tags, empty-element tags, CDATA sections
/// and comments. Of well-formedness it checks what decides where a stanza
/// ends, so that a malformed stanza never swallows the next one: end tags
/// match their start tags, no `<` inside a tag (fatal otherwise); the rest
/// is for the parser that reads the stanza. It also stops where a parser
/// reading the whole stream would stop before building anything: text or
/// markup that is not allowed between stanzas (fatal). A stanza larger or deeper than the
/// bounds is skipped, its bytes dropped as they come (deep nesting is what
/// overflows the stack of recursive tree code such as minidom's, so it is
/// refused here, before any tree exists).
///
/// ```
/// use muc_core::wire::{Frame, StanzaFramer};
///
/// let mut framer = StanzaFramer::new();
/// framer.push(b"<presence from='a@b/c'/> <message><body>hi</bo");
/// assert!(matches!(framer.next_frame(), Ok(Some(Frame::Stanza(s))) if s == b"<presence from='a@b/c'/>"));
/// assert!(matches!(framer.next_frame(), Ok(None))); // the message is not complete yet
/// framer.push(b"dy></message></stream:stream>");
/// assert!(matches!(framer.next_frame(), Ok(Some(Frame::Stanza(s))) if s.starts_with(b"<message>")));
/// assert!(matches!(framer.next_frame(), Ok(Some(Frame::End))));
/// ```
///
/// Feed it the bytes that follow the stream header with
/// [`push`](Self::push), then take frames with
/// [`next_frame`](Self::next_frame) until it returns `Ok(None)`.
pub struct StanzaFramer {
    buf: Vec<u8>,
    /// Bytes before this are given out already.
    start: usize,
    /// Bytes before this are scanned.
    pos: usize,
    scan: Scan,
    /// Open elements of the current stanza.
    depth: usize,
    /// The names of the open elements of the kept stanza, end to end, and
    /// where each ends in `names`.
    names: Vec<u8>,
    name_ends: Vec<usize>,
    max_size: usize,
    max_depth: usize,
    /// The current stanza is over a bound: its bytes are dropped.
    skipping: bool,
    /// Bytes of the stream dropped from the front of `buf`.
    dropped: usize,
}

impl fmt::Debug for StanzaFramer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StanzaFramer")
            .field("buffered", &(self.buf.len() - self.start))
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

impl Default for StanzaFramer {
    fn default() -> Self {
        StanzaFramer::new()
    }
}

/// The default bound on one stanza (16 MiB).
pub const MAX_STANZA_SIZE: usize = 16 << 20;
/// The default bound on nesting (256 levels, stanza element included).
pub const MAX_STANZA_DEPTH: usize = 256;
/// The longest element name read (no XMPP name comes near it).
const MAX_NAME: usize = 1024;

impl StanzaFramer {
    /// A framer with the default bounds ([`MAX_STANZA_SIZE`],
    /// [`MAX_STANZA_DEPTH`]).
    pub fn new() -> StanzaFramer {
        StanzaFramer::with_limits(MAX_STANZA_SIZE, MAX_STANZA_DEPTH)
    }

    /// A framer refusing stanzas larger than `max_size` bytes or nested
    /// deeper than `max_depth` levels.
    pub fn with_limits(max_size: usize, max_depth: usize) -> StanzaFramer {
        StanzaFramer {
            buf: Vec::new(),
            start: 0,
            pos: 0,
            scan: Scan::Between,
            depth: 0,
            max_size: max_size.max(1),
            max_depth: max_depth.max(1),
            skipping: false,
            dropped: 0,
            names: Vec::new(),
            name_ends: Vec::new(),
        }
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.dropped += self.start;
            self.pos -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// How many bytes wait in the framer (a stanza not complete yet): at
    /// most the size bound and one byte more.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// How many bytes of the stream are behind us: given out in frames,
    /// or dropped (whitespace, skipped stanzas). Just after a frame, where
    /// it ends in the stream.
    pub fn consumed(&self) -> usize {
        self.dropped + self.start
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed. See
    /// [`FrameError::is_fatal`] for what an error means.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        while self.pos < self.buf.len() {
            if self.skipping {
                // Nothing before `pos` is needed any more.
                self.start = self.pos;
            }
            self.check_size()?;
            // A kept stanza is scanned no further than one byte past the
            // bound, so that it is found too large at the same byte however
            // the stream was read.
            let end = if self.in_stanza() {
                self.buf.len().min(self.start + self.max_size + 1)
            } else {
                self.buf.len()
            };
            let clamped = end < self.buf.len();
            let rest = &self.buf[self.pos..end];
            let b = rest[0];
            match self.scan {
                Scan::Ended => {
                    if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                        return Err(FrameError::AfterEnd);
                    }
                    self.pos += 1;
                    self.start = self.pos;
                }
                Scan::Between => {
                    if b == b'<' {
                        self.start = self.pos;
                        self.scan = Scan::Open;
                    } else if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                        return Err(FrameError::NotAllowed("text"));
                    }
                    self.pos += 1;
                    if self.scan == Scan::Between {
                        // Whitespace between stanzas is not kept.
                        self.start = self.pos;
                    }
                }
                Scan::Text => match memchr::memchr(b'<', rest) {
                    Some(i) => {
                        self.pos += i + 1;
                        self.scan = Scan::Open;
                    }
                    None => self.pos = end,
                },
                Scan::Open => match b {
                    b'/' => {
                        self.scan = Scan::EndTag;
                        self.pos += 1;
                    }
                    b'?' => return Err(self.forbidden("a processing instruction")),
                    b'!' => {
                        const COMMENT: &[u8] = b"!--";
                        const CDATA: &[u8] = b"![CDATA[";
                        let (what, close, len) = if rest.starts_with(COMMENT) {
                            ("a comment", &b"-->"[..], COMMENT.len())
                        } else if rest.starts_with(CDATA) {
                            ("a CDATA section", &b"]]>"[..], CDATA.len())
                        } else if COMMENT.starts_with(rest) || CDATA.starts_with(rest) {
                            // Not enough bytes to tell (before the bound,
                            // or not yet read).
                            if clamped {
                                self.pos = end;
                                continue;
                            }
                            break;
                        } else {
                            return Err(self.forbidden("a DOCTYPE"));
                        };
                        if self.depth == 0 {
                            return Err(FrameError::NotAllowed(what));
                        }
                        self.scan = Scan::Until(close);
                        self.pos += len;
                    }
                    // A skipped stanza's names are not compared.
                    _ if self.skipping => {
                        self.scan = Scan::Tag {
                            quote: None,
                            slash: false,
                        };
                    }
                    _ => {
                        // The element's name, whole, before the tag goes on.
                        let Some(n) = rest.iter().position(|&c| {
                            matches!(
                                c,
                                b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>' | b'<' | b'\'' | b'"'
                            )
                        }) else {
                            if rest.len() > MAX_NAME {
                                return Err(FrameError::NotWellFormed("an overlong name"));
                            }
                            if clamped {
                                self.pos = end;
                                continue;
                            }
                            break; // not read yet
                        };
                        if n == 0 || n > MAX_NAME || matches!(rest[n], b'<' | b'\'' | b'"') {
                            return Err(FrameError::NotWellFormed("a start tag"));
                        }
                        self.names.extend_from_slice(&rest[..n]);
                        self.name_ends.push(self.names.len());
                        self.pos += n;
                        self.scan = Scan::Tag {
                            quote: None,
                            slash: false,
                        };
                    }
                },
                Scan::Tag { quote: Some(q), .. } => match memchr::memchr2(q, b'<', rest) {
                    Some(i) if rest[i] == b'<' => {
                        return Err(FrameError::NotWellFormed("'<' in an attribute value"));
                    }
                    Some(i) => {
                        self.pos += i + 1;
                        self.scan = Scan::Tag {
                            quote: None,
                            slash: false,
                        };
                    }
                    None => self.pos = end,
                },
                Scan::Tag { quote: None, slash } => {
                    // Up to the next quote or `>`; whether the byte before
                    // it is `/` (an empty-element tag).
                    let found = memchr::memchr3(b'>', b'\'', b'"', rest);
                    if memchr::memchr(b'<', &rest[..found.unwrap_or(rest.len())]).is_some() {
                        return Err(FrameError::NotWellFormed("'<' in a tag"));
                    }
                    let Some(i) = found else {
                        let slash = rest.last().map_or(slash, |&l| l == b'/');
                        self.scan = Scan::Tag { quote: None, slash };
                        self.pos = end;
                        continue;
                    };
                    let slash = if i == 0 { slash } else { rest[i - 1] == b'/' };
                    let b = rest[i];
                    self.pos += i + 1;
                    if b != b'>' {
                        self.scan = Scan::Tag {
                            quote: Some(b),
                            slash: false,
                        };
                    } else {
                        self.scan = Scan::Text;
                        if slash {
                            // An empty element: nothing stays open.
                            if !self.skipping {
                                self.close_name(None);
                            }
                            if self.depth == 0 {
                                match self.take()? {
                                    Some(frame) => return Ok(Some(frame)),
                                    None => continue,
                                }
                            }
                        } else {
                            self.depth += 1;
                            if self.depth > self.max_depth && !self.skipping {
                                self.start_skipping();
                                return Err(FrameError::TooDeep(self.max_depth));
                            }
                        }
                    }
                }
                Scan::EndTag => match memchr::memchr(b'>', rest) {
                    Some(i) => {
                        if self.depth > 0 && !self.skipping {
                            let name = self.pos..self.pos + rest[..i].trim_ascii_end().len();
                            if !self.close_name(Some(name)) {
                                return Err(FrameError::NotWellFormed("a mismatched end tag"));
                            }
                        }
                        self.pos += i + 1;
                        if self.depth == 0 {
                            // The stream's own end tag.
                            self.scan = Scan::Ended;
                            self.start = self.pos;
                            return Ok(Some(Frame::End));
                        }
                        self.depth -= 1;
                        self.scan = Scan::Text;
                        if self.depth == 0 {
                            match self.take()? {
                                Some(frame) => return Ok(Some(frame)),
                                None => continue,
                            }
                        }
                    }
                    // A skipped stanza's names are not compared.
                    None if self.skipping => self.pos = end,
                    // The name is compared whole: wait for all of it (the
                    // same decision whatever the reads: it waits only for
                    // bytes not read yet).
                    None if rest.len() > MAX_NAME + 64 => {
                        return Err(FrameError::NotWellFormed("an overlong end tag"));
                    }
                    None if clamped => self.pos = end,
                    None => break,
                },
                Scan::Until(close) => match memchr::memmem::find(rest, close) {
                    Some(i) => {
                        self.pos += i + close.len();
                        self.scan = Scan::Text;
                    }
                    None if clamped => self.pos = end,
                    // Keep the last bytes: they may start `close`.
                    None => {
                        self.pos = end.saturating_sub(close.len() - 1).max(self.pos);
                        break;
                    }
                },
            }
        }
        if self.skipping {
            self.start = self.pos;
        }
        self.check_size()?;
        Ok(None)
    }

    /// A kept stanza scanned past the bound becomes a skipped one.
    fn check_size(&mut self) -> Result<(), FrameError> {
        if self.in_stanza() && self.pos - self.start > self.max_size {
            self.start_skipping();
            return Err(FrameError::TooLarge(self.max_size));
        }
        Ok(())
    }

    /// From here to the end of the stanza, bytes are dropped; only the
    /// depth is followed.
    fn start_skipping(&mut self) {
        self.skipping = true;
        self.names.clear();
        self.name_ends.clear();
    }

    /// Closes the innermost open element; with `end_tag` (where the end
    /// tag's name is in `buf`), whether the names match.
    fn close_name(&mut self, end_tag: Option<std::ops::Range<usize>>) -> bool {
        let Some(end) = self.name_ends.pop() else {
            return false;
        };
        let start = self.name_ends.last().copied().unwrap_or(0);
        let matches = end_tag.is_none_or(|r| self.buf.get(r) == self.names.get(start..end));
        self.names.truncate(start);
        matches
    }

    /// Inside a stanza that is being kept.
    fn in_stanza(&self) -> bool {
        !self.skipping && !matches!(self.scan, Scan::Between | Scan::Ended)
    }

    fn forbidden(&self, what: &'static str) -> FrameError {
        if self.depth == 0 {
            FrameError::NotAllowed(what)
        } else {
            FrameError::Forbidden(what)
        }
    }

    /// Gives out the stanza that ends at `pos` (none if it was skipped; an
    /// error if it is over the size bound, which a stanza completed in one
    /// step was not checked against yet).
    fn take(&mut self) -> Result<Option<Frame>, FrameError> {
        let too_large = !self.skipping && self.pos - self.start > self.max_size;
        let stanza =
            (!self.skipping && !too_large).then(|| self.buf[self.start..self.pos].to_vec());
        self.skipping = false;
        self.start = self.pos;
        self.scan = Scan::Between;
        if self.start == self.buf.len() {
            self.dropped += self.start;
            self.buf.clear();
            self.start = 0;
            self.pos = 0;
        }
        if too_large {
            return Err(FrameError::TooLarge(self.max_size));
        }
        Ok(stanza.map(Frame::Stanza))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(framer: &mut StanzaFramer) -> Result<Vec<Frame>, FrameError> {
        let mut out = Vec::new();
        while let Some(f) = framer.next_frame()? {
            out.push(f);
        }
        Ok(out)
    }

    fn stanza(s: &str) -> Frame {
        Frame::Stanza(s.as_bytes().to_vec())
    }

    const STREAM: &str = "\n<presence from='r@m/a&apos;b' to=\"x>y\"/>  \
        <message type='groupchat'><body>a &lt; b &gt; c</body>\
        <x xmlns='urn:x'><![CDATA[</message> <fake>]]></x><!-- </message> --></message>\t\
        <iq type='result' id='i'/>\
        <stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\
        </stream:stream>";

    fn expected() -> Vec<Frame> {
        vec![
            stanza("<presence from='r@m/a&apos;b' to=\"x>y\"/>"),
            stanza(
                "<message type='groupchat'><body>a &lt; b &gt; c</body>\
                 <x xmlns='urn:x'><![CDATA[</message> <fake>]]></x><!-- </message> --></message>",
            ),
            stanza("<iq type='result' id='i'/>"),
            stanza(
                "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
            ),
            Frame::End,
        ]
    }

    #[test]
    fn cuts_a_stream_into_its_stanzas() {
        let mut f = StanzaFramer::new();
        f.push(STREAM.as_bytes());
        assert_eq!(frames(&mut f).unwrap(), expected());
        assert_eq!(f.buffered(), 0);
        assert_eq!(f.consumed(), STREAM.len());
        // Where each frame ends in the stream.
        let mut f = StanzaFramer::new();
        f.push(STREAM.as_bytes());
        while let Ok(Some(Frame::Stanza(s))) = f.next_frame() {
            assert_eq!(
                &STREAM.as_bytes()[f.consumed() - s.len()..f.consumed()],
                &s[..]
            );
        }
    }

    #[test]
    fn the_same_frames_whatever_the_reads() {
        let bytes = STREAM.as_bytes();
        // Split in two at every position, and byte by byte.
        for cut in 0..=bytes.len() {
            let mut f = StanzaFramer::new();
            f.push(&bytes[..cut]);
            let mut got = frames(&mut f).unwrap();
            f.push(&bytes[cut..]);
            got.extend(frames(&mut f).unwrap());
            assert_eq!(got, expected(), "cut at {cut}");
        }
        let mut f = StanzaFramer::new();
        let mut got = Vec::new();
        for b in bytes {
            f.push(std::slice::from_ref(b));
            got.extend(frames(&mut f).unwrap());
        }
        assert_eq!(got, expected());
    }

    #[test]
    fn refuses_what_a_stream_parser_would_stop_on() {
        let cases = [
            ("hello<a/>", FrameError::NotAllowed("text")),
            ("<!-- c --><a/>", FrameError::NotAllowed("a comment")),
            (
                "<?xml version='1.0'?>",
                FrameError::NotAllowed("a processing instruction"),
            ),
            ("<!DOCTYPE a>", FrameError::NotAllowed("a DOCTYPE")),
            (
                "<a><?pi?></a>",
                FrameError::Forbidden("a processing instruction"),
            ),
            ("<a><!ENTITY x></a>", FrameError::Forbidden("a DOCTYPE")),
            ("</stream:stream>\n x", FrameError::AfterEnd),
            (
                "<a><b></a></b>",
                FrameError::NotWellFormed("a mismatched end tag"),
            ),
            (
                "<a><b></bb></a>",
                FrameError::NotWellFormed("a mismatched end tag"),
            ),
            (
                "<a x='<b/>'/>",
                FrameError::NotWellFormed("'<' in an attribute value"),
            ),
            ("<a x<b/>", FrameError::NotWellFormed("'<' in a tag")),
            ("< a/>", FrameError::NotWellFormed("a start tag")),
        ];
        for (input, error) in cases {
            let mut f = StanzaFramer::new();
            f.push(input.as_bytes());
            assert!(error.is_fatal());
            assert_eq!(frames(&mut f), Err(error.clone()), "{input}");
            assert_eq!(f.next_frame(), Err(error), "{input}: stays failed");
        }
        let mut f = StanzaFramer::new();
        f.push(b"</stream:stream>\r\n");
        assert_eq!(frames(&mut f), Ok(vec![Frame::End]));
    }

    #[test]
    fn skips_stanzas_over_the_bounds_before_they_are_complete() {
        let mut f = StanzaFramer::with_limits(64, 4);
        f.push(b"<a><b><c><d/></c></b></a>");
        assert_eq!(frames(&mut f).unwrap().len(), 1);
        f.push(b"<a><b><c><d><e>");
        assert_eq!(f.next_frame(), Err(FrameError::TooDeep(4)));
        // The rest of it is dropped; the stream goes on.
        f.push(b"<f><g/></f></e></d></c></b></a><next/>");
        assert_eq!(frames(&mut f), Ok(vec![stanza("<next/>")]));

        // Over the bound in one read, and over it before its end.
        let mut f = StanzaFramer::with_limits(64, 4);
        f.push(format!("<a>{}</a><b/>", "x".repeat(100)).as_bytes());
        assert_eq!(f.next_frame(), Err(FrameError::TooLarge(64)));
        assert_eq!(frames(&mut f), Ok(vec![stanza("<b/>")]));
        let mut f = StanzaFramer::with_limits(64, 4);
        f.push(b"<message><body>");
        f.push(&[b'x'; 100]);
        assert_eq!(f.next_frame(), Err(FrameError::TooLarge(64)));
        assert!(!FrameError::TooLarge(64).is_fatal());
        for _ in 0..100 {
            f.push(&[b'y'; 1000]);
            assert_eq!(f.next_frame(), Ok(None));
            assert!(f.buffered() < 64, "a skipped stanza is not kept");
        }
        f.push(b"</body></message> <iq id='x'/>");
        assert_eq!(frames(&mut f), Ok(vec![stanza("<iq id='x'/>")]));
        // Whitespace between stanzas is not kept, however much comes.
        let mut f = StanzaFramer::with_limits(64, 4);
        f.push(&[b' '; 1000]);
        assert_eq!(f.next_frame(), Ok(None));
        assert_eq!(f.buffered(), 0);
    }

    /// Frames and errors up to the first fatal one, `bytes` pushed in
    /// pieces of `step` bytes.
    fn all(bytes: &[u8], step: usize) -> Vec<Result<Frame, FrameError>> {
        let mut f = StanzaFramer::with_limits(64, 4);
        let mut out = Vec::new();
        for piece in bytes.chunks(step) {
            f.push(piece);
            loop {
                match f.next_frame() {
                    Ok(Some(frame)) => out.push(Ok(frame)),
                    Ok(None) => break,
                    Err(e) => {
                        let fatal = e.is_fatal();
                        out.push(Err(e));
                        if fatal {
                            return out;
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn the_same_skips_whatever_the_reads() {
        let stream = [
            "<a><b><c><d><e>deep</e></d></c></b></a>",
            // 65 bytes: one over; 64: at the bound.
            &format!("<a>{}</a>", "x".repeat(58)),
            &format!("<a>{}</a>", "x".repeat(57)),
            &format!("<a><b><c><d>{}<e/></d></c></b></a>", "y".repeat(60)),
            &format!("<a><b><c>{}<d><e/></d></c></b></a>", "y".repeat(40)),
            &format!("<a><!-- {} --></a>", "z".repeat(60)),
            &format!("<a x='{}'/>", "q".repeat(60)),
            "<ok/>",
        ]
        .concat();
        let whole = all(stream.as_bytes(), stream.len());
        assert_eq!(
            whole,
            vec![
                Err(FrameError::TooDeep(4)),
                Err(FrameError::TooLarge(64)),
                Ok(stanza(&format!("<a>{}</a>", "x".repeat(57)))),
                Err(FrameError::TooLarge(64)),
                Err(FrameError::TooLarge(64)),
                Err(FrameError::TooLarge(64)),
                Err(FrameError::TooLarge(64)),
                Ok(stanza("<ok/>")),
            ]
        );
        for step in 1..stream.len() {
            assert_eq!(all(stream.as_bytes(), step), whole, "pieces of {step}");
        }
    }

    #[test]
    fn end_tags_match_their_start_tags_across_reads() {
        let stream = b"<message><body >x</body ><x:y xmlns:x='u'>z</x:y></message><p/>";
        for step in 1..stream.len() {
            let got = all(stream, step);
            assert_eq!(got.len(), 2, "pieces of {step}: {got:?}");
            assert!(got.iter().all(Result::is_ok), "pieces of {step}: {got:?}");
        }
        // A malformed stanza does not swallow the next one: the stream is
        // lost at the mismatch instead.
        let mut f = StanzaFramer::new();
        f.push(b"<message><body></message><message><body>hi</body></message>");
        assert_eq!(
            f.next_frame(),
            Err(FrameError::NotWellFormed("a mismatched end tag"))
        );
    }

    #[test]
    fn a_partial_comment_end_is_found_across_reads() {
        let mut f = StanzaFramer::new();
        f.push(b"<a><!-- x --");
        assert_eq!(f.next_frame(), Ok(None));
        f.push(b"></a>");
        assert_eq!(frames(&mut f).unwrap(), vec![stanza("<a><!-- x --></a>")]);
    }
}
