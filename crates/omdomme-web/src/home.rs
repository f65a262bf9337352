//! `GET /`: a minimal landing page until the web UI lands. Public, so it names only
//! synthetic (demo) workspaces: real client names are not shown to visitors who are not
//! logged in. Every interpolated string is HTML-escaped.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;
use crate::error::AppError;

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let workspaces = state.store.workspaces().await?;
    let mut body = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>Omdømme</title></head>\n<body>\n<h1>Omdømme API</h1>\n\
         <p>Omdømme API — see <a href=\"/api/openapi.json\">/api/openapi.json</a></p>\n",
    );
    for ws in workspaces.iter().filter(|w| w.synthetic) {
        body.push_str(&format!(
            "<p><strong>Synthetic demo data</strong>: workspace {} is generated, not real.</p>\n",
            escape_html(&ws.name)
        ));
    }
    body.push_str("</body>\n</html>\n");
    Ok(Html(body))
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html(r#"<script>alert('x')</script> & "q""#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
