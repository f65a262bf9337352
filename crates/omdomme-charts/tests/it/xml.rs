//! A small element tree read with quick-xml, so tests check the output as a parser sees
//! it (well-formed, which elements and attributes exist) rather than by substring.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// The node's own text, entities resolved; `children` also hold it in pieces named
    /// `#text`, in document order.
    pub text: String,
}

/// Parses one well-formed XML fragment with a single root, or panics naming the problem.
pub fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
        match event {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(text) => add_text(stack.last_mut().unwrap(), &text.decode().unwrap()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match &*reference.decode().unwrap() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("unknown entity &{other};"),
                    },
                };
                add_text(stack.last_mut().unwrap(), &resolved);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut document = stack.pop().unwrap();
    assert!(stack.is_empty(), "unclosed elements");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

fn add_text(node: &mut Node, text: &str) {
    node.text.push_str(text);
    match node.children.last_mut() {
        Some(last) if last.name == "#text" => last.text.push_str(text),
        _ => node.children.push(Node {
            name: "#text".into(),
            text: text.into(),
            ..Node::default()
        }),
    }
}

fn element(start: &BytesStart<'_>) -> Node {
    let attributes = start
        .attributes()
        .map(|a| {
            let a = a.unwrap_or_else(|e| panic!("bad attribute: {e}"));
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.unescape_value().unwrap().into_owned(),
            )
        })
        .collect();
    Node {
        name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
        attributes,
        ..Node::default()
    }
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split(' ').any(|c| c == class))
    }

    /// This node and every node below it, in document order.
    pub fn all(&self) -> Vec<&Node> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.all());
        }
        all
    }

    pub fn named(&self, name: &str) -> Vec<&Node> {
        self.all().into_iter().filter(|n| n.name == name).collect()
    }

    pub fn with_class(&self, class: &str) -> Vec<&Node> {
        self.all()
            .into_iter()
            .filter(|n| n.has_class(class))
            .collect()
    }

    /// All text at and below this node, in document order.
    pub fn text_content(&self) -> String {
        if self.name == "#text" {
            return self.text.clone();
        }
        self.children.iter().map(Node::text_content).collect()
    }

    /// The text of this node's `<title>` child: the tooltip of a data element.
    pub fn tooltip(&self) -> Option<String> {
        self.children
            .iter()
            .find(|c| c.name == "title")
            .map(Node::text_content)
    }

    pub fn number(&self, attribute: &str) -> f64 {
        self.attr(attribute).unwrap().parse().unwrap()
    }
}
