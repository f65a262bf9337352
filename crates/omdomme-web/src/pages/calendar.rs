//! `/w/{ws}/calendar`: the content calendar, a week (Monday to Sunday, with its ISO week
//! number) or a month (its weeks as rows) of posts across channels, filterable by story,
//! topic, goal and channel kind. Days are Norwegian days (the configured zone), so a post at
//! 23:30 on a Sunday in Oslo sits on that Sunday even though it is Sunday 21:30 or 22:30
//! UTC, and a week with a clock change is still seven days.
//!
//! The page reads [`omdomme_store::Store::calendar`] for exactly the days it shows.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use omdomme_core::{PostStatus, SourceKind, Topic};
use omdomme_store::{CalendarEntry, CalendarQuery, GoalId, Role, StoryId, UiLanguage};
use serde::Deserialize;

use super::{Page, PageError, Section, render};
use crate::api::params::present;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/calendar", get(show))
}

texts!(pub CalendarTexts {
    title: "Innholdskalender" / "Content calendar",
    week: "Uke" / "Week",
    month: "Måned" / "Month",
    previous_week: "Forrige uke" / "Previous week",
    next_week: "Neste uke" / "Next week",
    previous_month: "Forrige måned" / "Previous month",
    next_month: "Neste måned" / "Next month",
    today: "I dag" / "Today",
    filters: "Filtre" / "Filters",
    story: "Historie" / "Story",
    topic: "Tema" / "Topic",
    goal: "Mål" / "Goal",
    channel: "Kanal" / "Channel",
    show: "Vis" / "Show",
    clear: "Fjern filtrene" / "Clear the filters",
    status_planned: "Planlagt" / "Planned",
    status_approved: "Godkjent" / "Approved",
    status_scheduled: "Lagt i kø" / "Scheduled",
    status_published: "Publisert" / "Published",
    status_failed: "Feilet" / "Failed",
    empty: "Ingen innlegg i denne perioden." / "No posts in this period.",
    empty_filtered: "Ingen innlegg passer filtrene i denne perioden. Fjern et filter eller bla til en annen periode." / "No posts match the filters in this period. Remove a filter or move to another period.",
    empty_hint: "Innlegg kommer hit når de har en planlagt tid: åpne en historie, skriv et innlegg for en kanal og sett når det skal ut." / "Posts appear here once they have a planned time: open a story, write a post for a channel and set when it should go out.",
    go_to_stories: "Til historiene" / "Go to the stories",
    posts_in_period: "innlegg i perioden" / "posts in the period",
    weekdays: "man.,tir.,ons.,tor.,fre.,lør.,søn." / "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
    months: "januar,februar,mars,april,mai,juni,juli,august,september,oktober,november,desember" / "January,February,March,April,May,June,July,August,September,October,November,December",
});

impl CalendarTexts {
    fn status(&self, status: StatusBadge) -> &'static str {
        match status {
            StatusBadge::Planned => self.status_planned,
            StatusBadge::Approved => self.status_approved,
            StatusBadge::Scheduled => self.status_scheduled,
            StatusBadge::Published => self.status_published,
            StatusBadge::Failed => self.status_failed,
        }
    }

    fn month_name(&self, month: i8) -> &'static str {
        let index = usize::try_from(month - 1).unwrap_or(0);
        self.months.split(',').nth(index).unwrap_or("")
    }

    fn weekday_names(&self) -> Vec<&'static str> {
        self.weekdays.split(',').collect()
    }
}

/// The channel kinds that can post, the calendar's channel filter.
const POSTING_KINDS: [SourceKind; 4] = [
    SourceKind::Mastodon,
    SourceKind::Bluesky,
    SourceKind::X,
    SourceKind::Facebook,
];

/// How a post's place in the workflow reads in the calendar: drafts and posts in review
/// are "planned" (they have a planned time, which is why they are here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusBadge {
    Planned,
    Approved,
    Scheduled,
    Published,
    Failed,
}

impl StatusBadge {
    pub fn of(status: PostStatus) -> StatusBadge {
        match status {
            PostStatus::Draft | PostStatus::InReview => StatusBadge::Planned,
            PostStatus::Approved => StatusBadge::Approved,
            PostStatus::Scheduled => StatusBadge::Scheduled,
            PostStatus::Published => StatusBadge::Published,
            PostStatus::Failed => StatusBadge::Failed,
        }
    }

    /// The stable name in `data-status` and the badge's class.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusBadge::Planned => "planned",
            StatusBadge::Approved => "approved",
            StatusBadge::Scheduled => "scheduled",
            StatusBadge::Published => "published",
            StatusBadge::Failed => "failed",
        }
    }
}

/// Week or month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Week,
    Month,
}

impl View {
    fn as_str(self) -> &'static str {
        match self {
            View::Week => "week",
            View::Month => "month",
        }
    }
}

/// The query string; every field may be empty (the filter form sends them all).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarParams {
    view: Option<String>,
    /// Any day of the week or month to show, `YYYY-MM-DD`; today when left out.
    date: Option<String>,
    story: Option<String>,
    topic: Option<String>,
    goal: Option<String>,
    channel: Option<String>,
}

/// The checked request.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub view: View,
    pub date: Date,
    pub story: Option<StoryId>,
    pub topic: Option<Topic>,
    pub goal: Option<GoalId>,
    pub channel: Option<SourceKind>,
}

fn bad(parameter: &str, value: &str, expected: &str) -> AppError {
    AppError::BadRequest(format!(
        "parameter `{parameter}`: `{value}` is not {expected}"
    ))
}

impl Choice {
    fn from_params(params: &CalendarParams, today: Date) -> Result<Choice, AppError> {
        let view = match present(params.view.as_deref()) {
            None | Some("week") => View::Week,
            Some("month") => View::Month,
            Some(other) => return Err(bad("view", other, "`week` or `month`")),
        };
        let date = match present(params.date.as_deref()) {
            None => today,
            Some(text) => text
                .parse::<Date>()
                .map_err(|_| bad("date", text, "a date written YYYY-MM-DD, like 2026-11-27"))?,
        };
        let id = |name: &str, value: Option<&str>| -> Result<Option<i64>, AppError> {
            present(value)
                .map(|v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad(name, v, "an id (a whole number)"))
                })
                .transpose()
        };
        let topic = present(params.topic.as_deref())
            .map(|v| Topic::parse(v).ok_or_else(|| bad("topic", v, "a topic")))
            .transpose()?;
        let channel = present(params.channel.as_deref())
            .map(|v| {
                SourceKind::parse(v)
                    .filter(|k| POSTING_KINDS.contains(k))
                    .ok_or_else(|| bad("channel", v, "mastodon, bluesky, x or facebook"))
            })
            .transpose()?;
        Ok(Choice {
            view,
            date,
            story: id("story", params.story.as_deref())?,
            topic,
            goal: id("goal", params.goal.as_deref())?,
            channel,
        })
    }

    fn filtered(&self) -> bool {
        self.story.is_some()
            || self.topic.is_some()
            || self.goal.is_some()
            || self.channel.is_some()
    }

    /// The first and the day after the last day shown: a week from its Monday, or a month's
    /// whole weeks.
    pub fn days(&self) -> Result<(Date, Date), AppError> {
        let span = |e: jiff::Error| AppError::BadRequest(format!("parameter `date`: {e}"));
        match self.view {
            View::Week => {
                let monday = monday_of(self.date).map_err(span)?;
                Ok((monday, monday.checked_add(7.days()).map_err(span)?))
            }
            View::Month => {
                let first = self.date.first_of_month();
                let start = monday_of(first).map_err(span)?;
                let last_monday = monday_of(self.date.last_of_month()).map_err(span)?;
                Ok((start, last_monday.checked_add(7.days()).map_err(span)?))
            }
        }
    }

    /// The same filters at another date and view: for the view and paging links.
    fn link(&self, page: &Page, view: View, date: Date) -> String {
        let mut query = format!("view={}&date={date}", view.as_str());
        if let Some(story) = self.story {
            query.push_str(&format!("&story={story}"));
        }
        if let Some(topic) = self.topic {
            query.push_str(&format!("&topic={}", topic.as_str()));
        }
        if let Some(goal) = self.goal {
            query.push_str(&format!("&goal={goal}"));
        }
        if let Some(channel) = self.channel {
            query.push_str(&format!("&channel={}", channel.as_str()));
        }
        format!("{}?{query}", page.ws_link("calendar"))
    }

    /// The date a step back (`-1`) or forward (`1`) shows.
    fn step(&self, direction: i32) -> Result<Date, AppError> {
        let span = match self.view {
            View::Week => (7 * direction).days(),
            View::Month => direction.months(),
        };
        self.date
            .checked_add(span)
            .map_err(|e| AppError::BadRequest(format!("parameter `date`: {e}")))
    }
}

fn monday_of(date: Date) -> Result<Date, jiff::Error> {
    date.checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days())
}

/// Midnight at the start of `date` in `zone`.
fn start_of(date: Date, zone: &TimeZone) -> Result<Timestamp, AppError> {
    date.to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp())
        .map_err(|e| AppError::BadRequest(format!("parameter `date`: {e}")))
}

/// A post as the calendar shows it.
#[derive(Clone, Debug)]
pub struct EntryView {
    pub post: i64,
    pub href: String,
    pub time: String,
    pub channel: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub story_title: String,
    pub excerpt: String,
}

/// One day of the grid.
#[derive(Clone, Debug)]
pub struct DayView {
    pub date: String,
    pub day: i8,
    pub weekday: &'static str,
    /// False for the days of the neighbouring months in a month view.
    pub in_month: bool,
    pub today: bool,
    pub entries: Vec<EntryView>,
}

/// One row of the grid.
#[derive(Clone, Debug)]
pub struct WeekRow {
    pub number: i8,
    pub days: Vec<DayView>,
}

/// A choice of a filter list.
#[derive(Clone, Debug)]
pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "calendar.html")]
struct CalendarTemplate<'a> {
    page: &'a Page,
    t: &'static CalendarTexts,
    view: &'static str,
    /// The day asked for, kept when the filters change.
    date: String,
    heading: String,
    week_link: String,
    month_link: String,
    previous_link: String,
    next_link: String,
    today_link: String,
    previous_label: &'static str,
    next_label: &'static str,
    weekdays: Vec<&'static str>,
    weeks: Vec<WeekRow>,
    count: usize,
    filtered: bool,
    stories: Vec<FilterOption>,
    topics: Vec<FilterOption>,
    goals: Vec<FilterOption>,
    channels: Vec<FilterOption>,
}

/// Puts each entry on its Norwegian day; entries outside the days are left out.
pub fn place(
    entries: Vec<CalendarEntry>,
    first: Date,
    days: usize,
    zone: &TimeZone,
) -> Vec<Vec<CalendarEntry>> {
    let mut placed: Vec<Vec<CalendarEntry>> = vec![Vec::new(); days];
    for entry in entries {
        let day = entry.at.to_zoned_datetime(zone.clone()).date();
        let index = first
            .until(day)
            .ok()
            .and_then(|span| usize::try_from(span.get_days()).ok());
        if let Some(slot) = index.and_then(|i| placed.get_mut(i)) {
            slot.push(entry);
        }
    }
    placed
}

fn options<T>(
    items: impl IntoIterator<Item = (String, String, T)>,
    selected: Option<T>,
) -> Vec<FilterOption>
where
    T: PartialEq,
{
    items
        .into_iter()
        .map(|(value, label, key)| FilterOption {
            selected: selected.as_ref() == Some(&key),
            value,
            label,
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    params: Result<AppQuery<CalendarParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Calendar);
    let AppQuery(params) = params?;
    let t = texts::<CalendarTexts>(page.language);
    let ws = page.workspace()?.clone();
    let zone = page.fmt.zone.clone();
    let today = page.now.to_zoned_datetime(zone.clone()).date();
    let choice = Choice::from_params(&params, today)?;
    let (first, end) = choice.days()?;
    let entries = state
        .store
        .calendar(&CalendarQuery {
            workspace: ws.id.clone(),
            from: start_of(first, &zone)?,
            to: start_of(end, &zone)?,
            story: choice.story,
            topic: choice.topic,
            goal: choice.goal,
            channel: choice.channel,
        })
        .await?;
    let count = entries.len();
    let day_count = usize::try_from(first.until(end).map_or(0, |s| s.get_days())).unwrap_or(0);
    let placed = place(entries, first, day_count, &zone);
    let weekday_names = t.weekday_names();
    let mut weeks: Vec<WeekRow> = Vec::new();
    let mut date = first;
    for day_entries in placed {
        if date.weekday() == Weekday::Monday {
            weeks.push(WeekRow {
                number: date.iso_week_date().week(),
                days: Vec::new(),
            });
        }
        let weekday = weekday_names
            .get(usize::from(
                date.weekday().to_monday_zero_offset().unsigned_abs(),
            ))
            .copied()
            .unwrap_or("");
        let entries = day_entries
            .into_iter()
            .map(|e| {
                let local = e.at.to_zoned_datetime(zone.clone());
                let badge = StatusBadge::of(e.status);
                EntryView {
                    post: e.post,
                    href: page.ws_link(&format!("posts/{}", e.post)),
                    time: format!("{:02}:{:02}", local.hour(), local.minute()),
                    channel: format!("{}: {}", e.channel.kind.as_str(), e.channel.name),
                    status: badge.as_str(),
                    status_label: t.status(badge),
                    story_title: e.story_title,
                    excerpt: e.excerpt,
                }
            })
            .collect();
        if let Some(week) = weeks.last_mut() {
            week.days.push(DayView {
                date: date.to_string(),
                day: date.day(),
                weekday,
                in_month: choice.view == View::Week || date.month() == choice.date.month(),
                today: date == today,
                entries,
            });
        }
        date = date
            .tomorrow()
            .map_err(|e| AppError::BadRequest(format!("parameter `date`: {e}")))?;
    }
    let heading = match choice.view {
        View::Week => {
            let last = end.yesterday().unwrap_or(end);
            let from = start_of(first, &zone)?;
            let to = start_of(last, &zone)?;
            format!(
                "{} {} · {} – {}",
                t.week,
                first.iso_week_date().week(),
                page.fmt.date(&from),
                page.fmt.date(&to)
            )
        }
        View::Month => format!(
            "{} {}",
            t.month_name(choice.date.month()),
            choice.date.year()
        ),
    };
    let stories = state.store.stories(&ws.id).await?;
    let goals = state.store.goals(&ws.id).await?;
    let (previous_label, next_label) = match choice.view {
        View::Week => (t.previous_week, t.next_week),
        View::Month => (t.previous_month, t.next_month),
    };
    let template = CalendarTemplate {
        page: &page,
        t,
        view: choice.view.as_str(),
        date: choice.date.to_string(),
        heading,
        week_link: choice.link(&page, View::Week, choice.date),
        month_link: choice.link(&page, View::Month, choice.date),
        previous_link: choice.link(&page, choice.view, choice.step(-1)?),
        next_link: choice.link(&page, choice.view, choice.step(1)?),
        today_link: choice.link(&page, choice.view, today),
        previous_label,
        next_label,
        weekdays: weekday_names,
        weeks,
        count,
        filtered: choice.filtered(),
        stories: options(
            stories
                .iter()
                .map(|s| (s.id.to_string(), s.draft.title.clone(), s.id)),
            choice.story,
        ),
        topics: options(
            Topic::ALL
                .iter()
                .map(|topic| (topic.as_str().to_owned(), topic.title().to_owned(), *topic)),
            choice.topic,
        ),
        goals: options(
            goals
                .iter()
                .map(|g| (g.id.to_string(), g.draft.name.clone(), g.id)),
            choice.goal,
        ),
        channels: options(
            POSTING_KINDS
                .iter()
                .map(|kind| (kind.as_str().to_owned(), kind.as_str().to_owned(), *kind)),
            choice.channel,
        ),
    };
    render(&template)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn choice(view: View, date: &str) -> Choice {
        Choice {
            view,
            date: date.parse().unwrap(),
            story: None,
            topic: None,
            goal: None,
            channel: None,
        }
    }

    fn days(view: View, date: &str) -> (String, String) {
        let (first, end) = choice(view, date).days().unwrap();
        (first.to_string(), end.to_string())
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        // 2026-11-27 is a Friday; its week is 23–29 November.
        assert_eq!(
            days(View::Week, "2026-11-27"),
            ("2026-11-23".into(), "2026-11-30".into())
        );
        assert_eq!(
            days(View::Week, "2026-11-29"),
            ("2026-11-23".into(), "2026-11-30".into())
        );
        assert_eq!(
            days(View::Week, "2026-11-30"),
            ("2026-11-30".into(), "2026-12-07".into())
        );
    }

    #[test]
    fn months_show_their_whole_weeks() {
        // February 2027 starts on a Monday and has four weeks exactly.
        assert_eq!(
            days(View::Month, "2027-02-14"),
            ("2027-02-01".into(), "2027-03-01".into())
        );
        // February 2028 (leap year): Tuesday 1st to Tuesday 29th.
        assert_eq!(
            days(View::Month, "2028-02-29"),
            ("2028-01-31".into(), "2028-03-06".into())
        );
    }

    #[test]
    fn paging_by_month_keeps_a_valid_date() {
        let c = choice(View::Month, "2026-01-31");
        assert_eq!(c.step(1).unwrap().to_string(), "2026-02-28");
        assert_eq!(c.step(-1).unwrap().to_string(), "2025-12-31");
    }

    #[test]
    fn bad_parameters_are_named() {
        let today: Date = "2026-11-27".parse().unwrap();
        let params = CalendarParams {
            date: Some("2026-02-30".into()),
            ..CalendarParams::default()
        };
        let error = Choice::from_params(&params, today).unwrap_err().to_string();
        assert!(
            error.contains("`date`") && error.contains("2026-02-30"),
            "{error}"
        );
        let params = CalendarParams {
            view: Some("year".into()),
            ..CalendarParams::default()
        };
        assert!(Choice::from_params(&params, today).is_err());
        let params = CalendarParams {
            channel: Some("rss".into()),
            ..CalendarParams::default()
        };
        assert!(Choice::from_params(&params, today).is_err());
        // Empty fields from the filter form mean "no filter".
        let params = CalendarParams {
            story: Some(String::new()),
            topic: Some(" ".into()),
            ..CalendarParams::default()
        };
        assert_eq!(
            Choice::from_params(&params, today).unwrap(),
            choice(View::Week, "2026-11-27")
        );
    }
}
