//! Volume and share of voice, answered from the hourly rollups alone with the embedded
//! store's rules (`sqlite::rollups`: which rows a filter selects, buckets cut in a time
//! zone, shares); only the query that sums the rows is PostgreSQL's.

use omdomme_core::BrandId;
use tokio_postgres::GenericClient;

use super::{db, read_workspace, workspace_id};
use crate::sqlite::rollups::{
    Selection, Sums, hour_range, into_buckets, keep_filtered_label, shares, time_zone,
};
use crate::{
    BrandShare, Filters, ShareOfVoiceRequest, StoreError, StoreResult, VolumePoint, VolumeRequest,
};

/// Summed rows per (split value, hour), or per split value when not `per_hour` (hour 0),
/// ordered by split value and hour; the split value is `''` when nothing is split.
pub(super) async fn read_rows(
    client: &impl GenericClient,
    workspace: i64,
    selection: &Selection<'_>,
    filters: &Filters,
    per_hour: bool,
) -> StoreResult<Vec<(String, i64, Sums)>> {
    let (from, to) = hour_range(filters);
    let split = selection.split_column();
    let hour = if per_hour { "hour" } else { "0::bigint" };
    let sql = format!(
        "SELECT {split}::text, {hour}, sum(negative)::bigint, sum(neutral)::bigint, \
         sum(positive)::bigint, sum(score_negative), sum(score_neutral), \
         sum(score_positive) FROM rollup_hourly \
         WHERE workspace_id = $1 AND brand = ANY($2) AND topic = ANY($3) \
         AND hour >= $4 AND hour < $5 AND source_kind = ANY($6) \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    let rows = client
        .query(
            &sql,
            &[
                &workspace,
                &selection.brands,
                &selection.topics,
                &from,
                &to,
                &selection.sources,
            ],
        )
        .await
        .map_err(db("reading the rollups"))?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut sums = Sums {
                counts: [
                    r.get::<_, Option<i64>>(2).unwrap_or(0),
                    r.get::<_, Option<i64>>(3).unwrap_or(0),
                    r.get::<_, Option<i64>>(4).unwrap_or(0),
                ],
                scores: [
                    r.get::<_, Option<f64>>(5).unwrap_or(0.0),
                    r.get::<_, Option<f64>>(6).unwrap_or(0.0),
                    r.get::<_, Option<f64>>(7).unwrap_or(0.0),
                ],
            };
            keep_filtered_label(&mut sums, filters);
            (r.get(0), r.get(1), sums)
        })
        .collect())
}

pub(super) async fn volume(
    client: &impl GenericClient,
    request: &VolumeRequest,
) -> StoreResult<Vec<VolumePoint>> {
    let tz = time_zone(&request.time_zone)?;
    let ws = workspace_id(client, &request.workspace.0).await?;
    let selection = Selection::of(&request.filters);
    let rows = read_rows(client, ws, &selection, &request.filters, true).await?;
    into_buckets(
        rows.into_iter().map(|(_, hour, sums)| (hour, sums)),
        request.bucket,
        &tz,
    )
}

pub(super) async fn share_of_voice(
    client: &impl GenericClient,
    request: &ShareOfVoiceRequest,
) -> StoreResult<Vec<BrandShare>> {
    let row = client
        .query_opt(
            "SELECT key, name, synthetic, brands, id FROM workspaces WHERE key = $1",
            &[&request.workspace.0],
        )
        .await
        .map_err(db("reading the workspace"))?
        .ok_or_else(|| StoreError::Invalid(format!("unknown workspace `{}`", request.workspace)))?;
    let workspace = read_workspace(&row)?;
    let ws: i64 = row.get(4);
    let brands: Vec<BrandId> = workspace.brands.iter().map(|b| b.id.clone()).collect();
    if brands.is_empty() {
        return Ok(Vec::new());
    }
    let mut selection = Selection::of(&request.filters);
    selection.brands = brands.iter().map(|b| b.0.as_str()).collect();
    let rows = read_rows(client, ws, &selection, &request.filters, false).await?;
    Ok(shares(&rows, &brands))
}
