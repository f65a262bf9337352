//! Placeholder: the bluesky connector is being written.

use serde::Deserialize;

use crate::{BuildContext, Channel, Connector, ConnectorError, ConnectorResult};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
}

impl Config {
    pub fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

pub fn connector(_config: &Config, _ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    Err(ConnectorError::config("not yet available"))
}

pub fn channel(_config: &Config, _ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
    Err(ConnectorError::config("not yet available"))
}
