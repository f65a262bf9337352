//! How many 500-character posts a second the default policy checks on one thread, and
//! what the tone rule makes of a few typical posts:
//! `cargo run --release -p omdomme-policy --example speed`.

use std::time::Instant;

use omdomme_core::SourceKind;
use omdomme_policy::{Draft, Policy, check, tone_of};

fn main() {
    let post = "Nordlys Energi åpner Norges første utslippsfrie ferjekai i Florø i dag! \
        Kaien lader ferjene med strøm fra vindparken vår, og vi regner med å kutte 4 000 tonn \
        CO₂ i året. Takk til kommunen, mannskapene og alle som har jobbet med prosjektet. \
        Spørsmål? Skriv til presse@nordlys.no eller ring 22 33 44 55. Les mer om hvordan vi \
        måler utslippene: https://nordlys.no/ferjekai #grønnskifte #florø. Neste steg er \
        en ny kai i Måløy i 2027, der vi bygger batteribanken sammen med leverandørene våre. \
        Følg med her!";
    let post = &post[..post.char_indices().nth(500).map_or(post.len(), |(i, _)| i)];
    let policy = Policy::default();
    let draft = Draft {
        text: post,
        channel: Some(SourceKind::Mastodon),
        sourced_proof: vec!["Kaien kutter 4 000 tonn CO₂ i året (DNV-rapport 2026)"],
    };
    let findings = check(&policy, &draft);
    let mut without_models = policy.clone();
    without_models.rules.retain(|r| {
        !matches!(
            r.kind,
            omdomme_policy::RuleKind::Tone | omdomme_policy::RuleKind::ClaimModel
        )
    });
    for rule in &policy.rules {
        let one = Policy {
            rules: vec![rule.clone()],
        };
        let started = Instant::now();
        for _ in 0..500 {
            std::hint::black_box(check(&one, std::hint::black_box(&draft)));
        }
        println!(
            "{}: {:.1} µs",
            rule.id,
            started.elapsed().as_secs_f64() * 1e6 / 500.0
        );
    }
    let started = Instant::now();
    for _ in 0..2_000 {
        std::hint::black_box(check(&without_models, std::hint::black_box(&draft)));
    }
    println!(
        "without the models: {:.1} µs a post",
        started.elapsed().as_secs_f64() * 1e6 / 2_000.0
    );
    for f in &findings {
        println!("{} {} {:?}", f.severity.as_str(), f.rule, f.words);
    }
    let rounds = 2_000;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(check(&policy, std::hint::black_box(&draft)));
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "policy: {} chars, {:.0} posts/s ({:.1} µs a post), {} finding(s)",
        post.chars().count(),
        f64::from(rounds) / seconds,
        seconds * 1e6 / f64::from(rounds),
        findings.len()
    );
    for text in [
        "Takk til alle som var med på dugnaden i dag!",
        "Vi beklager forsinkelsene i dag. Vi jobber med saken og oppdaterer her.",
        "Dette er en skandale, og vi er dypt skuffet over leverandøren.",
        "Proud to open our new ferry quay in Florø today.",
        "Kontakt kari@nordlys.no eller 912 34 567. Omsetningen ble 4,2 mrd.",
        "Kontakt kari@nordlys.no eller 912 34 567. Vi er klimanøytrale! Fnr 15038512363. Bærekraftig? Omsetningen ble 4,2 mrd.",
        "Strømbruddet i Florø er rettet. Beklager ulempene!",
        "Vi er ikke fornøyd med hvordan vi håndterte saken, og vi tar lærdom av det.",
        "Terrible news from the supply chain audit: we failed our own standards.",
        "Stengt i morgen på grunn av streik.",
    ] {
        println!(
            "{:?} {:?}: {text}",
            tone_of(text),
            omdomme_policy::tone_score(text)
        );
    }
}
