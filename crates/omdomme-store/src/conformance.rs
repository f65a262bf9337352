//! placeholder
use crate::Store;
pub async fn run_all<S: Store>(_store: &S) {}
