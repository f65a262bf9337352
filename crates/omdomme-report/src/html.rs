//! The report as a self-contained HTML document (styles inline, charts as inline SVG) for
//! the e-mail body and `omdomme report --format html`; the web app shows [`Fragment`] in its
//! own layout. Every text is escaped by askama; only the charts crate's SVG and tables go
//! in unescaped.

use askama::Template;

use crate::model::ReportError;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "report.html")]
struct Document<'a> {
    v: &'a ReportView,
}

/// The report's body alone, for a page that brings its own layout and styles.
#[derive(Template)]
#[template(path = "report_body.html")]
pub struct Fragment<'a> {
    pub v: &'a ReportView,
}

/// The whole HTML document.
pub fn render(view: &ReportView) -> Result<String, ReportError> {
    Document { v: view }
        .render()
        .map_err(|e| ReportError::Html(e.to_string()))
}

/// The body fragment.
pub fn render_fragment(view: &ReportView) -> Result<String, ReportError> {
    Fragment { v: view }
        .render()
        .map_err(|e| ReportError::Html(e.to_string()))
}
