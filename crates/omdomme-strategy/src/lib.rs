//! The leadership group's planning (issue 7), computed from what the store holds:
//!
//! - [`templates`]: the three recipes of PRODUCT.md (consumer goods, service provider,
//!   engineering company), each proposing channel roles and goals;
//! - [`alignment`]: activity with no goal, goals with no activity, goals with no owner or
//!   past their deadline;
//! - [`audience`]: audience per channel and age group (defaults from PRODUCT.md, editable)
//!   and the channels that suit a target group;
//! - [`maturity`]: policy, protection, opportunity: what is in place and the next steps.
//!
//! A crate of its own so that the web app and the leadership report reach the same
//! computation without one depending on the other: the store cannot hold it (the maturity
//! view reads the policy, and `omdomme-policy` sits above the store), and the web crate is
//! not a library the report should pull in. Every computation is a pure function of plain
//! data; [`maturity::read`] and [`alignment::read`] gather that data from a
//! [`omdomme_store::Store`] with bounded reads.
//!
//! Texts shown to people come in bokmål and English ([`omdomme_store::UiLanguage`]).

pub mod alignment;
pub mod audience;
pub mod maturity;
pub mod templates;

use omdomme_store::UiLanguage;

/// A text in both UI languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub nb: &'static str,
    pub en: &'static str,
}

impl Text {
    pub const fn new(nb: &'static str, en: &'static str) -> Text {
        Text { nb, en }
    }

    pub fn get(self, language: UiLanguage) -> &'static str {
        match language {
            UiLanguage::Nb => self.nb,
            UiLanguage::En => self.en,
        }
    }
}
