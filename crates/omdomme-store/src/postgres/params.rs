//! Statements whose conditions depend on the request: each value is bound as it is met and
//! the SQL names it by its placeholder, so user text is never part of a statement.

use tokio_postgres::types::ToSql;

/// The values of a statement being built, in the order of their placeholders.
#[derive(Default)]
pub(super) struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    /// Binds `value`, returning its placeholder.
    pub(super) fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    /// The values as `query` and `execute` take them.
    pub(super) fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_from_one_in_binding_order() {
        let mut params = Params::default();
        assert_eq!(params.bind(7_i64), "$1");
        assert_eq!(params.bind("text"), "$2");
        assert_eq!(params.refs().len(), 2);
    }
}
