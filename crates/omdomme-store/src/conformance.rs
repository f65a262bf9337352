//! The conformance suite every [`Store`] backend must pass: idempotent upserts, search
//! (words, phrases, stemming, hashtags, mentions, fields, filters, order, paging), volume
//! across a daylight-saving change, share of voice, the sentiment towards each brand of an
//! item naming several, rollups after updates and rebuilds, reindexing, users and sessions,
//! odd or huge texts, and live sources (definitions, cursors committed with their batch,
//! health, sealed credentials).
//!
//! [`run_all`] takes an empty store; each case works in a workspace of its own, so the
//! cases do not see each other's items. Failures panic with what differed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use omdomme_core::{
    Action, Author, Brand, BrandId, BrandRole, BrandSentiment, Engagement, Enrichment, Item,
    ItemId, ItemKind, Lang, PostStatus, Query, QueryField, Sentiment, SentimentLabel, SourceHealth,
    SourceKey, SourceKind, Topic, TopicSet, Workflow, Workspace, WorkspaceId,
};
use serde_json::json;

use crate::stories::{
    CalendarQuery, EngagementGrouping, GoalDraft, GoalId, NewAttachment, NewContent, NewPost,
    OutboxState, Post as StoryPost, PostId, PostStep, ProofPointDraft, PublishOutcome, Published,
    StoredPolicy, StoryDraft, StoryId,
};
use crate::strategy::{BusinessType, ChannelRole, PostTally, StoredAudience, Strategy};
use crate::{
    AuditEntry, AuditQuery, BreakdownRequest, Bucket, Dimension, ExportRequest, Filters, PutReport,
    Role, SearchOrder, SearchRequest, SessionRecord, ShareOfVoiceRequest, SourceDefinition,
    SourceOrigin, Store, StoreError, TopAuthorsRequest, UiLanguage, UserRecord, VolumeRequest,
};

/// Runs every case against `store`, which must be empty.
pub async fn run_all<S: Store>(store: &S) {
    upsert_is_idempotent(store).await;
    search_finds_what_it_should(store).await;
    volume_is_cut_in_the_time_zone(store).await;
    share_of_voice_counts_each_brand(store).await;
    each_brand_counts_the_sentiment_towards_it(store).await;
    rollups_follow_updates_and_rebuilds(store).await;
    reindex_gives_the_same_results(store).await;
    users_and_sessions(store).await;
    audit_log_reads_newest_first_with_filters(store).await;
    odd_and_huge_texts_round_trip(store).await;
    sources_are_defined_listed_and_deleted(store).await;
    cursor_is_committed_only_with_its_batch(store).await;
    health_and_sealed_credentials(store).await;
    stats_add_up(store).await;
    inbox_entries_follow_their_items(store).await;
    overview_breakdown_and_top_authors(store).await;
    threads_gather_the_conversation(store).await;
    export_pages_through_every_match(store).await;
    stories_round_trip_in_their_workspace(store).await;
    posts_follow_the_workflow(store).await;
    calendar_shows_the_window(store).await;
    policy_is_stored_and_audited(store).await;
    outbox_publishes_each_post_once(store).await;
    engagement_rolls_up(store).await;
    strategy_and_audience_are_stored_and_audited(store).await;
    // == openness (issue 7) ==
    openness_counts_answers_whatever_the_order(store).await;
    // == report schedules (issue 7) ==
    report_schedules_send_each_period_once(store).await;
    // == alerts (issue 7) ==
    alerts_keep_channels_sealed_and_the_cursor_with_their_alerts(store).await;
    // == leases (issue 8) ==
    leases_are_held_by_one_holder_at_a_time(store).await;
    login_failures_are_counted_per_window(store).await;
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn ws(id: &str) -> WorkspaceId {
    WorkspaceId(id.to_owned())
}

fn brand(id: &str, role: BrandRole) -> Brand {
    Brand {
        id: BrandId(id.to_owned()),
        name: id.to_owned(),
        role,
        query: id.to_owned(),
    }
}

async fn workspace<S: Store>(store: &S, id: &str) -> WorkspaceId {
    store
        .put_workspace(&Workspace {
            id: ws(id),
            name: format!("Workspace {id}"),
            synthetic: true,
            brands: vec![
                brand("nordlys", BrandRole::Own),
                brand("fjordmat", BrandRole::Competitor),
                brand("tindra", BrandRole::Competitor),
            ],
        })
        .await
        .unwrap();
    ws(id)
}

/// A post with the fields the cases vary; everything else plain.
struct Post<'a> {
    source: SourceKind,
    external_id: &'a str,
    text: &'a str,
    lang: Lang,
    at: &'a str,
    author: &'a str,
    brands: &'a [&'a str],
    topics: &'a [Topic],
    sentiment: SentimentLabel,
    /// The sentiment towards each brand, when it differs from the item's own.
    brand_sentiment: &'a [(&'a str, SentimentLabel)],
}

impl Default for Post<'_> {
    fn default() -> Self {
        Post {
            source: SourceKind::X,
            external_id: "1",
            text: "",
            lang: Lang::Nb,
            at: "2024-05-01T12:00:00Z",
            author: "kari",
            brands: &[],
            topics: &[],
            sentiment: SentimentLabel::Neutral,
            brand_sentiment: &[],
        }
    }
}

fn score(label: SentimentLabel) -> f32 {
    match label {
        SentimentLabel::Negative => -0.5,
        SentimentLabel::Neutral => 0.0,
        SentimentLabel::Positive => 0.75,
    }
}

fn sentiment(label: SentimentLabel) -> Sentiment {
    Sentiment {
        label,
        score: score(label),
    }
}

fn item(p: Post<'_>) -> Item {
    Item {
        source: SourceKey::new(p.source, "test"),
        external_id: p.external_id.to_owned(),
        kind: ItemKind::Post,
        author: Author {
            handle: p.author.to_owned(),
            name: Some(format!("Name of {}", p.author)),
            followers: Some(10),
            verified: false,
        },
        title: None,
        text: p.text.to_owned(),
        url: Some(format!("https://example.invalid/{}", p.external_id)),
        thread_id: None,
        parent_id: None,
        engagement: Engagement {
            likes: 1,
            shares: 0,
            replies: 0,
            views: None,
        },
        published_at: ts(p.at),
        collected_at: ts("2024-06-01T00:00:00Z"),
        declared_lang: None,
        enrichment: Enrichment {
            lang: p.lang,
            sentiment: sentiment(p.sentiment),
            topics: p.topics.iter().copied().collect::<TopicSet>(),
            stakeholder: None,
            brands: p.brands.iter().map(|b| BrandId((*b).to_owned())).collect(),
            brand_sentiment: p
                .brand_sentiment
                .iter()
                .map(|(b, label)| BrandSentiment {
                    brand: BrandId((*b).to_owned()),
                    sentiment: sentiment(*label),
                })
                .collect(),
            inquiry: false,
            model: "test".to_owned(),
        },
        synthetic: true,
    }
}

fn word(w: &str) -> Query {
    Query::Word {
        word: w.to_owned(),
        prefix: false,
    }
}

fn search(workspace: &WorkspaceId, query: Option<Query>) -> SearchRequest {
    SearchRequest {
        workspace: workspace.clone(),
        query,
        filters: Filters::default(),
        order: SearchOrder::Oldest,
        offset: 0,
        limit: 50,
    }
}

/// External ids of a search's hits, in order, and its total.
async fn hits<S: Store>(store: &S, request: &SearchRequest) -> (Vec<String>, u64) {
    let page = store.search(request).await.unwrap();
    (
        page.items
            .iter()
            .map(|i| i.item.external_id.clone())
            .collect(),
        page.total,
    )
}

async fn ids_for<S: Store>(store: &S, workspace: &WorkspaceId, query: Query) -> Vec<String> {
    let (ids, total) = hits(store, &search(workspace, Some(query.clone()))).await;
    assert_eq!(total, ids.len() as u64, "total of {query:?}");
    ids
}

async fn all_items<S: Store>(store: &S, workspace: &WorkspaceId) -> Vec<(ItemId, Item)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let batch = store.items_after(workspace, after, 2).await.unwrap();
        out.extend(batch.items.into_iter().map(|s| (s.id, s.item)));
        match batch.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

async fn upsert_is_idempotent<S: Store>(store: &S) {
    let w = workspace(store, "conf-upsert").await;
    let posts: Vec<Item> = (1..=3)
        .map(|i| {
            item(Post {
                external_id: ["a", "b", "c"][i - 1],
                text: "hei",
                ..Post::default()
            })
        })
        .collect();
    let report = store.put_items(&w, &posts).await.unwrap();
    assert_eq!(
        report,
        PutReport {
            new: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let report = store.put_items(&w, &posts).await.unwrap();
    assert_eq!(
        report,
        PutReport {
            new: 0,
            updated: 0,
            unchanged: 3
        }
    );

    // Engagement grew: an update, not a second row; collecting again alone changes nothing.
    let mut changed = posts.clone();
    changed[1].engagement.likes = 42;
    changed[2].collected_at = ts("2024-07-01T00:00:00Z");
    let report = store.put_items(&w, &changed).await.unwrap();
    assert_eq!(
        report,
        PutReport {
            new: 0,
            updated: 1,
            unchanged: 2
        }
    );
    let stored = all_items(store, &w).await;
    assert_eq!(stored.len(), 3, "no duplicates");
    let b = stored.iter().find(|(_, i)| i.external_id == "b").unwrap();
    assert_eq!(b.1.engagement.likes, 42);
    let by_id = store.item(b.0).await.unwrap().unwrap();
    assert_eq!(by_id.item, b.1);
    assert_eq!(by_id.item, changed[1], "an item round-trips");
    assert!(store.item(ItemId(i64::MAX)).await.unwrap().is_none());

    // The same item twice in one batch is stored once.
    let twice = vec![
        item(Post {
            external_id: "d",
            ..Post::default()
        }),
        item(Post {
            external_id: "d",
            text: "endret",
            ..Post::default()
        }),
    ];
    let report = store.put_items(&w, &twice).await.unwrap();
    assert_eq!(report.new, 1);
    assert_eq!(report.updated, 1);
    assert_eq!(all_items(store, &w).await.len(), 4);

    // The same external id from another source is another item.
    let other_source = item(Post {
        source: SourceKind::Bluesky,
        external_id: "a",
        ..Post::default()
    });
    assert_eq!(store.put_items(&w, &[other_source]).await.unwrap().new, 1);

    let err = store
        .put_items(&ws("no-such-workspace"), &posts)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("no-such-workspace"), "{err}");
    assert_eq!(
        store.put_items(&w, &[]).await.unwrap(),
        PutReport::default()
    );
    assert!(matches!(
        store.items_after(&w, None, 0).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn search_finds_what_it_should<S: Store>(store: &S) {
    let w = workspace(store, "conf-search").await;
    let mut c = item(Post {
        source: SourceKind::Rss,
        external_id: "c",
        text: "Bærekraft er viktig for Fjordmat.",
        at: "2024-05-01T12:00:00Z",
        author: "nrk",
        brands: &["fjordmat"],
        ..Post::default()
    });
    c.title = Some("Fjordmat i vinden".to_owned());
    let items = vec![
        item(Post {
            external_id: "a",
            text: "Nordlys Energi satser på bærekraftige løsninger #GrønnOmstilling @NordlysEnergi",
            at: "2024-05-01T10:00:00Z",
            brands: &["nordlys"],
            topics: &[Topic::Climate],
            sentiment: SentimentLabel::Positive,
            ..Post::default()
        }),
        item(Post {
            source: SourceKind::Mastodon,
            external_id: "b",
            text: "Emission cuts announced by Nordlys",
            lang: Lang::En,
            at: "2024-05-01T11:00:00Z",
            author: "ola@mastodon.social",
            brands: &["nordlys"],
            sentiment: SentimentLabel::Negative,
            ..Post::default()
        }),
        c,
        item(Post {
            external_id: "d",
            text: "Ny KAFÉ i Bodø 😀 energi",
            lang: Lang::Other,
            at: "2024-05-01T13:00:00Z",
            ..Post::default()
        }),
    ];
    store.put_items(&w, &items).await.unwrap();
    // Another workspace's items are never found.
    let other = workspace(store, "conf-search-other").await;
    store
        .put_items(
            &other,
            &[item(Post {
                external_id: "z",
                text: "Nordlys bærekraft emissions",
                ..Post::default()
            })],
        )
        .await
        .unwrap();
    store.flush().await.unwrap();

    assert_eq!(ids_for(store, &w, word("nordlys")).await, ["a", "b"]);
    assert_eq!(ids_for(store, &w, word("NORDLYS")).await, ["a", "b"]);
    // Norwegian stemming: bærekraftige and bærekraft are one stem.
    assert_eq!(ids_for(store, &w, word("bærekraft")).await, ["a", "c"]);
    assert_eq!(ids_for(store, &w, word("bærekraftige")).await, ["a", "c"]);
    // English stemming.
    assert_eq!(ids_for(store, &w, word("emissions")).await, ["b"]);
    assert_eq!(ids_for(store, &w, word("emission")).await, ["b"]);
    // Folding: kafe finds KAFÉ.
    assert_eq!(ids_for(store, &w, word("kafe")).await, ["d"]);
    // Titles are searched.
    assert_eq!(ids_for(store, &w, word("vinden")).await, ["c"]);
    assert_eq!(
        ids_for(
            store,
            &w,
            Query::Word {
                word: "bærekraft".into(),
                prefix: true
            }
        )
        .await,
        ["a", "c"]
    );
    assert_eq!(
        ids_for(
            store,
            &w,
            Query::Word {
                word: "emi".into(),
                prefix: true
            }
        )
        .await,
        ["b"]
    );
    assert_eq!(
        ids_for(
            store,
            &w,
            Query::Phrase(vec!["nordlys".into(), "energi".into()])
        )
        .await,
        ["a"]
    );
    assert!(
        ids_for(
            store,
            &w,
            Query::Phrase(vec!["energi".into(), "nordlys".into()])
        )
        .await
        .is_empty()
    );
    assert_eq!(
        ids_for(store, &w, Query::Hashtag("grønnomstilling".into())).await,
        ["a"]
    );
    // A word finds a hashtag's text, a hashtag does not find a plain word.
    assert_eq!(ids_for(store, &w, word("grønnomstilling")).await, ["a"]);
    assert!(
        ids_for(store, &w, Query::Hashtag("nordlys".into()))
            .await
            .is_empty()
    );
    assert_eq!(
        ids_for(store, &w, Query::Mention("NordlysEnergi".into())).await,
        ["a"]
    );
    // A mention finds the author too, and the short form of a Mastodon account.
    assert_eq!(
        ids_for(store, &w, Query::Mention("ola".into())).await,
        ["b"]
    );
    assert_eq!(
        ids_for(store, &w, Query::Mention("nrk".into())).await,
        ["c"]
    );
    let field = |field, value: &str| Query::Field {
        field,
        value: value.to_owned(),
    };
    assert_eq!(
        ids_for(store, &w, field(QueryField::Lang, "en")).await,
        ["b"]
    );
    assert_eq!(
        ids_for(store, &w, field(QueryField::Source, "rss")).await,
        ["c"]
    );
    assert_eq!(
        ids_for(store, &w, field(QueryField::Author, "nrk")).await,
        ["c"]
    );
    assert!(
        ids_for(store, &w, field(QueryField::Lang, "klingon"))
            .await
            .is_empty()
    );
    assert_eq!(
        ids_for(
            store,
            &w,
            Query::And(vec![
                word("nordlys"),
                Query::Not(Box::new(word("emission")))
            ])
        )
        .await,
        ["a"]
    );
    assert_eq!(
        ids_for(store, &w, Query::Or(vec![word("kafe"), word("vinden")])).await,
        ["c", "d"]
    );
    assert_eq!(
        ids_for(store, &w, Query::Not(Box::new(word("nordlys")))).await,
        ["c", "d"]
    );

    // Filters.
    let filtered = |filters: Filters| SearchRequest {
        filters,
        ..search(&w, None)
    };
    let cases: Vec<(Filters, Vec<&str>)> = vec![
        (
            Filters {
                brand: Some(BrandId("fjordmat".into())),
                ..Filters::default()
            },
            vec!["c"],
        ),
        (
            Filters {
                source: Some(SourceKind::Mastodon),
                ..Filters::default()
            },
            vec!["b"],
        ),
        (
            Filters {
                sentiment: Some(SentimentLabel::Negative),
                ..Filters::default()
            },
            vec!["b"],
        ),
        (
            Filters {
                topic: Some(Topic::Climate),
                ..Filters::default()
            },
            vec!["a"],
        ),
        (
            Filters {
                lang: Some(Lang::Nb),
                ..Filters::default()
            },
            vec!["a", "c"],
        ),
        (
            Filters {
                author: Some("NRK".into()),
                ..Filters::default()
            },
            vec!["c"],
        ),
        (
            Filters {
                from: Some(ts("2024-05-01T11:00:00Z")),
                to: Some(ts("2024-05-01T13:00:00Z")),
                ..Filters::default()
            },
            vec!["b", "c"],
        ),
    ];
    for (filters, want) in cases {
        let (got, total) = hits(store, &filtered(filters.clone())).await;
        assert_eq!(got, want, "{filters:?}");
        assert_eq!(total, want.len() as u64, "{filters:?}");
    }

    // Order and paging.
    let (all, total) = hits(store, &search(&w, None)).await;
    assert_eq!(
        (all, total),
        (vec!["a".into(), "b".into(), "c".into(), "d".into()], 4)
    );
    let newest = SearchRequest {
        order: SearchOrder::Newest,
        ..search(&w, None)
    };
    assert_eq!(hits(store, &newest).await.0, ["d", "c", "b", "a"]);
    let relevance_without_words = SearchRequest {
        order: SearchOrder::Relevance,
        ..search(&w, None)
    };
    assert_eq!(
        hits(store, &relevance_without_words).await.0,
        ["d", "c", "b", "a"]
    );
    let page = SearchRequest {
        offset: 1,
        limit: 2,
        ..search(&w, None)
    };
    assert_eq!(hits(store, &page).await, (vec!["b".into(), "c".into()], 4));
    let past_the_end = SearchRequest {
        offset: 10,
        ..search(&w, None)
    };
    assert_eq!(hits(store, &past_the_end).await, (vec![], 4));
    let relevance = SearchRequest {
        order: SearchOrder::Relevance,
        ..search(&w, Some(word("nordlys")))
    };
    let (found, total) = hits(store, &relevance).await;
    assert_eq!(total, 2);
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(sorted, ["a", "b"]);

    for bad in [
        SearchRequest {
            limit: 0,
            ..search(&w, None)
        },
        SearchRequest {
            limit: 201,
            ..search(&w, None)
        },
        SearchRequest {
            offset: 10_001,
            ..search(&w, None)
        },
        search(&ws("no-such-workspace"), None),
    ] {
        let err = store.search(&bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{bad:?}: {err}");
    }
}

async fn volume_is_cut_in_the_time_zone<S: Store>(store: &S) {
    let w = workspace(store, "conf-volume").await;
    // Oslo went from +01:00 to +02:00 at 2024-03-31T01:00:00Z.
    let posts = [
        ("1", "2024-03-30T22:30:00Z", SentimentLabel::Positive), // 30th 23:30 local
        ("2", "2024-03-30T23:30:00Z", SentimentLabel::Negative), // 31st 00:30 local
        ("3", "2024-03-31T12:00:00Z", SentimentLabel::Neutral),  // 31st 14:00 local
        ("4", "2024-03-31T22:30:00Z", SentimentLabel::Positive), // April 1st 00:30 local
    ];
    let items: Vec<Item> = posts
        .iter()
        .map(|(id, at, sentiment)| {
            item(Post {
                external_id: id,
                at,
                sentiment: *sentiment,
                brands: &["nordlys"],
                topics: &[Topic::Climate],
                ..Post::default()
            })
        })
        .collect();
    store.put_items(&w, &items).await.unwrap();
    let volume = |bucket, tz: &str, filters: Filters| VolumeRequest {
        workspace: w.clone(),
        filters,
        bucket,
        time_zone: tz.to_owned(),
    };
    let points = |p: Vec<crate::VolumePoint>| -> Vec<(Timestamp, u64)> {
        p.into_iter().map(|p| (p.start, p.count)).collect()
    };

    let days = store
        .volume(&volume(Bucket::Day, "Europe/Oslo", Filters::default()))
        .await
        .unwrap();
    assert_eq!(
        points(days.clone()),
        [
            (ts("2024-03-29T23:00:00Z"), 1),
            (ts("2024-03-30T23:00:00Z"), 2),
            (ts("2024-03-31T22:00:00Z"), 1),
        ]
    );
    assert_eq!(
        (days[1].negative, days[1].neutral, days[1].positive),
        (1, 1, 0)
    );
    assert!(
        (days[1].mean_score - (-0.25)).abs() < 1e-6,
        "{}",
        days[1].mean_score
    );
    assert!((days[0].mean_score - 0.75).abs() < 1e-6);

    let utc_days = store
        .volume(&volume(Bucket::Day, "UTC", Filters::default()))
        .await
        .unwrap();
    assert_eq!(
        points(utc_days),
        [
            (ts("2024-03-30T00:00:00Z"), 2),
            (ts("2024-03-31T00:00:00Z"), 2)
        ]
    );
    let hours = store
        .volume(&volume(Bucket::Hour, "Europe/Oslo", Filters::default()))
        .await
        .unwrap();
    assert_eq!(
        points(hours),
        [
            (ts("2024-03-30T22:00:00Z"), 1),
            (ts("2024-03-30T23:00:00Z"), 1),
            (ts("2024-03-31T12:00:00Z"), 1),
            (ts("2024-03-31T22:00:00Z"), 1),
        ]
    );
    let weeks = store
        .volume(&volume(Bucket::Week, "Europe/Oslo", Filters::default()))
        .await
        .unwrap();
    assert_eq!(
        points(weeks),
        [
            (ts("2024-03-24T23:00:00Z"), 3),
            (ts("2024-03-31T22:00:00Z"), 1)
        ]
    );
    let months = store
        .volume(&volume(Bucket::Month, "Europe/Oslo", Filters::default()))
        .await
        .unwrap();
    assert_eq!(
        points(months),
        [
            (ts("2024-02-29T23:00:00Z"), 3),
            (ts("2024-03-31T22:00:00Z"), 1)
        ]
    );

    let total = |p: &[crate::VolumePoint]| p.iter().map(|p| p.count).sum::<u64>();
    for (filters, want) in [
        (
            Filters {
                brand: Some(BrandId("nordlys".into())),
                ..Filters::default()
            },
            4,
        ),
        (
            Filters {
                brand: Some(BrandId("fjordmat".into())),
                ..Filters::default()
            },
            0,
        ),
        (
            Filters {
                topic: Some(Topic::Climate),
                brand: Some(BrandId("nordlys".into())),
                ..Filters::default()
            },
            4,
        ),
        (
            Filters {
                topic: Some(Topic::Labour),
                ..Filters::default()
            },
            0,
        ),
        (
            Filters {
                source: Some(SourceKind::X),
                ..Filters::default()
            },
            4,
        ),
        (
            Filters {
                source: Some(SourceKind::Rss),
                ..Filters::default()
            },
            0,
        ),
        (
            Filters {
                sentiment: Some(SentimentLabel::Positive),
                ..Filters::default()
            },
            2,
        ),
        (
            Filters {
                from: Some(ts("2024-03-30T23:00:00Z")),
                to: Some(ts("2024-03-31T13:00:00Z")),
                ..Filters::default()
            },
            2,
        ),
    ] {
        let p = store
            .volume(&volume(Bucket::Day, "Europe/Oslo", filters.clone()))
            .await
            .unwrap();
        assert_eq!(total(&p), want, "{filters:?}");
    }
    let err = store
        .volume(&volume(
            Bucket::Day,
            "Mars/Olympus_Mons",
            Filters::default(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

async fn share_of_voice_counts_each_brand<S: Store>(store: &S) {
    let w = workspace(store, "conf-sov").await;
    let items = vec![
        item(Post {
            external_id: "1",
            brands: &["nordlys", "fjordmat"],
            topics: &[Topic::Climate, Topic::Labour, Topic::Product],
            sentiment: SentimentLabel::Positive,
            ..Post::default()
        }),
        item(Post {
            external_id: "2",
            brands: &["nordlys"],
            topics: &[Topic::Labour],
            sentiment: SentimentLabel::Negative,
            ..Post::default()
        }),
        item(Post {
            external_id: "3",
            brands: &["nordlys"],
            ..Post::default()
        }),
        item(Post {
            external_id: "4",
            ..Post::default()
        }),
    ];
    store.put_items(&w, &items).await.unwrap();
    let shares = store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: w.clone(),
            filters: Filters::default(),
        })
        .await
        .unwrap();
    let summary: Vec<(&str, u64)> = shares
        .iter()
        .map(|s| (s.brand.0.as_str(), s.count))
        .collect();
    assert_eq!(summary, [("nordlys", 3), ("fjordmat", 1), ("tindra", 0)]);
    assert!((shares[0].share - 0.75).abs() < 1e-9);
    assert!((shares[1].share - 0.25).abs() < 1e-9);
    assert_eq!(
        (shares[0].negative, shares[0].neutral, shares[0].positive),
        (1, 1, 1)
    );
    let labour = store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: w.clone(),
            filters: Filters {
                topic: Some(Topic::Labour),
                ..Filters::default()
            },
        })
        .await
        .unwrap();
    assert_eq!(
        (labour[0].brand.0.as_str(), labour[0].count),
        ("nordlys", 2)
    );
    assert_eq!(labour[1].count, 1);

    // Volume counts each item once, whatever its brands and topics.
    let volume = |filters| VolumeRequest {
        workspace: w.clone(),
        filters,
        bucket: Bucket::Month,
        time_zone: "Europe/Oslo".into(),
    };
    let all = store.volume(&volume(Filters::default())).await.unwrap();
    assert_eq!(all.iter().map(|p| p.count).sum::<u64>(), 4);
    let climate = store
        .volume(&volume(Filters {
            topic: Some(Topic::Climate),
            ..Filters::default()
        }))
        .await
        .unwrap();
    assert_eq!(climate.iter().map(|p| p.count).sum::<u64>(), 1);
    let err = store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: ws("no-such-workspace"),
            filters: Filters::default(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

/// One line of [`sentiment_per_brand`]: `name: count negative/neutral/positive mean`.
fn counted(name: &str, (count, neg, neu, pos, mean): (u64, u64, u64, u64, f64)) -> String {
    format!("{name}: {count} {neg}/{neu}/{pos} {mean:.4}")
}

/// Each brand's share of voice in the workspace's brand order, then the volume without and
/// with each brand filter, as [`counted`] lines.
async fn sentiment_per_brand<S: Store>(
    store: &S,
    w: &WorkspaceId,
    filters: &Filters,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut shares = store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: w.clone(),
            filters: filters.clone(),
        })
        .await
        .unwrap();
    shares.sort_by_key(|s| {
        ["nordlys", "fjordmat", "tindra"]
            .iter()
            .position(|b| s.brand.0 == *b)
    });
    for s in shares {
        out.push(counted(
            &format!("share {}", s.brand),
            (s.count, s.negative, s.neutral, s.positive, s.mean_score),
        ));
    }
    for brand in [None, Some("nordlys"), Some("fjordmat"), Some("tindra")] {
        let points = store
            .volume(&VolumeRequest {
                workspace: w.clone(),
                filters: Filters {
                    brand: brand.map(|b| BrandId(b.to_owned())),
                    ..filters.clone()
                },
                bucket: Bucket::Month,
                time_zone: "UTC".into(),
            })
            .await
            .unwrap();
        let sum = |f: fn(&crate::VolumePoint) -> u64| points.iter().map(f).sum::<u64>();
        let count = sum(|p| p.count);
        let score: f64 = points.iter().map(|p| p.mean_score * p.count as f64).sum();
        let mean = if count == 0 {
            0.0
        } else {
            score / count as f64
        };
        out.push(counted(
            &format!("volume {}", brand.unwrap_or("*")),
            (
                count,
                sum(|p| p.negative),
                sum(|p| p.neutral),
                sum(|p| p.positive),
                mean,
            ),
        ));
    }
    out
}

/// The expected [`sentiment_per_brand`] from (count, negative, neutral, positive, mean
/// score) of share nordlys, fjordmat, tindra, then volume *, nordlys, fjordmat, tindra.
fn per_brand(rows: [(u64, u64, u64, u64, f64); 7]) -> Vec<String> {
    let names = [
        "share nordlys",
        "share fjordmat",
        "share tindra",
        "volume *",
        "volume nordlys",
        "volume fjordmat",
        "volume tindra",
    ];
    names
        .into_iter()
        .zip(rows)
        .map(|(name, row)| counted(name, row))
        .collect()
}

async fn each_brand_counts_the_sentiment_towards_it<S: Store>(store: &S) {
    use SentimentLabel::{Negative, Neutral, Positive};
    let w = workspace(store, "conf-targeted").await;
    // "Switched from Nordlys to Fjordmat, finally someone answers": neutral on the whole,
    // negative towards nordlys, positive towards fjordmat.
    let mut switched = item(Post {
        external_id: "switched",
        text: "Byttet fra Nordlys til Fjordmat, endelig svarer noen",
        brands: &["nordlys", "fjordmat"],
        topics: &[Topic::Product],
        sentiment: Neutral,
        brand_sentiment: &[("nordlys", Negative), ("fjordmat", Positive)],
        ..Post::default()
    });
    // One brand, no sentiment per brand: its own sentiment is its brand's.
    let praise = item(Post {
        external_id: "praise",
        text: "Nordlys er best",
        brands: &["nordlys"],
        sentiment: Positive,
        ..Post::default()
    });
    let report = store
        .put_items(&w, &[switched.clone(), praise.clone()])
        .await
        .unwrap();
    assert_eq!(report.new, 2);

    // The sentiment per brand round-trips exactly.
    let stored = all_items(store, &w).await;
    let (id, back) = stored
        .iter()
        .find(|(_, i)| i.external_id == "switched")
        .unwrap();
    assert_eq!(back, &switched, "the sentiment per brand round-trips");
    assert_eq!(
        back.enrichment
            .sentiment_towards(&BrandId("fjordmat".into()))
            .label,
        Positive
    );
    assert_eq!(store.item(*id).await.unwrap().unwrap().item, switched);
    let (_, back) = stored
        .iter()
        .find(|(_, i)| i.external_id == "praise")
        .unwrap();
    assert!(back.enrichment.brand_sentiment.is_empty());
    assert_eq!(back, &praise);

    let all = Filters::default();
    let first = per_brand([
        // nordlys: negative towards it in "switched", positive "praise".
        (2, 1, 0, 1, 0.125),
        // fjordmat: positive towards it in "switched".
        (1, 0, 0, 1, 0.75),
        (0, 0, 0, 0, 0.0),
        // No brand: the items' own sentiments, neutral and positive.
        (2, 0, 1, 1, 0.375),
        (2, 1, 0, 1, 0.125),
        (1, 0, 0, 1, 0.75),
        (0, 0, 0, 0, 0.0),
    ]);
    assert_eq!(sentiment_per_brand(store, &w, &all).await, first);
    // The sentiment filter picks by the sentiment towards the brand in the brand's rows.
    let negative = Filters {
        sentiment: Some(Negative),
        ..Filters::default()
    };
    assert_eq!(
        sentiment_per_brand(store, &w, &negative).await,
        per_brand([
            (1, 1, 0, 0, -0.5),
            (0, 0, 0, 0, 0.0),
            (0, 0, 0, 0, 0.0),
            (0, 0, 0, 0, 0.0),
            (1, 1, 0, 0, -0.5),
            (0, 0, 0, 0, 0.0),
            (0, 0, 0, 0, 0.0),
        ])
    );
    let product = Filters {
        topic: Some(Topic::Product),
        ..Filters::default()
    };
    assert_eq!(
        sentiment_per_brand(store, &w, &product).await,
        per_brand([
            (1, 1, 0, 0, -0.5),
            (1, 0, 0, 1, 0.75),
            (0, 0, 0, 0, 0.0),
            (1, 0, 1, 0, 0.0),
            (1, 1, 0, 0, -0.5),
            (1, 0, 0, 1, 0.75),
            (0, 0, 0, 0, 0.0),
        ])
    );

    // The same again changes nothing.
    let report = store.put_items(&w, &[switched.clone()]).await.unwrap();
    assert_eq!(report.unchanged, 1);
    assert_eq!(sentiment_per_brand(store, &w, &all).await, first);

    // Re-enrichment swapped the sentiment per brand, and nothing else: an update, which
    // takes the old sentiment towards each brand out of its rows before adding the new.
    switched.enrichment.brand_sentiment = vec![
        BrandSentiment {
            brand: BrandId("nordlys".into()),
            sentiment: sentiment(Positive),
        },
        BrandSentiment {
            brand: BrandId("fjordmat".into()),
            sentiment: sentiment(Negative),
        },
    ];
    let report = store.put_items(&w, &[switched.clone()]).await.unwrap();
    assert_eq!(report.updated, 1);
    let swapped = per_brand([
        (2, 0, 0, 2, 0.75),
        (1, 1, 0, 0, -0.5),
        (0, 0, 0, 0, 0.0),
        (2, 0, 1, 1, 0.375),
        (2, 0, 0, 2, 0.75),
        (1, 1, 0, 0, -0.5),
        (0, 0, 0, 0, 0.0),
    ]);
    assert_eq!(sentiment_per_brand(store, &w, &all).await, swapped);
    assert_eq!(
        all_items(store, &w)
            .await
            .into_iter()
            .find(|(_, i)| i.external_id == "switched")
            .map(|(_, i)| i),
        Some(switched.clone())
    );
    store.rebuild_rollups().await.unwrap();
    assert_eq!(sentiment_per_brand(store, &w, &all).await, swapped);

    // Without a sentiment per brand again, each brand's rows count the item's own.
    switched.enrichment.brand_sentiment.clear();
    let report = store.put_items(&w, &[switched.clone()]).await.unwrap();
    assert_eq!(report.updated, 1);
    let own = per_brand([
        (2, 0, 1, 1, 0.375),
        (1, 0, 1, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (2, 0, 1, 1, 0.375),
        (2, 0, 1, 1, 0.375),
        (1, 0, 1, 0, 0.0),
        (0, 0, 0, 0, 0.0),
    ]);
    assert_eq!(sentiment_per_brand(store, &w, &all).await, own);
    store.rebuild_rollups().await.unwrap();
    assert_eq!(sentiment_per_brand(store, &w, &all).await, own);
}

async fn rollup_snapshot<S: Store>(store: &S, w: &WorkspaceId) -> Vec<String> {
    let mut out = Vec::new();
    for filters in [
        Filters::default(),
        Filters {
            brand: Some(BrandId("nordlys".into())),
            ..Filters::default()
        },
        Filters {
            topic: Some(Topic::Climate),
            ..Filters::default()
        },
    ] {
        for p in store
            .volume(&VolumeRequest {
                workspace: w.clone(),
                filters: filters.clone(),
                bucket: Bucket::Hour,
                time_zone: "UTC".into(),
            })
            .await
            .unwrap()
        {
            out.push(format!(
                "{} {} {}/{}/{} {:.4}",
                p.start, p.count, p.negative, p.neutral, p.positive, p.mean_score
            ));
        }
    }
    for s in store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: w.clone(),
            filters: Filters::default(),
        })
        .await
        .unwrap()
    {
        out.push(format!(
            "{} {} {:.4} {:.4}",
            s.brand, s.count, s.share, s.mean_score
        ));
    }
    out
}

async fn rollups_follow_updates_and_rebuilds<S: Store>(store: &S) {
    let w = workspace(store, "conf-rollups").await;
    let mut first = item(Post {
        external_id: "1",
        brands: &["nordlys"],
        topics: &[Topic::Climate],
        sentiment: SentimentLabel::Positive,
        at: "2024-02-01T10:15:00Z",
        ..Post::default()
    });
    let second = item(Post {
        external_id: "2",
        brands: &["nordlys", "tindra"],
        sentiment: SentimentLabel::Neutral,
        at: "2024-02-01T10:45:00Z",
        ..Post::default()
    });
    store
        .put_items(&w, &[first.clone(), second.clone()])
        .await
        .unwrap();
    // Re-enrichment turned the first negative, moved it an hour and dropped its topic.
    first.enrichment.sentiment = Sentiment {
        label: SentimentLabel::Negative,
        score: -0.5,
    };
    first.enrichment.topics = TopicSet::new();
    first.published_at = ts("2024-02-01T11:15:00Z");
    assert_eq!(store.put_items(&w, &[first]).await.unwrap().updated, 1);
    let after_update = rollup_snapshot(store, &w).await;
    assert_eq!(
        after_update,
        [
            "2024-02-01T10:00:00Z 1 0/1/0 0.0000",
            "2024-02-01T11:00:00Z 1 1/0/0 -0.5000",
            "2024-02-01T10:00:00Z 1 0/1/0 0.0000",
            "2024-02-01T11:00:00Z 1 1/0/0 -0.5000",
            "nordlys 2 0.6667 -0.2500",
            "tindra 1 0.3333 0.0000",
            "fjordmat 0 0.0000 0.0000",
        ]
    );
    store.rebuild_rollups().await.unwrap();
    assert_eq!(rollup_snapshot(store, &w).await, after_update);
}

async fn reindex_gives_the_same_results<S: Store>(store: &S) {
    let w = ws("conf-search");
    let queries = [
        Some(word("nordlys")),
        Some(word("bærekraftige")),
        Some(Query::Mention("ola".into())),
        None,
    ];
    let mut before = Vec::new();
    for q in &queries {
        before.push(hits(store, &search(&w, q.clone())).await);
    }
    let calls = std::sync::Mutex::new(Vec::new());
    let indexed = store
        .reindex(&|done, total| calls.lock().unwrap().push((done, total)))
        .await
        .unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!(indexed, stats.items);
    let calls = calls.into_inner().unwrap();
    assert_eq!(calls.last(), Some(&(indexed, indexed)), "{calls:?}");
    let mut after = Vec::new();
    for q in &queries {
        after.push(hits(store, &search(&w, q.clone())).await);
    }
    assert_eq!(before, after);
}

async fn users_and_sessions<S: Store>(store: &S) {
    assert!(store.user("kari@example.no").await.unwrap().is_none());
    let mut user = UserRecord {
        email: "kari@example.no".into(),
        name: "Kari".into(),
        role: Role::Editor,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        language: UiLanguage::Nb,
    };
    store.put_user(&user).await.unwrap();
    assert_eq!(
        store.user("kari@example.no").await.unwrap(),
        Some(user.clone())
    );
    user.role = Role::Admin;
    user.name = "Kari N.".into();
    user.language = UiLanguage::En;
    store.put_user(&user).await.unwrap();
    assert_eq!(
        store.user("kari@example.no").await.unwrap(),
        Some(user.clone())
    );
    // Emails compare without case, in lookups and in the listing's order.
    assert_eq!(
        store.user("KARI@example.no").await.unwrap(),
        Some(user.clone())
    );
    let mut other = user.clone();
    other.email = "Anne@example.no".into();
    store.put_user(&other).await.unwrap();
    let listed: Vec<String> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(listed, ["Anne@example.no", "kari@example.no"]);

    let session = SessionRecord {
        token_hash: "abc123".into(),
        email: user.email.clone(),
        expires_at: ts("2030-01-01T00:00:00Z"),
    };
    assert!(store.session("abc123").await.unwrap().is_none());
    store.put_session(&session).await.unwrap();
    assert_eq!(store.session("abc123").await.unwrap(), Some(session));
    store.delete_session("abc123").await.unwrap();
    assert!(store.session("abc123").await.unwrap().is_none());
    // Deleting what is gone is fine.
    store.delete_session("abc123").await.unwrap();

    // A password change ends every other session of the user, and only theirs.
    for (token, email) in [
        ("k1", "kari@example.no"),
        ("k2", "kari@example.no"),
        ("a1", "Anne@example.no"),
    ] {
        store
            .put_session(&SessionRecord {
                token_hash: token.into(),
                email: email.into(),
                expires_at: ts("2030-01-01T00:00:00Z"),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .delete_sessions_of("kari@example.no", Some("k1"))
            .await
            .unwrap(),
        1
    );
    assert!(store.session("k1").await.unwrap().is_some());
    assert!(store.session("k2").await.unwrap().is_none());
    assert!(store.session("a1").await.unwrap().is_some());
    // Deleting a user ends their sessions too.
    assert!(store.delete_user("anne@example.no").await.unwrap());
    assert!(!store.delete_user("anne@example.no").await.unwrap());
    assert!(store.user("Anne@example.no").await.unwrap().is_none());
    assert!(store.session("a1").await.unwrap().is_none());
}

async fn audit_log_reads_newest_first_with_filters<S: Store>(store: &S) {
    let ws = WorkspaceId("conf-audit".into());
    let entry =
        |minute: i64, actor: &str, workspace: Option<&WorkspaceId>, action: &str| AuditEntry {
            at: ts("2030-01-01T00:00:00Z") + jiff::SignedDuration::from_mins(minute),
            actor: actor.into(),
            workspace: workspace.cloned(),
            action: action.into(),
            target: format!("target {minute}"),
            detail: "<b>\u{0} 'quoted'".into(),
        };
    let entries = [
        entry(0, "kari@example.no", None, "user.add"),
        entry(1, "kari@example.no", Some(&ws), "inbox.assign"),
        entry(2, "ola@example.no", Some(&ws), "inbox.reply"),
        entry(3, "ola@example.no", Some(&ws), "brand_update"),
        entry(4, "ola@example.no", None, "user.role"),
    ];
    for e in &entries {
        store.append_audit(e).await.unwrap();
    }
    let read = |query: AuditQuery| async move {
        store
            .audit_log(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.entry)
            .collect::<Vec<_>>()
    };
    let all = read(AuditQuery {
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();
    assert_eq!(all, newest_first);
    let in_ws = read(AuditQuery {
        workspace: Some(ws.clone()),
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(in_ws.len(), 3);
    let by_kari = read(AuditQuery {
        actor: Some("KARI@example.no".into()),
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_kari, [entries[1].clone(), entries[0].clone()]);
    let inbox = read(AuditQuery {
        action_prefix: Some("inbox.".into()),
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(inbox.len(), 2);
    // `_` in a prefix is a plain character, not a wildcard.
    let underscore = read(AuditQuery {
        action_prefix: Some("brand_".into()),
        limit: 10,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(underscore, [entries[3].clone()]);
    // Paging: the next page starts below the last id seen.
    let first = store
        .audit_log(&AuditQuery {
            limit: 2,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let next = store
        .audit_log(&AuditQuery {
            limit: 10,
            before: Some(first[1].id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(next.len(), 3);
    assert_eq!(next[0].entry, entries[2]);
    assert!(matches!(
        store
            .audit_log(&AuditQuery {
                limit: 0,
                ..AuditQuery::default()
            })
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn odd_and_huge_texts_round_trip<S: Store>(store: &S) {
    let w = workspace(store, "conf-odd").await;
    let mut huge = "ord ".repeat(2_500_000);
    huge.push_str("sjeldenord");
    let odd = "\u{0}nul \u{202e}rtl שלום 🇳🇴👍🏽 e\u{301} \u{FEFF}bom ∑ \u{10FFFF}";
    let mut items = vec![
        item(Post {
            external_id: "huge",
            text: &huge,
            ..Post::default()
        }),
        item(Post {
            external_id: "odd \u{0} id 😀",
            text: odd,
            author: "Ærlig Ødegård",
            ..Post::default()
        }),
    ];
    items[1].title = Some(String::new());
    items[1].author.followers = Some(u64::from(u32::MAX));
    items[1].engagement.views = Some(0);
    store.put_items(&w, &items).await.unwrap();
    let stored = all_items(store, &w).await;
    assert_eq!(stored.len(), 2);
    for (_, s) in &stored {
        let original = items
            .iter()
            .find(|i| i.external_id == s.external_id)
            .unwrap();
        assert_eq!(s, original, "round trip of {:?}", original.external_id);
    }
    store.flush().await.unwrap();
    assert_eq!(ids_for(store, &w, word("sjeldenord")).await, ["huge"]);
    assert_eq!(
        ids_for(store, &w, word("nul")).await,
        [items[1].external_id.clone()]
    );
}

fn definition(kind: SourceKind, name: &str, origin: SourceOrigin) -> SourceDefinition {
    SourceDefinition {
        key: SourceKey::new(kind, name),
        spec: json!({ "kind": kind.as_str(), "name": name, "url": "https://nrk.no/toppsaker.rss" }),
        origin,
        enabled: true,
    }
}

async fn sources_are_defined_listed_and_deleted<S: Store>(store: &S) {
    let w = workspace(store, "conf-sources").await;
    let other = workspace(store, "conf-sources-other").await;
    assert!(store.sources(&w).await.unwrap().is_empty());
    // A source only seen in items (a file import) is not a defined source.
    store.put_items(&w, &[item(Post::default())]).await.unwrap();
    assert!(store.sources(&w).await.unwrap().is_empty());

    let first = ts("2025-01-01T00:00:00Z");
    let rss = definition(SourceKind::Rss, "nrk", SourceOrigin::Config);
    let mut mastodon = definition(SourceKind::Mastodon, "social", SourceOrigin::Ui);
    mastodon.enabled = false;
    store.put_source(&w, &rss, first).await.unwrap();
    store.put_source(&w, &mastodon, first).await.unwrap();
    let listed = store.sources(&w).await.unwrap();
    let keys: Vec<String> = listed.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(
        keys,
        ["mastodon:social", "rss:nrk"],
        "ordered by kind and name"
    );
    let nrk = &listed[1];
    assert_eq!(nrk.workspace, w);
    assert_eq!(nrk.spec, rss.spec);
    assert_eq!(nrk.origin, SourceOrigin::Config);
    assert!(nrk.enabled);
    assert!(!listed[0].enabled);
    assert_eq!(listed[0].origin, SourceOrigin::Ui);
    assert_eq!(nrk.cursor, None);
    assert_eq!(nrk.health, SourceHealth::default());
    assert!(!nrk.has_credential);
    assert_eq!((nrk.created_at, nrk.updated_at), (first, first));
    assert!(
        store.sources(&other).await.unwrap().is_empty(),
        "per workspace"
    );

    // Redefining changes the definition and keeps when it was created.
    let later = ts("2025-02-01T00:00:00Z");
    let mut changed = rss.clone();
    changed.spec = json!({ "kind": "rss", "name": "nrk", "url": "https://nrk.no/nyheter.rss" });
    changed.origin = SourceOrigin::Opml;
    store.put_source(&w, &changed, later).await.unwrap();
    let nrk = store.source(&w, &rss.key).await.unwrap().unwrap();
    assert_eq!(nrk.spec, changed.spec);
    assert_eq!(nrk.origin, SourceOrigin::Opml);
    assert_eq!((nrk.created_at, nrk.updated_at), (first, later));
    assert!(
        store
            .source(&w, &SourceKey::new(SourceKind::X, "test"))
            .await
            .unwrap()
            .is_none(),
        "a source of items only is not defined"
    );

    assert!(store.delete_source(&w, &rss.key).await.unwrap());
    assert!(!store.delete_source(&w, &rss.key).await.unwrap());
    assert!(store.source(&w, &rss.key).await.unwrap().is_none());
    assert_eq!(store.sources(&w).await.unwrap().len(), 1);
    // Deleting a source keeps its items.
    assert_eq!(all_items(store, &w).await.len(), 1);

    let err = store.sources(&ws("no-such-workspace")).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = store
        .put_source(&ws("no-such-workspace"), &rss, first)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

async fn cursor_is_committed_only_with_its_batch<S: Store>(store: &S) {
    let w = workspace(store, "conf-cursor").await;
    let source = SourceKey::new(SourceKind::X, "test");
    let post = |id: &'static str| {
        item(Post {
            external_id: id,
            text: "hei",
            ..Post::default()
        })
    };
    let err = store.source_cursor(&w, &source).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = store
        .put_items_at_cursor(&w, &[post("a")], &source, Some("c1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { .. }),
        "an undefined source has no cursor: {err}"
    );
    assert!(
        all_items(store, &w).await.is_empty(),
        "nothing of it stored"
    );

    let at = ts("2025-01-01T00:00:00Z");
    store
        .put_source(
            &w,
            &definition(SourceKind::X, "test", SourceOrigin::Config),
            at,
        )
        .await
        .unwrap();
    assert_eq!(store.source_cursor(&w, &source).await.unwrap(), None);
    let report = store
        .put_items_at_cursor(&w, &[post("a"), post("b")], &source, Some("c1"))
        .await
        .unwrap();
    assert_eq!(report.new, 2);
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c1")
    );
    // An empty batch may still move the cursor (everything read was filtered out).
    let report = store
        .put_items_at_cursor(&w, &[], &source, Some("c2"))
        .await
        .unwrap();
    assert_eq!(report, PutReport::default());
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c2")
    );
    // No cursor leaves it where it was.
    store
        .put_items_at_cursor(&w, &[post("c")], &source, None)
        .await
        .unwrap();
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c2")
    );

    // A batch that fails stores nothing and leaves the cursor.
    let stray = item(Post {
        source: SourceKind::Bluesky,
        external_id: "e",
        ..Post::default()
    });
    let err = store
        .put_items_at_cursor(&w, &[post("d"), stray], &source, Some("c3"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("item 2"), "{err}");
    assert_eq!(
        store.source_cursor(&w, &source).await.unwrap().as_deref(),
        Some("c2")
    );
    let ids: Vec<String> = all_items(store, &w)
        .await
        .into_iter()
        .map(|(_, i)| i.external_id)
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);

    // Sending the batch again after a failure stores nothing twice.
    let report = store
        .put_items_at_cursor(&w, &[post("b"), post("c"), post("d")], &source, Some("c3"))
        .await
        .unwrap();
    assert_eq!((report.new, report.unchanged), (1, 2));
    assert_eq!(all_items(store, &w).await.len(), 4);

    let err = store
        .put_items_at_cursor(&ws("no-such-workspace"), &[], &source, Some("c4"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");

    // A removed source starts afresh when defined again; its items stay.
    assert!(store.delete_source(&w, &source).await.unwrap());
    store
        .put_source(&w, &definition(SourceKind::X, "test", SourceOrigin::Ui), at)
        .await
        .unwrap();
    assert_eq!(store.source_cursor(&w, &source).await.unwrap(), None);
    assert_eq!(all_items(store, &w).await.len(), 4);
}

async fn health_and_sealed_credentials<S: Store>(store: &S) {
    let w = workspace(store, "conf-credentials").await;
    let rss = definition(SourceKind::Rss, "nrk", SourceOrigin::Config);
    let at = ts("2025-01-01T00:00:00Z");
    let err = store
        .put_source_credential(&w, &rss.key, b"sealed")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    store.put_source(&w, &rss, at).await.unwrap();
    assert_eq!(store.source_credential(&w, &rss.key).await.unwrap(), None);

    let mut health = SourceHealth::default();
    health.record_success(at, 12, Some(ts("2024-12-31T23:50:00Z")));
    health.record_failure(
        ts("2025-01-01T00:10:00Z"),
        "token_expired",
        "issue a new token",
    );
    store
        .put_source_health(&w, &rss.key, &health)
        .await
        .unwrap();

    // Any bytes, NUL and invalid UTF-8 included, come back exactly.
    let sealed: Vec<u8> = (0..=255u8).rev().chain([0, 0, 0xff]).collect();
    store
        .put_source_credential(&w, &rss.key, &sealed)
        .await
        .unwrap();
    assert_eq!(
        store.source_credential(&w, &rss.key).await.unwrap(),
        Some(sealed.clone())
    );
    store
        .put_items_at_cursor(&w, &[], &rss.key, Some("cursor-1"))
        .await
        .unwrap();

    // Redefining keeps health, credential and cursor.
    store
        .put_source(&w, &rss, ts("2025-02-01T00:00:00Z"))
        .await
        .unwrap();
    let record = store.source(&w, &rss.key).await.unwrap().unwrap();
    assert_eq!(record.health, health);
    assert!(record.has_credential);
    assert_eq!(record.cursor.as_deref(), Some("cursor-1"));
    // The listing says a credential is set, never what it is.
    let listed = store.sources(&w).await.unwrap();
    assert!(listed[0].has_credential);
    let listed_json = serde_json::to_string(&listed).unwrap();
    assert!(!listed_json.contains("\"credential\""), "{listed_json}");

    // A replaced credential replaces; a deleted source forgets it.
    store
        .put_source_credential(&w, &rss.key, b"other")
        .await
        .unwrap();
    assert_eq!(
        store.source_credential(&w, &rss.key).await.unwrap(),
        Some(b"other".to_vec())
    );
    assert!(store.delete_source(&w, &rss.key).await.unwrap());
    let err = store.source_credential(&w, &rss.key).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    store.put_source(&w, &rss, at).await.unwrap();
    let record = store.source(&w, &rss.key).await.unwrap().unwrap();
    assert!(!record.has_credential);
    assert_eq!(record.health, SourceHealth::default());
    assert_eq!(store.source_credential(&w, &rss.key).await.unwrap(), None);
    let err = store
        .put_source_health(&w, &SourceKey::new(SourceKind::X, "nope"), &health)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

async fn stats_add_up<S: Store>(store: &S) {
    store.flush().await.unwrap();
    let stats = store.stats().await.unwrap();
    let workspaces = store.workspaces().await.unwrap();
    assert_eq!(stats.workspaces, workspaces.len() as u64);
    assert!(workspaces.iter().any(|w| w.id == ws("conf-search")));
    let w = store.workspace(&ws("conf-search")).await.unwrap().unwrap();
    assert_eq!(w.brands.len(), 3);
    assert!(store.workspace(&ws("nope")).await.unwrap().is_none());
    let mut counted = 0;
    for w in &workspaces {
        counted += all_items(store, &w.id).await.len() as u64;
    }
    assert_eq!(stats.items, counted);
    assert_eq!(stats.indexed, counted, "the index caught up after flush");
    assert_eq!(
        stats.items_by_source.iter().map(|(_, n)| n).sum::<u64>(),
        counted
    );
    assert_eq!(
        stats.items_by_lang.iter().map(|(_, n)| n).sum::<u64>(),
        counted
    );
    assert!(stats.items_by_lang.iter().any(|(l, _)| *l == Lang::En));
    assert!(stats.rollup_rows > 0);
    // The first rollup item moved to 11:15 and the rollups were rebuilt: 10:45 is oldest.
    assert_eq!(stats.oldest, Some(ts("2024-02-01T10:45:00Z")));
    assert_eq!(stats.newest, Some(ts("2024-05-01T13:00:00Z")));
}

/// The inbox: entries made with their items (once), counts kept on write, assignment and
/// status, replies under idempotency keys, SLA policies moving deadlines, escalation once,
/// saved replies, and the list's filters and paging.
async fn inbox_entries_follow_their_items<S: Store>(store: &S) {
    use crate::inbox::{
        AssigneeFilter, InboxChange, InboxQuery, InboxStatus, NewReply, ReplyOutcome, SavedReply,
        SlaFilter, SlaPolicy, StatusFilter,
    };
    let w = workspace(store, "inbox").await;
    let question = |id: &str, brands: &'static [&'static str], at: &str| {
        let mut i = item(Post {
            external_id: id,
            text: "Når kommer strømmen tilbake?",
            brands,
            at,
            ..Post::default()
        });
        i.enrichment.inquiry = true;
        i
    };
    let mut chatter = question("c", &["nordlys"], "2024-05-01T12:00:00Z");
    chatter.enrichment.inquiry = false;
    let batch = [
        question("a", &["nordlys"], "2024-05-01T12:00:00Z"),
        question("b", &["nordlys", "fjordmat"], "2024-05-01T12:10:00Z"),
        question("competitor", &["fjordmat"], "2024-05-01T12:00:00Z"),
        chatter,
    ];
    store.put_items(&w, &batch).await.unwrap();
    store.put_items(&w, &batch).await.unwrap();
    let counts = store.inbox_counts(&w).await.unwrap();
    assert_eq!(counts.count(None, Some(InboxStatus::New)), 2, "{counts:?}");
    let now = ts("2024-05-01T12:30:00Z");
    let query = InboxQuery {
        workspace: w.clone(),
        status: StatusFilter::Open,
        channel: None,
        assignee: None,
        responder: None,
        sla: None,
        from: None,
        to: None,
        now,
        after: None,
        limit: 1,
    };
    let page = store.inbox(&query).await.unwrap();
    assert_eq!(
        page.rows[0].item.item.external_id, "a",
        "soonest deadline first"
    );
    let a = page.rows[0].item.id;
    assert_eq!(
        page.rows[0].entry.response_due_at,
        ts("2024-05-01T13:00:00Z"),
        "an hour on X by default"
    );
    let next = store
        .inbox(&InboxQuery {
            after: page.next,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(next.rows[0].item.item.external_id, "b");
    assert!(next.next.is_none());

    let entry = store
        .update_inbox_entry(&w, a, &InboxChange::Assign(Some("ola@x.no".into())), now)
        .await
        .unwrap();
    assert_eq!(entry.status, InboxStatus::Assigned);
    let mine = store
        .inbox(&InboxQuery {
            assignee: Some(AssigneeFilter::Person("OLA@x.no".into())),
            limit: 10,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(mine.rows.len(), 1);
    let at_risk = store
        .inbox(&InboxQuery {
            sla: Some(SlaFilter::AtRisk),
            limit: 10,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(at_risk.rows.len(), 0, "30 of 60 minutes is on track");

    let reply = NewReply {
        key: format!("{}-1", entry.id),
        text: "Snart!".into(),
        author: "ola@x.no".into(),
        at: now,
    };
    assert!(
        store
            .begin_inbox_reply(&w, a, &reply)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .begin_inbox_reply(&w, a, &reply)
            .await
            .unwrap()
            .is_some(),
        "a key is used once"
    );
    let entry = store
        .finish_inbox_reply(&w, a, &reply.key, &ReplyOutcome::Recorded, now)
        .await
        .unwrap();
    assert_eq!(entry.status, InboxStatus::Answered);
    assert_eq!(entry.first_response_at, Some(now));
    assert_eq!(entry.response_met(now), Some(true));
    let entry = store
        .update_inbox_entry(&w, a, &InboxChange::Status(InboxStatus::Closed), now)
        .await
        .unwrap();
    assert_eq!(entry.resolved_at, Some(now));
    let thread = store.inbox_thread(&w, a).await.unwrap().unwrap();
    assert_eq!(thread.replies.len(), 1);

    // A policy with escalation moves the open entry's deadlines; escalation fires once.
    store
        .put_sla_policy(
            &w,
            &SlaPolicy {
                channel: SourceKind::X,
                first_response_mins: 15,
                resolution_mins: 120,
                escalate_after_mins: Some(10),
                escalate_to: Some("leder@x.no".into()),
            },
        )
        .await
        .unwrap();
    let escalated = store.escalate_inbox(now).await.unwrap();
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert_eq!(escalated[0].to, "leder@x.no");
    assert!(store.escalate_inbox(now).await.unwrap().is_empty());
    let breached = store
        .inbox(&InboxQuery {
            sla: Some(SlaFilter::Breached),
            limit: 10,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(breached.rows.len(), 1, "b was due 12:25");
    let counts = store.inbox_counts(&w).await.unwrap();
    assert_eq!(counts.count(None, Some(InboxStatus::Closed)), 1);
    assert_eq!(counts.count(None, Some(InboxStatus::Assigned)), 1);
    assert_eq!(counts.open(None), 1);
    let policies = store.sla_policies(&w).await.unwrap();
    assert_eq!(policies.len(), SourceKind::ALL.len());

    let id = store
        .put_saved_reply(
            &w,
            &SavedReply {
                id: None,
                title: "Brudd".into(),
                text: "Vi jobber med saken.".into(),
                language: Lang::Nb,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.saved_replies(&w).await.unwrap().len(), 1);
    assert!(store.delete_saved_reply(&w, id).await.unwrap());
    assert!(!store.delete_saved_reply(&w, id).await.unwrap());
    let all = store
        .inbox_arrived_between(&w, ts("2024-05-01T00:00:00Z"), ts("2024-05-02T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

/// Each series of a breakdown as `key: day count neg/neu/pos; ...`.
async fn breakdown_text<S: Store>(
    store: &S,
    w: &WorkspaceId,
    by: Dimension,
    filters: Filters,
) -> Vec<String> {
    store
        .breakdown(&BreakdownRequest {
            workspace: w.clone(),
            filters,
            by,
            bucket: Bucket::Day,
            time_zone: "UTC".into(),
        })
        .await
        .unwrap()
        .into_iter()
        .map(|series| {
            let points: Vec<String> = series
                .points
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {}/{}/{}",
                        &p.start.to_string()[..10],
                        p.count,
                        p.negative,
                        p.neutral,
                        p.positive
                    )
                })
                .collect();
            format!("{}: {}", series.key, points.join("; "))
        })
        .collect()
}

/// The top authors as `source/handle items engagement followers`, by items and by reach.
async fn top_authors_text<S: Store>(
    store: &S,
    w: &WorkspaceId,
    to: &str,
    source: Option<SourceKind>,
) -> (Vec<String>, Vec<String>) {
    let top = store
        .top_authors(&TopAuthorsRequest {
            workspace: w.clone(),
            brand: BrandId("nordlys".into()),
            source,
            from: ts("2024-03-01T00:00:00Z"),
            to: ts(to),
            limit: 2,
        })
        .await
        .unwrap();
    let text = |list: &[crate::AuthorStats]| -> Vec<String> {
        list.iter()
            .map(|a| {
                format!(
                    "{}/{} {} {} {}",
                    a.source.as_str(),
                    a.handle,
                    a.items,
                    a.engagement,
                    a.followers
                )
            })
            .collect()
    };
    (text(&top.by_items), text(&top.by_reach))
}

async fn overview_breakdown_and_top_authors<S: Store>(store: &S) {
    let w = workspace(store, "conf-overview").await;
    let mut by_press = item(Post {
        source: SourceKind::Rss,
        external_id: "2",
        author: "nrk",
        brands: &["nordlys", "fjordmat"],
        topics: &[Topic::Climate, Topic::Labour],
        sentiment: SentimentLabel::Negative,
        at: "2024-03-10T11:00:00Z",
        ..Post::default()
    });
    by_press.author.followers = Some(5000);
    let mut later = item(Post {
        external_id: "5",
        brands: &["nordlys"],
        at: "2024-03-12T08:00:00Z",
        ..Post::default()
    });
    let first = item(Post {
        external_id: "1",
        brands: &["nordlys"],
        topics: &[Topic::Climate],
        sentiment: SentimentLabel::Positive,
        at: "2024-03-10T10:00:00Z",
        ..Post::default()
    });
    let items = [
        first.clone(),
        by_press,
        item(Post {
            external_id: "3",
            brands: &["fjordmat"],
            at: "2024-03-11T09:00:00Z",
            ..Post::default()
        }),
        item(Post {
            source: SourceKind::Mastodon,
            external_id: "4",
            brands: &["nordlys"],
            topics: &[Topic::Product],
            at: "2024-03-11T12:00:00Z",
            ..Post::default()
        }),
        later.clone(),
    ];
    store.put_items(&w, &items).await.unwrap();
    let nordlys = || Filters {
        brand: Some(BrandId("nordlys".into())),
        ..Filters::default()
    };

    // One series per brand of the workspace, in its order, empty ones included.
    assert_eq!(
        breakdown_text(store, &w, Dimension::Brand, Filters::default()).await,
        [
            "nordlys: 2024-03-10 2 1/0/1; 2024-03-11 1 0/1/0; 2024-03-12 1 0/1/0",
            "fjordmat: 2024-03-10 1 1/0/0; 2024-03-11 1 0/1/0",
            "tindra: ",
        ]
    );
    let negative = Filters {
        sentiment: Some(SentimentLabel::Negative),
        ..Filters::default()
    };
    assert_eq!(
        breakdown_text(store, &w, Dimension::Brand, negative).await,
        [
            "nordlys: 2024-03-10 1 1/0/0",
            "fjordmat: 2024-03-10 1 1/0/0",
            "tindra: "
        ]
    );
    // Topics and source kinds of one brand; a filter on the dimension keeps its series.
    assert_eq!(
        breakdown_text(store, &w, Dimension::Topic, nordlys()).await,
        [
            "climate: 2024-03-10 2 1/0/1",
            "labour: 2024-03-10 1 1/0/0",
            "diversity: ",
            "employer: ",
            "governance: ",
            "community: ",
            "product: 2024-03-11 1 0/1/0",
        ]
    );
    let labour = Filters {
        topic: Some(Topic::Labour),
        ..nordlys()
    };
    assert_eq!(
        breakdown_text(store, &w, Dimension::Topic, labour).await,
        ["labour: 2024-03-10 1 1/0/0"]
    );
    assert_eq!(
        breakdown_text(store, &w, Dimension::Source, nordlys()).await,
        [
            "rss: 2024-03-10 1 1/0/0",
            "mastodon: 2024-03-11 1 0/1/0",
            "bluesky: ",
            "x: 2024-03-10 1 0/0/1; 2024-03-12 1 0/1/0",
            "facebook: ",
            "file: ",
            "webhook: ",
        ]
    );

    // Top authors about a brand: a handle is one author per platform; reach is
    // followers times items; the period counts whole days.
    let (by_items, by_reach) = top_authors_text(store, &w, "2024-04-01T00:00:00Z", None).await;
    assert_eq!(by_items, ["x/kari 2 2 10", "mastodon/kari 1 1 10"]);
    assert_eq!(by_reach, ["rss/nrk 1 1 5000", "x/kari 2 2 10"]);
    let (by_items, _) = top_authors_text(store, &w, "2024-03-12T00:00:00Z", None).await;
    assert_eq!(by_items, ["mastodon/kari 1 1 10", "x/kari 1 1 10"]);
    let (by_items, _) =
        top_authors_text(store, &w, "2024-04-01T00:00:00Z", Some(SourceKind::Rss)).await;
    assert_eq!(by_items, ["rss/nrk 1 1 5000"]);

    // Updates move the author rows too: more engagement, and a brand dropped.
    later.engagement.likes = 40;
    let mut first = first;
    first.enrichment.brands.clear();
    store.put_items(&w, &[later, first]).await.unwrap();
    let after_update = top_authors_text(store, &w, "2024-04-01T00:00:00Z", None).await;
    assert_eq!(
        after_update.0,
        ["x/kari 1 40 10", "mastodon/kari 1 1 10"],
        "{after_update:?}"
    );
    store.rebuild_rollups().await.unwrap();
    assert_eq!(
        top_authors_text(store, &w, "2024-04-01T00:00:00Z", None).await,
        after_update
    );
}

// == Explorer: the conversation around an item, and export ==

async fn threads_gather_the_conversation<S: Store>(store: &S) {
    let w = workspace(store, "conf-thread").await;
    let other = workspace(store, "conf-thread-other").await;
    let post = |external_id: &'static str,
                at: &'static str,
                thread: Option<&str>,
                parent: Option<&str>| {
        let mut i = item(Post {
            external_id,
            text: external_id,
            at,
            ..Post::default()
        });
        i.thread_id = thread.map(str::to_owned);
        i.parent_id = parent.map(str::to_owned);
        i
    };
    // root <- a <- b (the one asked for) <- c; d replies to b without naming the thread;
    // z is another conversation.
    let items = vec![
        post("b", "2024-05-01T12:02:00Z", Some("root"), Some("a")),
        post("root", "2024-05-01T12:00:00Z", None, None),
        post("a", "2024-05-01T12:01:00Z", Some("root"), Some("root")),
        post("c", "2024-05-01T12:03:00Z", Some("root"), Some("b")),
        post("d", "2024-05-01T12:04:00Z", None, Some("b")),
        post("z", "2024-05-01T12:05:00Z", Some("zz"), None),
    ];
    store.put_items(&w, &items).await.unwrap();
    // The same external ids in another workspace stay out.
    store.put_items(&other, &items).await.unwrap();
    let id_of = |ws: WorkspaceId, external: &'static str| async move {
        all_items(store, &ws)
            .await
            .into_iter()
            .find(|(_, i)| i.external_id == external)
            .unwrap()
            .0
    };
    let b = id_of(w.clone(), "b").await;
    let thread = store.thread(&w, b, 10).await.unwrap().unwrap();
    assert_eq!(thread.item.id, b);
    let order: Vec<&str> = thread
        .items
        .iter()
        .map(|i| i.item.external_id.as_str())
        .collect();
    assert_eq!(order, ["root", "a", "b", "c", "d"]);
    assert!(!thread.truncated);

    // The root sees its thread; a limit cuts and says so.
    let root = id_of(w.clone(), "root").await;
    let thread = store.thread(&w, root, 10).await.unwrap().unwrap();
    assert_eq!(thread.items.len(), 4, "root, a, b, c: d names no thread");
    let cut = store.thread(&w, root, 2).await.unwrap().unwrap();
    assert!(cut.truncated);
    assert!(cut.items.iter().any(|i| i.id == root));

    // An item of another workspace is not there.
    let foreign = id_of(other.clone(), "b").await;
    assert_eq!(store.thread(&w, foreign, 10).await.unwrap(), None);
    assert!(store.thread(&w, b, 0).await.is_err());
    assert!(store.thread(&w, b, crate::MAX_THREAD + 1).await.is_err());
}

async fn export_pages_through_every_match<S: Store>(store: &S) {
    let w = workspace(store, "conf-export").await;
    let other = workspace(store, "conf-export-other").await;
    let names: Vec<String> = (0..7).map(|n| format!("e{n}")).collect();
    let items: Vec<Item> = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            item(Post {
                external_id: name,
                text: if n % 2 == 0 {
                    "klima og strøm"
                } else {
                    "strøm"
                },
                at: "2024-05-01T12:00:00Z",
                sentiment: if n < 3 {
                    SentimentLabel::Negative
                } else {
                    SentimentLabel::Neutral
                },
                ..Post::default()
            })
        })
        .collect();
    store.put_items(&w, &items).await.unwrap();
    store.put_items(&other, &items).await.unwrap();
    store.flush().await.unwrap();
    let all = |newest_first: bool, query: Option<Query>, filters: Filters| {
        let w = w.clone();
        async move {
            let mut request = ExportRequest {
                workspace: w,
                query,
                filters,
                newest_first,
                after: None,
                limit: 2,
            };
            let mut seen = Vec::new();
            loop {
                let page = store.export_items(&request).await.unwrap();
                assert!(page.items.len() <= 2);
                seen.extend(page.items.iter().map(|i| i.id.0));
                match page.next {
                    Some(next) => request.after = Some(next),
                    None => return seen,
                }
            }
        }
    };
    let oldest = all(false, None, Filters::default()).await;
    assert_eq!(oldest.len(), 7, "every item, none of the other workspace");
    assert!(oldest.windows(2).all(|p| p[0] < p[1]), "{oldest:?}");
    let mut newest = all(true, None, Filters::default()).await;
    assert!(newest.windows(2).all(|p| p[0] > p[1]), "{newest:?}");
    newest.reverse();
    assert_eq!(newest, oldest);
    assert_eq!(
        all(true, Some(word("klima")), Filters::default())
            .await
            .len(),
        4
    );
    let negative = Filters {
        sentiment: Some(SentimentLabel::Negative),
        ..Filters::default()
    };
    assert_eq!(all(false, Some(word("klima")), negative).await.len(), 2);
    let bad = ExportRequest {
        workspace: w.clone(),
        query: None,
        filters: Filters::default(),
        newest_first: true,
        after: None,
        limit: 0,
    };
    assert!(matches!(
        store.export_items(&bad).await,
        Err(StoreError::Invalid(_))
    ));
}

// == Stories (issue 6) ==

const HOSTILE: &str = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> </style> 'q' 🌍🎉";

fn story_draft(title: &str, topic: Topic, goal: Option<GoalId>) -> StoryDraft {
    StoryDraft {
        title: title.to_owned(),
        topic,
        summary: format!("Fakta om {title}"),
        goal,
        owner: "eier@nordlys.no".to_owned(),
    }
}

fn new_post(story: StoryId, kind: SourceKind, text: &str) -> NewPost {
    NewPost {
        story,
        channel: SourceKey::new(kind, "nordlys"),
        text: text.to_owned(),
        attachments: vec![],
        planned_at: None,
    }
}

fn step(action: Action, post: &StoryPost, at: &str) -> PostStep {
    PostStep {
        action,
        content: None,
        comment: None,
        expected_revision: post.revision,
        at: ts(at),
    }
}

fn by(email: &str) -> String {
    email.to_owned()
}

const AUTHOR: &str = "forfatter@nordlys.no";
const REVIEWER: &str = "leder@nordlys.no";

/// Takes a new post of `story` through review, approval and scheduling at `at`.
async fn scheduled_post<S: Store>(
    store: &S,
    w: &WorkspaceId,
    story: StoryId,
    kind: SourceKind,
    at: &str,
) -> StoryPost {
    let post = store
        .create_post(
            w,
            &new_post(story, kind, "Vi kutter utslipp"),
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    let post = store
        .step_post(
            w,
            post.id,
            &step(Action::Submit { by: by(AUTHOR) }, &post, at),
        )
        .await
        .unwrap();
    let post = store
        .step_post(
            w,
            post.id,
            &step(Action::Approve { by: by(REVIEWER) }, &post, at),
        )
        .await
        .unwrap();
    store
        .step_post(
            w,
            post.id,
            &step(
                Action::Schedule {
                    by: by(AUTHOR),
                    at: ts(at),
                },
                &post,
                at,
            ),
        )
        .await
        .unwrap()
}

async fn post_history<S: Store>(store: &S, w: &WorkspaceId, post: PostId) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = store
        .audit_log(&AuditQuery {
            workspace: Some(w.clone()),
            target: Some(format!("post:{post}")),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .collect();
    entries.reverse();
    entries
}

fn is_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, words: &str) {
    match result {
        Err(StoreError::Invalid(message)) => {
            assert!(message.contains(words), "`{message}` names `{words}`");
        }
        other => panic!("expected Invalid naming `{words}`, got {other:?}"),
    }
}

/// Goals, stories, proof points and attachments round trip with hostile text, and stay in
/// their workspace.
async fn stories_round_trip_in_their_workspace<S: Store>(store: &S) {
    let w = workspace(store, "conf-stories").await;
    let other = workspace(store, "conf-stories-other").await;
    let at = ts("2031-03-01T09:00:00Z");

    let goal = GoalDraft {
        name: format!("Synlig klimaarbeid {HOSTILE}"),
        channel: Some(SourceKind::Mastodon),
        owner: Some("leder@nordlys.no".into()),
        metric: "engasjement per innlegg".into(),
        target: Some(12.5),
        deadline: Some("2031-12-31".parse().unwrap()),
    };
    let g1 = store.put_goal(&w, None, &goal, at).await.unwrap();
    let undated = GoalDraft {
        name: "Arbeidsgiver".into(),
        deadline: None,
        ..goal.clone()
    };
    let g2 = store.put_goal(&w, None, &undated, at).await.unwrap();
    let early = GoalDraft {
        name: "Åpenhet".into(),
        deadline: Some("2031-06-30".parse().unwrap()),
        ..goal.clone()
    };
    let g3 = store.put_goal(&w, None, &early, at).await.unwrap();
    let goals = store.goals(&w).await.unwrap();
    let order: Vec<GoalId> = goals.iter().map(|g| g.id).collect();
    assert_eq!(order, [g3, g1, g2], "by deadline, undated last");
    assert_eq!(goals[1].draft, goal);
    assert_eq!(goals[1].workspace, w);
    let renamed = GoalDraft {
        name: "Klima".into(),
        ..goal.clone()
    };
    assert_eq!(
        store.put_goal(&w, Some(g1), &renamed, at).await.unwrap(),
        g1
    );
    assert!(matches!(
        store.put_goal(&other, Some(g1), &renamed, at).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.goals(&other).await.unwrap().is_empty());
    is_invalid(
        store
            .put_goal(
                &w,
                None,
                &GoalDraft {
                    name: " ".into(),
                    ..goal.clone()
                },
                at,
            )
            .await,
        "name",
    );

    let draft = story_draft(HOSTILE, Topic::Climate, Some(g1));
    let story = store.create_story(&w, &draft, AUTHOR, at).await.unwrap();
    assert_eq!(story.draft, draft);
    assert_eq!((story.created_by.as_str(), story.created_at), (AUTHOR, at));
    assert!(story.proof_points.is_empty());
    is_invalid(
        store
            .create_story(
                &other,
                &story_draft("x", Topic::Climate, Some(g1)),
                AUTHOR,
                at,
            )
            .await,
        "goal",
    );
    is_invalid(
        store
            .create_story(
                &w,
                &story_draft(&"t".repeat(201), Topic::Climate, None),
                AUTHOR,
                at,
            )
            .await,
        "title",
    );
    assert!(store.story(&other, story.id).await.unwrap().is_none());

    // A document behind a proof point, and the size limit.
    let document = store
        .put_attachment(
            &w,
            &NewAttachment {
                filename: format!("rapport {HOSTILE}.pdf"),
                media_type: "application/pdf".into(),
                alt_text: HOSTILE.into(),
                bytes: vec![0, 1, 2, 255],
            },
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    let (read, bytes) = store.attachment(&w, document.id).await.unwrap().unwrap();
    assert_eq!((read, bytes), (document.clone(), vec![0, 1, 2, 255]));
    assert_eq!(document.size, 4);
    assert!(
        store
            .attachment(&other, document.id)
            .await
            .unwrap()
            .is_none()
    );
    is_invalid(
        store
            .put_attachment(
                &w,
                &NewAttachment {
                    filename: "stor.png".into(),
                    media_type: "image/png".into(),
                    alt_text: String::new(),
                    bytes: vec![0; crate::stories::MAX_ATTACHMENT_BYTES + 1],
                },
                AUTHOR,
                at,
            )
            .await,
        "MB",
    );

    let later = ts("2031-03-02T09:00:00Z");
    let linked = ProofPointDraft {
        statement: format!("Vi har kuttet 40 % av utslippene {HOSTILE}"),
        source_url: Some("https://nordlys.no/rapport?a=1&b=\"2\"".into()),
        document: None,
    };
    let p1 = store
        .add_proof_point(&w, story.id, &linked, AUTHOR, later)
        .await
        .unwrap();
    assert!(p1.has_source());
    let documented = ProofPointDraft {
        statement: "Sertifisert".into(),
        source_url: Some("  ".into()),
        document: Some(document.id),
    };
    let p2 = store
        .add_proof_point(&w, story.id, &documented, AUTHOR, later)
        .await
        .unwrap();
    assert_eq!(p2.draft.source_url, None, "a blank link is no link");
    let unsourced = ProofPointDraft {
        statement: "Bare en påstand".into(),
        source_url: None,
        document: None,
    };
    let p3 = store
        .add_proof_point(&w, story.id, &unsourced, AUTHOR, later)
        .await
        .unwrap();
    assert!(!p3.has_source());
    is_invalid(
        store
            .add_proof_point(
                &w,
                story.id,
                &ProofPointDraft {
                    source_url: Some("javascript:alert(1)".into()),
                    ..linked.clone()
                },
                AUTHOR,
                later,
            )
            .await,
        "web address",
    );
    is_invalid(
        store
            .add_proof_point(
                &w,
                story.id,
                &ProofPointDraft {
                    statement: "x".repeat(2_001),
                    ..linked.clone()
                },
                AUTHOR,
                later,
            )
            .await,
        "statement",
    );
    assert!(matches!(
        store
            .add_proof_point(&other, story.id, &linked, AUTHOR, later)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let other_story = store
        .create_story(
            &other,
            &story_draft("Annen", Topic::Labour, None),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    is_invalid(
        store
            .add_proof_point(&other, other_story.id, &documented, AUTHOR, later)
            .await,
        "attachment",
    );
    assert!(!store.delete_proof_point(&other, p3.id).await.unwrap());
    assert!(store.delete_proof_point(&w, p3.id).await.unwrap());
    assert!(!store.delete_proof_point(&w, p3.id).await.unwrap());

    let read = store.story(&w, story.id).await.unwrap().unwrap();
    assert_eq!(read.proof_points, [p1.clone(), p2.clone()]);
    assert_eq!(read.updated_at, later, "a proof point changes the story");

    let changed = StoryDraft {
        title: "Ny tittel".into(),
        topic: Topic::Community,
        goal: None,
        ..draft.clone()
    };
    let updated = store
        .update_story(&w, story.id, &changed, later)
        .await
        .unwrap();
    assert_eq!(updated.draft, changed);
    assert!(matches!(
        store.update_story(&other, story.id, &changed, later).await,
        Err(StoreError::NotFound { .. })
    ));
    let second = store
        .create_story(
            &w,
            &story_draft("Andre", Topic::Labour, Some(g2)),
            AUTHOR,
            later,
        )
        .await
        .unwrap();
    let all = store.stories(&w).await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [second.id, story.id],
        "newest first"
    );
    assert_eq!(all[1].proof_points.len(), 2);
    assert_eq!(store.stories(&other).await.unwrap().len(), 1);

    // Deleting a goal leaves its stories without one.
    assert!(!store.delete_goal(&other, g2).await.unwrap());
    assert!(store.delete_goal(&w, g2).await.unwrap());
    assert!(!store.delete_goal(&w, g2).await.unwrap());
    let second = store.story(&w, second.id).await.unwrap().unwrap();
    assert_eq!(second.draft.goal, None);
    assert_eq!(store.goals(&w).await.unwrap().len(), 2);
}

/// Posts go through the workflow only as the state machine allows, four eyes included,
/// each step audited and a stale revision refused.
async fn posts_follow_the_workflow<S: Store>(store: &S) {
    let w = workspace(store, "conf-posts").await;
    let other = workspace(store, "conf-posts-other").await;
    let at = "2031-04-01T09:00:00Z";
    let story = store
        .create_story(
            &w,
            &story_draft("Innlegg", Topic::Climate, None),
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    let image = store
        .put_attachment(
            &w,
            &NewAttachment {
                filename: "sol.png".into(),
                media_type: "image/png".into(),
                alt_text: format!("Solceller på taket {HOSTILE}"),
                bytes: vec![137, 80, 78, 71],
            },
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    let foreign = store
        .put_attachment(
            &other,
            &NewAttachment {
                filename: "x.png".into(),
                media_type: "image/png".into(),
                alt_text: "x".into(),
                bytes: vec![1],
            },
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();

    let mut draft = new_post(story.id, SourceKind::Mastodon, HOSTILE);
    draft.attachments = vec![image.id];
    draft.planned_at = Some(ts("2031-04-10T08:00:00Z"));
    let post = store.create_post(&w, &draft, AUTHOR, ts(at)).await.unwrap();
    assert_eq!(post.content.text, HOSTILE);
    assert_eq!(post.content.attachments, std::slice::from_ref(&image));
    assert_eq!(post.workflow, Workflow::new(AUTHOR));
    assert_eq!(post.revision, 1);
    assert_eq!(store.post(&w, post.id).await.unwrap().unwrap(), post);
    assert!(store.post(&other, post.id).await.unwrap().is_none());
    assert_eq!(
        store.story_posts(&w, story.id).await.unwrap(),
        std::slice::from_ref(&post)
    );
    assert!(
        store
            .story_posts(&other, story.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Content the store refuses.
    let mut bad = draft.clone();
    bad.channel = SourceKey::new(SourceKind::Rss, "feed");
    is_invalid(store.create_post(&w, &bad, AUTHOR, ts(at)).await, "rss");
    let mut bad = draft.clone();
    bad.attachments = vec![foreign.id];
    is_invalid(
        store.create_post(&w, &bad, AUTHOR, ts(at)).await,
        "attachment",
    );
    let mut bad = draft.clone();
    bad.attachments = vec![image.id; 5];
    is_invalid(
        store.create_post(&w, &bad, AUTHOR, ts(at)).await,
        "at most 4",
    );
    let mut bad = draft.clone();
    bad.text = "x".repeat(10_001);
    is_invalid(store.create_post(&w, &bad, AUTHOR, ts(at)).await, "text");
    assert!(matches!(
        store.create_post(&other, &draft, AUTHOR, ts(at)).await,
        Err(StoreError::NotFound { .. })
    ));

    // An empty post goes nowhere.
    let empty = store
        .create_post(&w, &new_post(story.id, SourceKind::X, "  "), AUTHOR, ts(at))
        .await
        .unwrap();
    is_invalid(
        store
            .step_post(
                &w,
                empty.id,
                &step(Action::Submit { by: by(AUTHOR) }, &empty, at),
            )
            .await,
        "empty",
    );

    let post = store
        .step_post(
            &w,
            post.id,
            &step(Action::Submit { by: by(AUTHOR) }, &post, at),
        )
        .await
        .unwrap();
    assert_eq!(
        (post.workflow.status, post.revision),
        (PostStatus::InReview, 2)
    );
    // Four eyes: the author cannot approve.
    is_invalid(
        store
            .step_post(
                &w,
                post.id,
                &step(Action::Approve { by: by(AUTHOR) }, &post, at),
            )
            .await,
        "four eyes",
    );
    // A step on what someone saw before the last change is refused.
    let mut stale = step(Action::Approve { by: by(REVIEWER) }, &post, at);
    stale.expected_revision = 1;
    match store.step_post(&w, post.id, &stale).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("reload"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        store
            .step_post(
                &other,
                post.id,
                &step(Action::Approve { by: by(REVIEWER) }, &post, at)
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // Sending back needs a comment; then the author edits and submits again.
    is_invalid(
        store
            .step_post(
                &w,
                post.id,
                &step(Action::RequestChanges { by: by(REVIEWER) }, &post, at),
            )
            .await,
        "comment",
    );
    let mut back = step(Action::RequestChanges { by: by(REVIEWER) }, &post, at);
    back.comment = Some(format!("Kilde mangler {HOSTILE}"));
    let post = store.step_post(&w, post.id, &back).await.unwrap();
    assert_eq!(post.workflow.status, PostStatus::Draft);
    is_invalid(
        store
            .step_post(
                &w,
                post.id,
                &step(Action::Edit { by: by(AUTHOR) }, &post, at),
            )
            .await,
        "content",
    );
    let mut edit = step(
        Action::Edit { by: by(AUTHOR) },
        &post,
        "2031-04-01T10:00:00Z",
    );
    edit.content = Some(NewContent {
        channel: SourceKey::new(SourceKind::Bluesky, "nordlys.bsky.social"),
        text: "Vi kutter 40 % (kilde: rapporten)".into(),
        attachments: vec![],
        planned_at: Some(ts("2031-04-11T08:00:00Z")),
    });
    let post = store.step_post(&w, post.id, &edit).await.unwrap();
    assert_eq!(post.content.channel.kind, SourceKind::Bluesky);
    assert!(post.content.attachments.is_empty());
    assert_eq!(post.workflow.version, 2);
    assert_eq!(post.updated_at, ts("2031-04-01T10:00:00Z"));
    let mut not_an_edit = step(Action::Submit { by: by(AUTHOR) }, &post, at);
    not_an_edit.content = edit.content.clone();
    is_invalid(store.step_post(&w, post.id, &not_an_edit).await, "edit");
    // Only the publisher publishes.
    is_invalid(
        store
            .step_post(&w, post.id, &step(Action::Published, &post, at))
            .await,
        "publisher",
    );
    let post = store
        .step_post(
            &w,
            post.id,
            &step(Action::Submit { by: by(AUTHOR) }, &post, at),
        )
        .await
        .unwrap();
    let mut approve = step(Action::Approve { by: by(REVIEWER) }, &post, at);
    approve.comment = Some("Bra!".into());
    let post = store.step_post(&w, post.id, &approve).await.unwrap();
    assert!(post.workflow.approved_by_other());
    let when = ts("2031-04-12T07:30:00Z");
    let post = store
        .step_post(
            &w,
            post.id,
            &step(
                Action::Schedule {
                    by: by(AUTHOR),
                    at: when,
                },
                &post,
                at,
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (post.workflow.status, post.workflow.scheduled_at),
        (PostStatus::Scheduled, Some(when))
    );
    let post = store
        .step_post(
            &w,
            post.id,
            &step(Action::Unschedule { by: by(AUTHOR) }, &post, at),
        )
        .await
        .unwrap();
    assert_eq!(post.workflow.status, PostStatus::Approved);
    assert_eq!(store.post(&w, post.id).await.unwrap().unwrap(), post);

    let comments = store.post_comments(&w, post.id).await.unwrap();
    let said: Vec<(&str, &str, &str)> = comments
        .iter()
        .map(|c| (c.by.as_str(), c.kind.as_str(), c.body.as_str()))
        .collect();
    let sent_back = format!("Kilde mangler {HOSTILE}");
    assert_eq!(
        said,
        [
            (REVIEWER, "post.request_changes", sent_back.as_str()),
            (REVIEWER, "post.approve", "Bra!"),
        ]
    );
    let comment = store
        .add_post_comment(&w, post.id, REVIEWER, HOSTILE, ts(at))
        .await
        .unwrap();
    assert_eq!(
        (comment.kind.as_str(), comment.body.as_str()),
        ("comment", HOSTILE)
    );
    assert_eq!(store.post_comments(&w, post.id).await.unwrap().len(), 3);
    assert!(
        store
            .post_comments(&other, post.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store
            .add_post_comment(&other, post.id, REVIEWER, "x", ts(at))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    is_invalid(
        store
            .add_post_comment(&w, post.id, REVIEWER, &"x".repeat(5_001), ts(at))
            .await,
        "comment",
    );

    // Every step in the post's history, with who did it.
    let history: Vec<(String, String)> = post_history(store, &w, post.id)
        .await
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect();
    let expected = [
        ("post.create", AUTHOR),
        ("post.submit", AUTHOR),
        ("post.request_changes", REVIEWER),
        ("post.edit", AUTHOR),
        ("post.submit", AUTHOR),
        ("post.approve", REVIEWER),
        ("post.schedule", AUTHOR),
        ("post.unschedule", AUTHOR),
    ];
    assert_eq!(history, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let scheduled = &post_history(store, &w, post.id).await[6];
    assert!(
        scheduled.detail.contains("2031-04-12T07:30:00Z"),
        "{scheduled:?}"
    );
    assert!(post_history(store, &other, post.id).await.is_empty());

    // An image without alt text cannot go to review.
    let bare = store
        .put_attachment(
            &w,
            &NewAttachment {
                filename: "uten.png".into(),
                media_type: "image/png".into(),
                alt_text: " ".into(),
                bytes: vec![1],
            },
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    let mut unlabelled = new_post(story.id, SourceKind::Facebook, "Bilde");
    unlabelled.attachments = vec![bare.id];
    let unlabelled = store
        .create_post(&w, &unlabelled, AUTHOR, ts(at))
        .await
        .unwrap();
    is_invalid(
        store
            .step_post(
                &w,
                unlabelled.id,
                &step(Action::Submit { by: by(AUTHOR) }, &unlabelled, at),
            )
            .await,
        "alt text",
    );
}

fn calendar_query(w: &WorkspaceId, from: &str, to: &str) -> CalendarQuery {
    CalendarQuery {
        workspace: w.clone(),
        from: ts(from),
        to: ts(to),
        story: None,
        topic: None,
        goal: None,
        channel: None,
    }
}

async fn calendar_posts<S: Store>(store: &S, query: &CalendarQuery) -> Vec<PostId> {
    store
        .calendar(query)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.post)
        .collect()
}

/// The calendar shows posts at their published, scheduled or planned time, in the window,
/// with each filter.
async fn calendar_shows_the_window<S: Store>(store: &S) {
    let w = workspace(store, "conf-calendar").await;
    let other = workspace(store, "conf-calendar-other").await;
    let at = ts("2031-05-01T09:00:00Z");
    let goal = store
        .put_goal(
            &w,
            None,
            &GoalDraft {
                name: "Mål".into(),
                metric: "engasjement".into(),
                ..GoalDraft::default()
            },
            at,
        )
        .await
        .unwrap();
    let climate = store
        .create_story(
            &w,
            &story_draft("Klima", Topic::Climate, Some(goal)),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    let labour = store
        .create_story(&w, &story_draft("Arbeid", Topic::Labour, None), AUTHOR, at)
        .await
        .unwrap();
    let planned = |story: StoryId, kind: SourceKind, when: Option<&str>| {
        let mut post = new_post(story, kind, &"ø".repeat(200));
        post.planned_at = when.map(ts);
        post
    };
    let p1 = store
        .create_post(
            &w,
            &planned(
                climate.id,
                SourceKind::Mastodon,
                Some("2031-05-03T08:00:00Z"),
            ),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    let p2 = store
        .create_post(
            &w,
            &planned(labour.id, SourceKind::X, Some("2031-05-02T08:00:00Z")),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    // Unplanned: not in the calendar.
    store
        .create_post(&w, &planned(climate.id, SourceKind::X, None), AUTHOR, at)
        .await
        .unwrap();
    // Outside the window.
    store
        .create_post(
            &w,
            &planned(climate.id, SourceKind::X, Some("2031-06-02T08:00:00Z")),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    // Planned for June but scheduled in May: it shows at the scheduled time.
    let p3 = store
        .create_post(
            &w,
            &planned(
                climate.id,
                SourceKind::Bluesky,
                Some("2031-06-09T08:00:00Z"),
            ),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    let p3 = {
        let mut p = p3;
        for action in [
            Action::Submit { by: by(AUTHOR) },
            Action::Approve { by: by(REVIEWER) },
            Action::Schedule {
                by: by(AUTHOR),
                at: ts("2031-05-10T12:00:00Z"),
            },
        ] {
            p = store
                .step_post(&w, p.id, &step(action, &p, "2031-05-01T10:00:00Z"))
                .await
                .unwrap();
        }
        p
    };
    store
        .create_post(
            &other,
            &planned(
                store
                    .create_story(
                        &other,
                        &story_draft("Annen", Topic::Climate, None),
                        AUTHOR,
                        at,
                    )
                    .await
                    .unwrap()
                    .id,
                SourceKind::X,
                Some("2031-05-05T08:00:00Z"),
            ),
            AUTHOR,
            at,
        )
        .await
        .unwrap();

    let may = calendar_query(&w, "2031-05-01T00:00:00Z", "2031-06-01T00:00:00Z");
    let entries = store.calendar(&may).await.unwrap();
    assert_eq!(
        entries.iter().map(|e| e.post).collect::<Vec<_>>(),
        [p2.id, p1.id, p3.id],
        "in time order"
    );
    let first = &entries[0];
    assert_eq!(
        (
            first.story,
            first.story_title.as_str(),
            first.topic,
            first.goal,
            first.status,
            first.at
        ),
        (
            labour.id,
            "Arbeid",
            Topic::Labour,
            None,
            PostStatus::Draft,
            ts("2031-05-02T08:00:00Z")
        )
    );
    assert_eq!(first.channel, SourceKey::new(SourceKind::X, "nordlys"));
    assert_eq!(first.excerpt.chars().count(), 140);
    assert_eq!(entries[2].status, PostStatus::Scheduled);
    assert_eq!(entries[2].at, ts("2031-05-10T12:00:00Z"));
    // The end is exclusive, the start inclusive.
    assert_eq!(
        calendar_posts(
            store,
            &calendar_query(&w, "2031-05-02T08:00:00Z", "2031-05-03T08:00:00Z")
        )
        .await,
        [p2.id]
    );
    let only = |f: fn(&mut CalendarQuery)| {
        let mut q = may.clone();
        f(&mut q);
        q
    };
    let mut by_story = may.clone();
    by_story.story = Some(climate.id);
    assert_eq!(calendar_posts(store, &by_story).await, [p1.id, p3.id]);
    assert_eq!(
        calendar_posts(store, &only(|q| q.topic = Some(Topic::Labour))).await,
        [p2.id]
    );
    let mut by_goal = may.clone();
    by_goal.goal = Some(goal);
    assert_eq!(calendar_posts(store, &by_goal).await, [p1.id, p3.id]);
    assert_eq!(
        calendar_posts(store, &only(|q| q.channel = Some(SourceKind::Bluesky))).await,
        [p3.id]
    );
    let mut combined = by_story.clone();
    combined.channel = Some(SourceKind::Mastodon);
    assert_eq!(calendar_posts(store, &combined).await, [p1.id]);
    is_invalid(
        store
            .calendar(&calendar_query(
                &w,
                "2031-05-02T00:00:00Z",
                "2031-05-01T00:00:00Z",
            ))
            .await,
        "window",
    );
    is_invalid(
        store
            .calendar(&calendar_query(
                &w,
                "2031-01-01T00:00:00Z",
                "2031-12-01T00:00:00Z",
            ))
            .await,
        "days",
    );
}

/// The policy is stored per workspace, audited on change.
async fn policy_is_stored_and_audited<S: Store>(store: &S) {
    let w = workspace(store, "conf-policy").await;
    let other = workspace(store, "conf-policy-other").await;
    assert_eq!(store.policy(&w).await.unwrap(), None);
    let policy = StoredPolicy {
        json: json!({ "terms": [HOSTILE] }).to_string(),
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-06-01T09:00:00Z"),
    };
    store.put_policy(&w, &policy).await.unwrap();
    assert_eq!(store.policy(&w).await.unwrap(), Some(policy.clone()));
    let changed = StoredPolicy {
        json: "{}".into(),
        updated_at: ts("2031-06-02T09:00:00Z"),
        ..policy.clone()
    };
    store.put_policy(&w, &changed).await.unwrap();
    assert_eq!(store.policy(&w).await.unwrap(), Some(changed));
    assert_eq!(store.policy(&other).await.unwrap(), None);
    is_invalid(
        store
            .put_policy(
                &w,
                &StoredPolicy {
                    json: "{not json".into(),
                    ..policy.clone()
                },
            )
            .await,
        "JSON",
    );
    let audited = store
        .audit_log(&AuditQuery {
            workspace: Some(w.clone()),
            action_prefix: Some("policy.".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].entry.actor, REVIEWER);
    assert_eq!(audited[0].entry.action, "policy.update");
}

/// The outbox: an attempt begun twice shows the first, a retry waits for its time, a stale
/// attempt comes back, and the outcome moves the post.
async fn outbox_publishes_each_post_once<S: Store>(store: &S) {
    let w = workspace(store, "conf-outbox").await;
    let at = "2031-07-01T09:00:00Z";
    let story = store
        .create_story(
            &w,
            &story_draft("Utboks", Topic::Climate, None),
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    let due_here = |now: &str, stale: &str| {
        let w = w.clone();
        let (now, stale) = (ts(now), ts(stale));
        async move {
            store
                .due_posts(now, stale, 1_000)
                .await
                .unwrap()
                .into_iter()
                .filter(|d| d.post.workspace == w)
                .map(|d| (d.post.id, d.outbox.map(|o| o.state)))
                .collect::<Vec<_>>()
        }
    };
    let sent = scheduled_post(
        store,
        &w,
        story.id,
        SourceKind::Mastodon,
        "2031-07-01T10:00:00Z",
    )
    .await;
    let retried = scheduled_post(store, &w, story.id, SourceKind::X, "2031-07-01T10:05:00Z").await;
    let failed = scheduled_post(
        store,
        &w,
        story.id,
        SourceKind::Bluesky,
        "2031-07-01T10:10:00Z",
    )
    .await;
    let draft = store
        .create_post(
            &w,
            &new_post(story.id, SourceKind::X, "Utkast"),
            AUTHOR,
            ts(at),
        )
        .await
        .unwrap();
    assert!(
        due_here("2031-07-01T09:59:00Z", "2031-07-01T09:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        due_here("2031-07-01T10:06:00Z", "2031-07-01T09:00:00Z").await,
        [(sent.id, None), (retried.id, None)],
        "due in time order, the later one not yet"
    );
    assert!(matches!(
        store.due_posts(ts(at), ts(at), 0).await,
        Err(StoreError::Invalid(_))
    ));

    // Only a scheduled post is sent.
    is_invalid(
        store
            .begin_publish(&w, draft.id, "draft-v1", ts("2031-07-01T10:06:00Z"))
            .await,
        "scheduled",
    );
    let begun = store
        .begin_publish(&w, sent.id, "sent-v2", ts("2031-07-01T10:06:00Z"))
        .await
        .unwrap();
    assert_eq!(begun, None, "a new attempt");
    // Begun again (the process died after sending): the first attempt shows as sending.
    let again = store
        .begin_publish(&w, sent.id, "sent-v2", ts("2031-07-01T10:20:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.state, again.attempts, again.started_at, again.post),
        (
            OutboxState::Sending,
            1,
            Some(ts("2031-07-01T10:06:00Z")),
            sent.id
        )
    );
    is_invalid(
        store
            .begin_publish(&w, retried.id, "sent-v2", ts("2031-07-01T10:20:00Z"))
            .await,
        "belongs to post",
    );
    // Sending: not due until it is stale, then due with its entry.
    assert_eq!(
        due_here("2031-07-01T10:21:00Z", "2031-07-01T10:00:00Z").await,
        [(retried.id, None), (failed.id, None)]
    );
    assert_eq!(
        due_here("2031-07-01T10:21:00Z", "2031-07-01T10:30:00Z").await[0],
        (sent.id, Some(OutboxState::Sending))
    );
    // An edit while it is being sent is refused.
    let current = store.post(&w, sent.id).await.unwrap().unwrap();
    let mut edit = step(Action::Edit { by: by(AUTHOR) }, &current, at);
    edit.content = Some(NewContent {
        channel: current.content.channel.clone(),
        text: "endret".into(),
        attachments: vec![],
        planned_at: None,
    });
    is_invalid(store.step_post(&w, sent.id, &edit).await, "being sent");

    let published = Published {
        at: ts("2031-07-01T10:20:01Z"),
        external_id: "109876".into(),
        url: Some("https://mastodon.example/@nordlys/109876".into()),
    };
    let done = store
        .finish_publish(
            &w,
            sent.id,
            "sent-v2",
            &PublishOutcome::Sent(published.clone()),
            ts("2031-07-01T10:20:01Z"),
        )
        .await
        .unwrap();
    assert_eq!(done.workflow.status, PostStatus::Published);
    assert_eq!(done.published, Some(published.clone()));
    assert_eq!(store.post(&w, sent.id).await.unwrap().unwrap(), done);
    is_invalid(
        store
            .finish_publish(
                &w,
                sent.id,
                "sent-v2",
                &PublishOutcome::Sent(published.clone()),
                ts("2031-07-01T10:20:02Z"),
            )
            .await,
        "not being sent",
    );
    is_invalid(
        store
            .begin_publish(&w, sent.id, "sent-v2", ts("2031-07-01T10:21:00Z"))
            .await,
        "published",
    );

    // A retry keeps the post scheduled and waits for its time.
    store
        .begin_publish(&w, retried.id, "retried-v2", ts("2031-07-01T10:21:00Z"))
        .await
        .unwrap();
    let waiting = store
        .finish_publish(
            &w,
            retried.id,
            "retried-v2",
            &PublishOutcome::Retry {
                error: "503 <b>Service Unavailable</b>".into(),
                at: ts("2031-07-01T10:30:00Z"),
            },
            ts("2031-07-01T10:21:01Z"),
        )
        .await
        .unwrap();
    assert_eq!(waiting.workflow.status, PostStatus::Scheduled);
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("503 <b>Service Unavailable</b>")
    );
    assert!(
        !due_here("2031-07-01T10:29:00Z", "2031-07-01T10:00:00Z")
            .await
            .iter()
            .any(|(id, _)| *id == retried.id),
        "waiting for its retry"
    );
    assert!(
        due_here("2031-07-01T10:30:00Z", "2031-07-01T10:00:00Z")
            .await
            .contains(&(retried.id, Some(OutboxState::Pending)))
    );
    let second = store
        .begin_publish(&w, retried.id, "retried-v2", ts("2031-07-01T10:30:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.state, second.attempts), (OutboxState::Pending, 1));
    // Taken back while waiting for a retry far off, and scheduled again: due at its new time.
    let waiting = store
        .finish_publish(
            &w,
            retried.id,
            "retried-v2",
            &PublishOutcome::Retry {
                error: "503".into(),
                at: ts("2031-07-01T23:00:00Z"),
            },
            ts("2031-07-01T10:30:01Z"),
        )
        .await
        .unwrap();
    let taken_back = store
        .step_post(
            &w,
            retried.id,
            &step(Action::Unschedule { by: by(AUTHOR) }, &waiting, at),
        )
        .await
        .unwrap();
    store
        .step_post(
            &w,
            retried.id,
            &step(
                Action::Schedule {
                    by: by(AUTHOR),
                    at: ts("2031-07-01T10:40:00Z"),
                },
                &taken_back,
                at,
            ),
        )
        .await
        .unwrap();
    assert!(
        due_here("2031-07-01T10:40:00Z", "2031-07-01T10:00:00Z")
            .await
            .contains(&(retried.id, Some(OutboxState::Failed)))
    );

    // Failing gives the post the platform's error.
    store
        .begin_publish(&w, failed.id, "failed-v2", ts("2031-07-01T10:30:00Z"))
        .await
        .unwrap();
    let gave_up = store
        .finish_publish(
            &w,
            failed.id,
            "failed-v2",
            &PublishOutcome::Failed {
                error: "401 token revoked".into(),
            },
            ts("2031-07-01T10:30:01Z"),
        )
        .await
        .unwrap();
    assert_eq!(gave_up.workflow.status, PostStatus::Failed);
    assert_eq!(gave_up.last_error.as_deref(), Some("401 token revoked"));
    assert!(
        !due_here("2031-07-01T11:00:00Z", "2031-07-01T11:00:00Z")
            .await
            .iter()
            .any(|(id, _)| *id == failed.id)
    );

    // The outbound steps in the post's history, by the system.
    let history: Vec<(String, String)> = post_history(store, &w, sent.id)
        .await
        .into_iter()
        .skip(4)
        .map(|e| (e.action, e.actor))
        .collect();
    let system = |a: &str| (a.to_owned(), "system".to_owned());
    assert_eq!(
        history,
        [
            system("post.send"),
            system("post.send"),
            system("post.publish")
        ]
    );
    let history = post_history(store, &w, retried.id).await;
    assert_eq!(history[5].action, "post.retry");
    assert!(history[5].detail.contains("503"));
    let history = post_history(store, &w, failed.id).await;
    assert_eq!(history.last().unwrap().action, "post.fail");
    // Scheduled again after failing: due again, and its attempts start over.
    let again = store
        .step_post(
            &w,
            failed.id,
            &step(
                Action::Schedule {
                    by: by(AUTHOR),
                    at: ts("2031-07-01T12:00:00Z"),
                },
                &gave_up,
                "2031-07-01T11:00:00Z",
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (again.workflow.status, again.last_error),
        (PostStatus::Scheduled, None)
    );
    assert!(
        due_here("2031-07-01T12:00:00Z", "2031-07-01T11:00:00Z")
            .await
            .contains(&(failed.id, Some(OutboxState::Failed)))
    );
    let earlier = store
        .begin_publish(&w, failed.id, "failed-v2", ts("2031-07-01T12:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earlier.state, OutboxState::Failed);
    let due = store
        .due_posts(
            ts("2031-07-01T13:00:00Z"),
            ts("2031-07-01T11:00:00Z"),
            1_000,
        )
        .await
        .unwrap();
    assert!(!due.iter().any(|d| d.post.id == failed.id), "being sent");
    let stale = store
        .due_posts(
            ts("2031-07-01T13:00:00Z"),
            ts("2031-07-01T12:30:00Z"),
            1_000,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.post.id == failed.id)
        .unwrap();
    assert_eq!(stale.post.content.channel.kind, SourceKind::Bluesky);
    let outbox = stale.outbox.unwrap();
    assert_eq!(
        (outbox.state, outbox.attempts, outbox.workspace),
        (OutboxState::Sending, 1, w.clone())
    );
    assert!(matches!(
        store
            .finish_publish(
                &w,
                failed.id,
                "nope",
                &PublishOutcome::Failed { error: "x".into() },
                ts(at)
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Engagement read back per published post, summed per story, topic and goal.
async fn engagement_rolls_up<S: Store>(store: &S) {
    let w = workspace(store, "conf-engagement").await;
    let other = workspace(store, "conf-engagement-other").await;
    let at = ts("2031-08-01T09:00:00Z");
    let goal = store
        .put_goal(
            &w,
            None,
            &GoalDraft {
                name: "Synlighet".into(),
                metric: "engasjement".into(),
                ..GoalDraft::default()
            },
            at,
        )
        .await
        .unwrap();
    let climate = store
        .create_story(
            &w,
            &story_draft("Klima", Topic::Climate, Some(goal)),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    let solar = store
        .create_story(&w, &story_draft("Sol", Topic::Climate, None), AUTHOR, at)
        .await
        .unwrap();
    let labour = store
        .create_story(&w, &story_draft("Arbeid", Topic::Labour, None), AUTHOR, at)
        .await
        .unwrap();
    let publish = |story: StoryId, kind: SourceKind, minute: i64| {
        let w = w.clone();
        async move {
            let when =
                (ts("2031-08-01T10:00:00Z") + jiff::SignedDuration::from_mins(minute)).to_string();
            let post = scheduled_post(store, &w, story, kind, &when).await;
            let key = format!("eng-{}", post.id);
            store
                .begin_publish(&w, post.id, &key, ts(&when))
                .await
                .unwrap();
            store
                .finish_publish(
                    &w,
                    post.id,
                    &key,
                    &PublishOutcome::Sent(Published {
                        at: ts(&when),
                        external_id: key.clone(),
                        url: None,
                    }),
                    ts(&when),
                )
                .await
                .unwrap()
        }
    };
    let a = publish(climate.id, SourceKind::Mastodon, 0).await;
    let b = publish(climate.id, SourceKind::X, 1).await;
    let c = publish(solar.id, SourceKind::Bluesky, 2).await;
    let d = publish(labour.id, SourceKind::Facebook, 3).await;
    // Not published: not measured, not counted.
    let draft = store
        .create_post(
            &w,
            &new_post(labour.id, SourceKind::X, "Utkast"),
            AUTHOR,
            at,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .put_post_engagement(&w, draft.id, &Engagement::default(), at)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .put_post_engagement(&other, a.id, &Engagement::default(), at)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let to_measure = |read_before: &str| {
        let w = w.clone();
        let read_before = ts(read_before);
        async move {
            store
                .posts_for_engagement(ts("2031-08-01T00:00:00Z"), read_before, 1_000)
                .await
                .unwrap()
                .into_iter()
                .filter(|p| p.workspace == w)
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        to_measure("2031-08-02T00:00:00Z").await,
        [a.id, b.id, c.id, d.id]
    );
    let read = |likes, shares, replies, views| Engagement {
        likes,
        shares,
        replies,
        views,
    };
    let first_read = ts("2031-08-01T12:00:00Z");
    store
        .put_post_engagement(&w, a.id, &read(10, 2, 1, Some(500)), first_read)
        .await
        .unwrap();
    store
        .put_post_engagement(&w, b.id, &read(3, 1, 0, None), first_read)
        .await
        .unwrap();
    store
        .put_post_engagement(&w, c.id, &read(1, 0, 0, None), ts("2031-08-01T11:00:00Z"))
        .await
        .unwrap();
    // Never read first, then the oldest read.
    assert_eq!(
        to_measure("2031-08-02T00:00:00Z").await,
        [d.id, c.id, a.id, b.id]
    );
    assert_eq!(to_measure("2031-08-01T11:30:00Z").await, [d.id, c.id]);
    let stored = store.post(&w, a.id).await.unwrap().unwrap();
    assert_eq!(
        stored.engagement,
        Some((read(10, 2, 1, Some(500)), first_read))
    );

    let rollup = |grouping| {
        let w = w.clone();
        async move {
            store
                .engagement_rollup(&w, grouping)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.key, r.posts, r.likes + r.shares + r.replies, r.views))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        rollup(EngagementGrouping::Story).await,
        [
            (Some(climate.id.to_string()), 2, 17, Some(500)),
            (Some(solar.id.to_string()), 1, 1, None),
            (Some(labour.id.to_string()), 1, 0, None),
        ]
    );
    assert_eq!(
        rollup(EngagementGrouping::Topic).await,
        [
            (Some("climate".to_owned()), 3, 18, Some(500)),
            (Some("labour".to_owned()), 1, 0, None),
        ]
    );
    assert_eq!(
        rollup(EngagementGrouping::Goal).await,
        [
            (Some(goal.to_string()), 2, 17, Some(500)),
            (None, 2, 1, None),
        ]
    );
    let stories = store
        .engagement_rollup(&w, EngagementGrouping::Story)
        .await
        .unwrap();
    assert_eq!(stories[0].label, "Klima");
    let goals = store
        .engagement_rollup(&w, EngagementGrouping::Goal)
        .await
        .unwrap();
    assert_eq!(goals[0].label, "Synlighet");
    assert!(
        store
            .engagement_rollup(&other, EngagementGrouping::Topic)
            .await
            .unwrap()
            .is_empty()
    );
}

// == strategy (issue 7) ==

/// The strategy and the audience plan are replaced whole, kept per workspace, audited in
/// their transaction; the post tally counts approvals.
async fn strategy_and_audience_are_stored_and_audited<S: Store>(store: &S) {
    let w = workspace(store, "conf-strategy").await;
    let other = workspace(store, "conf-strategy-other").await;
    assert_eq!(store.strategy(&w).await.unwrap(), None);
    assert_eq!(store.audience(&w).await.unwrap(), None);
    let strategy = Strategy {
        business_type: Some(BusinessType::ConsumerGoods),
        roles: vec![
            ChannelRole {
                channel: SourceKind::Facebook,
                purpose: format!("Kundedialog {HOSTILE}"),
            },
            ChannelRole {
                channel: SourceKind::X,
                purpose: "Presse".into(),
            },
        ],
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-07-01T09:00:00Z"),
    };
    store.put_strategy(&w, &strategy, "first").await.unwrap();
    let mut stored = store.strategy(&w).await.unwrap().unwrap();
    stored.roles.sort_by_key(|r| r.channel);
    let mut expected = strategy.clone();
    expected.roles.sort_by_key(|r| r.channel);
    assert_eq!(stored, expected);
    let fewer = Strategy {
        business_type: None,
        roles: vec![strategy.roles[1].clone()],
        updated_at: ts("2031-07-02T09:00:00Z"),
        ..strategy.clone()
    };
    store.put_strategy(&w, &fewer, "second").await.unwrap();
    assert_eq!(store.strategy(&w).await.unwrap(), Some(fewer));
    assert_eq!(store.strategy(&other).await.unwrap(), None);
    let twice = Strategy {
        roles: vec![strategy.roles[1].clone(), strategy.roles[1].clone()],
        ..strategy.clone()
    };
    is_invalid(store.put_strategy(&w, &twice, "x").await, "more than one");
    let empty = Strategy {
        roles: vec![ChannelRole {
            channel: SourceKind::X,
            purpose: " ".into(),
        }],
        ..strategy.clone()
    };
    is_invalid(store.put_strategy(&w, &empty, "x").await, "empty");

    let audience = StoredAudience {
        json: json!({ "note": HOSTILE }).to_string(),
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-07-03T09:00:00Z"),
    };
    store.put_audience(&w, &audience, "plan").await.unwrap();
    assert_eq!(store.audience(&w).await.unwrap(), Some(audience.clone()));
    assert_eq!(store.audience(&other).await.unwrap(), None);
    is_invalid(
        store
            .put_audience(
                &w,
                &StoredAudience {
                    json: "{not json".into(),
                    ..audience.clone()
                },
                "x",
            )
            .await,
        "JSON",
    );

    let audited = store
        .audit_log(&AuditQuery {
            workspace: Some(w.clone()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audited
        .iter()
        .map(|r| (r.entry.action.as_str(), r.entry.detail.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("audience.update", "plan"),
            ("strategy.update", "second"),
            ("strategy.update", "first")
        ]
    );

    assert_eq!(store.post_tally(&w).await.unwrap(), PostTally::default());
    let story = store
        .create_story(
            &w,
            &story_draft("Tall", Topic::Climate, None),
            AUTHOR,
            ts("2031-07-04T09:00:00Z"),
        )
        .await
        .unwrap();
    store
        .create_post(
            &w,
            &new_post(story.id, SourceKind::X, "utkast"),
            AUTHOR,
            ts("2031-07-04T09:00:00Z"),
        )
        .await
        .unwrap();
    scheduled_post(
        store,
        &w,
        story.id,
        SourceKind::Mastodon,
        "2031-07-04T09:00:00Z",
    )
    .await;
    assert_eq!(
        store.post_tally(&w).await.unwrap(),
        PostTally {
            approved: 1,
            published: 0,
            published_unapproved: 0
        }
    );
    assert_eq!(
        store.post_tally(&other).await.unwrap(),
        PostTally::default()
    );
}

// == openness (issue 7) ==

/// An item for the openness cases: `parent` makes it a reply, `inquiry` an inquiry.
fn open_item(
    external_id: &str,
    at: &str,
    author: &str,
    parent: Option<&str>,
    inquiry: &[&str],
    topics: &[Topic],
) -> Item {
    let mut i = item(Post {
        external_id,
        text: external_id,
        at,
        author,
        brands: inquiry,
        topics,
        ..Post::default()
    });
    i.parent_id = parent.map(str::to_owned);
    i.kind = if parent.is_some() {
        ItemKind::Reply
    } else {
        ItemKind::Post
    };
    i.enrichment.inquiry = !inquiry.is_empty();
    i
}

/// Each brand's counts as one line, for comparing whole states.
async fn openness_text<S: Store>(store: &S, w: &WorkspaceId) -> Vec<String> {
    let brands = store
        .openness(&crate::OpennessRequest {
            workspace: w.clone(),
            from: ts("2024-04-01T00:00:00Z"),
            to: ts("2024-06-01T00:00:00Z"),
        })
        .await
        .unwrap();
    brands
        .iter()
        .map(|b| {
            let t = &b.total;
            let times: Vec<String> = t
                .response_times
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| {
                    format!(
                        "{}m:{n}",
                        omdomme_core::openness::RESPONSE_BUCKET_MINUTES[i]
                    )
                })
                .collect();
            format!(
                "{} inq {} ans {} csr {}/{} replies {} posts {} eng {} fol {}/{} times [{}] weeks {}",
                b.brand,
                t.inquiries,
                t.answered,
                t.csr_answered,
                t.csr_inquiries,
                t.own_replies,
                t.own_posts,
                t.own_post_engagement,
                t.posts_with_followers,
                t.followers,
                times.join(" "),
                b.weeks.len()
            )
        })
        .collect()
}

async fn openness_counts_answers_whatever_the_order<S: Store>(store: &S) {
    use crate::{BrandAccount, InquiryFilter, InquiryListRequest};
    let w = workspace(store, "conf-open").await;
    let account = |brand: &str, handle: &str| BrandAccount {
        brand: BrandId(brand.to_owned()),
        kind: SourceKind::X,
        handle: handle.to_owned(),
    };
    let nordlys = BrandId("nordlys".to_owned());
    let fjordmat = BrandId("fjordmat".to_owned());
    store
        .put_brand_accounts(&w, &nordlys, &[account("nordlys", "@NordlysAS")])
        .await
        .unwrap();
    // The answer comes first, its question in a later batch.
    let r1 = open_item(
        "r1",
        "2024-05-01T12:00:00Z",
        "nordlysas",
        Some("q1"),
        &[],
        &[],
    );
    store
        .put_items(&w, std::slice::from_ref(&r1))
        .await
        .unwrap();
    let mut p1 = open_item("p1", "2024-05-02T09:00:00Z", "NordlysAS", None, &[], &[]);
    p1.author.followers = Some(1_000);
    p1.engagement.likes = 10;
    let batch = vec![
        open_item(
            "q1",
            "2024-05-01T10:00:00Z",
            "kari",
            None,
            &["nordlys"],
            &[Topic::Climate],
        ),
        open_item(
            "q2",
            "2024-05-01T10:00:00Z",
            "ola",
            None,
            &["nordlys", "fjordmat"],
            &[Topic::Product],
        ),
        // Not a brand account: no answer.
        open_item("fake", "2024-05-01T10:05:00Z", "kari", Some("q2"), &[], &[]),
        // A competitor's account answers the question naming both.
        open_item(
            "r2",
            "2024-05-01T10:30:00Z",
            "fjordmat",
            Some("q2"),
            &[],
            &[],
        ),
        p1.clone(),
    ];
    store.put_items(&w, &batch).await.unwrap();
    let before_fjordmat = openness_text(store, &w).await;
    assert_eq!(
        before_fjordmat,
        [
            "nordlys inq 2 ans 1 csr 1/1 replies 1 posts 1 eng 10 fol 1/1000 times [120m:1] weeks 1",
            "fjordmat inq 1 ans 0 csr 0/0 replies 0 posts 0 eng 0 fol 0/0 times [] weeks 1",
            "tindra inq 0 ans 0 csr 0/0 replies 0 posts 0 eng 0 fol 0/0 times [] weeks 0",
        ]
    );
    // Accounts named after the items: counted from the stored ones.
    store
        .put_brand_accounts(&w, &fjordmat, &[account("fjordmat", "fjordmat")])
        .await
        .unwrap();
    let with_fjordmat = openness_text(store, &w).await;
    // The other brands' counts are as they were.
    assert_eq!(with_fjordmat[0], before_fjordmat[0]);
    assert_eq!(with_fjordmat[2], before_fjordmat[2]);
    assert_eq!(
        with_fjordmat[1],
        "fjordmat inq 1 ans 1 csr 0/0 replies 1 posts 0 eng 0 fol 0/0 times [30m:1] weeks 1"
    );
    // The same items again change nothing.
    store.put_items(&w, &batch).await.unwrap();
    store
        .put_items(&w, std::slice::from_ref(&r1))
        .await
        .unwrap();
    assert_eq!(openness_text(store, &w).await, with_fjordmat);
    // An earlier answer wins; an updated post counts its new engagement.
    let r3 = open_item(
        "r3",
        "2024-05-01T10:45:00Z",
        "NORDLYSAS",
        Some("q1"),
        &[],
        &[],
    );
    p1.engagement.likes = 25;
    store.put_items(&w, &[r3, p1]).await.unwrap();
    let now = openness_text(store, &w).await;
    assert_eq!(
        now[0],
        "nordlys inq 2 ans 1 csr 1/1 replies 2 posts 1 eng 25 fol 1/1000 times [45m:1] weeks 1"
    );
    // An answer moved later than another keeps the earliest; q1 no longer an inquiry
    // takes its answer with it.
    let mut q1 = batch[0].clone();
    q1.enrichment.inquiry = false;
    store.put_items(&w, &[q1]).await.unwrap();
    assert_eq!(
        openness_text(store, &w).await[0],
        "nordlys inq 1 ans 0 csr 0/0 replies 2 posts 1 eng 25 fol 1/1000 times [] weeks 1"
    );
    store.put_items(&w, &batch[..1]).await.unwrap();
    let kept = openness_text(store, &w).await;
    assert_eq!(kept[0], now[0]);
    // A rebuild gives what the writes kept.
    store.rebuild_rollups().await.unwrap();
    assert_eq!(openness_text(store, &w).await, kept);

    // The items behind the components.
    let list = |filter: InquiryFilter, brand: &BrandId| InquiryListRequest {
        workspace: w.clone(),
        brand: brand.clone(),
        filter,
        from: ts("2024-05-01T00:00:00Z"),
        to: ts("2024-05-03T00:00:00Z"),
        limit: 10,
    };
    let ids = |rows: Vec<crate::InquiryRow>| -> Vec<String> {
        rows.into_iter()
            .map(|r| format!("{} {}", r.item.item.external_id, r.answered_at.is_some()))
            .collect()
    };
    let unanswered = store
        .inquiries(&list(InquiryFilter::Unanswered, &nordlys))
        .await
        .unwrap();
    assert_eq!(ids(unanswered), ["q2 false"]);
    let answered = store
        .inquiries(&list(InquiryFilter::Answered, &nordlys))
        .await
        .unwrap();
    assert_eq!(answered[0].answered_at, Some(ts("2024-05-01T10:45:00Z")));
    let csr = store
        .inquiries(&list(InquiryFilter::Csr, &nordlys))
        .await
        .unwrap();
    assert_eq!(ids(csr), ["q1 true"]);
    let theirs = store
        .inquiries(&list(InquiryFilter::All, &fjordmat))
        .await
        .unwrap();
    assert_eq!(ids(theirs), ["q2 true"]);

    // Accounts read back normalised; bad ones are refused with a reason.
    let accounts = store.brand_accounts(&w).await.unwrap();
    assert_eq!(
        accounts,
        [
            account("fjordmat", "fjordmat"),
            account("nordlys", "nordlysas")
        ]
    );
    let err = store
        .put_brand_accounts(&w, &fjordmat, &[account("fjordmat", "NordlysAS")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nordlys"), "{err}");
    let err = store
        .put_brand_accounts(&w, &fjordmat, &[account("fjordmat", "two words")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("two words"), "{err}");
    let err = store
        .put_brand_accounts(&w, &BrandId("nobody".to_owned()), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
    // A refused change leaves the accounts as they were.
    assert_eq!(store.brand_accounts(&w).await.unwrap(), accounts);
}

// == report schedules (issue 7) ==
async fn report_schedules_send_each_period_once<S: Store>(store: &S) {
    use crate::report_schedule::{Cadence, NewReportSend, ReportSchedule, SendState};
    let w = workspace(store, "conf-report-schedule").await;
    let other = workspace(store, "conf-report-schedule-other").await;
    assert_eq!(store.report_schedule(&w).await.unwrap(), None);
    let schedule = ReportSchedule {
        cadence: Cadence::Weekly,
        language: UiLanguage::En,
        to_leaders: true,
        addresses: vec!["styret@nordlys.no".into(), format!("x{HOSTILE}@y.no")],
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-07-01T09:00:00Z"),
    };
    store
        .put_report_schedule(&w, &schedule, "weekly")
        .await
        .unwrap();
    assert_eq!(
        store.report_schedule(&w).await.unwrap(),
        Some(schedule.clone())
    );
    assert_eq!(store.report_schedule(&other).await.unwrap(), None);
    let listed = store.report_schedules().await.unwrap();
    assert!(
        listed.contains(&(w.clone(), schedule.clone())),
        "{listed:?}"
    );
    store
        .put_report_schedule(
            &other,
            &ReportSchedule {
                cadence: Cadence::Off,
                ..schedule.clone()
            },
            "off",
        )
        .await
        .unwrap();
    assert!(
        !store
            .report_schedules()
            .await
            .unwrap()
            .iter()
            .any(|(id, _)| *id == other),
        "a schedule that is off is not listed"
    );
    is_invalid(
        store
            .put_report_schedule(
                &w,
                &ReportSchedule {
                    addresses: vec!["a@b.no".into(), "a@b.no".into()],
                    ..schedule.clone()
                },
                "twice",
            )
            .await,
        "twice",
    );
    let audit = store
        .audit_log(&AuditQuery {
            workspace: Some(w.clone()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.entry.action == "report_schedule.update")
    );

    let send = NewReportSend {
        period: "2031-W26".into(),
        scheduled: true,
        language: UiLanguage::Nb,
        recipients: vec!["styret@nordlys.no".into()],
        requested_by: "system".into(),
        at: ts("2031-06-30T05:00:00Z"),
        retry_failed_before: ts("2031-06-30T04:30:00Z"),
        max_attempts: 3,
    };
    let first = store.begin_report_send(&w, &send).await.unwrap().unwrap();
    assert_eq!(
        store.begin_report_send(&w, &send).await.unwrap(),
        None,
        "a period under way is not claimed twice"
    );
    assert!(
        store
            .begin_report_send(&other, &send)
            .await
            .unwrap()
            .is_some(),
        "another workspace has its own periods"
    );
    store
        .finish_report_send(
            &w,
            first,
            Err("SMTP down".into()),
            ts("2031-06-30T05:00:01Z"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.begin_report_send(&w, &send).await.unwrap(),
        None,
        "a failure is not retried at once"
    );
    let later = NewReportSend {
        at: ts("2031-06-30T06:00:00Z"),
        retry_failed_before: ts("2031-06-30T05:30:00Z"),
        ..send.clone()
    };
    assert_eq!(
        store.begin_report_send(&w, &later).await.unwrap(),
        Some(first)
    );
    store
        .finish_report_send(&w, first, Ok(()), ts("2031-06-30T06:00:02Z"))
        .await
        .unwrap();
    let much_later = NewReportSend {
        at: ts("2031-07-30T06:00:00Z"),
        retry_failed_before: ts("2031-07-30T05:30:00Z"),
        ..send.clone()
    };
    assert_eq!(
        store.begin_report_send(&w, &much_later).await.unwrap(),
        None,
        "a sent period is never sent again by the schedule"
    );
    assert!(
        store
            .finish_report_send(&w, first, Ok(()), ts("2031-07-30T06:00:00Z"))
            .await
            .is_err(),
        "a finished sending cannot finish again"
    );
    let manual = NewReportSend {
        scheduled: false,
        requested_by: REVIEWER.into(),
        ..much_later.clone()
    };
    let again = store.begin_report_send(&w, &manual).await.unwrap().unwrap();
    assert_ne!(again, first, "send now may send a period again");
    let sends = store.report_sends(&w, 10).await.unwrap();
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[0].id, again);
    assert_eq!(sends[0].state, SendState::Sending);
    assert!(!sends[0].scheduled);
    assert_eq!(sends[1].state, SendState::Sent);
    assert_eq!(sends[1].attempts, 2);
    assert_eq!(sends[1].detail, "");
    assert_eq!(sends[1].recipients, vec!["styret@nordlys.no".to_owned()]);
    assert_eq!(store.report_sends(&w, 1).await.unwrap().len(), 1);
}

// == alerts (issue 7) ==
async fn alerts_keep_channels_sealed_and_the_cursor_with_their_alerts<S: Store>(store: &S) {
    use crate::alerts::{
        AlertChannel, AlertChannelDraft, AlertChannelKind, AlertDelivery, AlertQuery,
        DeliveryState, NewAlert, StoredThresholds,
    };
    let w = workspace(store, "conf-alerts").await;
    let other = workspace(store, "conf-alerts-other").await;
    let audit = |action: &str| AuditEntry {
        at: ts("2031-08-01T09:00:00Z"),
        actor: REVIEWER.into(),
        workspace: Some(w.clone()),
        action: action.to_owned(),
        target: "alerts".into(),
        detail: String::new(),
    };
    let channel = AlertChannel {
        name: format!("Vakt {HOSTILE}"),
        kind: AlertChannelKind::Webhook,
        hint: "…/x1Yz".into(),
        lang: UiLanguage::En,
        enabled: true,
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-08-01T09:00:00Z"),
    };
    // A change without a target needs a stored channel.
    let no_target = AlertChannelDraft {
        channel: channel.clone(),
        sealed: None,
    };
    assert!(matches!(
        store
            .put_alert_channel(&w, &no_target, &audit("alerts.channel"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .put_alert_channel(
            &w,
            &AlertChannelDraft {
                channel: channel.clone(),
                sealed: Some(vec![1, 2, 3]),
            },
            &audit("alerts.channel"),
        )
        .await
        .unwrap();
    let off = AlertChannel {
        enabled: false,
        lang: UiLanguage::Nb,
        ..channel.clone()
    };
    store
        .put_alert_channel(
            &w,
            &AlertChannelDraft {
                channel: off.clone(),
                sealed: None,
            },
            &audit("alerts.channel"),
        )
        .await
        .unwrap();
    assert_eq!(store.alert_channels(&w).await.unwrap(), vec![off.clone()]);
    assert_eq!(
        store.alert_channel_target(&w, &channel.name).await.unwrap(),
        Some(vec![1, 2, 3]),
        "a change without a target keeps the sealed one"
    );
    assert!(store.alert_channels(&other).await.unwrap().is_empty());
    assert_eq!(
        store
            .alert_channel_target(&other, &channel.name)
            .await
            .unwrap(),
        None
    );
    let audited = store
        .audit_log(&AuditQuery {
            workspace: Some(w.clone()),
            actor: None,
            action_prefix: Some("alerts.".into()),
            target: None,
            before: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 2, "each change audited once: {audited:?}");

    assert_eq!(store.alert_thresholds(&w).await.unwrap(), None);
    let thresholds = StoredThresholds {
        json: r#"{"z":6.0}"#.into(),
        updated_by: REVIEWER.into(),
        updated_at: ts("2031-08-01T10:00:00Z"),
    };
    assert!(matches!(
        store
            .put_alert_thresholds(
                &w,
                &StoredThresholds {
                    json: "{z".into(),
                    ..thresholds.clone()
                },
                &audit("alerts.thresholds"),
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .put_alert_thresholds(&w, &thresholds, &audit("alerts.thresholds"))
        .await
        .unwrap();
    assert_eq!(store.alert_thresholds(&w).await.unwrap(), Some(thresholds));

    // The baseline: rollup hours of a brand and its topics, and the newest item.
    let baseline = store
        .alert_baseline(&w, &[BrandId("nordlys".into())], ts("2031-07-01T00:00:00Z"))
        .await
        .unwrap();
    assert!(baseline.hours.is_empty());
    assert_eq!(baseline.last_item, None);
    store
        .put_items(
            &w,
            &[
                item(Post {
                    external_id: "a1",
                    at: "2031-07-20T10:15:00Z",
                    brands: &["nordlys"],
                    topics: &[Topic::Climate],
                    sentiment: SentimentLabel::Negative,
                    ..Post::default()
                }),
                item(Post {
                    external_id: "a2",
                    at: "2031-07-20T10:45:00Z",
                    brands: &["nordlys"],
                    ..Post::default()
                }),
                item(Post {
                    external_id: "a-old",
                    at: "2031-06-20T10:45:00Z",
                    brands: &["nordlys"],
                    ..Post::default()
                }),
            ],
        )
        .await
        .unwrap();
    let newest = store.items_after(&w, None, 10).await.unwrap().items;
    let last = newest.iter().map(|i| i.id).max().unwrap();
    let baseline = store
        .alert_baseline(&w, &[BrandId("nordlys".into())], ts("2031-07-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(baseline.last_item, Some(last));
    let mut hours: Vec<_> = baseline
        .hours
        .iter()
        .map(|h| (h.topic, h.hour, h.count, h.negative))
        .collect();
    hours.sort_by_key(|h| h.0.map(Topic::as_str));
    assert_eq!(
        hours,
        vec![
            (None, ts("2031-07-20T10:00:00Z"), 2, 1),
            (Some(Topic::Climate), ts("2031-07-20T10:00:00Z"), 1, 1),
        ],
        "the June item is before `from`"
    );

    // Alerts and the cursor move together; deliveries start pending.
    assert_eq!(store.alert_cursor(&w).await.unwrap(), None);
    let alert = NewAlert {
        brand: BrandId("nordlys".into()),
        topic: Some(Topic::Climate),
        kind: "spike".into(),
        reason: json!({"kind": "spike", "note": HOSTILE}),
        at: ts("2031-07-20T10:15:00Z"),
        hour: ts("2031-07-20T10:00:00Z"),
        raised_at: ts("2031-07-20T10:15:01Z"),
        evidence: vec![last, ItemId(1)],
        channels: vec![channel.name.clone(), "e-post".into()],
    };
    let ids = store
        .record_alerts(&w, std::slice::from_ref(&alert), last)
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(store.alert_cursor(&w).await.unwrap(), Some(last));
    assert_eq!(store.alert_cursor(&other).await.unwrap(), None);
    assert!(matches!(
        store.record_alerts(&w, &[], ItemId(last.0 - 1)).await,
        Err(StoreError::Conflict(_))
    ));
    let pending = store.pending_alert_deliveries(&w).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].deliveries.len(), 2);
    assert!(
        store
            .pending_alert_deliveries(&other)
            .await
            .unwrap()
            .is_empty()
    );
    let sent = AlertDelivery {
        channel: channel.name.clone(),
        state: DeliveryState::Sent,
        attempts: 2,
        error: None,
        at: Some(ts("2031-07-20T10:15:02Z")),
    };
    store
        .finish_alert_delivery(&w, ids[0], &sent)
        .await
        .unwrap();
    assert!(matches!(
        store.finish_alert_delivery(&other, ids[0], &sent).await,
        Err(StoreError::NotFound { .. })
    ));
    let pending = store.pending_alert_deliveries(&w).await.unwrap();
    assert_eq!(pending[0].deliveries.len(), 1);
    assert_eq!(pending[0].deliveries[0].channel, "e-post");
    store
        .finish_alert_delivery(
            &w,
            ids[0],
            &AlertDelivery {
                channel: "e-post".into(),
                state: DeliveryState::Failed,
                attempts: 1,
                error: Some("e-mail is not configured".into()),
                at: Some(ts("2031-07-20T10:15:03Z")),
            },
        )
        .await
        .unwrap();
    assert!(store.pending_alert_deliveries(&w).await.unwrap().is_empty());
    let page = store
        .alerts(&AlertQuery {
            workspace: w.clone(),
            before: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let stored = &page[0];
    assert_eq!(stored.reason, alert.reason);
    assert_eq!(stored.evidence, alert.evidence);
    assert_eq!(stored.topic, Some(Topic::Climate));
    assert_eq!(
        stored
            .deliveries
            .iter()
            .map(|d| (d.channel.as_str(), d.state))
            .collect::<Vec<_>>(),
        vec![
            (channel.name.as_str(), DeliveryState::Sent),
            ("e-post", DeliveryState::Failed),
        ],
        "in channel name order"
    );
    let second = store
        .record_alerts(&w, std::slice::from_ref(&alert), last)
        .await
        .unwrap();
    let newest_first = store
        .alerts(&AlertQuery {
            workspace: w.clone(),
            before: None,
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(newest_first[0].id, second[0]);
    let older = store
        .alerts(&AlertQuery {
            workspace: w.clone(),
            before: Some(second[0]),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(older.iter().map(|a| a.id).collect::<Vec<_>>(), ids);

    assert!(
        store
            .delete_alert_channel(&w, &channel.name, &audit("alerts.channel.delete"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_alert_channel(&w, &channel.name, &audit("alerts.channel.delete"))
            .await
            .unwrap()
    );
    assert!(store.alert_channels(&w).await.unwrap().is_empty());
}

// == leases (issue 8) ==

async fn leases_are_held_by_one_holder_at_a_time<S: Store>(store: &S) {
    use jiff::SignedDuration;
    let ttl = SignedDuration::from_secs(30);
    let start = ts("2026-11-27T12:00:00Z");
    let at = |secs: i64| start + SignedDuration::from_secs(secs);

    let first = store
        .try_lease("web/publisher", "node-a", ttl, start)
        .await
        .unwrap()
        .expect("a lease nobody holds is granted");
    assert_eq!(first.holder, "node-a");
    assert_eq!(first.expires_at, at(30));
    // Another holder is refused while it runs, up to the last microsecond.
    let just_before = at(30) - SignedDuration::from_micros(1);
    assert_eq!(
        store
            .try_lease("web/publisher", "node-b", ttl, just_before)
            .await
            .unwrap(),
        None
    );
    // Other names are other leases.
    let other = store
        .try_lease("web/alerts", "node-b", ttl, start)
        .await
        .unwrap()
        .expect("another name is free");
    assert_eq!(other.holder, "node-b");

    // Taking it again as its holder extends it with the same token; so does renewing.
    let again = store
        .try_lease("web/publisher", "node-a", ttl, at(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.token, again.expires_at), (first.token, at(40)));
    let renewed = store
        .renew_lease(&again, ttl, at(20))
        .await
        .unwrap()
        .expect("a running lease renews");
    assert_eq!((renewed.token, renewed.expires_at), (first.token, at(50)));

    // Expired: the holder's renewal is refused and another takes over with a higher token.
    assert_eq!(
        store.renew_lease(&renewed, ttl, at(50)).await.unwrap(),
        None
    );
    let taken = store
        .try_lease("web/publisher", "node-b", ttl, at(50))
        .await
        .unwrap()
        .expect("an expired lease is free");
    assert_eq!(taken.holder, "node-b");
    assert!(taken.token > first.token, "{taken:?} after {first:?}");
    // The stale holder can neither renew nor release it, nor take it back.
    assert_eq!(
        store.renew_lease(&renewed, ttl, at(51)).await.unwrap(),
        None
    );
    assert!(!store.release_lease(&renewed, at(51)).await.unwrap());
    assert_eq!(
        store
            .try_lease("web/publisher", "node-a", ttl, at(51))
            .await
            .unwrap(),
        None
    );

    // Released: free at once, and the next holder's token is higher still.
    assert!(store.release_lease(&taken, at(52)).await.unwrap());
    assert!(!store.release_lease(&taken, at(52)).await.unwrap());
    assert_eq!(store.renew_lease(&taken, ttl, at(52)).await.unwrap(), None);
    let back = store
        .try_lease("web/publisher", "node-a", ttl, at(52))
        .await
        .unwrap()
        .expect("a released lease is free");
    assert!(back.token > taken.token, "{back:?} after {taken:?}");

    // Nonsense is refused with the reason.
    for (name, holder, ttl) in [
        ("", "node-a", ttl),
        ("web/x", " ", ttl),
        ("web/x", "node-a", SignedDuration::ZERO),
        ("web/x", "node-a", SignedDuration::from_hours(2)),
    ] {
        let refused = store.try_lease(name, holder, ttl, start).await.unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(_)), "{refused}");
    }
    let long = "x".repeat(crate::leases::MAX_LEASE_NAME + 1);
    assert!(matches!(
        store.try_lease(&long, "node-a", ttl, start).await,
        Err(StoreError::Invalid(_))
    ));
}

// == login limits (issue 8) ==

async fn login_failures_are_counted_per_window<S: Store>(store: &S) {
    use crate::login_failures::{LoginFailures, MAX_LOGIN_KEY};
    use jiff::SignedDuration;
    let window = SignedDuration::from_mins(15);
    let start = ts("2026-11-27T12:00:00Z");
    let at = |mins: i64| start + SignedDuration::from_mins(mins);
    let key = "account:kari@nordlys.no";

    assert_eq!(
        store.login_failures(key, window, start).await.unwrap(),
        None
    );
    for (n, mins) in [(1, 0), (2, 1), (3, 14)] {
        assert_eq!(
            store
                .count_login_failure(key, window, at(mins))
                .await
                .unwrap(),
            LoginFailures {
                count: n,
                window_start: start
            }
        );
    }
    assert_eq!(
        store.login_failures(key, window, at(14)).await.unwrap(),
        Some(LoginFailures {
            count: 3,
            window_start: start
        })
    );
    // Another key counts on its own.
    let other = "client:10.0.0.7";
    assert_eq!(
        store
            .count_login_failure(other, window, at(2))
            .await
            .unwrap()
            .count,
        1
    );

    // The window ends a window after its first failure; the next failure starts another.
    assert_eq!(
        store.login_failures(key, window, at(15)).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .count_login_failure(key, window, at(16))
            .await
            .unwrap(),
        LoginFailures {
            count: 1,
            window_start: at(16)
        }
    );

    // Clearing forgets the key and only it.
    store
        .count_login_failure(other, window, at(16))
        .await
        .unwrap();
    store.clear_login_failures(key).await.unwrap();
    assert_eq!(
        store.login_failures(key, window, at(16)).await.unwrap(),
        None
    );
    assert_eq!(
        store.login_failures(other, window, at(16)).await.unwrap(),
        Some(LoginFailures {
            count: 2,
            window_start: at(2)
        })
    );
    store.clear_login_failures("client:nobody").await.unwrap();

    // Nonsense is refused with the reason.
    let long = "k".repeat(MAX_LOGIN_KEY + 1);
    for (key, window) in [
        ("", window),
        (" ", window),
        (long.as_str(), window),
        ("account:x", SignedDuration::ZERO),
    ] {
        let refused = store
            .count_login_failure(key, window, start)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(_)), "{refused}");
    }
}

// == postgres (issue 8) ==

/// Declares [`CASES`] and [`run_case`] from one list of the cases' names.
macro_rules! named_cases {
    ($($case:ident),* $(,)?) => {
        /// Every case's name, in [`run_all`]'s order: a backend's test may run them one by
        /// one with [`run_case`], so that one failing case does not hide the others.
        pub const CASES: &[&str] = &[$(stringify!($case)),*];

        /// Runs the case called `name` (one of [`CASES`]) against `store`.
        pub async fn run_case<S: Store>(store: &S, name: &str) {
            match name {
                $(stringify!($case) => $case(store).await,)*
                other => panic!("no conformance case is called `{other}`"),
            }
        }
    };
}

named_cases!(
    upsert_is_idempotent,
    search_finds_what_it_should,
    volume_is_cut_in_the_time_zone,
    share_of_voice_counts_each_brand,
    each_brand_counts_the_sentiment_towards_it,
    rollups_follow_updates_and_rebuilds,
    reindex_gives_the_same_results,
    users_and_sessions,
    audit_log_reads_newest_first_with_filters,
    odd_and_huge_texts_round_trip,
    sources_are_defined_listed_and_deleted,
    cursor_is_committed_only_with_its_batch,
    health_and_sealed_credentials,
    stats_add_up,
    inbox_entries_follow_their_items,
    overview_breakdown_and_top_authors,
    threads_gather_the_conversation,
    export_pages_through_every_match,
    stories_round_trip_in_their_workspace,
    posts_follow_the_workflow,
    calendar_shows_the_window,
    policy_is_stored_and_audited,
    outbox_publishes_each_post_once,
    engagement_rolls_up,
    strategy_and_audience_are_stored_and_audited,
    openness_counts_answers_whatever_the_order,
    report_schedules_send_each_period_once,
    alerts_keep_channels_sealed_and_the_cursor_with_their_alerts,
    leases_are_held_by_one_holder_at_a_time,
    login_failures_are_counted_per_window,
);
