//! Pulls the `<example caption='…'><![CDATA[…]]></example>` bodies out of a
//! XEP source with quick-xml, in document order (the numbering xmpp.org uses).

use quick_xml::Reader;
use quick_xml::events::Event;

/// One example block.
#[derive(Debug, Clone)]
pub struct Example {
    /// 1-based number in document order, counting only `<example>`.
    pub number: usize,
    /// The caption attribute.
    pub caption: String,
    /// The CDATA body.
    pub body: String,
}

/// Every `<example>` of the document. The prose outside the examples is
/// never decoded, so the XEP's undefined entities do not matter.
pub fn extract_examples(xml: &str) -> Result<Vec<Example>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    loop {
        match reader.read_event() {
            Err(e) => {
                return Err(format!(
                    "XML error at byte {}: {e}",
                    reader.buffer_position()
                ));
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) if e.name().as_ref() == "example" => {
                let caption = match e.try_get_attribute("caption") {
                    Ok(Some(a)) => a.value.into_owned(),
                    _ => String::new(),
                };
                current = Some(Example {
                    number: out.len() + 1,
                    caption,
                    body: String::new(),
                });
            }
            Ok(Event::CData(c)) => {
                if let Some(ex) = current.as_mut() {
                    ex.body.push_str(&c);
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "example" => {
                if let Some(ex) = current.take() {
                    out.push(ex);
                }
            }
            Ok(_) => {}
        }
    }
    Ok(out)
}
