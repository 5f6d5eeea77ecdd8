//! muc-core's stream framer (`wire::StanzaFramer`) on arbitrary bytes, read
//! in arbitrary pieces, with small bounds so that skipping a stanza over
//! them is exercised too: the frames and errors never depend on how the
//! stream was read, each frame is an exact, in-order slice of the input
//! (with only whitespace between two frames that no skipped stanza
//! separates), a skipped stanza is not kept in memory, the frames of a
//! stream a real parser reads are exactly its elements, and what the
//! client does with a frame (the presence decoder, minidom) does not
//! panic on it.

use muc_core::wire::{Frame, FrameError, PresenceDecoder, StanzaFramer};

const MAX_SIZE: usize = 512;
const MAX_DEPTH: usize = 8;

/// Frames (with where each ends in the stream) and errors of `input`,
/// pushed in pieces cut at `cuts` (sorted offsets), up to the first fatal
/// error.
fn frames(input: &[u8], cuts: &[usize]) -> Vec<Result<(Frame, usize), FrameError>> {
    let mut framer = StanzaFramer::with_limits(MAX_SIZE, MAX_DEPTH);
    let mut out = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        framer.push(&input[from..to]);
        from = to;
        loop {
            match framer.next_frame() {
                Ok(Some(f)) => out.push(Ok((f, framer.consumed()))),
                Ok(None) => {
                    // A stanza being skipped is not kept, one being read
                    // stays within the bound (and the byte that may prove
                    // it over), whitespace is not kept.
                    assert!(
                        framer.buffered() <= MAX_SIZE + 1,
                        "{} bytes kept",
                        framer.buffered()
                    );
                    assert_eq!(framer.consumed() + framer.buffered(), to, "bytes lost");
                    break;
                }
                Err(e) if e.is_fatal() => {
                    out.push(Err(e));
                    return out;
                }
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

/// When the input, inside a stream root, is a document a real parser
/// (minidom, rxml) reads, the frames are exactly the root's children.
fn agrees_with_a_parser(input: &[u8], whole: &[Result<(Frame, usize), FrameError>]) {
    if whole
        .iter()
        .any(|r| r.is_err() || matches!(r, Ok((Frame::End, _))))
    {
        return;
    }
    let mut doc = Vec::with_capacity(input.len() + 128);
    doc.extend_from_slice(
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    doc.extend_from_slice(input);
    doc.extend_from_slice(b"</stream:stream>");
    let Ok(root) = minidom::Element::from_reader(doc.as_slice()) else {
        return;
    };
    let children: Vec<&minidom::Element> = root.children().collect();
    let frames: Vec<&Vec<u8>> = whole
        .iter()
        .filter_map(|r| match r {
            Ok((Frame::Stanza(b), _)) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(frames.len(), children.len(), "not the parser's elements");
    for (frame, child) in frames.iter().zip(children) {
        let prefixes = std::collections::BTreeMap::from([
            (None, "jabber:client".to_owned()),
            (
                Some("stream".to_owned()),
                "http://etherx.jabber.org/streams".to_owned(),
            ),
        ]);
        let el = minidom::Element::from_reader_with_prefixes(frame.as_slice(), prefixes)
            .expect("a frame of a well-formed stream parses alone");
        assert!(&el == child, "a frame is not the parser's element");
    }
}

/// See the module docs. The first byte chooses the cuts.
pub fn check(data: &[u8]) {
    let Some((&step, input)) = data.split_first() else {
        return;
    };
    let whole = frames(input, &[]);
    let step = usize::from(step % 16) + 1;
    let cuts: Vec<usize> = (step..input.len()).step_by(step).collect();
    let pieces = frames(input, &cuts);
    assert_eq!(whole, pieces, "frames depend on how the stream was read");
    agrees_with_a_parser(input, &whole);

    let mut last_end = 0;
    let mut skipped = false;
    for item in &whole {
        let (bytes, end) = match item {
            Ok((Frame::Stanza(bytes), end)) => (bytes, *end),
            Ok((Frame::End, _)) | Err(_) => {
                skipped = true;
                continue;
            }
        };
        assert!(bytes.len() <= MAX_SIZE, "a frame over the size bound");
        let start = end - bytes.len();
        assert!(start >= last_end, "frames overlap");
        assert_eq!(
            &input[start..end],
            bytes.as_slice(),
            "a frame is its slice of the input"
        );
        if !skipped {
            assert!(
                input[last_end..start]
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
                "only whitespace between frames"
            );
        }
        skipped = false;
        last_end = end;

        // Within the depth bound, recursive tree code is safe to run.
        let mut decoder = PresenceDecoder::new();
        let _ = decoder.decode(bytes);
        let _ = minidom::Element::from_reader_with_prefixes(
            bytes.as_slice(),
            "jabber:client".to_owned(),
        );
    }
}
