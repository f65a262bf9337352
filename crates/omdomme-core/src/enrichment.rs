//! What enrichment adds to an item: language, sentiment, CSR topics, stakeholder group, the
//! brands it is about, and whether it deserves an answer.

use serde::{Deserialize, Serialize};

use crate::workspace::BrandId;

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Norwegian bokmål.
    Nb,
    /// Norwegian nynorsk.
    Nn,
    En,
    Sv,
    Da,
    #[default]
    Other,
}

impl Lang {
    pub const ALL: [Lang; 6] = [
        Lang::Nb,
        Lang::Nn,
        Lang::En,
        Lang::Sv,
        Lang::Da,
        Lang::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::Da => "da",
            Lang::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn is_norwegian(self) -> bool {
        matches!(self, Lang::Nb | Lang::Nn)
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Negative,
    #[default]
    Neutral,
    Positive,
}

impl SentimentLabel {
    pub const ALL: [SentimentLabel; 3] = [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
        }
    }

    pub fn parse(s: &str) -> Option<SentimentLabel> {
        SentimentLabel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    /// From -1 (most negative) to 1 (most positive).
    pub score: f32,
}

/// The CSR topics of the product description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Climate,
    Labour,
    Diversity,
    Employer,
    Governance,
    Community,
    Product,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Climate,
        Topic::Labour,
        Topic::Diversity,
        Topic::Employer,
        Topic::Governance,
        Topic::Community,
        Topic::Product,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Climate => "climate",
            Topic::Labour => "labour",
            Topic::Diversity => "diversity",
            Topic::Employer => "employer",
            Topic::Governance => "governance",
            Topic::Community => "community",
            Topic::Product => "product",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What a person reads: "climate & environment", "labour & supply chain", ...
    pub fn title(self) -> &'static str {
        match self {
            Topic::Climate => "climate & environment",
            Topic::Labour => "labour & supply chain",
            Topic::Diversity => "diversity & inclusion",
            Topic::Employer => "employer & workplace",
            Topic::Governance => "governance & ethics",
            Topic::Community => "community",
            Topic::Product => "product & customer experience",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of topics, one bit each; serialises as a list of topic names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TopicSet(u8);

impl TopicSet {
    pub fn new() -> Self {
        TopicSet(0)
    }

    pub fn from_bits(bits: u8) -> Self {
        TopicSet(bits & 0x7f)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn insert(&mut self, topic: Topic) {
        self.0 |= topic.bit();
    }

    pub fn contains(self, topic: Topic) -> bool {
        self.0 & topic.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Topic> {
        Topic::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<Topic> for TopicSet {
    fn from_iter<I: IntoIterator<Item = Topic>>(iter: I) -> Self {
        let mut set = TopicSet::new();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

impl Serialize for TopicSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for TopicSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let topics = Vec::<Topic>::deserialize(deserializer)?;
        Ok(topics.into_iter().collect())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stakeholder {
    Customer,
    ProspectiveCustomer,
    Employee,
    ProspectiveEmployee,
    Partner,
    Investor,
    Press,
    Society,
}

impl Stakeholder {
    pub const ALL: [Stakeholder; 8] = [
        Stakeholder::Customer,
        Stakeholder::ProspectiveCustomer,
        Stakeholder::Employee,
        Stakeholder::ProspectiveEmployee,
        Stakeholder::Partner,
        Stakeholder::Investor,
        Stakeholder::Press,
        Stakeholder::Society,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stakeholder::Customer => "customer",
            Stakeholder::ProspectiveCustomer => "prospective_customer",
            Stakeholder::Employee => "employee",
            Stakeholder::ProspectiveEmployee => "prospective_employee",
            Stakeholder::Partner => "partner",
            Stakeholder::Investor => "investor",
            Stakeholder::Press => "press",
            Stakeholder::Society => "society",
        }
    }

    pub fn parse(s: &str) -> Option<Stakeholder> {
        Stakeholder::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The sentiment towards one brand in an item that names several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrandSentiment {
    pub brand: BrandId,
    pub sentiment: Sentiment,
}

/// Everything enrichment decides about an item. A fresh item carries the default (nothing
/// decided yet); [`Enrichment::is_done`] tells the two apart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    pub lang: Lang,
    pub sentiment: Sentiment,
    pub topics: TopicSet,
    pub stakeholder: Option<Stakeholder>,
    /// Brands whose watch query matches the item, in the workspace's brand order.
    pub brands: Vec<BrandId>,
    /// When the item names more than one brand, the sentiment towards each, in `brands`
    /// order ("switched from A to B, finally someone answers": A negative, B positive).
    /// Empty otherwise: then the item's sentiment is its brand's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub brand_sentiment: Vec<BrandSentiment>,
    /// A question or complaint addressed to a brand that deserves an answer.
    pub inquiry: bool,
    /// Name and version of the enricher that decided this (`v0`); empty until enriched.
    pub model: String,
}

impl Enrichment {
    pub fn is_done(&self) -> bool {
        !self.model.is_empty()
    }

    /// The sentiment towards `brand`: its own when the item names several, else the item's.
    pub fn sentiment_towards(&self, brand: &BrandId) -> Sentiment {
        self.brand_sentiment
            .iter()
            .find(|b| &b.brand == brand)
            .map_or(self.sentiment, |b| b.sentiment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_set_round_trips_through_json_as_names() {
        let set: TopicSet = [Topic::Labour, Topic::Climate].into_iter().collect();
        let json = serde_json::to_string(&set).unwrap_or_default();
        assert_eq!(json, r#"["climate","labour"]"#);
        let back: TopicSet = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, set);
    }

    #[test]
    fn names_parse_back_to_their_values() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.as_str()), Some(l));
        }
        for s in Stakeholder::ALL {
            assert_eq!(Stakeholder::parse(s.as_str()), Some(s));
        }
    }
}
