//! Policy setup: leaders change the rules (the form or the JSON), editors read and try
//! them; a refused save names its problems by the rule and keeps the stored policy; reset
//! goes back to the default; the try box shows the findings.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use omdomme_policy::Policy;
use omdomme_store::{AuditQuery, Role};
use serde_json::Value;

use crate::calendar::ws;
use crate::support::{Browser, TestApp, body_text};

const PAGE: &str = "/w/nordlys/setup/policy";

/// What a browser sends from the rules form drawn from `base`, with `change` applied to
/// each rule's fields.
fn rules_form(
    base: &Value,
    change: impl Fn(usize, &str, &mut Vec<(String, String)>),
) -> Vec<(String, String)> {
    let mut fields = vec![("base".to_owned(), base.to_string())];
    for (i, rule) in base["rules"].as_array().unwrap().iter().enumerate() {
        let id = rule["id"].as_str().unwrap();
        let mut mine = vec![
            (format!("r{i}.id"), id.to_owned()),
            (
                format!("r{i}.severity"),
                rule["severity"].as_str().unwrap().to_owned(),
            ),
        ];
        if rule["enabled"] != false {
            mine.push((format!("r{i}.enabled"), "on".to_owned()));
        }
        change(i, id, &mut mine);
        fields.extend(mine);
    }
    fields
}

async fn submit(
    app: &TestApp,
    uri: &str,
    browser: &Browser,
    fields: &[(String, String)],
) -> (StatusCode, String) {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app.submit(uri, browser, &pairs).await;
    let status = response.status();
    (status, body_text(response).await)
}

async fn stored(app: &TestApp) -> Option<Policy> {
    app.store
        .policy(&ws())
        .await
        .unwrap()
        .map(|p| Policy::from_json(&p.json).unwrap())
}

fn default_value() -> Value {
    serde_json::from_str(&Policy::default().to_json()).unwrap()
}

#[tokio::test]
async fn a_leader_changes_the_rules_in_the_form_and_the_try_box_uses_them() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app.page(PAGE, Some(&leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"policy\"") && html.contains("data-rule=\"confidential.terms\""));
    assert!(html.contains("Standardreglene"), "no stored policy yet");
    let form = rules_form(&default_value(), |_, id, fields| {
        if id == "confidential.terms" {
            fields.push(("r0.enabled".into(), "on".into()));
            fields.push((
                "r0.f.terms".into(),
                "Prosjekt Falk\r\n\r\n  <script>alert(1)</script>  \r\n".into(),
            ));
        }
        if id == "personal-data.phone" {
            fields.retain(|(k, _)| !k.ends_with(".enabled"));
        }
    });
    let (status, html) = submit(&app, PAGE, &leader, &form).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Retningslinjene er lagret"));
    assert!(!html.contains("<script>alert") && html.contains("&#60;script&#62;alert(1)"));
    let policy = stored(&app).await.unwrap();
    let terms = policy
        .rules
        .iter()
        .find(|r| r.id == "confidential.terms")
        .unwrap();
    assert!(terms.enabled);
    let json: Value = serde_json::to_value(terms).unwrap();
    assert_eq!(
        json["terms"],
        serde_json::json!(["Prosjekt Falk", "<script>alert(1)</script>"])
    );
    assert!(
        !policy
            .rules
            .iter()
            .find(|r| r.id == "personal-data.phone")
            .unwrap()
            .enabled
    );
    // The patterns' rule kept its named pattern.
    assert_eq!(
        policy
            .rules
            .iter()
            .find(|r| r.id == "confidential.financial-figures"),
        Policy::default()
            .rules
            .iter()
            .find(|r| r.id == "confidential.financial-figures")
    );
    // The store audited the change.
    let audited = app
        .store
        .audit_log(&AuditQuery {
            action_prefix: Some("policy.".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].entry.actor, "leader@nordlys.no");

    // An editor tries a text against the stored policy (htmx: the result alone).
    let editor = app.browser_as(Role::Editor).await;
    let response = app
        .send(
            Request::post(format!("{PAGE}/try"))
                .header(COOKIE, &editor.cookie)
                .header("x-csrf-token", &editor.csrf)
                .header("hx-request", "true")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    "text=Nytt+fra+Prosjekt+Falk+i+dag&channel=mastodon",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = body_text(response).await;
    assert!(!fragment.contains("<html"), "{fragment}");
    assert!(
        fragment
            .contains("class=\"finding\" data-rule=\"confidential.terms\" data-severity=\"block\""),
        "{fragment}"
    );
    assert!(fragment.contains("Prosjekt Falk") && fragment.contains("data-outcome=\"blocks\""));
    // A clean text, and an empty one.
    let (status, clean) = submit(
        &app,
        &format!("{PAGE}/try"),
        &editor,
        &[
            ("text".into(), "Vi ønsker god helg!".into()),
            ("channel".into(), String::new()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        clean.contains("<html") && clean.contains("data-outcome=\"clean\""),
        "{clean}"
    );
    let (_, empty) = submit(
        &app,
        &format!("{PAGE}/try"),
        &editor,
        &[("text".into(), " ".into())],
    )
    .await;
    assert!(empty.contains("Skriv en tekst å sjekke"));
}

#[tokio::test]
async fn editors_read_and_try_but_only_leaders_save() {
    let app = TestApp::new().await;
    let editor = app.browser_as(Role::Editor).await;
    let (status, html) = app.page(PAGE, Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Bare en leder kan endre dem"));
    assert!(!html.contains("data-action=\"reset-policy\""));
    let json = Policy::default().to_json();
    for (uri, fields) in [
        (PAGE.to_owned(), rules_form(&default_value(), |_, _, _| {})),
        (
            format!("{PAGE}/json"),
            vec![("json".to_owned(), json.clone())],
        ),
        (format!("{PAGE}/reset"), Vec::new()),
    ] {
        let (status, _) = submit(&app, &uri, &editor, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert!(app.store.policy(&ws()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_refused_save_names_the_problems_and_keeps_the_stored_policy() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let json_uri = format!("{PAGE}/json");
    // Store one first.
    let mut mine = default_value();
    mine["rules"][0]["enabled"] = Value::Bool(true);
    let (status, _) = submit(
        &app,
        &json_uri,
        &leader,
        &[("json".into(), mine.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let before = app.store.policy(&ws()).await.unwrap().unwrap();

    // JSON that does not parse: the problem, the text kept as typed.
    let broken = "{\"rules\": [ {\"id\": \"x\"";
    let (status, html) = submit(&app, &json_uri, &leader, &[("json".into(), broken.into())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"policy-problems\"") && html.contains("JSON"),
        "{html}"
    );
    assert!(
        html.contains("{&#34;rules&#34;: [ {&#34;id&#34;: &#34;x&#34;"),
        "kept: {html}"
    );
    assert_eq!(app.store.policy(&ws()).await.unwrap().unwrap(), before);

    // A pattern that does not compile and an unknown kind: each problem by its rule.
    let mut bad = default_value();
    bad["rules"][1]["patterns"][0]["regex"] = Value::String("([0-9]+".into());
    bad["rules"][2]["kind"] = Value::String("mind_reading".into());
    let (status, html) = submit(
        &app,
        &json_uri,
        &leader,
        &[("json".into(), bad.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let financial = html
        .split("data-rule=\"confidential.financial-figures\"")
        .nth(1)
        .unwrap();
    let financial = &financial[..financial.find("</fieldset>").unwrap()];
    assert!(financial.contains("field-error"), "{financial}");
    assert!(html.contains("mind_reading"), "{html}");
    assert_eq!(app.store.policy(&ws()).await.unwrap().unwrap(), before);

    // The rules form can break a rule too: an empty list of terms.
    let form = rules_form(
        &serde_json::from_str(&before.json).unwrap(),
        |i, _, fields| {
            if i == 0 {
                fields.push(("r0.f.terms".into(), "\n \n".into()));
            }
        },
    );
    let (status, html) = submit(&app, PAGE, &leader, &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("class=\"policy-rule has-problem\" data-rule=\"confidential.terms\""),
        "{html}"
    );
    assert_eq!(app.store.policy(&ws()).await.unwrap().unwrap(), before);

    // A form drawn from other rules than these is stale.
    let mut other = default_value();
    other["rules"][0]["id"] = Value::String("something.else".into());
    let mut stale = rules_form(&other, |_, _, _| {});
    stale[0].1 = before.json.clone();
    let (status, html) = submit(&app, PAGE, &leader, &stale).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Last siden på nytt"));

    // Reset goes back to the default.
    let (status, html) = submit(&app, &format!("{PAGE}/reset"), &leader, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Standardreglene gjelder igjen"));
    assert_eq!(stored(&app).await.unwrap(), Policy::default());
}
