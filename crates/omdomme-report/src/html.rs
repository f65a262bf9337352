//! The report as a self-contained HTML document (styles inline, charts as inline SVG) for
//! the e-mail body and `omdomme report --format html`. The web app's report page includes
//! the same `templates/report_body.html` in its own layout (its askama.toml lists this
//! crate's templates). Every text is escaped by askama; only the charts crate's SVG and
//! tables go in unescaped.

use askama::Template;

use crate::model::ReportError;
use crate::view::ReportView;

#[derive(Template)]
#[template(path = "report.html")]
struct Document<'a> {
    v: &'a ReportView,
}

/// The whole HTML document.
pub fn render(view: &ReportView) -> Result<String, ReportError> {
    Document { v: view }
        .render()
        .map_err(|e| ReportError::Html(e.to_string()))
}
