//! `jiff::Timestamp` as PostgreSQL's `timestamptz`: tokio-postgres knows no jiff 1, so the
//! wire format (microseconds since 2000-01-01 UTC, big-endian) is written here.

use std::error::Error;

use bytes::BytesMut;
use jiff::Timestamp;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

/// Microseconds from the unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A timestamp bound to or read from a `timestamptz` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PgTime(pub(super) Timestamp);

impl ToSql for PgTime {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        let micros = self.0.as_microsecond() - POSTGRES_EPOCH_MICROS;
        out.extend_from_slice(&micros.to_be_bytes());
        Ok(IsNull::No)
    }

    accepts!(TIMESTAMPTZ);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTime {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgTime, Box<dyn Error + Sync + Send>> {
        let micros = i64::from_sql(&Type::INT8, raw)?;
        let unix = micros
            .checked_add(POSTGRES_EPOCH_MICROS)
            .ok_or_else(|| format!("{ty} value {micros} out of range"))?;
        Ok(PgTime(Timestamp::from_microsecond(unix)?))
    }

    accepts!(TIMESTAMPTZ);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_round_trips_through_the_wire_format() {
        for at in [
            "2000-01-01T00:00:00Z",
            "1969-07-20T20:17:40.123456Z",
            "2024-05-01T12:00:00Z",
        ] {
            let at: Timestamp = at.parse().unwrap();
            let mut out = BytesMut::new();
            PgTime(at).to_sql(&Type::TIMESTAMPTZ, &mut out).unwrap();
            assert_eq!(
                PgTime::from_sql(&Type::TIMESTAMPTZ, &out).unwrap(),
                PgTime(at)
            );
        }
        let mut out = BytesMut::new();
        PgTime("2000-01-01T00:00:00Z".parse().unwrap())
            .to_sql(&Type::TIMESTAMPTZ, &mut out)
            .unwrap();
        assert_eq!(&out[..], &[0; 8], "PostgreSQL counts from 2000");
    }
}
