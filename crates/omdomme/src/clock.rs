//! The one place the binary reads the wall clock; everything below takes time as a parameter.

use jiff::Timestamp;

#[allow(clippy::disallowed_methods)] // the single sanctioned clock read
pub fn now() -> Timestamp {
    Timestamp::now()
}
