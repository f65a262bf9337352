//! The demo scenario through the whole pipeline ranks its brands on the openness index as
//! the scenario meant: Dagmat fast and open, Havbris decent, Kornmo slow, Rypa nearly silent.

use crate::support::Scratch;
use omdomme_core::WorkspaceId;
use omdomme_core::openness::Component;
use omdomme_store::{SqliteStore, read_index};

#[test]
fn the_demo_ranks_the_brands_as_the_scenario_intends() {
    let scratch = Scratch::bare();
    scratch.ok(&["demo", "--items", "20000", "--no-serve"]);
    let store = SqliteStore::open(&scratch.data_dir()).expect("open the demo's store");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let brands = runtime
        .block_on(read_index(
            &store,
            &WorkspaceId("havbris-demo".to_owned()),
            "2000-01-01T00:00:00Z".parse().expect("time"),
            "2100-01-01T00:00:00Z".parse().expect("time"),
        ))
        .expect("read the index");
    let index = |id: &str| {
        let b = brands
            .iter()
            .find(|b| b.brand.0 == id)
            .unwrap_or_else(|| panic!("no brand {id}"));
        let rate = b
            .index
            .component(Component::ResponseRate)
            .and_then(|c| c.raw)
            .unwrap_or(0.0);
        let median = b
            .index
            .component(Component::MedianResponse)
            .and_then(|c| c.raw)
            .unwrap_or(f64::INFINITY);
        (
            b.index.index.unwrap_or(-1.0),
            rate,
            median,
            b.counts.clone(),
        )
    };
    let (dagmat, havbris, kornmo, rypa) = (
        index("dagmat"),
        index("havbris"),
        index("kornmo"),
        index("rypa"),
    );
    let all = format!("{dagmat:?}\n{havbris:?}\n{kornmo:?}\n{rypa:?}");
    assert!(
        dagmat.0 > havbris.0 && havbris.0 > kornmo.0 && kornmo.0 > rypa.0,
        "{all}"
    );
    // The components behind it: answer rates in the scenario's order, and Dagmat answering
    // faster than Kornmo.
    assert!(
        dagmat.1 > havbris.1 && havbris.1 > kornmo.1 && kornmo.1 > rypa.1,
        "{all}"
    );
    assert!(dagmat.2 < kornmo.2, "{all}");
    assert!(
        dagmat.3.inquiries > 0 && dagmat.3.own_replies > 0 && dagmat.3.own_posts > 0,
        "{all}"
    );
}
