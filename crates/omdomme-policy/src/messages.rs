//! What each finding tells the writer, in bokmål and in English: what is wrong and what to
//! do about it.

use omdomme_core::{PostLength, SourceKind};

use crate::personal::NationalId;

/// A finding's message in bokmål and in English.
pub(crate) struct Message {
    pub nb: String,
    pub en: String,
}

fn message(nb: impl Into<String>, en: impl Into<String>) -> Message {
    Message {
        nb: nb.into(),
        en: en.into(),
    }
}

pub(crate) fn confidential_term() -> Message {
    message(
        "Dette er et fortrolig navn eller begrep (for eksempel et prosjekt- eller kodenavn) \
         som ikke skal stå i et offentlig innlegg. Fjern det, eller bruk navnet som er \
         offentliggjort.",
        "This is a confidential name or term (such as a project or code name) that must not \
         appear in a public post. Remove it, or use the name that has been made public.",
    )
}

pub(crate) fn pattern(name: &str, nb: Option<&str>, en: Option<&str>) -> Message {
    message(
        nb.map(str::to_owned).unwrap_or_else(|| {
            format!(
                "Dette samsvarer med mønsteret «{name}» i retningslinjene for sosiale medier. \
                 Fjern eller omskriv det, eller avklar med den som eier regelen at det kan \
                 publiseres."
            )
        }),
        en.map(str::to_owned).unwrap_or_else(|| {
            format!(
                "This matches the pattern “{name}” of the social-media policy. Remove or \
                 rewrite it, or check with the rule's owner that it may be published."
            )
        }),
    )
}

/// The default policy's message for financial figures.
pub(crate) const FINANCIAL_FIGURE_NB: &str = "Dette ser ut som et økonomisk tall (omsetning, \
    resultat, margin). Tall som ikke er offentliggjort kan være innsideinformasjon: publiser \
    dem først når de er offentliggjort i en børsmelding eller kvartalsrapport, og lenk dit.";
pub(crate) const FINANCIAL_FIGURE_EN: &str = "This looks like a financial figure (revenue, \
    profit, margin). Figures not yet released may be inside information: post them only once \
    a stock exchange notice or quarterly report has released them, and link to it.";

pub(crate) fn national_id(kind: NationalId) -> Message {
    let (nb, en) = match kind {
        NationalId::Birth => (
            "et gyldig fødselsnummer",
            "a valid national identity number (fødselsnummer)",
        ),
        NationalId::D => (
            "et gyldig D-nummer",
            "a valid D number (a Norwegian identity number)",
        ),
        NationalId::H => (
            "et gyldig H-nummer (helsetjenestens hjelpenummer)",
            "a valid H number (a Norwegian health-service identity number)",
        ),
    };
    message(
        format!(
            "Dette ser ut som {nb}. Fjern det: personopplysninger skal aldri i et offentlig \
             innlegg."
        ),
        format!(
            "This looks like {en}. Remove it: personal data must never appear in a public \
             post."
        ),
    )
}

pub(crate) fn phone_number() -> Message {
    message(
        "Dette ser ut som et telefonnummer. Er det en persons nummer, fjern det: \
         personopplysninger hører ikke hjemme i et offentlig innlegg. Et sentralbord- eller \
         kundesenternummer kan stå.",
        "This looks like a phone number. If it is a person's number, remove it: personal data \
         does not belong in a public post. A switchboard or customer service number may stay.",
    )
}

pub(crate) fn email() -> Message {
    message(
        "Dette ser ut som en e-postadresse. Er det en persons adresse, fjern den eller bruk en \
         felles adresse (for eksempel presse@…).",
        "This looks like an e-mail address. If it is a person's address, remove it or use a \
         shared address (such as press@…).",
    )
}

pub(crate) fn unsupported_claim() -> Message {
    message(
        "Dette er en påstand som må kunne dokumenteres. Lenk til kilden i innlegget, eller \
         legg til et bevispunkt med kilde i historien som sier det samme; ellers fjern \
         påstanden eller gjør den konkret og målbar.",
        "This is a claim that must be backed by evidence. Link to the source in the post, or \
         add a sourced proof point to the story that says the same; otherwise remove the \
         claim or make it specific and measurable.",
    )
}

pub(crate) fn modelled_claim() -> Message {
    message(
        "Innlegget ser ut til å komme med en miljøpåstand uten kilde. Lenk til dokumentasjonen, \
         eller legg til et bevispunkt med kilde i historien.",
        "The post seems to make an environmental claim without a source. Link to the evidence, \
         or add a sourced proof point to the story.",
    )
}

pub(crate) fn negative_tone() -> Message {
    message(
        "Innlegget leses som negativt. Er det meningen? Les det med mottakerens øyne, og \
         vurder en mer saklig eller løsningsorientert formulering.",
        "The post reads as negative. Is that intended? Read it as its audience will, and \
         consider a more factual or constructive wording.",
    )
}

pub(crate) fn too_long(channel: SourceKind, length: PostLength) -> Message {
    let (platform, unit_nb, unit_en) = match channel {
        SourceKind::X => (
            "X",
            "vektede tegn (en lenke teller 23, en emoji 2)",
            "weighted characters (a link counts 23, an emoji 2)",
        ),
        SourceKind::Mastodon => (
            "Mastodon",
            "tegn (en lenke teller 23)",
            "characters (a link counts 23)",
        ),
        SourceKind::Bluesky => ("Bluesky", "tegn (grafemer)", "characters (graphemes)"),
        _ => ("Facebook", "tegn", "characters"),
    };
    let (used, limit) = (length.used, length.limit);
    let over = used.saturating_sub(limit);
    message(
        format!(
            "Innlegget er for langt for {platform}: {used} av {limit} {unit_nb}. Kort det ned \
             med {over}."
        ),
        format!(
            "The post is too long for {platform}: {used} of {limit} {unit_en}. Shorten it by \
             {over}."
        ),
    )
}

pub(crate) fn broken_rule(problem: &str) -> Message {
    message(
        format!(
            "Regelen kan ikke sjekkes slik den er skrevet ({problem}). Be en leder rette \
             retningslinjene."
        ),
        format!(
            "The rule cannot be checked as written ({problem}). Ask a leader to fix the \
             policy."
        ),
    )
}

pub(crate) fn models_unavailable() -> Message {
    message(
        "Språkmodellene kunne ikke lastes, så denne regelen er ikke sjekket.",
        "The language models could not be loaded, so this rule was not checked.",
    )
}
