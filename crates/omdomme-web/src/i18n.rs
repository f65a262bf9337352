//! The interface's words in bokmål and English, checked by the compiler: a page's texts are
//! one struct with a constant per language, declared with [`texts!`](macro@crate::texts), so a text missing in
//! one language does not build. Each page module declares its own; [`CommonTexts`] holds
//! the layout's.

use omdomme_store::UiLanguage;

/// Declares a texts struct with a `NB` and an `EN` constant and a [`TextsFor`] impl:
/// `texts!(pub LoginTexts { title: "Logg inn" / "Log in", })`.
#[macro_export]
macro_rules! texts {
    ($vis:vis $name:ident { $($field:ident: $nb:literal / $en:literal,)* }) => {
        /// Interface texts, one field per phrase.
        #[derive(Debug)]
        $vis struct $name { $(pub $field: &'static str,)* }

        impl $name {
            pub const NB: $name = $name { $($field: $nb,)* };
            pub const EN: $name = $name { $($field: $en,)* };
        }

        impl $crate::i18n::TextsFor for $name {
            fn get(language: omdomme_store::UiLanguage) -> &'static Self {
                match language {
                    omdomme_store::UiLanguage::Nb => &Self::NB,
                    omdomme_store::UiLanguage::En => &Self::EN,
                }
            }
        }
    };
}

/// A texts struct's constant for a language.
pub trait TextsFor: 'static {
    fn get(language: UiLanguage) -> &'static Self;
}

/// The texts of `T` in `language`.
pub fn texts<T: TextsFor>(language: UiLanguage) -> &'static T {
    T::get(language)
}

texts!(pub CommonTexts {
    product: "Omdømme" / "Omdømme",
    nav_overview: "Oversikt" / "Overview",
    nav_explorer: "Utforsk" / "Explorer",
    nav_inbox: "Innboks" / "Inbox",
    nav_stories: "Historier" / "Stories",
    nav_calendar: "Kalender" / "Calendar",
    nav_index: "Åpenhetsindeks" / "Openness index",
    nav_setup: "Oppsett" / "Setup",
    // == report (issue 7) ==
    nav_report: "Rapport" / "Report",
    nav_policy: "Retningslinjer" / "Policy",
    nav_goals: "Mål" / "Goals",
    nav_brands: "Merkevarer og søk" / "Brands and queries",
    nav_sources: "Kilder" / "Sources",
    nav_users: "Brukere og roller" / "Users and roles",
    nav_audit: "Revisjonslogg" / "Audit log",
    nav_account: "Min konto" / "My account",
    // issue 7: leadership
    nav_leadership: "Ledelse" / "Leadership",
    workspace: "Arbeidsområde" / "Workspace",
    logout: "Logg ut" / "Log out",
    language: "Språk" / "Language",
    switch_to: "English" / "Norsk",
    synthetic_banner: "Syntetiske demodata: alt du ser her er generert, ikke ekte." / "Synthetic demo data: everything shown here is generated, not real.",
    skip_to_content: "Hopp til innholdet" / "Skip to content",
    role_viewer: "leser" / "viewer",
    role_responder: "svarer" / "responder",
    role_editor: "redaktør" / "editor",
    role_leader: "leder" / "leader",
    role_admin: "administrator" / "admin",
    save: "Lagre" / "Save",
    cancel: "Avbryt" / "Cancel",
    search: "Søk" / "Search",
    all: "Alle" / "All",
    times_in_oslo: "Tider i norsk tid (Europe/Oslo)" / "Times in Norwegian time (Europe/Oslo)",
    show_data_table: "Vis tallene som tabell" / "Show the figures as a table",
    no_workspace: "Ingen arbeidsområder ennå. Opprett et med omdomme import eller omdomme demo." / "No workspaces yet. Create one with omdomme import or omdomme demo.",
});

impl CommonTexts {
    /// A role's name; by reference because templates pass fields that way.
    pub fn role(&self, role: &omdomme_store::Role) -> &'static str {
        use omdomme_store::Role;
        match role {
            Role::Viewer => self.role_viewer,
            Role::Responder => self.role_responder,
            Role::Editor => self.role_editor,
            Role::Leader => self.role_leader,
            Role::Admin => self.role_admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_are_filled_in() {
        for language in UiLanguage::ALL {
            let t = texts::<CommonTexts>(language);
            assert!(!t.nav_overview.is_empty());
        }
        assert_ne!(CommonTexts::NB.logout, CommonTexts::EN.logout);
    }
}
