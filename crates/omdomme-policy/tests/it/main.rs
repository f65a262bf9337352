//! The policy check from the outside: cases in bokmål, nynorsk and English, and the policy
//! file's format.

mod check;
mod format;
