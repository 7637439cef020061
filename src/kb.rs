//! The knowledge base: countries, people with their offices, organisations, summit formats,
//! places and media, with names in kk / ru / en, plus the word lists extraction uses.
//!
//! Everything comes from the data files under `data/` (embedded at compile time, so the
//! binary is self-contained); this module only parses them and builds lookup indexes.

use crate::model::EntityKind;
use crate::text::{Morphology, fold};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

const COUNTRIES: &str = include_str!("../kb/countries.tsv");
const COUNTRY_ALIASES: &str = include_str!("../kb/country_aliases.tsv");
const PEOPLE: &str = include_str!("../kb/people.tsv");
const ENTITIES: &str = include_str!("../kb/entities.tsv");
const STOP_ALIASES: &str = include_str!("../kb/stop_aliases.txt");
const GIVEN_NAMES: &str = include_str!("../kb/given_names.txt");
const ROLES: &str = include_str!("../kb/lexicon/roles.tsv");
const TRIGGERS: &str = include_str!("../kb/lexicon/triggers.tsv");
const CUES: &str = include_str!("../kb/lexicon/cues.tsv");
const ORDINALS: &str = include_str!("../kb/lexicon/ordinals.tsv");
const NAME_NOUNS: &str = include_str!("../kb/lexicon/name_nouns.tsv");
const SUMMIT_EDITIONS: &str = include_str!("../kb/summit_editions.tsv");
const PRIORS: &str = include_str!("../kb/priors.tsv");
const LEADER_ROLES: &str = include_str!("../kb/lexicon/leader_roles.txt");
const BILATERAL_BODIES: &str = include_str!("../kb/lexicon/bilateral_bodies.tsv");
const FIRST_PERSON: &str = include_str!("../kb/lexicon/first_person.txt");
const HONORIFICS: &str = include_str!("../kb/lexicon/honorifics.tsv");
const TITLE_NOUNS: &str = include_str!("../kb/lexicon/title_nouns.txt");
const SURNAME_SUFFIXES: &str = include_str!("../kb/lexicon/surname_suffixes.txt");
const ARRIVAL_VERBS: &str = include_str!("../kb/lexicon/arrival_verbs.txt");
const ANAPHORIC: &str = include_str!("../kb/lexicon/anaphoric.txt");

/// One edition of a recurring summit.
#[derive(Debug, Clone, PartialEq)]
pub struct SummitEdition {
    /// The format's key (`summit/sco-summit`).
    pub format: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Host place key.
    pub place: Option<String>,
}

/// An office a person held: `president@KZ:2019-03-20..`.
#[derive(Debug, Clone, PartialEq)]
pub struct Office {
    /// Role name (`president`, `prime-minister`, `foreign-minister`, …).
    pub role: String,
    /// Country code (`KZ`) or organisation id (`un`).
    pub of: String,
    /// First day in office, when known.
    pub from: Option<NaiveDate>,
    /// Last day in office; `None` while in office.
    pub to: Option<NaiveDate>,
}

impl Office {
    /// True when the office was held on `date` (or at any time, without a date). Terms are
    /// half-open: the day of a handover (`to` of one holder, `from` of the next) belongs to
    /// the successor.
    pub fn held_on(&self, date: Option<NaiveDate>) -> bool {
        let Some(date) = date else {
            return self.to.is_none();
        };
        self.from.is_none_or(|from| from <= date) && self.to.is_none_or(|to| date < to)
    }
}

/// One entity of the knowledge base.
#[derive(Debug, Clone)]
pub struct KbEntity {
    /// Stable key, also the tail of the public id: `country/kz`, `person/vladimir-putin`.
    pub key: String,
    /// Kind.
    pub kind: EntityKind,
    /// Canonical English name.
    pub name: String,
    /// Every other name, in any language, nominative.
    pub aliases: Vec<String>,
    /// Country code the entity belongs to (people: through their offices; places, bodies).
    pub country: Option<String>,
    /// Parent organisation id (`un` for the General Assembly).
    pub org: Option<String>,
    /// Offices held (people only).
    pub offices: Vec<Office>,
    /// Adjective stems (countries only): `российск`, `ресейлік`.
    pub adjectives: Vec<String>,
    /// A news outlet or press service: it reports events rather than takes part.
    pub source: bool,
    /// A region (Central Asia, Europe): an event concerns it, it is not held in it.
    pub region: bool,
    /// Display names in Kazakh and Russian, when known (see [`display_names`]).
    pub local_names: LocalNames,
}

/// An entity's display names in Kazakh and Russian (English is the canonical name).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LocalNames {
    /// Kazakh.
    pub kk: Option<String>,
    /// Russian.
    pub ru: Option<String>,
}

/// Whether a name is written in Cyrillic.
fn is_cyrillic(name: &str) -> bool {
    name.chars().any(crate::text::language::is_cyrillic)
}

/// Whether a name uses a Kazakh-only letter: such a name is Kazakh.
fn has_kazakh_letters(name: &str) -> bool {
    name.chars().any(crate::text::language::is_kazakh_only)
}

/// Display names from an alias list written in the knowledge base's order (Kazakh, then
/// Russian, then English; full names before short ones): Kazakh is the first Cyrillic
/// alias; Russian is the same name when it has no Kazakh-only letter (names spelled alike in
/// both), else the first Cyrillic alias without one.
pub fn display_names(aliases: &[String]) -> LocalNames {
    let kk = aliases.iter().find(|a| is_cyrillic(a)).cloned();
    let ru = match &kk {
        Some(name) if !has_kazakh_letters(name) => Some(name.clone()),
        _ => aliases
            .iter()
            .find(|a| is_cyrillic(a) && !has_kazakh_letters(a))
            .cloned(),
    };
    LocalNames { kk, ru }
}

/// One name of an entity, split into folded words for matching.
#[derive(Debug, Clone)]
pub struct Alias {
    /// Index into [`KnowledgeBase::entities`].
    pub entity: usize,
    /// Folded words.
    pub words: Vec<String>,
    /// Whether each word is capitalised in the data (then the text word must be too).
    pub capitalized: Vec<bool>,
    /// Every letter is upper case (abbreviations: matched exactly or with a hyphenated suffix).
    pub abbreviation: bool,
}

/// A role phrase from `roles.tsv`.
#[derive(Debug, Clone)]
pub struct RolePattern {
    /// Folded words; `{C}` and `{A}` are slots.
    pub words: Vec<String>,
    /// Office role.
    pub role: String,
    /// Country code or org id used when the phrase has no slot.
    pub default_of: Option<String>,
}

/// A trigger word or phrase from `triggers.tsv` or `cues.tsv`.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Label (event kind name or cue name).
    pub label: String,
    /// Folded words; a trailing `*` makes a word a prefix.
    pub words: Vec<String>,
    /// Rank among candidates.
    pub weight: u32,
}

/// The loaded knowledge base and lexicons.
#[derive(Debug)]
pub struct KnowledgeBase {
    /// All entities.
    pub entities: Vec<KbEntity>,
    /// key → index into `entities`.
    pub by_key: HashMap<String, usize>,
    /// All aliases.
    pub aliases: Vec<Alias>,
    /// Lookup key of an alias's first word (see [`lookup_key`]) → aliases.
    pub alias_index: HashMap<[char; 4], Vec<usize>>,
    /// Folded given names.
    pub given_names: HashSet<String>,
    /// Role phrases, longest first.
    pub roles: Vec<RolePattern>,
    /// Event triggers.
    pub triggers: Vec<Pattern>,
    /// Status and background cues.
    pub cues: Vec<Pattern>,
    /// Country adjective stem → entity index, longest stem first.
    pub country_adjectives: Vec<(String, usize)>,
    /// The same, indexed by the stem's first three characters.
    adjective_index: HashMap<[char; 3], Vec<(String, usize)>>,
    /// Suffix tables.
    pub morph: Morphology,
    /// Ordinal word patterns and their numbers.
    pub ordinals: Vec<(String, u32)>,
    /// Nouns that type a quoted name: (MEDIA | ORGANIZATION | SUMMIT, pattern).
    pub name_nouns: Vec<(String, String)>,
    /// Known editions of recurring summits.
    pub summit_editions: Vec<SummitEdition>,
    /// Prior shares of events naming an entity (`kb/priors.tsv`), by selector.
    pub priors: HashMap<String, f64>,
    /// Offices that lead a country or organisation (`kb/lexicon/leader_roles.txt`).
    pub leader_roles: HashSet<String>,
    /// Bodies named after a pair of countries (`kb/lexicon/bilateral_bodies.tsv`).
    pub bilateral_bodies: Vec<BilateralBody>,
    /// First-person words (`kb/lexicon/first_person.txt`), folded.
    pub first_person: HashSet<String>,
    /// Kazakh verbs of motion that make a visit with a place in the dative
    /// (`kb/lexicon/arrival_verbs.txt`), folded, each with whether the form tells what is
    /// still ahead.
    pub arrival_verbs: HashMap<String, bool>,
    /// Words that refer an event noun back to an occasion already named
    /// (`kb/lexicon/anaphoric.txt`), folded; a trailing `*` matches any ending.
    anaphoric: Vec<String>,
    /// Family names that name a person only next to an honorific (`~Си` in people.tsv):
    /// (folded name, entity index).
    pub family_names: Vec<(String, usize)>,
    /// Honorifics (`kb/lexicon/honorifics.tsv`): (stands before the name, folded word).
    pub honorifics: Vec<(bool, String)>,
    /// Title nouns that introduce a person's name (`kb/lexicon/title_nouns.txt`), folded.
    pub title_nouns: Vec<String>,
    /// Endings of Russian-pattern surnames (`kb/lexicon/surname_suffixes.txt`), folded.
    pub surname_suffixes: Vec<String>,
    /// Organisation id (`ots`) → index of the summit format it holds (`org=` of a SUMMIT).
    pub summit_of_org: HashMap<String, usize>,
}

/// A kind of body two countries hold together (a Supreme Interstate Council).
#[derive(Debug, Clone)]
pub struct BilateralBody {
    /// Id, the tail of the entity key.
    pub id: String,
    /// English name, after the pair ("Kazakhstan–Azerbaijan Supreme Interstate Council").
    pub name: String,
    /// Patterns: folded words, `*` for any ending.
    pub patterns: Vec<Vec<String>>,
}

/// The index key of a folded word: its first four characters before any hyphen or dot.
pub fn lookup_key(word: &str) -> [char; 4] {
    crate::text::char_key(word.split(['-', '.', '\'']).next().unwrap_or(word))
}

fn data_lines(source: &str) -> impl Iterator<Item = Vec<&str>> {
    source
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').map(str::trim).collect())
}

fn split_names(field: Option<&&str>) -> Vec<String> {
    field
        .map(|f| {
            f.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn parse_offices(field: &str) -> Vec<Office> {
    field
        .split(';')
        .filter_map(|spec| {
            let (role, rest) = spec.trim().split_once('@')?;
            let (of, dates) = rest.split_once(':').unwrap_or((rest, ".."));
            let (from, to) = dates.split_once("..").unwrap_or((dates, ""));
            Some(Office {
                role: role.to_string(),
                of: of.to_string(),
                from: NaiveDate::parse_from_str(from, "%Y-%m-%d").ok(),
                to: NaiveDate::parse_from_str(to, "%Y-%m-%d").ok(),
            })
        })
        .collect()
}

fn attribute<'a>(field: Option<&&'a str>, name: &str) -> Option<&'a str> {
    field?
        .split(';')
        .find_map(|kv| kv.trim().strip_prefix(name)?.strip_prefix('='))
}

fn parse_patterns(source: &str, with_weight: bool) -> Vec<Pattern> {
    data_lines(source)
        .filter_map(|cols| {
            let label = cols.first()?.to_string();
            let words = fold(cols.get(1)?)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let weight = if with_weight {
                cols.get(2).and_then(|w| w.parse().ok()).unwrap_or(1)
            } else {
                1
            };
            Some(Pattern {
                label,
                words,
                weight,
            })
        })
        .collect()
}

impl KnowledgeBase {
    /// Parses the embedded data files and builds the indexes.
    pub fn load() -> KnowledgeBase {
        let mut entities: Vec<KbEntity> = Vec::new();
        let mut country_extra: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
        for cols in data_lines(COUNTRY_ALIASES) {
            let Some(code) = cols.first() else { continue };
            let adjectives = split_names(cols.get(2)).iter().map(|a| fold(a)).collect();
            country_extra.insert(code.to_string(), (split_names(cols.get(1)), adjectives));
        }
        for cols in data_lines(COUNTRIES) {
            let (Some(code), Some(name)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let mut aliases = split_names(cols.get(2));
            let (kk, ru) = (split_names(cols.get(3)), split_names(cols.get(4)));
            let (extra, adjectives) = country_extra.remove(*code).unwrap_or_default();
            // The short name people write (Россия, not Российская Федерация): the shortest
            // name of the language, from iso-codes or the hand-kept list, abbreviations
            // (РФ, ҚР) aside.
            let shortest = |names: Vec<&String>| -> Option<String> {
                names
                    .into_iter()
                    .filter(|n| n.chars().any(char::is_lowercase))
                    .min_by_key(|n| n.chars().count())
                    .cloned()
            };
            let local_names = LocalNames {
                kk: shortest(
                    kk.iter()
                        .chain(extra.iter().filter(|n| has_kazakh_letters(n)))
                        .collect(),
                ),
                ru: shortest(
                    ru.iter()
                        .chain(
                            extra
                                .iter()
                                .filter(|n| is_cyrillic(n) && !has_kazakh_letters(n)),
                        )
                        .collect(),
                ),
            };
            aliases.extend(kk);
            aliases.extend(ru);
            aliases.extend(extra);
            entities.push(KbEntity {
                key: format!("country/{}", code.to_lowercase()),
                kind: EntityKind::Country,
                name: name.to_string(),
                aliases,
                country: Some(code.to_string()),
                org: None,
                offices: Vec::new(),
                adjectives,
                source: false,
                region: false,
                local_names,
            });
        }
        let mut family_names: Vec<(String, usize)> = Vec::new();
        for cols in data_lines(PEOPLE) {
            let (Some(id), Some(name)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let offices = cols.get(3).map(|f| parse_offices(f)).unwrap_or_default();
            let country = offices
                .iter()
                .find(|o| o.of.chars().all(|c| c.is_ascii_uppercase()))
                .map(|o| o.of.clone());
            let (family, aliases): (Vec<String>, Vec<String>) = split_names(cols.get(2))
                .into_iter()
                .partition(|a| a.starts_with('~'));
            for f in family {
                family_names.push((fold(f.trim_start_matches('~')), entities.len()));
            }
            let local_names = display_names(&aliases);
            entities.push(KbEntity {
                key: format!("person/{id}"),
                kind: EntityKind::Person,
                name: name.to_string(),
                aliases,
                country,
                org: None,
                offices,
                adjectives: Vec::new(),
                source: false,
                region: false,
                local_names,
            });
        }
        for cols in data_lines(ENTITIES) {
            let (Some(kind), Some(id), Some(name)) = (cols.first(), cols.get(1), cols.get(2))
            else {
                continue;
            };
            let Some(kind) = EntityKind::from_name(kind) else {
                continue;
            };
            let prefix = match kind {
                EntityKind::Organization => "org",
                EntityKind::Summit => "summit",
                EntityKind::Place => "place",
                EntityKind::Person => "person",
                EntityKind::Country => "country",
            };
            let aliases = split_names(cols.get(3));
            // `kk=` / `ru=` attributes name an entity where the alias order does not.
            let guessed = display_names(&aliases);
            let local_names = LocalNames {
                kk: attribute(cols.get(4), "kk")
                    .map(str::to_string)
                    .or(guessed.kk),
                ru: attribute(cols.get(4), "ru")
                    .map(str::to_string)
                    .or(guessed.ru),
            };
            entities.push(KbEntity {
                key: format!("{prefix}/{id}"),
                kind,
                name: name.to_string(),
                aliases,
                country: attribute(cols.get(4), "country").map(str::to_string),
                org: attribute(cols.get(4), "org").map(str::to_string),
                offices: Vec::new(),
                adjectives: Vec::new(),
                source: attribute(cols.get(4), "source") == Some("1"),
                region: attribute(cols.get(4), "region") == Some("1"),
                local_names,
            });
        }
        let by_key = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();

        let mut aliases = Vec::new();
        let mut alias_index: HashMap<[char; 4], Vec<usize>> = HashMap::new();
        let mut seen = HashSet::new();
        let stop: HashSet<&str> = STOP_ALIASES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        for (index, entity) in entities.iter().enumerate() {
            for name in std::iter::once(&entity.name).chain(entity.aliases.iter()) {
                if stop.contains(name.as_str()) {
                    continue;
                }
                let raw_words: Vec<&str> = name
                    .split(|c: char| c.is_whitespace() || c == '–' || c == '—')
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                    .filter(|w| !w.is_empty())
                    .collect();
                let words: Vec<String> = raw_words.iter().map(|w| fold(w)).collect();
                let Some(first) = words.first() else { continue };
                if !seen.insert((index, words.clone())) {
                    continue;
                }
                let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
                let abbreviation = raw_words.len() == 1
                    && letters.len() <= 6
                    && letters.iter().all(|c| c.is_uppercase());
                alias_index
                    .entry(lookup_key(first))
                    .or_default()
                    .push(aliases.len());
                aliases.push(Alias {
                    entity: index,
                    capitalized: raw_words
                        .iter()
                        .map(|w| w.chars().next().is_some_and(char::is_uppercase))
                        .collect(),
                    words,
                    abbreviation,
                });
            }
        }

        let given_names = GIVEN_NAMES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(fold)
            .collect();

        let mut roles: Vec<RolePattern> = data_lines(ROLES)
            .filter_map(|cols| {
                Some(RolePattern {
                    words: fold(cols.first()?)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    role: cols.get(1)?.to_string(),
                    default_of: cols.get(2).filter(|s| !s.is_empty()).map(|s| s.to_string()),
                })
            })
            .collect();
        roles.sort_by_key(|r| std::cmp::Reverse(r.words.len()));

        let mut country_adjectives: Vec<(String, usize)> = entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.adjectives.iter().map(move |a| (a.clone(), i)))
            .collect();
        country_adjectives.sort_by_key(|(stem, _)| std::cmp::Reverse(stem.len()));

        let mut adjective_index: HashMap<[char; 3], Vec<(String, usize)>> = HashMap::new();
        for (stem, entity) in &country_adjectives {
            let head: [char; 3] = crate::text::char_key(stem);
            adjective_index
                .entry(head)
                .or_default()
                .push((stem.clone(), *entity));
        }
        let summit_of_org = entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EntityKind::Summit)
            .filter_map(|(i, e)| Some((e.org.clone()?, i)))
            .collect();
        KnowledgeBase {
            adjective_index,
            entities,
            by_key,
            aliases,
            alias_index,
            given_names,
            roles,
            triggers: parse_patterns(TRIGGERS, true),
            cues: parse_patterns(CUES, false),
            country_adjectives,
            morph: Morphology::load(),
            family_names,
            summit_of_org,
            title_nouns: data_lines(TITLE_NOUNS)
                .filter_map(|cols| cols.first().map(|w| fold(w)))
                .collect(),
            surname_suffixes: data_lines(SURNAME_SUFFIXES)
                .filter_map(|cols| cols.first().map(|w| fold(w)))
                .collect(),
            honorifics: data_lines(HONORIFICS)
                .filter_map(|cols| Some((*cols.first()? == "before", fold(cols.get(1)?))))
                .collect(),
            first_person: data_lines(FIRST_PERSON)
                .filter_map(|cols| cols.first().map(|w| fold(w)))
                .collect(),
            anaphoric: data_lines(ANAPHORIC)
                .filter_map(|cols| cols.first().map(|w| fold(w)))
                .collect(),
            arrival_verbs: data_lines(ARRIVAL_VERBS)
                .filter_map(|cols| Some((fold(cols.first()?), cols.get(1) == Some(&"planned"))))
                .collect(),
            bilateral_bodies: data_lines(BILATERAL_BODIES)
                .filter_map(|cols| {
                    Some(BilateralBody {
                        id: cols.first()?.to_string(),
                        name: cols.get(1)?.to_string(),
                        patterns: cols
                            .get(2)?
                            .split('|')
                            .map(|p| fold(p).split_whitespace().map(str::to_string).collect())
                            .collect(),
                    })
                })
                .collect(),
            leader_roles: data_lines(LEADER_ROLES)
                .filter_map(|cols| cols.first().map(|r| r.to_string()))
                .collect(),
            priors: data_lines(PRIORS)
                .filter_map(|cols| {
                    let share: f64 = cols.get(1)?.parse().ok()?;
                    let selector = cols.first()?.to_string();
                    (share > 0.0 && share < 1.0).then_some((selector, share))
                })
                .collect(),
            summit_editions: data_lines(SUMMIT_EDITIONS)
                .filter_map(|cols| {
                    let date = |i: usize| NaiveDate::parse_from_str(cols.get(i)?, "%Y-%m-%d").ok();
                    Some(SummitEdition {
                        format: cols.first()?.to_string(),
                        start: date(1)?,
                        end: date(2)?,
                        place: cols.get(3).filter(|p| !p.is_empty()).map(|p| p.to_string()),
                    })
                })
                .collect(),
            name_nouns: data_lines(NAME_NOUNS)
                .flat_map(|cols| {
                    let kind = cols.first().map(|k| k.to_string()).unwrap_or_default();
                    cols[1..]
                        .iter()
                        .map(|p| {
                            (
                                kind.clone(),
                                if p.chars().all(char::is_uppercase) {
                                    p.to_string()
                                } else {
                                    fold(p)
                                },
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
            ordinals: data_lines(ORDINALS)
                .filter_map(|cols| {
                    let n: u32 = cols.first()?.parse().ok()?;
                    Some(
                        cols[1..]
                            .iter()
                            .map(move |w| (fold(w), n))
                            .collect::<Vec<_>>(),
                    )
                })
                .flatten()
                .collect(),
        }
    }

    /// The prior share of events that name the entity `key` of `kind` (`kb/priors.tsv`):
    /// its own line, else the largest share of its offices' roles or of news sources, else
    /// its kind's default.
    pub fn prior_share(&self, key: &str, kind: EntityKind) -> f64 {
        if let Some(&share) = self.priors.get(key) {
            return share;
        }
        let kind_default = self
            .priors
            .get(&format!("kind:{}", kind.name()))
            .copied()
            .unwrap_or(0.02);
        let Some(entity) = self.get(key) else {
            return kind_default;
        };
        let mut share = kind_default;
        for office in &entity.offices {
            if let Some(&role) = self.priors.get(&format!("role:{}", office.role)) {
                share = share.max(role);
            }
        }
        if entity.source
            && let Some(&source) = self.priors.get("source:1")
        {
            share = share.max(source);
        }
        share
    }

    /// The entity with this key.
    pub fn get(&self, key: &str) -> Option<&KbEntity> {
        self.by_key.get(key).map(|&i| &self.entities[i])
    }

    /// The country entity index of an ISO code (`KZ`).
    pub fn country_index(&self, code: &str) -> Option<usize> {
        self.by_key
            .get(&format!("country/{}", code.to_lowercase()))
            .copied()
    }

    /// Whether the folded `word`, right before an event noun, refers back to an occasion the
    /// text already named («предстоящем визите», "this visit", «осы сапар»).
    pub fn is_anaphoric(&self, word: &str) -> bool {
        self.anaphoric
            .iter()
            .any(|pattern| crate::text::phrases::word_is(word, pattern))
    }

    /// The person holding `role` of `of` (country code or org id) on `date`; without a date,
    /// the current holder.
    pub fn office_holder(&self, role: &str, of: &str, date: Option<NaiveDate>) -> Option<usize> {
        self.entities.iter().position(|e| {
            e.kind == EntityKind::Person
                && e.offices
                    .iter()
                    .any(|o| o.role == role && o.of == of && o.held_on(date))
        })
    }

    /// The number of an ordinal word (`екінші`, `второй`, `2nd`, `80-ші`).
    pub fn ordinal(&self, word: &str) -> Option<u32> {
        let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && digits.len() < word.len() {
            return digits.parse().ok();
        }
        self.ordinals
            .iter()
            .find_map(|(pattern, n)| crate::text::phrases::word_is(word, pattern).then_some(*n))
    }

    /// The country whose adjective stem starts `word` (folded): `российского` → Russia.
    pub fn country_of_adjective(&self, word: &str) -> Option<usize> {
        let head: [char; 3] = crate::text::char_key(word);
        self.adjective_index
            .get(&head)?
            .iter()
            .find(|(stem, _)| word.starts_with(stem.as_str()))
            .map(|&(_, i)| i)
    }
}

/// Problems in the knowledge base's data files: malformed or reversed office dates,
/// overlapping terms of one office, keys that point nowhere, and one alias shared by two
/// entities of one kind. Empty when the data is sound (a unit test keeps it so).
pub fn lint(kb: &KnowledgeBase) -> Vec<String> {
    let mut problems = lint_offices(PEOPLE);
    for edition in &kb.summit_editions {
        for key in std::iter::once(&edition.format).chain(edition.place.iter()) {
            if kb.get(key).is_none() {
                problems.push(format!("summit_editions.tsv: unknown key {key}"));
            }
        }
        if edition.end < edition.start {
            problems.push(format!(
                "summit_editions.tsv: {} ends before it starts",
                edition.format
            ));
        }
    }
    for entity in &kb.entities {
        if let Some(org) = &entity.org
            && kb.get(&format!("org/{org}")).is_none()
        {
            problems.push(format!("{}: org={org} is not an organisation", entity.key));
        }
    }
    for selector in kb.priors.keys() {
        let known = selector.starts_with("kind:")
            || selector.starts_with("role:")
            || selector.starts_with("source:")
            || kb.get(selector).is_some();
        if !known {
            problems.push(format!("priors.tsv: unknown key {selector}"));
        }
    }
    let mut owners: HashMap<(EntityKind, String), &str> = HashMap::new();
    for entity in &kb.entities {
        let mut names: Vec<String> = std::iter::once(&entity.name)
            .chain(entity.aliases.iter())
            .map(|n| fold(n))
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            match owners.get(&(entity.kind, name.clone())) {
                Some(other) if *other != entity.key => problems.push(format!(
                    "alias {name:?} is shared by {other} and {}",
                    entity.key
                )),
                _ => {
                    owners.insert((entity.kind, name), &entity.key);
                }
            }
        }
    }
    problems
}

/// Office problems in a people file: dates that do not parse, terms that end before they
/// start, and two holders of one office whose (half-open) terms overlap.
fn lint_offices(people: &str) -> Vec<String> {
    /// A holder's term: (person id, first day, day the term ended).
    type Term = (String, Option<NaiveDate>, Option<NaiveDate>);
    let mut problems = Vec::new();
    let mut terms: HashMap<(String, String), Vec<Term>> = HashMap::new();
    for cols in data_lines(people) {
        let (Some(id), Some(field)) = (cols.first(), cols.get(3)) else {
            continue;
        };
        for spec in field.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((role, rest)) = spec.split_once('@') else {
                problems.push(format!("{id}: office {spec:?} is not role@OF:from..to"));
                continue;
            };
            let (of, dates) = rest.split_once(':').unwrap_or((rest, ".."));
            let Some((from, to)) = dates.split_once("..") else {
                problems.push(format!("{id}: office {spec:?} has no '..' between dates"));
                continue;
            };
            let parse = |text: &str| -> Result<Option<NaiveDate>, String> {
                if text.is_empty() {
                    return Ok(None);
                }
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| format!("{id}: office {spec:?} has a malformed date {text:?}"))
            };
            match (parse(from), parse(to)) {
                (Ok(from), Ok(to)) => {
                    if let (Some(f), Some(t)) = (from, to)
                        && t <= f
                    {
                        problems.push(format!("{id}: office {spec:?} ends before it starts"));
                    }
                    terms
                        .entry((role.to_string(), of.to_string()))
                        .or_default()
                        .push((id.to_string(), from, to));
                }
                (Err(e), _) | (_, Err(e)) => problems.push(e),
            }
        }
    }
    // Offices some countries fill with several people at once.
    const SHARED: [&str; 3] = ["deputy-prime-minister", "aide", "special-envoy"];
    for ((role, of), mut holders) in terms {
        if SHARED.contains(&role.as_str()) {
            continue;
        }
        holders.sort_by_key(|(_, from, _)| *from);
        for pair in holders.windows(2) {
            let [(a, _, a_to), (b, b_from, _)] = pair else {
                continue;
            };
            let overlap = match (a_to, b_from) {
                (None, _) => a != b,
                (Some(end), Some(start)) => start < end,
                (Some(_), None) => true,
            };
            if overlap {
                problems.push(format!("{role}@{of}: the terms of {a} and {b} overlap"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_knowledge_base_is_sound() {
        let kb = KnowledgeBase::load();
        let problems = lint(&kb);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn display_names_follow_the_alphabets() {
        let names =
            |list: &[&str]| display_names(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        // A Kazakh spelling, then the Russian one.
        let tokayev = names(&[
            "Қасым-Жомарт Тоқаев",
            "Тоқаев",
            "Касым-Жомарт Токаев",
            "Tokayev",
        ]);
        assert_eq!(tokayev.kk.as_deref(), Some("Қасым-Жомарт Тоқаев"));
        assert_eq!(tokayev.ru.as_deref(), Some("Касым-Жомарт Токаев"));
        // Spelled alike in both languages.
        let putin = names(&["Владимир Путин", "Путин", "Putin"]);
        assert_eq!(putin.ru.as_deref(), Some("Владимир Путин"));
        assert_eq!(names(&["Trump"]), LocalNames::default());
        // Countries use their tagged columns; entities may name themselves.
        let kb = KnowledgeBase::load();
        let russia = kb.get("country/ru").expect("Russia");
        assert_eq!(russia.local_names.kk.as_deref(), Some("Ресей"));
        assert_eq!(russia.local_names.ru.as_deref(), Some("Россия"));
        let kazakhstan = kb.get("country/kz").expect("Kazakhstan");
        assert_eq!(kazakhstan.local_names.ru.as_deref(), Some("Казахстан"));
        assert_eq!(kazakhstan.local_names.kk.as_deref(), Some("Қазақстан"));
        let europe = kb.get("place/europe").expect("Europe");
        assert_eq!(europe.local_names.ru.as_deref(), Some("Европа"));
    }

    #[test]
    fn the_lint_finds_bad_office_data() {
        let bad = "a\tA\t\tpresident@XX:2020-01-01..2021-01-01\n\
                   b\tB\t\tpresident@XX:2020-06-01..\n\
                   c\tC\t\tpresident@YY:2020-13-01..\n\
                   d\tD\t\tpresident@ZZ:2021-01-01..2020-01-01\n";
        let problems = lint_offices(bad);
        assert_eq!(problems.len(), 3, "{problems:?}");
        // A handover day is not an overlap.
        let handover = "a\tA\t\tpresident@XX:2019-01-01..2020-01-01\n\
                        b\tB\t\tpresident@XX:2020-01-01..\n";
        assert!(lint_offices(handover).is_empty());
    }

    fn date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn loads_all_un_members_and_observers() {
        let kb = KnowledgeBase::load();
        let countries = kb
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Country)
            .count();
        assert_eq!(countries, 195);
        let kz = kb
            .get("country/kz")
            .map(|e| e.aliases.clone())
            .unwrap_or_default();
        assert!(kz.iter().any(|a| a == "Қазақстан") && kz.iter().any(|a| a == "Казахстан"));
    }

    #[test]
    fn office_holders_follow_dates() {
        let kb = KnowledgeBase::load();
        let name = |i: Option<usize>| i.map(|i| kb.entities[i].name.clone()).unwrap_or_default();
        assert_eq!(
            name(kb.office_holder("president", "US", date("2023-05-01"))),
            "Joe Biden"
        );
        assert_eq!(
            name(kb.office_holder("president", "US", date("2025-05-01"))),
            "Donald Trump"
        );
        assert_eq!(
            name(kb.office_holder("president", "KZ", date("2015-05-01"))),
            "Nursultan Nazarbayev"
        );
        assert_eq!(
            name(kb.office_holder("president", "KZ", None)),
            "Kassym-Jomart Tokayev"
        );
    }

    #[test]
    fn country_adjectives_resolve() {
        let kb = KnowledgeBase::load();
        let ru = kb.country_index("RU");
        assert_eq!(kb.country_of_adjective("российского"), ru);
        assert_eq!(kb.country_of_adjective("ресейлік"), ru);
        assert_eq!(kb.country_of_adjective("президент"), None);
    }
}
