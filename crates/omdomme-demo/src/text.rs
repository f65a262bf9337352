//! Text templates per language: openings and closings per tone, bodies per theme, press
//! titles and leads. A text is opening + body + closing with slots filled in, so a few dozen
//! strings per theme and language combine into thousands of distinct texts.
//!
//! Sentiment is carried by plain lexicon words (flott, skuffet, elendig, great, terrible,
//! negations such as "ikke bra") and topics by CSR keywords (klima, utslipp, leverandør,
//! arbeidsforhold, mangfold, arbeidsgiver, kundeservice), because the enricher decides from
//! the words alone. Bokmål and nynorsk are written separately (ikkje, eg, kva, korleis, frå,
//! noko, berre, dei, me, mykje) so language detection has real signal.
//!
//! Slots: `{b}` brand as people write it (name, @account or #hashtag), `{B}` brand name,
//! `{@}` brand account, `{#}` brand hashtag, `{p}` product, `{s}` place, `{o}` order number,
//! `{n}` small number, `{e}` emoji matching the tone, `{L}` the supplier, `{a}` a customer
//! service agent's first name, `{d}` a day phrase, `{H}` the revelation's headline, `{U}` the
//! revelation's URL, `{C}` the climate story's URL.

use omdomme_core::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Theme {
    ProductPos,
    ProductNeg,
    Inquiry,
    BrandAnswer,
    Thanks,
    Waiting,
    CrisisNeg,
    CrisisQuestion,
    CrisisRecovery,
    CrisisShare,
    CrisisAnswer,
    ClimatePos,
    ClimateNeg,
    EmployerPos,
    EmployerNeg,
    EmployerQuestion,
    EmployerAnswer,
    JobAd,
    CsrPos,
    CsrNeg,
    PagePost,
    ReplyAgree,
    ReplyDisagree,
    Noise,
    InfluencerLife,
    InfluencerBrand,
}
pub(crate) const THEMES: usize = 26;

/// Decides which openings and closings a body gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Pos = 0,
    Neg = 1,
    Question = 2,
    Neutral = 3,
    /// The brand speaking: greeting and signature.
    Brand = 4,
    /// No decoration (short replies, broadcasts).
    Plain = 5,
}

impl Theme {
    pub fn tone(self) -> Tone {
        use Theme::*;
        match self {
            ProductPos | ClimatePos | EmployerPos | CsrPos | InfluencerBrand => Tone::Pos,
            ProductNeg | CrisisNeg | CrisisShare | ClimateNeg | EmployerNeg | CsrNeg => Tone::Neg,
            Inquiry | CrisisQuestion | EmployerQuestion => Tone::Question,
            CrisisRecovery | Noise | InfluencerLife => Tone::Neutral,
            BrandAnswer | CrisisAnswer | EmployerAnswer => Tone::Brand,
            Thanks | Waiting | JobAd | PagePost | ReplyAgree | ReplyDisagree => Tone::Plain,
        }
    }

    /// Which emoji fit the theme, also for undecorated themes.
    pub fn emoji_tone(self) -> Tone {
        match self {
            Theme::Thanks | Theme::ReplyAgree | Theme::PagePost | Theme::JobAd => Tone::Pos,
            Theme::Waiting | Theme::ReplyDisagree => Tone::Neg,
            t => t.tone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PressTheme {
    Business = 0,
    Climate = 1,
    Employer = 2,
    CrisisEarly = 3,
    CrisisLate = 4,
    /// The one article that starts the crisis; titles[0] is its headline.
    Revelation = 5,
}

pub(crate) struct Press {
    pub titles: &'static [&'static str],
    pub leads: &'static [&'static str],
}

pub(crate) struct LangBank {
    /// By [`Tone`] (Pos, Neg, Question, Neutral, Brand).
    pub open: [&'static [&'static str]; 5],
    pub close: [&'static [&'static str]; 5],
    /// By [`Theme`].
    pub bodies: [&'static [&'static str]; THEMES],
    /// By [`PressTheme`].
    pub press: [Press; 6],
    pub products: &'static [&'static str],
    pub days: &'static [&'static str],
}

pub(crate) const EMOJI_POS: [&str; 8] = ["😊", "👍", "🙌", "💚", "👏", "🥰", "✨", "🌱"];
pub(crate) const EMOJI_NEG: [&str; 7] = ["😡", "👎", "😤", "🙄", "😞", "🤬", "😠"];
pub(crate) const EMOJI_NEUTRAL: [&str; 4] = ["🤔", "👀", "📰", "🤷"];
pub(crate) const PLACES: [&str; 20] = [
    "Oslo",
    "Bergen",
    "Trondheim",
    "Stavanger",
    "Tromsø",
    "Kristiansand",
    "Drammen",
    "Fredrikstad",
    "Bodø",
    "Ålesund",
    "Lillehammer",
    "Hamar",
    "Molde",
    "Førde",
    "Gjøvik",
    "Sandnes",
    "Haugesund",
    "Arendal",
    "Narvik",
    "Steinkjer",
];
pub(crate) const AGENTS: [&str; 8] = [
    "Kari", "Mats", "Sofie", "Ahmed", "Ingrid", "Jonas", "Line", "Emil",
];

pub(crate) fn bank(lang: Lang) -> &'static LangBank {
    match lang {
        Lang::Nn => &NN,
        Lang::En | Lang::Other => &EN,
        Lang::Sv => &SV,
        Lang::Da => &DA,
        Lang::Nb => &NB,
    }
}

// ---------------------------------------------------------------- bokmål

pub(crate) static NB: LangBank = LangBank {
    open: [
        &[
            "",
            "",
            "Må bare si det:",
            "Skryt til {b}!",
            "Positiv overraskelse i dag.",
            "Endelig!",
            "Dette liker jeg.",
            "Heia {B}!",
            "Hverdagsglede:",
        ],
        &[
            "",
            "",
            "Seriøst, {B}?",
            "Jeg er så skuffet.",
            "Helt utrolig.",
            "Dette er ikke greit.",
            "Sukk.",
            "Nå er jeg lei.",
            "Elendig, rett og slett.",
        ],
        &[
            "Hei {@}!",
            "{@}",
            "Hei {@}, et spørsmål:",
            "Hallo {@}?",
            "{@} hjelp!",
            "God dag {@}.",
            "{@} hei!",
        ],
        &[
            "",
            "",
            "Til info:",
            "Interessant:",
            "Leste akkurat dette.",
            "Hmm.",
        ],
        &[
            "Hei!",
            "Hei, og takk for at du tar kontakt.",
            "Hei, og beklager dette!",
            "Takk for beskjed!",
            "Hei der!",
        ],
    ],
    close: [
        &[
            "",
            "{e}",
            "Anbefales! {e}",
            "Godt jobbet! {e}",
            "Fortsett sånn! {#}",
            "Stor takk! {e}",
            "Bra! {e}",
        ],
        &[
            "",
            "{e}",
            "Skjerp dere! {e}",
            "Ikke bra nok.",
            "Kommer ikke tilbake. {e}",
            "Skam dere. {#}",
            "Forventer bedre.",
        ],
        &[
            "",
            "Takk på forhånd!",
            "Noen som vet?",
            "Håper på svar snart.",
            "Svar gjerne her.",
        ],
        &["", "{#}", "Får se hva som skjer.", "{e}"],
        &[
            "Hilsen {a} i {B} kundeservice",
            "Mvh {a}, {B}",
            "Ha en fin dag! /{a} i {B}",
            "/{a}, kundeservice i {B}",
        ],
    ],
    bodies: [
        // ProductPos
        &[
            "Kjøpte {p} hos {B} i {s} i dag, og det var helt fantastisk.",
            "Handlet hos {b} på vei hjem. Hyggelig betjening og flott utvalg.",
            "Appen til {B} er blitt mye bedre, bestillingen tok to minutter.",
            "{b} har det beste utvalget av {p} i byen, rett og slett.",
            "Fikk levert varene fra {B} før tiden. Supert!",
            "Så bra at {B} har fått inn flere økologiske varer.",
            "Butikken til {B} i {s} er ryddig, lys og hyggelig. Liker det godt.",
            "Prisen på {p} hos {b} er helt grei nå, og kvaliteten er topp.",
            "Kundeservice hos {B} ordnet reklamasjonen på fem minutter. Imponert!",
            "Fornøyd med hjemleveringen fra {b}, alt var på plass og godt pakket.",
        ],
        // ProductNeg
        &[
            "Kjøpte {p} hos {b} {d}, og det var råttent. Elendig kvalitet.",
            "Køen hos {B} i {s} var helt håpløs, bare én kasse åpen.",
            "Appen til {B} krasjer hver gang jeg prøver å betale. Veldig frustrerende.",
            "Prisene hos {b} har steget altfor mye. {p} koster nesten dobbelt så mye som i fjor.",
            "Leveringen fra {B} kom tre timer for sent, og halve bestillingen manglet.",
            "Dårlig service hos {B} i {s} i dag. Ingen hilste, ingen hjalp.",
            "{b} har tomme hyller igjen. Ingen {p} å få tak i.",
            "Fikk feil vare fra {B} for andre gang denne måneden. Ikke bra.",
            "Kundeservice hos {B} svarer aldri. Helt elendig.",
        ],
        // Inquiry
        &[
            "Hvor blir det av bestillingen min? Ordre {o} skulle vært levert {d}.",
            "Jeg har fortsatt ikke fått refusjon for ordre {o}. Hvor lang tid tar det?",
            "Appen deres viser feil ved betaling. Hvordan kan jeg fullføre bestillingen?",
            "Kan dere levere i {s}? Får ikke valgt adressen min i appen.",
            "Jeg ble trukket to ganger for samme ordre ({o}). Hva gjør jeg nå?",
            "Hvorfor er kundeservice stengt i helgen? Trenger hjelp med en reklamasjon.",
            "Har dere glutenfrie produkter? Finner dem ikke på nettsiden.",
            "Varene fra ordre {o} var skadet. Hvordan får jeg pengene tilbake?",
            "Når kommer {p} tilbake på lager i butikken i {s}?",
            "Bonuspoengene mine er borte fra appen. Kan dere sjekke?",
            "Leveringen min er kansellert uten forklaring. Hva skjer?",
        ],
        // BrandAnswer
        &[
            "Så leit å høre! Send oss en DM med ordrenummeret, så ser vi på det med en gang.",
            "Vi har sjekket ordren, og refusjonen er på vei. Den skal være på kontoen innen tre virkedager.",
            "Beklager feilen i appen. Vi har rettet den nå, prøv gjerne igjen.",
            "Vi har gitt beskjed til butikken i {s}, og de følger opp saken.",
            "Vi ringer deg i løpet av dagen og finner en løsning.",
            "Du får pengene tilbake for de skadde varene. Vi har sendt deg en e-post.",
        ],
        // Thanks
        &[
            "Takk for raskt svar, supert!",
            "Tusen takk, det ordnet seg!",
            "Flott, takk for hjelpen {e}",
            "Det var god service, takk!",
            "Takk! Bra at dere svarer så fort.",
        ],
        // Waiting
        &[
            "Fortsatt ikke noe svar. Dårlig kundeservice.",
            "Hallo? Venter fortsatt på svar her.",
            "Tre dager uten svar. Elendig.",
            "Ingen svar ennå. Skuffende.",
            "Ser at ingen gidder å svare. Typisk.",
        ],
        // CrisisNeg
        &[
            "Arbeiderne hos leverandøren til {B} jobber 14 timer om dagen for under minstelønn. Dette er en skandale.",
            "Så {b} visste ikke om arbeidsforholdene hos {L}? Det tror jeg ikke på.",
            "Tvangsarbeid-lignende forhold i leverandørkjeden til {B}. Jeg handler ikke der mer.",
            "Billig {p} hos {B} har en pris, og det er arbeiderne som betaler den.",
            "Avsløringen om {L} er forferdelig. {B} har et stort ansvar her.",
            "Elendige arbeidsforhold, ulovlig overtid og inndratte pass. Og {b} tjener penger på det.",
            "Boikott {b} til de rydder opp hos leverandøren.",
            "Skammelig av {B}. Snakker om bærekraft og samfunnsansvar, men lar dette skje.",
            "Lønn under minstelønn og overtid uten betaling hos {L}. {B} må ta ansvar.",
        ],
        // CrisisQuestion
        &[
            "Hva gjør dere med leverandøren {L}?",
            "Visste dere om arbeidsforholdene hos {L}? Svar ærlig.",
            "Kommer dere til å avslutte avtalen med {L}?",
            "Hvordan kontrollerer dere arbeidsforholdene hos leverandørene deres?",
            "Hvilke andre leverandører har samme problem? Hvorfor sier dere ingenting?",
            "Får arbeiderne etterbetalt lønn? Hva er planen?",
        ],
        // CrisisRecovery
        &[
            "Bra at {B} svarer åpent på kritikken om {L}. Et godt første steg.",
            "{B} har stanset innkjøpene fra {L} og lover uavhengig revisjon. Fint, men vi følger med.",
            "Må si at {B} har håndtert saken bedre enn ventet. Ærlig og raskt.",
            "Positivt at {b} vil etterbetale lønn til arbeiderne hos {L}.",
            "Leser at {B} går gjennom alle leverandørene sine etter saken om {L}.",
            "Handler hos {B} igjen etter at de ryddet opp i leverandørkjeden.",
        ],
        // CrisisShare
        &[
            "«{H}» {U}",
            "Les denne om {b}: {U}",
            "Dette må flere få med seg om {B}: {U}",
            "«{H}» Helt sykt. {U}",
        ],
        // CrisisAnswer
        &[
            "Vi tar avsløringene om {L} på største alvor. Vi har stanset alle innkjøp og sendt egne folk dit for å undersøke forholdene.",
            "Vi visste ikke om dette, og det er ikke godt nok. Vi starter en uavhengig revisjon av alle leverandører.",
            "Arbeiderne skal få etterbetalt lønn. Vi legger ut oppdateringer på nettsiden vår fortløpende.",
            "Takk for at du spør. Vi avslutter samarbeidet med {L} hvis forholdene ikke er i orden innen 30 dager.",
        ],
        // ClimatePos
        &[
            "{B} bytter til elektriske lastebiler og kutter utslippene med 40 prosent. Flott!",
            "Solcellepaneler på taket til {B} i {s}. Sånn skal det gjøres.",
            "Imponert over klimaplanen til {b}. Endelig en kjede som tar utslipp på alvor.",
            "{B} kaster mindre mat enn før, matsvinnet er ned {n} prosent. Bra jobbet!",
            "Så de nye elektriske varebilene til {B} i {s} i dag. Stille og utslippsfrie.",
            "Grønn omstilling i praksis: {B} bruker fornybar energi i alle butikkene.",
        ],
        // ClimateNeg
        &[
            "{B} skryter av klima, men selger fortsatt {p} fløyet inn fra andre siden av jorda. Grønnvasking.",
            "40 prosent kutt i utslipp høres flott ut, men hvor er tallene? Tviler på {B}.",
            "Elektriske lastebiler er bra, men plastemballasjen hos {B} er like elendig.",
            "Klimaløftene til {b} er mest markedsføring. Skuffende lite konkret.",
        ],
        // EmployerPos
        &[
            "Fem år i {B} i dag, og jeg er fortsatt stolt av arbeidsplassen min.",
            "Traineeprogrammet til {B} har vært fantastisk. Lærer noe nytt hver dag.",
            "Beste kollegaer i verden hos {B} i {s}. Glad jeg jobber her!",
            "{B} er en flott arbeidsgiver: god opplæring, fleksibel turnus og ordentlig lønn.",
            "Startet som butikkmedarbeider i {B}, nå er jeg butikksjef i {s}. Takk for tilliten!",
            "Lederne i {b} lytter faktisk til de ansatte. Bra arbeidsmiljø.",
        ],
        // EmployerNeg
        &[
            "Jobbet hos {B} i to år. Dårlig ledelse, mye ubetalt overtid og elendig arbeidsmiljø.",
            "Turnusen i {B} er umulig å kombinere med familie. Ikke anbefalt som arbeidsgiver.",
            "Lav lønn og stress hver dag hos {B} i {s}. Mange har sluttet.",
            "Ble lovet fast stilling i {B}, fikk bare midlertidige kontrakter. Skuffet.",
        ],
        // EmployerQuestion
        &[
            "Når er søknadsfristen for traineeprogrammet?",
            "Har dere ledige sommerjobber i {s}? Hvordan søker jeg?",
            "Hvordan er det å jobbe hos dere som student?",
            "Tilbyr dere lærlingplass i butikkfag?",
            "Hva slags lønn har en butikkmedarbeider hos dere?",
        ],
        // EmployerAnswer
        &[
            "Søknadsfristen er 1. mars, og du finner alt på karrieresiden vår. Lykke til!",
            "Ja, vi har ledige stillinger i {s}. Send oss en DM, så setter vi deg i kontakt med butikksjefen.",
            "Mange studenter jobber hos oss i helgene, og vi tilpasser turnusen etter eksamen.",
            "Vi har lærlingplasser over hele landet. Les mer på nettsiden vår!",
        ],
        // JobAd
        &[
            "Vi søker butikkmedarbeidere i {s}! Bli med på laget. {#} #jobb",
            "Traineeprogrammet vårt er åpent for søknader. To år, fire avdelinger og mye ansvar. {#}",
            "Vil du jobbe med bærekraft i dagligvare? Vi ansetter innkjøpere med miljøfokus. {#}",
            "Ledig stilling: butikksjef i {s}. Søk i dag! {#} #jobb",
            "Sommerjobb hos {B}? Vi trenger {n} nye kollegaer i {s}.",
        ],
        // CsrPos
        &[
            "{B} gir overskuddsmat til Matsentralen i {s}. Flott tiltak!",
            "Fint at {B} sponser barnefotballen i {s}.",
            "{B} har like mange kvinner som menn i ledelsen. Mangfold i praksis.",
            "{B} har ansatt {n} personer som sto utenfor arbeidslivet. Bra!",
            "Åpen rapport om samfunnsansvar fra {B}, med tall for lønn, utslipp og leverandører. Sjelden vare.",
            "{B} støtter frivilligsentralen i {s} med {n} 000 kroner. Godt gjort.",
        ],
        // CsrNeg
        &[
            "Toppsjefen i {B} fikk {n} millioner i bonus mens butikkansatte har lav lønn. Ikke greit.",
            "Null mangfold i ledergruppa til {B}. Så mye for inkludering.",
            "{B} la ned butikken i {s} og lot lokalsamfunnet i stikken.",
            "Hvorfor vil ikke {B} publisere skattetallene sine? Lite åpenhet.",
        ],
        // PagePost
        &[
            "Ukens tilbud: {p} til halv pris i alle butikker! {e}",
            "Nå har vi åpnet ny butikk i {s}. Velkommen innom! {e}",
            "Hvilken av de nye smakene våre liker du best? {e}",
            "Vi har utvidet åpningstidene i {s} frem til jul.",
            "Husk at du kan få varene levert på døra med appen vår. {e}",
        ],
        // ReplyAgree
        &[
            "Helt enig!",
            "Samme her.",
            "Opplevde akkurat det samme {d}.",
            "Dette har du helt rett i.",
            "Godt sagt {e}",
            "Jepp, kjenner meg igjen.",
            "Nettopp!",
        ],
        // ReplyDisagree
        &[
            "Tja, min erfaring er ganske annerledes.",
            "Nå overdriver du litt.",
            "Synes ikke det er så ille, egentlig.",
            "Har aldri hatt problemer der selv.",
            "Uenig, men forstår hva du mener.",
        ],
        // Noise
        &[
            "Frisk havbris og sol i {s} i dag. Perfekt tur!",
            "Lett havbris i kveld, båten er klar. #seiling",
            "Rypejakt på fjellet i helga. Rypa satt tett i år.",
            "Åpen dag på Kornmo gård på søndag, gratis for barna.",
            "Noen som har en god oppskrift på {p}?",
            "Kollektivtrafikken i {s} er helt elendig i dag.",
            "Strømprisen er helt vill denne uka.",
            "Klimaendringene merkes godt her i {s}, mildeste vinter på lenge.",
            "Fantastisk kamp i kveld!",
            "Regn, regn og mer regn i {s}.",
            "Vet noen om det er noe åpent i {s} på søndager?",
            "Så en flott dokumentar om arbeidsforhold i tekstilindustrien i går.",
            "Bærekraft er blitt et moteord. Hva betyr det egentlig?",
        ],
        // InfluencerLife
        &[
            "Ny oppskrift ute nå: {p} med sitron og urter. Enkelt og godt! {e}",
            "Hverdagsmiddag på 20 minutter. Lenke i bio. {e}",
            "Dagens tips: planlegg ukemenyen og kast mindre mat.",
            "Ny episode av podden er ute: vi snakker om matsvinn og klima. {e}",
            "Helgetur i {s} med familien. Fantastisk vær!",
        ],
        // InfluencerBrand
        &[
            "Handlet alt til ukens middager hos {b}, og det ble billigere enn jeg trodde. {e}",
            "Samarbeid med {B}: jeg tester nye {p} hele uka. Følg med!",
            "Hva synes dere om de nye varene hos {B}?",
            "Elsker den nye butikken til {B} i {s}. Flott utvalg!",
        ],
    ],
    press: [
        Press {
            titles: &[
                "{B} åpner {n} nye butikker",
                "{B} øker omsetningen med {n} prosent",
                "Slik skal {B} vinne kampen om kundene",
                "{B} satser på netthandel",
                "Priskrig: {B} kutter prisene på {p}",
            ],
            leads: &[
                "Dagligvarekjeden {B} melder om vekst i tredje kvartal, drevet av netthandel og egne merkevarer.",
                "Konsernsjefen i {B} sier at kundene vil ha både lave priser og bærekraftige varer.",
                "{B} skal investere i nye butikker i {s} og omegn de neste to årene.",
                "Analytikere mener {B} står sterkt i konkurransen, men marginene er pressede.",
            ],
        },
        Press {
            titles: &[
                "{B} kutter utslippene med 40 prosent",
                "Elektriske lastebiler skal frakte varene til {B}",
                "{B} legger solceller på {n} butikktak",
            ],
            leads: &[
                "Kjeden bytter ut dieselbilene med elektriske lastebiler og dekker takene med solceller. Målet er å kutte utslippene med 40 prosent innen 2030.",
                "Miljøorganisasjoner roser planen, men etterlyser kutt i hele leverandørkjeden.",
                "Ifølge {B} skal klimatiltakene også kutte matsvinnet med en firedel.",
            ],
        },
        Press {
            titles: &[
                "{B} kåret til en av landets beste arbeidsplasser",
                "Ansatte i {B} klager på turnus",
                "Rekordmange søkte traineeprogrammet til {B}",
            ],
            leads: &[
                "De ansatte trekker fram opplæring, fleksibilitet og godt arbeidsmiljø.",
                "Fagforeningen mener kjeden bruker for mange deltidsstillinger og midlertidige kontrakter.",
                "Arbeidsgiveren sier de vil ansette flere i faste stillinger neste år.",
            ],
        },
        Press {
            titles: &[
                "Krever svar fra {B} etter avsløringene om {L}",
                "Fagforbund: – {B} har sviktet arbeiderne",
                "Forbrukerrådet: {B} må rydde opp i leverandørkjeden",
                "Etikkeksperter: Dette burde {B} visst",
            ],
            leads: &[
                "Arbeidere hos {L}, som leverer {p} til {B}, forteller om 14 timers arbeidsdager, lønn under minstelønn og inndratte pass.",
                "Politikere og fagforeninger krever at {B} tar ansvar for arbeidsforholdene hos leverandøren.",
                "{B} sier de ikke kjente til forholdene, men kritikerne mener kjeden burde ha kontrollert leverandøren bedre.",
            ],
        },
        Press {
            titles: &[
                "{B} stanser innkjøpene fra {L}",
                "{B} lover etterbetaling til arbeiderne",
                "Uavhengig revisjon skal granske leverandørene til {B}",
                "Kundene vender tilbake til {B} etter leverandørsaken",
            ],
            leads: &[
                "Kjeden har stanset alle innkjøp fra {L} og satt i gang en uavhengig revisjon av alle leverandører.",
                "{B} lover at arbeiderne skal få etterbetalt lønn, og vil publisere resultatene av revisjonen.",
                "Eksperter mener kjeden har håndtert krisen ryddig etter en svak start.",
            ],
        },
        Press {
            titles: &[
                "Avsløring: Arbeidere hos leverandøren til {B} jobber 14 timer om dagen for under minstelønn",
            ],
            leads: &[
                "Arbeidere hos {L}, som leverer frukt og grønt til {B}, forteller om 14 timers arbeidsdager, ulovlig overtid, lønn under minstelønn og inndratte pass. Flere beskriver forholdene som tvangsarbeid.",
                "{B} har de siste årene profilert seg på bærekraft og samfunnsansvar. Kjeden har ikke svart på spørsmål før publisering.",
            ],
        },
    ],
    products: &[
        "jordbær",
        "tomater",
        "kaffe",
        "brød",
        "melk",
        "epler",
        "bananer",
        "laks",
        "kyllingfilet",
        "avokado",
        "sjokolade",
        "pizza",
        "yoghurt",
        "ost",
        "egg",
    ],
    days: &[
        "i går",
        "i dag",
        "på fredag",
        "på lørdag",
        "forrige uke",
        "i morges",
    ],
};

// ---------------------------------------------------------------- nynorsk

pub(crate) static NN: LangBank = LangBank {
    open: [
        &[
            "",
            "",
            "Må berre seie det:",
            "Skryt til {b}!",
            "Positiv overrasking i dag.",
            "Endeleg!",
            "Dette likar eg.",
            "Heia {B}!",
        ],
        &[
            "",
            "",
            "Seriøst, {B}?",
            "Eg er så skuffa.",
            "Heilt utruleg.",
            "Dette er ikkje greitt.",
            "Sukk.",
            "No er eg lei.",
        ],
        &[
            "Hei {@}!",
            "{@}",
            "Hei {@}, eit spørsmål:",
            "Hallo {@}?",
            "God dag {@}.",
        ],
        &["", "", "Til info:", "Interessant:", "Las nettopp dette."],
        &[
            "Hei!",
            "Hei, og takk for at du tek kontakt.",
            "Hei, og orsak dette!",
            "Takk for beskjed!",
        ],
    ],
    close: [
        &[
            "",
            "{e}",
            "Anbefalast! {e}",
            "Godt jobba! {e}",
            "Hald fram slik! {#}",
            "Stor takk! {e}",
        ],
        &[
            "",
            "{e}",
            "Skjerp dykk! {e}",
            "Ikkje bra nok.",
            "Kjem ikkje tilbake. {e}",
            "Skam dykk. {#}",
        ],
        &[
            "",
            "Takk på førehand!",
            "Nokon som veit?",
            "Håpar på svar snart.",
        ],
        &["", "{#}", "Får sjå kva som skjer.", "{e}"],
        &[
            "Helsing {a} i {B} kundeservice",
            "Mvh {a}, {B}",
            "Ha ein fin dag! /{a} i {B}",
        ],
    ],
    bodies: [
        // ProductPos
        &[
            "Kjøpte {p} hos {B} i {s} i dag, og det var heilt fantastisk.",
            "Handla hos {b} på veg heim. Hyggeleg betening og flott utval.",
            "Appen til {B} har vorte mykje betre, bestillinga tok berre to minutt.",
            "Fekk levert varene frå {B} før tida. Supert!",
            "Så bra at {B} har fått inn fleire økologiske varer.",
            "Butikken til {B} i {s} er ryddig og triveleg. Likar det godt.",
            "Kundeservice hos {B} ordna reklamasjonen på fem minutt. Imponert!",
        ],
        // ProductNeg
        &[
            "Kjøpte {p} hos {b} {d}, og det var rote. Elendig kvalitet.",
            "Køen hos {B} i {s} var heilt håplaus, berre éin kasse open.",
            "Appen til {B} krasjar kvar gong eg prøver å betale. Svært frustrerande.",
            "Prisane hos {b} har stige altfor mykje. {p} kostar nesten dobbelt så mykje som i fjor.",
            "Leveringa frå {B} kom tre timar for seint, og halve bestillinga mangla.",
            "Dårleg service hos {B} i {s} i dag. Ingen helste, ingen hjelpte.",
            "Fekk feil vare frå {B} for andre gong denne månaden. Ikkje bra.",
        ],
        // Inquiry
        &[
            "Kvar blir det av bestillinga mi? Ordre {o} skulle vore levert {d}.",
            "Eg har framleis ikkje fått refusjon for ordre {o}. Kor lang tid tek det?",
            "Appen dykkar viser feil ved betaling. Korleis kan eg fullføre bestillinga?",
            "Kan de levere i {s}? Får ikkje valt adressa mi i appen.",
            "Eg vart trekt to gonger for same ordre ({o}). Kva gjer eg no?",
            "Varene frå ordre {o} var skadde. Korleis får eg pengane tilbake?",
            "Når kjem {p} tilbake på lager i butikken i {s}?",
            "Bonuspoenga mine er borte frå appen. Kan de sjekke?",
        ],
        // BrandAnswer
        &[
            "Så leitt å høyre! Send oss ei DM med ordrenummeret, så ser me på det med ein gong.",
            "Me har sjekka ordren, og refusjonen er på veg. Han skal vere på kontoen innan tre vyrkedagar.",
            "Orsak feilen i appen. Me har retta han no, prøv gjerne igjen.",
            "Me har gjeve beskjed til butikken i {s}, og dei følgjer opp saka.",
        ],
        // Thanks
        &[
            "Takk for raskt svar, supert!",
            "Tusen takk, det ordna seg!",
            "Flott, takk for hjelpa {e}",
            "Det var god service, takk!",
        ],
        // Waiting
        &[
            "Framleis ikkje noko svar. Dårleg kundeservice.",
            "Hallo? Ventar framleis på svar her.",
            "Tre dagar utan svar. Elendig.",
            "Ikkje noko svar enno. Skuffande.",
        ],
        // CrisisNeg
        &[
            "Arbeidarane hos leverandøren til {B} jobbar 14 timar om dagen for under minsteløn. Dette er ein skandale.",
            "Så {b} visste ikkje om arbeidsforholda hos {L}? Det trur eg ikkje på.",
            "Tvangsarbeid-liknande forhold i leverandørkjeda til {B}. Eg handlar ikkje der meir.",
            "Avsløringa om {L} er forferdeleg. {B} har eit stort ansvar her.",
            "Elendige arbeidsforhold, ulovleg overtid og inndregne pass. Og {b} tener pengar på det.",
            "Skammeleg av {B}. Snakkar om berekraft og samfunnsansvar, men let dette skje.",
        ],
        // CrisisQuestion
        &[
            "Kva gjer de med leverandøren {L}?",
            "Visste de om arbeidsforholda hos {L}? Svar ærleg.",
            "Kjem de til å avslutte avtalen med {L}?",
            "Korleis kontrollerer de arbeidsforholda hos leverandørane dykkar?",
            "Får arbeidarane etterbetalt løn? Kva er planen?",
        ],
        // CrisisRecovery
        &[
            "Bra at {B} svarar ope på kritikken om {L}. Eit godt første steg.",
            "{B} har stansa innkjøpa frå {L} og lovar uavhengig revisjon. Fint, men me følgjer med.",
            "Må seie at {B} har handtert saka betre enn venta. Ærleg og raskt.",
            "Positivt at {b} vil etterbetale løn til arbeidarane hos {L}.",
        ],
        // CrisisShare
        &[
            "«{H}» {U}",
            "Les denne om {b}: {U}",
            "Dette må fleire få med seg om {B}: {U}",
        ],
        // CrisisAnswer
        &[
            "Me tek avsløringane om {L} på største alvor. Me har stansa alle innkjøp og sendt eigne folk dit for å undersøkje forholda.",
            "Me visste ikkje om dette, og det er ikkje godt nok. Me startar ein uavhengig revisjon av alle leverandørar.",
            "Arbeidarane skal få etterbetalt løn. Me legg ut oppdateringar på nettsida vår fortløpande.",
        ],
        // ClimatePos
        &[
            "{B} byter til elektriske lastebilar og kuttar utsleppa med 40 prosent. Flott!",
            "Solcellepanel på taket til {B} i {s}. Slik skal det gjerast.",
            "Imponert over klimaplanen til {b}. Endeleg ei kjede som tek utslepp på alvor.",
            "{B} kastar mindre mat enn før, matsvinnet er ned {n} prosent. Godt jobba!",
            "Grøn omstilling i praksis: {B} brukar fornybar energi i alle butikkane.",
        ],
        // ClimateNeg
        &[
            "{B} skryt av klima, men sel framleis {p} flogen inn frå andre sida av jorda. Grønvasking.",
            "40 prosent kutt i utslepp høyrest flott ut, men kvar er tala? Tvilar på {B}.",
            "Klimalovnadene til {b} er mest marknadsføring. Skuffande lite konkret.",
        ],
        // EmployerPos
        &[
            "Fem år i {B} i dag, og eg er framleis stolt av arbeidsplassen min.",
            "Traineeprogrammet til {B} har vore fantastisk. Lærer noko nytt kvar dag.",
            "Dei beste kollegaene i verda hos {B} i {s}. Glad eg jobbar her!",
            "{B} er ein flott arbeidsgjevar: god opplæring, fleksibel turnus og ordentleg løn.",
        ],
        // EmployerNeg
        &[
            "Jobba hos {B} i to år. Dårleg leiing, mykje ubetalt overtid og elendig arbeidsmiljø.",
            "Turnusen i {B} er umogleg å kombinere med familie. Ikkje tilrådd som arbeidsgjevar.",
            "Låg løn og stress kvar dag hos {B} i {s}. Mange har slutta.",
        ],
        // EmployerQuestion
        &[
            "Når er søknadsfristen for traineeprogrammet?",
            "Har de ledige sommarjobbar i {s}? Korleis søkjer eg?",
            "Korleis er det å jobbe hos dykk som student?",
            "Kva løn har ein butikkmedarbeidar hos dykk?",
        ],
        // EmployerAnswer
        &[
            "Søknadsfristen er 1. mars, og du finn alt på karrieresida vår. Lukke til!",
            "Ja, me har ledige stillingar i {s}. Send oss ei DM, så set me deg i kontakt med butikksjefen.",
            "Mange studentar jobbar hos oss i helgane, og me tilpassar turnusen etter eksamen.",
        ],
        // JobAd
        &[
            "Me søkjer butikkmedarbeidarar i {s}! Bli med på laget. {#} #jobb",
            "Traineeprogrammet vårt er ope for søknader. To år, fire avdelingar og mykje ansvar. {#}",
            "Sommarjobb hos {B}? Me treng {n} nye kollegaer i {s}.",
        ],
        // CsrPos
        &[
            "{B} gjev overskotsmat til Matsentralen i {s}. Flott tiltak!",
            "Fint at {B} sponsar barnefotballen i {s}.",
            "{B} har like mange kvinner som menn i leiinga. Mangfald i praksis.",
            "{B} støttar frivilligsentralen i {s} med {n} 000 kroner. Godt gjort.",
        ],
        // CsrNeg
        &[
            "Toppsjefen i {B} fekk {n} millionar i bonus medan butikktilsette har låg løn. Ikkje greitt.",
            "{B} la ned butikken i {s} og let lokalsamfunnet i stikken.",
            "Kvifor vil ikkje {B} publisere skattetala sine? Lite openheit.",
        ],
        // PagePost
        &[
            "Vekas tilbod: {p} til halv pris i alle butikkar! {e}",
            "No har me opna ny butikk i {s}. Velkommen innom! {e}",
            "Hugs at du kan få varene levert på døra med appen vår. {e}",
        ],
        // ReplyAgree
        &[
            "Heilt einig!",
            "Same her.",
            "Opplevde akkurat det same {d}.",
            "Dette har du heilt rett i.",
            "Godt sagt {e}",
        ],
        // ReplyDisagree
        &[
            "Tja, mi erfaring er ganske annleis.",
            "No overdriv du litt.",
            "Synest ikkje det er så ille, eigentleg.",
            "Har aldri hatt problem der sjølv.",
        ],
        // Noise
        &[
            "Frisk havbris og sol i {s} i dag. Perfekt tur!",
            "Rypejakt på fjellet i helga. Rypa sat tett i år.",
            "Nokon som har ei god oppskrift på {p}?",
            "Kollektivtrafikken i {s} er heilt elendig i dag.",
            "Straumprisen er heilt vill denne veka.",
            "Klimaendringane merkast godt her i {s}, mildaste vinteren på lenge.",
            "Regn, regn og meir regn i {s}.",
            "Kva meiner eigentleg folk med berekraft?",
        ],
        // InfluencerLife
        &[
            "Ny oppskrift ute no: {p} med sitron og urter. Enkelt og godt! {e}",
            "Kvardagsmiddag på 20 minutt. Lenkje i bio. {e}",
            "Dagens tips: planlegg vekemenyen og kast mindre mat.",
        ],
        // InfluencerBrand
        &[
            "Handla alt til middagane denne veka hos {b}, og det vart billegare enn eg trudde. {e}",
            "Samarbeid med {B}: eg testar nye {p} heile veka. Følg med!",
            "Kva synest de om dei nye varene hos {B}?",
        ],
    ],
    press: [
        Press {
            titles: &[
                "{B} opnar {n} nye butikkar",
                "{B} aukar omsetnaden med {n} prosent",
                "{B} satsar på netthandel",
            ],
            leads: &[
                "Daglegvarekjeda {B} melder om vekst i tredje kvartal, driven av netthandel og eigne merkevarer.",
                "Konsernsjefen i {B} seier at kundane vil ha både låge prisar og berekraftige varer.",
                "{B} skal investere i nye butikkar i {s} og omegn dei neste to åra.",
            ],
        },
        Press {
            titles: &[
                "{B} kuttar utsleppa med 40 prosent",
                "Elektriske lastebilar skal frakte varene til {B}",
            ],
            leads: &[
                "Kjeda byter ut dieselbilane med elektriske lastebilar og dekkjer taka med solceller. Målet er å kutte utsleppa med 40 prosent innan 2030.",
                "Miljøorganisasjonar rosar planen, men etterlyser kutt i heile leverandørkjeda.",
            ],
        },
        Press {
            titles: &[
                "{B} kåra til ein av dei beste arbeidsplassane i landet",
                "Tilsette i {B} klagar på turnus",
            ],
            leads: &[
                "Dei tilsette trekkjer fram opplæring, fleksibilitet og godt arbeidsmiljø.",
                "Fagforeininga meiner kjeda brukar for mange deltidsstillingar og mellombelse kontraktar.",
            ],
        },
        Press {
            titles: &[
                "Krev svar frå {B} etter avsløringane om {L}",
                "Fagforbund: – {B} har svikta arbeidarane",
            ],
            leads: &[
                "Arbeidarar hos {L}, som leverer {p} til {B}, fortel om 14 timars arbeidsdagar, løn under minsteløn og inndregne pass.",
                "Politikarar og fagforeiningar krev at {B} tek ansvar for arbeidsforholda hos leverandøren.",
            ],
        },
        Press {
            titles: &[
                "{B} stansar innkjøpa frå {L}",
                "{B} lovar etterbetaling til arbeidarane",
            ],
            leads: &[
                "Kjeda har stansa alle innkjøp frå {L} og sett i gang ein uavhengig revisjon av alle leverandørar.",
                "{B} lovar at arbeidarane skal få etterbetalt løn, og vil publisere resultata av revisjonen.",
            ],
        },
        Press {
            titles: &[
                "Avsløring: Arbeidarar hos leverandøren til {B} jobbar 14 timar om dagen for under minsteløn",
            ],
            leads: &[
                "Arbeidarar hos {L}, som leverer frukt og grønt til {B}, fortel om 14 timars arbeidsdagar, ulovleg overtid og inndregne pass.",
                "{B} har profilert seg på berekraft og samfunnsansvar. Kjeda har ikkje svart på spørsmål før publisering.",
            ],
        },
    ],
    products: &[
        "jordbær",
        "tomatar",
        "kaffi",
        "brød",
        "mjølk",
        "eple",
        "bananar",
        "laks",
        "kyllingfilet",
        "avokado",
        "sjokolade",
        "ost",
        "egg",
    ],
    days: &[
        "i går",
        "i dag",
        "på fredag",
        "på laurdag",
        "førre veke",
        "i dag tidleg",
    ],
};

// ---------------------------------------------------------------- English

const EN_PRESS: [Press; 6] = [
    Press {
        titles: &[
            "{B} to open {n} new stores",
            "{B} grows revenue by {n} percent",
            "{B} bets on online grocery",
            "Grocery price war: {B} cuts prices on {p}",
        ],
        leads: &[
            "Norwegian grocery chain {B} reports growth in the third quarter, driven by online sales and private labels.",
            "The CEO of {B} says customers want both low prices and sustainable products.",
            "{B} will invest in new stores around {s} over the next two years.",
        ],
    },
    Press {
        titles: &[
            "{B} to cut emissions by 40 percent",
            "Electric trucks to deliver {B} groceries",
            "{B} installs solar panels on {n} store roofs",
        ],
        leads: &[
            "The chain is replacing diesel trucks with electric ones and covering its roofs with solar panels, aiming for a 40 percent cut in emissions by 2030.",
            "Environmental groups praise the plan but call for cuts across the whole supply chain.",
        ],
    },
    Press {
        titles: &[
            "{B} named one of Norway's best workplaces",
            "Staff at {B} complain about shift schedules",
            "Record number of applicants for {B} trainee programme",
        ],
        leads: &[
            "Employees highlight training, flexibility and a good working environment.",
            "Unions say the chain relies too heavily on part-time and temporary contracts.",
        ],
    },
    Press {
        titles: &[
            "Unions demand answers from {B} over supplier abuses",
            "Consumer council: {B} must clean up its supply chain",
            "Ethics experts: {B} should have known",
        ],
        leads: &[
            "Workers at {L}, which supplies {p} to {B}, describe 14-hour days, pay below minimum wage and confiscated passports.",
            "Politicians and unions demand that {B} take responsibility for working conditions at its supplier.",
        ],
    },
    Press {
        titles: &[
            "{B} halts purchases from {L}",
            "{B} promises back pay for supplier workers",
            "Independent audit to review {B} suppliers",
        ],
        leads: &[
            "The chain has stopped all purchases from {L} and launched an independent audit of all suppliers.",
            "{B} promises that workers will receive back pay and says it will publish the audit results.",
        ],
    },
    Press {
        titles: &["Revealed: workers at {B} supplier {L} work 14-hour days below minimum wage"],
        leads: &[
            "Workers at {L}, which supplies fruit and vegetables to {B}, describe 14-hour days, illegal overtime, pay below minimum wage and confiscated passports.",
            "{B} has marketed itself on sustainability and social responsibility. The chain did not answer questions before publication.",
        ],
    },
];

pub(crate) static EN: LangBank = LangBank {
    open: [
        &[
            "",
            "",
            "Have to say it:",
            "Kudos to {b}!",
            "Nice surprise today.",
            "Finally!",
            "Love this.",
        ],
        &[
            "",
            "",
            "Seriously, {B}?",
            "So disappointed.",
            "Unbelievable.",
            "Not okay.",
            "Ugh.",
        ],
        &[
            "Hi {@}!",
            "{@}",
            "Hi {@}, quick question:",
            "Hello {@}?",
            "{@} help!",
        ],
        &["", "", "Worth a read.", "FYI:", "Interesting:"],
        &[
            "Hi!",
            "Hi, thanks for reaching out.",
            "Hi, and sorry about this!",
            "Thanks for letting us know!",
        ],
    ],
    close: [
        &[
            "",
            "{e}",
            "Recommended! {e}",
            "Good job! {e}",
            "Keep it up! {#}",
        ],
        &[
            "",
            "{e}",
            "Do better! {e}",
            "Not good enough.",
            "Never again. {e}",
        ],
        &[
            "",
            "Thanks in advance!",
            "Anyone know?",
            "Hoping for an answer soon.",
        ],
        &["", "{#}", "{e}"],
        &[
            "Best, {a} at {B} customer service",
            "/{a}, {B}",
            "Have a nice day! /{a} at {B}",
        ],
    ],
    bodies: [
        // ProductPos
        &[
            "Bought {p} at {B} in {s} today and it was fantastic.",
            "Shopped at {b} on the way home. Friendly staff and a great selection.",
            "The {B} app is so much better now, ordering took two minutes.",
            "Got my {B} delivery early today. Excellent service!",
            "Love that {B} stocks more organic food now.",
            "The {B} store in {s} is clean, bright and lovely.",
        ],
        // ProductNeg
        &[
            "Bought {p} at {b} {d} and it was rotten. Terrible quality.",
            "The {B} app crashes every time I try to pay. So frustrating.",
            "Prices at {b} have gone up way too much. {p} costs almost double.",
            "My {B} delivery was three hours late and half the order was missing.",
            "Awful service at {B} in {s} today. Nobody cared.",
            "Empty shelves at {b} again. No {p} anywhere.",
        ],
        // Inquiry
        &[
            "Where is my order? Order {o} should have arrived {d}.",
            "I still haven't received my refund for order {o}. How long does it take?",
            "Your app shows an error at checkout. How do I complete my order?",
            "Do you deliver to {s}? I can't select my address in the app.",
            "I was charged twice for order {o}. What should I do?",
            "Items in order {o} were damaged. How do I get my money back?",
            "When will {p} be back in stock at your {s} store?",
        ],
        // BrandAnswer
        &[
            "So sorry to hear that! Send us a DM with your order number and we'll look into it right away.",
            "We've checked your order and the refund is on its way. It should reach your account within three working days.",
            "Sorry about the app error. It's fixed now, please try again.",
            "We've passed it on to the store in {s}, and they will follow up.",
            "We'll give you a call today and sort it out.",
        ],
        // Thanks
        &[
            "Thanks for the quick reply, great!",
            "Thank you, that fixed it!",
            "Excellent, thanks for the help {e}",
            "Good service, thanks!",
        ],
        // Waiting
        &[
            "Still no answer. Poor customer service.",
            "Hello? Still waiting for a reply here.",
            "Three days and no answer. Terrible.",
            "No reply yet. Disappointing.",
        ],
        // CrisisNeg
        &[
            "Workers at the {B} supplier {L} do 14-hour days below minimum wage. This is a scandal.",
            "So {b} didn't know about the working conditions at {L}? I don't buy it.",
            "Forced-labour-like conditions in the {B} supply chain. I'm done shopping there.",
            "Cheap {p} at {B} comes at a price, and the workers are paying it.",
            "The revelations about {L} are horrible. {B} is responsible for its suppliers.",
            "Terrible working conditions, illegal overtime and confiscated passports. Shame on {b}.",
            "Boycott {b} until they fix their supply chain.",
        ],
        // CrisisQuestion
        &[
            "What are you doing about your supplier {L}?",
            "Did you know about the working conditions at {L}? Be honest.",
            "Will you end your contract with {L}?",
            "How do you audit working conditions at your suppliers?",
            "Will the workers get their unpaid wages? What is the plan?",
        ],
        // CrisisRecovery
        &[
            "Good that {B} is answering the criticism about {L} openly. A good first step.",
            "{B} has suspended {L} and promised an independent audit. Good, but we'll keep watching.",
            "Have to say {B} handled this better than expected. Honest and fast.",
            "Positive that {b} will pay back wages to the workers at {L}.",
            "Reading that {B} is reviewing all its suppliers after the {L} case.",
        ],
        // CrisisShare
        &[
            "“{H}” {U}",
            "Read this about {b}: {U}",
            "Everyone should see this about {B}: {U}",
        ],
        // CrisisAnswer
        &[
            "We take the revelations about {L} very seriously. We have stopped all purchases and sent our own people to investigate.",
            "We did not know about this, and that is not good enough. We are starting an independent audit of all our suppliers.",
            "The workers will get their unpaid wages. We post updates on our website as we go.",
            "Thank you for asking. We will end our contract with {L} unless conditions are fixed within 30 days.",
        ],
        // ClimatePos
        &[
            "{B} is switching to electric trucks and cutting emissions by 40 percent. Great news!",
            "Solar panels on the roof of the {B} store in {s}. That's how it's done.",
            "Impressed by the {b} climate plan. Finally a chain taking emissions seriously.",
            "{B} has cut food waste by {n} percent. Well done!",
            "Saw the new electric vans from {B} in {s} today. Quiet and zero emissions.",
        ],
        // ClimateNeg
        &[
            "{B} brags about climate but still flies in {p} from the other side of the world. Greenwashing.",
            "A 40 percent cut in emissions sounds great, but where are the numbers? Skeptical of {B}.",
            "Electric trucks are nice, but the plastic packaging at {B} is still awful.",
            "The climate promises from {b} are mostly marketing. Disappointingly vague.",
        ],
        // EmployerPos
        &[
            "Five years at {B} today and I'm still proud of my workplace.",
            "The {B} trainee programme has been fantastic. I learn something new every day.",
            "Best colleagues in the world at {B} in {s}. Happy to work here!",
            "{B} is a great employer: good training, flexible shifts and fair pay.",
            "Started as a shop assistant at {B}, now I manage the store in {s}. Thanks for the trust!",
        ],
        // EmployerNeg
        &[
            "Worked at {B} for two years. Bad management, lots of unpaid overtime and a toxic workplace.",
            "Shift schedules at {B} are impossible with a family. Would not recommend them as an employer.",
            "Low pay and stress every day at {B} in {s}. Many colleagues have quit.",
            "Was promised a permanent job at {B}, only got temporary contracts. Disappointed.",
        ],
        // EmployerQuestion
        &[
            "When is the application deadline for your trainee programme?",
            "Do you have summer jobs in {s}? How do I apply?",
            "What is it like to work for you as a student?",
            "Do you offer apprenticeships in retail?",
        ],
        // EmployerAnswer
        &[
            "The deadline is 1 March, and you'll find everything on our careers page. Good luck!",
            "Yes, we're hiring in {s}. Send us a DM and we'll put you in touch with the store manager.",
            "Lots of students work with us at weekends, and we adapt shifts around exams.",
        ],
        // JobAd
        &[
            "We're hiring shop assistants in {s}! Join the team. {#} #jobs",
            "Our trainee programme is open for applications. Two years, four departments and real responsibility. {#}",
            "Want to work with sustainability in grocery retail? {B} is hiring buyers. {#}",
            "Summer job with us? We need {n} new colleagues in {s}. {#}",
        ],
        // CsrPos
        &[
            "{B} donates surplus food to the food bank in {s}. Great initiative!",
            "Nice that {B} sponsors youth football in {s}.",
            "{B} has as many women as men in management. Diversity in practice.",
            "An open sustainability report from {B} with numbers on pay, emissions and suppliers. Rare.",
            "{B} supports the volunteer centre in {s}. Well done.",
        ],
        // CsrNeg
        &[
            "The {B} CEO got {n} million in bonus while shop staff get low pay. Not okay.",
            "No diversity at all in the {B} leadership team. So much for inclusion.",
            "{B} closed the store in {s} and left the community behind.",
            "Why won't {B} publish its tax information? Not much transparency.",
        ],
        // PagePost
        &[
            "This week's offer: {p} at half price in all our stores! {e}",
            "We've opened a new store in {s}. Come and say hi! {e}",
            "Longer opening hours in {s} until Christmas.",
        ],
        // ReplyAgree
        &[
            "Totally agree!",
            "Same here.",
            "Had exactly the same experience {d}.",
            "You're absolutely right.",
            "Well said {e}",
        ],
        // ReplyDisagree
        &[
            "Hmm, my experience is quite different.",
            "That's a bit of an exaggeration.",
            "Not that bad, honestly.",
            "Never had any problems there myself.",
        ],
        // Noise
        &[
            "Lovely sea breeze in {s} today. Perfect walk!",
            "Anyone got a good recipe for {p}?",
            "Public transport in {s} is a mess today.",
            "Electricity prices are wild this week.",
            "Climate change is real here in {s}, mildest winter in years.",
            "Great match tonight!",
            "Rain, rain and more rain in {s}.",
            "Watched a great documentary about working conditions in fashion supply chains.",
        ],
        // InfluencerLife
        &[
            "New recipe out now: {p} with lemon and herbs. Easy and delicious! {e}",
            "Weekday dinner in 20 minutes. Link in bio. {e}",
            "Tip of the day: plan your weekly menu and waste less food.",
            "New podcast episode: food waste and climate. {e}",
        ],
        // InfluencerBrand
        &[
            "Bought everything for this week's dinners at {b}, cheaper than I expected. {e}",
            "Partnership with {B}: testing new {p} all week. Stay tuned!",
            "What do you think of the new products at {B}?",
        ],
    ],
    press: EN_PRESS,
    products: &[
        "strawberries",
        "tomatoes",
        "coffee",
        "bread",
        "milk",
        "apples",
        "bananas",
        "salmon",
        "chicken",
        "avocados",
        "chocolate",
        "cheese",
        "eggs",
    ],
    days: &[
        "yesterday",
        "today",
        "on Friday",
        "last week",
        "this morning",
    ],
};

// ---------------------------------------------------------------- Swedish and Danish
// A small share of the talk; one generic list per tone serves every theme of that tone.

const SV_POS: &[&str] = &[
    "Handlade hos {b} idag, riktigt bra service och fräscha varor.",
    "Gillar verkligen {B}, jättebra priser.",
    "Snyggt jobbat {b}! Fantastiskt.",
    "Bra att {B} satsar på klimatet och elektriska lastbilar.",
];
const SV_NEG: &[&str] = &[
    "Riktigt dålig service hos {B} idag. Besviken.",
    "{b} har usel kvalitet på {p}. Aldrig mer.",
    "Hemskt att läsa om arbetsvillkoren hos leverantören till {B}. Skandal.",
    "{B} måste ta ansvar för arbetarna hos {L}. Skämmigt.",
];
const SV_Q: &[&str] = &[
    "{@} var är min beställning? Order {o} skulle ha kommit igår.",
    "{@} hur kontrollerar ni arbetsvillkoren hos era leverantörer?",
    "{@} får man jobba extra hos er som student?",
];
const SV_NOISE: &[&str] = &[
    "Vilket väder idag! Sol och vind.",
    "Någon som har ett bra recept på {p}?",
    "Tåget till {s} är försenat igen.",
];
const SV_REPLY: &[&str] = &["Håller med!", "Precis så.", "Inte alls min erfarenhet."];

pub(crate) static SV: LangBank = LangBank {
    open: [&[""], &[""], &[""], &[""], &[""]],
    close: [&["", "{e}"], &["", "{e}"], &[""], &[""], &[""]],
    bodies: [
        SV_POS, SV_NEG, SV_Q, SV_POS, SV_POS, SV_NEG, SV_NEG, SV_Q, SV_POS, SV_NEG, SV_POS, SV_POS,
        SV_NEG, SV_POS, SV_NEG, SV_Q, SV_POS, SV_POS, SV_POS, SV_NEG, SV_POS, SV_REPLY, SV_REPLY,
        SV_NOISE, SV_NOISE, SV_POS,
    ],
    press: [
        Press {
            titles: &[
                "{B} öppnar {n} nya butiker i Norge",
                "{B} ökar omsättningen",
            ],
            leads: &["Den norska dagligvarukedjan {B} växer, drivet av näthandel."],
        },
        Press {
            titles: &["{B} ska minska utsläppen med 40 procent"],
            leads: &["Kedjan byter till elektriska lastbilar och solceller på butikstaken."],
        },
        Press {
            titles: &["Anställda på {B} kritiserar schemaläggningen"],
            leads: &["Facket menar att kedjan använder för många tillfälliga kontrakt."],
        },
        Press {
            titles: &["Norska {B} kritiseras för arbetsvillkoren hos leverantören {L}"],
            leads: &["Arbetare hos {L} vittnar om 14 timmars arbetsdagar och lön under minimilön."],
        },
        Press {
            titles: &["{B} stoppar inköpen från {L}"],
            leads: &["Kedjan inleder en oberoende granskning av alla leverantörer."],
        },
        Press {
            titles: &["Avslöjande: arbetare hos leverantören till {B} jobbar 14 timmar om dagen"],
            leads: &["Arbetare hos {L} vittnar om 14 timmars arbetsdagar och lön under minimilön."],
        },
    ],
    products: &["jordgubbar", "tomater", "kaffe", "bröd", "mjölk", "äpplen"],
    days: &["igår", "idag", "i fredags"],
};

const DA_POS: &[&str] = &[
    "Handlede hos {b} i dag, rigtig god service og friske varer.",
    "Elsker {B}, super gode priser.",
    "Flot arbejde {b}! Fantastisk.",
];
const DA_NEG: &[&str] = &[
    "Virkelig dårlig service hos {B} i dag. Skuffet.",
    "{b} har elendig kvalitet på {p}. Aldrig igen.",
    "Forfærdelige arbejdsforhold hos {L}, leverandør til {B}. Skandale.",
];
const DA_Q: &[&str] = &[
    "{@} hvor er min ordre? Ordre {o} skulle være kommet i går.",
    "{@} hvordan kontrollerer I arbejdsforholdene hos jeres leverandører?",
];
const DA_NOISE: &[&str] = &[
    "Sikke et vejr i dag!",
    "Nogen der har en god opskrift på {p}?",
    "Toget til {s} er forsinket igen.",
];
const DA_REPLY: &[&str] = &["Helt enig!", "Nemlig.", "Det er slet ikke min oplevelse."];

pub(crate) static DA: LangBank = LangBank {
    open: [&[""], &[""], &[""], &[""], &[""]],
    close: [&["", "{e}"], &["", "{e}"], &[""], &[""], &[""]],
    bodies: [
        DA_POS, DA_NEG, DA_Q, DA_POS, DA_POS, DA_NEG, DA_NEG, DA_Q, DA_POS, DA_NEG, DA_POS, DA_POS,
        DA_NEG, DA_POS, DA_NEG, DA_Q, DA_POS, DA_POS, DA_POS, DA_NEG, DA_POS, DA_REPLY, DA_REPLY,
        DA_NOISE, DA_NOISE, DA_POS,
    ],
    // No Danish feed exists; the generator never asks for Danish press.
    press: EN_PRESS,
    products: &["jordbær", "tomater", "kaffe", "brød", "mælk", "æbler"],
    days: &["i går", "i dag", "i fredags"],
};

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Lang; 5] = [Lang::Nb, Lang::Nn, Lang::En, Lang::Sv, Lang::Da];

    #[test]
    fn every_list_is_non_empty() {
        for lang in ALL {
            let b = bank(lang);
            assert!(b.open.iter().chain(b.close.iter()).all(|l| !l.is_empty()));
            assert!(b.bodies.iter().all(|l| !l.is_empty()), "{lang:?}");
            assert!(
                b.press
                    .iter()
                    .all(|p| !p.titles.is_empty() && !p.leads.is_empty())
            );
            assert!(!b.products.is_empty() && !b.days.is_empty());
        }
    }

    #[test]
    fn slots_are_known() {
        for lang in ALL {
            let b = bank(lang);
            let lists = b
                .open
                .iter()
                .chain(b.close.iter())
                .chain(b.bodies.iter())
                .chain(b.press.iter().flat_map(|p| [&p.titles, &p.leads]));
            for tpl in lists.flat_map(|l| l.iter()) {
                let mut rest = *tpl;
                while let Some(i) = rest.find('{') {
                    let slot = rest.get(i + 1..i + 3).unwrap_or("");
                    assert!(
                        slot.len() == 2
                            && "bB@#psoneLadHUC".contains(&slot[..1])
                            && slot.ends_with('}'),
                        "{tpl}"
                    );
                    rest = &rest[i + 1..];
                }
            }
        }
    }

    #[test]
    fn nynorsk_reads_as_nynorsk() {
        let text: String = NN
            .bodies
            .iter()
            .flat_map(|l| l.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        for w in [
            "ikkje", "eg ", "kva", "korleis", "frå", "noko", "berre", "dei ", "me ", "mykje",
        ] {
            assert!(text.to_lowercase().contains(w), "{w}");
        }
        let nb: String = NB
            .bodies
            .iter()
            .flat_map(|l| l.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        for w in ["ikkje", "korleis", "frå "] {
            assert!(!nb.to_lowercase().contains(w), "{w}");
        }
    }
}
