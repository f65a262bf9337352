//! Files people upload (a post's images, a proof point's document) and serving them back.
//!
//! Uploads come as `multipart/form-data`. The page CSRF guard cannot read a token out of a
//! multipart body, so these forms post through htmx, which sends the token as the
//! `X-CSRF-Token` header; a multipart post without it is refused by the guard before it
//! gets here. The body is read whole (it is bounded by [`UPLOAD_BODY_BYTES`]) and split
//! here: a few dozen lines instead of another dependency.
//!
//! What a file is comes from its first bytes, never from the name or the type the browser
//! claims, and it is served back with that type from a short list, `nosniff`, and as a
//! download unless it is an image, so an uploaded page can never run in the app's origin.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use omdomme_store::Role;
use omdomme_store::stories::MAX_ATTACHMENT_BYTES;

use crate::AppState;
use crate::error::AppError;
use crate::extract::AppPath;
use crate::pages::{Page, PageError};

/// Largest upload body: one file at the store's limit and the form's few small fields.
pub const UPLOAD_BODY_BYTES: usize = MAX_ATTACHMENT_BYTES + 64 * 1024;

/// The file types we take and serve, by what their bytes begin with.
const KNOWN_TYPES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
];

/// One field of a multipart form.
#[derive(Debug, PartialEq)]
pub struct Part {
    pub name: String,
    /// Set for file fields, as the browser sent it (may be empty when no file was chosen).
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// A form's fields, read from a urlencoded or a multipart body.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub parts: Vec<Part>,
}

impl UploadForm {
    /// The text of field `name`, or empty.
    pub fn text(&self, name: &str) -> Result<String, AppError> {
        match self
            .parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
        {
            Some(part) => String::from_utf8(part.data.clone()).map_err(|_| {
                AppError::BadRequest(format!("field `{name}` is not valid UTF-8 text"))
            }),
            None => Ok(String::new()),
        }
    }

    /// The file of field `name`, if one was chosen; refused (413) above the store's limit.
    pub fn checked_file(&self, name: &str) -> Result<Option<&Part>, AppError> {
        match self.file(name) {
            Some(part) if part.data.len() > MAX_ATTACHMENT_BYTES => Err(too_large()),
            other => Ok(other),
        }
    }

    /// The file of field `name`, if one was chosen.
    fn file(&self, name: &str) -> Option<&Part> {
        self.parts
            .iter()
            .find(|p| p.name == name && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
            .filter(|p| !p.data.is_empty())
    }

    /// Reads the body of a form post: urlencoded (a form without a file) or multipart,
    /// up to [`UPLOAD_BODY_BYTES`].
    pub async fn read(request: Request) -> Result<UploadForm, AppError> {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > UPLOAD_BODY_BYTES) {
            return Err(too_large());
        }
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(request.into_body(), UPLOAD_BODY_BYTES)
            .await
            .map_err(|_| too_large())?;
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        if mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            let parts = form_urlencoded::parse(&body)
                .map(|(name, value)| Part {
                    name: name.into_owned(),
                    filename: None,
                    data: value.into_owned().into_bytes(),
                })
                .collect();
            return Ok(UploadForm { parts });
        }
        if mime.eq_ignore_ascii_case("multipart/form-data") {
            let boundary = boundary(&content_type).ok_or_else(|| {
                AppError::BadRequest("the multipart form names no boundary".to_owned())
            })?;
            let parts = parse_multipart(&boundary, &body).map_err(AppError::BadRequest)?;
            return Ok(UploadForm { parts });
        }
        Err(AppError::UnsupportedMediaType(
            "send the form as multipart/form-data or application/x-www-form-urlencoded".to_owned(),
        ))
    }
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "the file is too large: a file may be at most {} MB",
        MAX_ATTACHMENT_BYTES / (1024 * 1024)
    ))
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// Splits a multipart body (RFC 7578) into its parts.
fn parse_multipart(boundary: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let broken = || "the multipart form is cut off or malformed".to_owned();
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or_else(broken)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(at..).ok_or_else(broken)?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err(broken());
        }
        let headers_start = at + 2;
        let headers_end = find(body, b"\r\n\r\n", headers_start).ok_or_else(broken)?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end])
            .map_err(|_| "a multipart header is not UTF-8".to_owned())?;
        let data_start = headers_end + 4;
        let data_end = find(body, next_delimiter.as_bytes(), data_start).ok_or_else(broken)?;
        let (name, filename) = disposition(headers).ok_or_else(|| {
            "a multipart part has no `Content-Disposition: form-data; name=...`".to_owned()
        })?;
        parts.push(Part {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + next_delimiter.len();
    }
}

/// `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let value = headers.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let params = header_params(value);
    let mut name = None;
    let mut filename = None;
    for (key, value) in params {
        match key.to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    Some((name?, filename))
}

/// `key=value` and `key="quoted; value"` parameters after the first `;`. Browsers write a
/// quote inside a file name as `%22` and a backslash as itself (a Windows path), so there
/// are no escapes to undo.
fn header_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type (`form-data`).
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.trim().is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            value.extend(chars.by_ref().take_while(|c| *c != '"'));
        } else {
            while let Some(c) = chars.peek() {
                if *c == ';' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
        }
        params.push((key.trim().to_owned(), value.trim_end().to_owned()));
    }
}

/// The media type of a file by its first bytes, if it is one we take.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file name safe in a header and on any disk: ASCII letters, digits, `.`, `-`, `_`;
/// anything else becomes `_`, and no leading dot.
pub fn safe_filename(name: &str) -> String {
    // Browsers on Windows once sent the whole path.
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// `GET /w/{ws}/attachments/{id}`: the stored bytes, for the workspace's users.
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    let workspace = &page.workspace()?.id;
    let (attachment, bytes) = state
        .store
        .attachment(workspace, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no attachment {id} in this workspace")))?;
    let media_type = KNOWN_TYPES
        .into_iter()
        .find(|t| *t == attachment.media_type)
        .unwrap_or("application/octet-stream");
    let filename = safe_filename(&attachment.filename);
    let disposition = if media_type.starts_with("image/") {
        format!("inline; filename=\"{filename}\"")
    } else {
        format!("attachment; filename=\"{filename}\"")
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok((headers, Body::from(bytes)).into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_splits_into_its_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA fjord; at dawn\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\x\\a %22b%22;c.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\nrest\r\n--XyZ--\r\n";
        let parts = parse_multipart("XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "alt");
        assert_eq!(parts[0].data, b"A fjord; at dawn");
        assert_eq!(parts[1].filename.as_deref(), Some("C:\\x\\a %22b%22;c.png"));
        assert_eq!(parts[1].data, b"\x89PNG\r\n\x1a\nrest");
        assert_eq!(sniff(&parts[1].data), Some("image/png"));
    }

    #[test]
    fn a_cut_off_body_is_an_error() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nno end";
        assert!(parse_multipart("XyZ", body).is_err());
        assert!(parse_multipart("XyZ", b"nothing").is_err());
    }

    #[test]
    fn the_boundary_is_read_quoted_or_not() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----abc").as_deref(),
            Some("----abc")
        );
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn file_names_lose_paths_and_odd_characters() {
        assert_eq!(
            safe_filename("C:\\Users\\x\\rapport 2025.pdf"),
            "rapport_2025.pdf"
        );
        assert_eq!(safe_filename("\"><img src=x>.png"), "___img_src_x_.png");
        assert_eq!(safe_filename("../../.env"), "env");
        assert_eq!(safe_filename("æøå"), "___");
        assert_eq!(safe_filename(""), "file");
    }

    #[test]
    fn only_known_file_types_are_recognised() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
