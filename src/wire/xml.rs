//! The XML the endpoint reads and writes, through quick-xml.
//!
//! A security query arrives as `<Authorization><Query>list users</Query>
//! <ResponseInJsonFormat>true</ResponseInJsonFormat></Authorization>`: [`parse`] reads it into a
//! small [`Element`] tree (names, attributes, text; no entities beyond XML's own, no DTDs), and
//! the handler asks [`Element::child_text`] for `Query`. Answers are written with [`element`],
//! which escapes text, and errors with [`error_body`], whose four children `Code`, `Message`,
//! `RequestId` and `HostId` PyODPS needs all of to pick its exception class.

use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Elements deeper than this are refused: no document the endpoint reads nests more than three.
const MAX_DEPTH: usize = 32;

/// One element of a parsed document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    /// The element's own text (and CDATA), concatenated.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a body is not a document the endpoint can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the request body is not well-formed XML: {0}")]
    Malformed(String),
    #[error("the request body nests elements more than {MAX_DEPTH} deep")]
    TooDeep,
    #[error("the request body has no root element")]
    Empty,
}

/// Parses `text` into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(XmlError::Malformed("content after the root element".into()));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(open(&start)?);
            }
            Event::Empty(start) => {
                let element = open(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(XmlError::Malformed("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map_err(|e| XmlError::Malformed(e.to_string()))?;
                match stack.last_mut() {
                    Some(element) => element.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(XmlError::Malformed("text outside the root".into())),
                }
            }
            Event::CData(c) => {
                let bytes = c.into_inner();
                let text =
                    std::str::from_utf8(&bytes).map_err(|e| XmlError::Malformed(e.to_string()))?;
                if let Some(element) = stack.last_mut() {
                    element.text.push_str(text);
                }
            }
            Event::DocType(_) => {
                return Err(XmlError::Malformed(
                    "document type declarations are not accepted".into(),
                ))
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("unclosed element".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| XmlError::Malformed(e.to_string()))?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|e| XmlError::Malformed(e.to_string()))?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// The declaration every answer opens with.
pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// `<name>text</name>`, the text escaped.
pub fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// `<name>` around already-written children.
pub fn wrap(name: &str, children: &str) -> String {
    format!("<{name}>{children}</{name}>")
}

/// A whole document: the declaration, then `<root>children</root>`.
pub fn document(root: &str, children: &str) -> String {
    format!("{DECLARATION}{}", wrap(root, children))
}

/// The error body PyODPS turns into an exception of class `code`.
pub fn error_body(code: &str, message: &str, request_id: &str, host_id: &str) -> String {
    document(
        "Error",
        &[
            element("Code", code),
            element("Message", message),
            element("RequestId", request_id),
            element("HostId", host_id),
        ]
        .concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_security_query_body() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Authorization>\n  <Query>grant r1 to RAM$a@b.com:c &amp; x</Query>\n  <ResponseInJsonFormat>true</ResponseInJsonFormat>\n</Authorization>\n";
        let root = parse(body).unwrap();
        assert_eq!(root.name, "Authorization");
        assert_eq!(
            root.child_text("Query"),
            Some("grant r1 to RAM$a@b.com:c & x")
        );
        assert_eq!(root.child_text("ResponseInJsonFormat"), Some("true"));
        assert_eq!(root.child_text("Settings"), None);
    }

    #[test]
    fn reads_attributes_and_empty_elements() {
        let root = parse(
            r#"<S><ProjectProtection Protected="true"><Exceptions>{"a":1}</Exceptions></ProjectProtection><L/></S>"#,
        )
        .unwrap();
        let p = root.child("ProjectProtection").unwrap();
        assert_eq!(p.attribute("Protected"), Some("true"));
        assert_eq!(p.child_text("Exceptions"), Some(r#"{"a":1}"#));
        assert_eq!(root.child_text("L"), Some(""));
    }

    #[test]
    fn refuses_what_is_not_one_document() {
        for bad in [
            "",
            "   ",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a>&bogus;</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(parse(&deep), Err(XmlError::TooDeep));
    }

    #[test]
    fn error_bodies_have_all_four_children_escaped() {
        assert_eq!(
            error_body("NoSuchObject", "Role <r> & co", "r1", "mcsec"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchObject</Code><Message>Role &lt;r&gt; &amp; co</Message><RequestId>r1</RequestId><HostId>mcsec</HostId></Error>"
        );
    }
}
