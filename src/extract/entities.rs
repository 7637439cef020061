//! Entity mentions: knowledge-base names in any inflected form, role phrases resolved to
//! office holders, quoted media outlets, and people missing from the knowledge base.
//!
//! Precision first: a knowledge-base name must keep its capitalisation, a suffix must be a
//! legal inflection (so `Ресейлік` is not Russia), and an unknown person needs a known given
//! name followed by a capitalised surname.

use crate::kb::{KnowledgeBase, RolePattern};
use crate::model::EntityKind;
use crate::text::phrases::word_fits;
use crate::text::{Token, fold};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One mention of an entity in an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityMention {
    /// Stable entity key (`country/kz`, `person/~bauyrzhan-babazhanuly` for new people).
    pub key: String,
    /// Entity kind.
    pub kind: EntityKind,
    /// Canonical English name.
    pub name: String,
    /// The words as written.
    pub surface: String,
    /// Byte span in the article text.
    pub start: usize,
    /// End of the byte span.
    pub end: usize,
    /// First token.
    pub first_token: usize,
    /// Number of tokens.
    pub n_tokens: usize,
    /// Sentence index.
    pub sentence: usize,
    /// Found through a role phrase only (`Глава государства`).
    pub by_role: bool,
    /// Only an adjective (`казахстанско-американский`): links a country to events, is not
    /// a mention of it.
    pub adjective: bool,
    /// Not in the knowledge base.
    pub new_entity: bool,
    /// Country of the entity when known (ISO code).
    pub country: Option<String>,
    /// For one edition of a recurring summit (`summit/central-asia-russia#2`), the key of
    /// its format, which events also link to.
    #[serde(default)]
    pub format_key: Option<String>,
}

/// Transliterates kk / ru Cyrillic to Latin (BGN-like, as Kazakh names appear in English news).
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let lower = ch.to_lowercase().next().unwrap_or(ch);
        let latin = match lower {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ғ' => "g",
            'д' => "d",
            'е' | 'э' => "e",
            'ё' => "yo",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' => "i",
            'й' => "y",
            'к' | 'қ' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'ң' => "ng",
            'о' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' => "u",
            'ф' => "f",
            'х' => "kh",
            'һ' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            _ => {
                out.push(ch);
                continue;
            }
        };
        if ch.is_uppercase() {
            let mut chars = latin.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(latin);
        }
    }
    out
}

/// A spelling-independent key for a name, so that `Ильясов` (ru) and `Ілиясов` (kk) meet.
pub fn phonetic_key(name: &str) -> String {
    let mut out = String::new();
    for ch in fold(name).chars() {
        let mapped = match ch {
            'ы' | 'і' | 'и' | 'й' | 'y' | 'i' => 'i',
            'ұ' | 'ү' | 'у' | 'u' => 'u',
            'ә' | 'а' | 'a' => 'a',
            'ө' | 'о' | 'o' => 'o',
            'қ' | 'к' | 'k' | 'q' => 'k',
            'ғ' | 'г' | 'g' => 'g',
            'ң' | 'н' | 'n' => 'n',
            'һ' | 'х' | 'h' => 'h',
            'е' | 'э' | 'e' => 'e',
            'я' | 'ю' => {
                if !out.ends_with('i') {
                    out.push('i');
                }
                if ch == 'я' { 'a' } else { 'u' }
            }
            'ь' | 'ъ' | '\'' => continue,
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if out.ends_with(mapped) && mapped != ' ' {
            continue;
        }
        out.push(mapped);
    }
    out.split_whitespace().collect::<Vec<_>>().join("-")
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

struct Finder<'a> {
    kb: &'a KnowledgeBase,
    tokens: &'a [Token],
    text: &'a str,
    anchor: Option<NaiveDate>,
    consumed: Vec<bool>,
    mentions: Vec<EntityMention>,
    /// Per token: the country mention starting there, and whether a named person does.
    starts: Vec<(Option<usize>, bool)>,
    /// Per token: whether an organisation mention covers it (for the role pass).
    in_organization: Vec<bool>,
}

impl<'a> Finder<'a> {
    fn surface(&self, first: usize, n: usize) -> String {
        let start = self.tokens[first].start;
        let end = self.tokens[first + n - 1].end;
        self.text.get(start..end).unwrap_or("").to_string()
    }

    fn push_kb(&mut self, entity: usize, first: usize, n: usize, by_role: bool) {
        let e = &self.kb.entities[entity];
        self.mentions.push(EntityMention {
            key: e.key.clone(),
            kind: e.kind,
            name: e.name.clone(),
            surface: self.surface(first, n),
            start: self.tokens[first].start,
            end: self.tokens[first + n - 1].end,
            first_token: first,
            n_tokens: n,
            sentence: self.tokens[first].sentence,
            by_role,
            adjective: false,
            new_entity: false,
            country: e.country.clone(),
            format_key: None,
        });
    }

    /// Quoted names next to a telling noun: «Turkistan» газетіне (a newspaper), «Қазақстан
    /// темір жолы» ҰК (an organisation), «Орталық Азия – Қытай» саммиті (a summit); and a bare
    /// Latin name after a media noun (в газете Turkistan). Knowledge-base names are left to
    /// the gazetteer.
    fn quoted_names(&mut self) {
        let morph = &self.kb.morph;
        let noun_kind = |t: &Token| -> Option<&str> {
            self.kb
                .name_nouns
                .iter()
                .find(|(_, p)| {
                    word_fits(morph, &t.lower, p)
                        || (p.chars().all(char::is_uppercase) && t.text(self.text) == p.as_str())
                })
                .map(|(kind, _)| kind.as_str())
        };
        // Quote spans in token indices.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut open: Option<usize> = None;
        for (i, t) in self.tokens.iter().enumerate() {
            if t.after_open_quote {
                open = Some(i);
            }
            let closes = self.text[t.end..].starts_with(['»', '”', '"']);
            if let (Some(start), true) = (open, closes) {
                if self.tokens[start].sentence == t.sentence && i + 1 - start <= 6 {
                    spans.push((start, i + 1 - start));
                }
                open = None;
            }
        }
        for (first, n) in spans {
            let t = &self.tokens[first];
            if !t.capitalized || (first..first + n).any(|k| self.consumed[k]) {
                continue;
            }
            let sentence = t.sentence;
            let after = self
                .tokens
                .get(first + n)
                .filter(|x| x.sentence == sentence);
            let before = first
                .checked_sub(1)
                .map(|k| &self.tokens[k])
                .filter(|x| x.sentence == sentence);
            let (kind, noun) = match (after.and_then(&noun_kind), before.and_then(&noun_kind)) {
                (Some(kind), _) => (kind, after),
                (None, Some(kind)) => (kind, None),
                (None, None) => continue,
            };
            // A name the knowledge base knows as a whole: the gazetteer's (a city name in
            // quotes before «газеті» is the newspaper, though).
            if let Some((m, e)) = self.best_alias_at(first, first + n, false)
                && m == n
                && (kind != "MEDIA" || self.kb.entities[e].kind == EntityKind::Organization)
            {
                continue;
            }
            let content = self.surface(first, n);
            let (entity_kind, name, prefix) = match kind {
                "MEDIA" => (
                    EntityKind::Organization,
                    format!("{} (newspaper)", transliterate(&content)),
                    "org",
                ),
                "SUMMIT" => (EntityKind::Summit, content.clone(), "summit"),
                _ => (EntityKind::Organization, content.clone(), "org"),
            };
            // A summit's surface keeps its noun («…» саммитіне), as people write it.
            let n_surface = if kind == "SUMMIT" && noun.is_some() {
                n + 1
            } else {
                n
            };
            let key = format!("{prefix}/~{}", phonetic_key(&transliterate(&content)));
            for k in first..first + n_surface {
                self.consumed[k] = true;
            }
            self.push_new(entity_kind, key, name, first, n_surface);
        }
        // A Latin name next to a media noun: «в газете Turkistan», «Turkistan» газетінде» (a
        // city's name there is the newspaper's).
        for i in 0..self.tokens.len() {
            let t = &self.tokens[i];
            if self.consumed[i]
                || !t.capitalized
                || !t.lower.is_ascii()
                || t.lower.chars().count() < 3
            {
                continue;
            }
            let near = |k: Option<usize>| {
                k.and_then(|k| self.tokens.get(k))
                    .is_some_and(|n| n.sentence == t.sentence && noun_kind(n) == Some("MEDIA"))
            };
            if !(near(i.checked_sub(1)) || near(Some(i + 1))) {
                continue;
            }
            if self
                .best_alias_at(i, self.tokens.len(), false)
                .is_some_and(|(_, e)| self.kb.entities[e].kind == EntityKind::Organization)
            {
                continue;
            }
            let surface = self.surface(i, 1);
            self.consumed[i] = true;
            let key = format!("org/~{}", phonetic_key(&surface));
            self.push_new(
                EntityKind::Organization,
                key,
                format!("{surface} (newspaper)"),
                i,
                1,
            );
        }
    }

    /// The longest knowledge-base name starting at token `i` and ending before `limit`;
    /// `nested` looks inside an already matched name (consumed tokens allowed).
    fn best_alias_at(&self, i: usize, limit: usize, nested: bool) -> Option<(usize, usize)> {
        self.best_alias_except(i, limit, nested, usize::MAX)
    }

    fn best_alias_except(
        &self,
        i: usize,
        limit: usize,
        nested: bool,
        except: usize,
    ) -> Option<(usize, usize)> {
        let morph = &self.kb.morph;
        let token = &self.tokens[i];
        let key = crate::kb::lookup_key(&token.lower);
        let mut best: Option<(usize, usize, usize)> = None; // (tokens, chars, entity)
        for &alias_index in self.kb.alias_index.get(&key).into_iter().flatten() {
            let alias = &self.kb.aliases[alias_index];
            let n = alias.words.len();
            if i + n > limit || alias.entity == except {
                continue;
            }
            let fits = (0..n).all(|k| {
                let Some(t) = self.tokens.get(i + k) else {
                    return false;
                };
                if t.sentence != token.sentence || (!nested && k > 0 && self.consumed[i + k]) {
                    return false;
                }
                let word = &alias.words[k];
                if alias.capitalized[k] && !t.capitalized {
                    return false;
                }
                if alias.abbreviation {
                    return t.lower == *word
                        || t.lower
                            .strip_prefix(word.as_str())
                            .is_some_and(|r| r.starts_with('-') && morph.is_inflection(word, r));
                }
                if word.chars().count() <= 3 {
                    let rest = t.lower.strip_prefix(word.as_str());
                    return rest.is_some_and(|r| {
                        r.is_empty()
                            || r.starts_with('-')
                            || (k + 1 == n
                                && alias.capitalized.iter().any(|c| *c)
                                && morph.is_inflection(word, r)
                                && r.chars().count() <= 3)
                    });
                }
                morph.word_matches(&t.lower, word, k + 1 == n)
            });
            if fits {
                let chars: usize = alias.words.iter().map(|w| w.len()).sum();
                if best.is_none_or(|(bn, bc, _)| (n, chars) > (bn, bc)) {
                    best = Some((n, chars, alias.entity));
                }
            }
        }
        best.map(|(n, _, entity)| (n, entity))
    }

    /// Knowledge-base names, longest match first; then organisations named inside a longer
    /// name («БҰҰ Бас Ассамблеясы» also names the UN, «саммит ШОС» the SCO).
    fn gazetteer(&mut self) {
        let mut i = 0;
        let mut spans = Vec::new();
        while i < self.tokens.len() {
            if self.consumed[i] {
                i += 1;
                continue;
            }
            match self.best_alias_at(i, self.tokens.len(), false) {
                Some((n, entity)) => {
                    self.push_kb(entity, i, n, false);
                    spans.push((i, n, entity));
                    for k in i..i + n {
                        self.consumed[k] = true;
                    }
                    i += n;
                }
                None => i += 1,
            }
        }
        for (first, n, outer) in spans {
            if n < 2 {
                continue;
            }
            for j in first..first + n {
                // Only where a name can start: at the front, after a summit noun
                // («саммит ШОС»), or as an abbreviation («Генеральной Ассамблеи ООН»).
                let after_summit_noun = j > first
                    && ["саммит", "summit"]
                        .iter()
                        .any(|p| self.tokens[j - 1].lower.starts_with(p));
                if let Some((m, inner)) = self.best_alias_except(j, first + n, true, outer)
                    && m < n
                    && self.kb.entities[inner].kind == EntityKind::Organization
                    && (j == first || after_summit_noun || self.tokens[j].all_caps)
                {
                    self.push_kb(inner, j, m, false);
                }
            }
        }
    }

    /// Summit formats: the trigger noun after the name joins the mention («Орталық Азия –
    /// Ресей» саммитіне); an ordinal before it makes the mention one edition (екінші …, the
    /// second), and later unnumbered mentions of the format refer to the last edition named.
    fn summit_editions(&mut self) {
        let morph = &self.kb.morph;
        let summit_noun = |t: &Token| {
            ["саммит*", "summit*"]
                .iter()
                .any(|p| word_fits(morph, &t.lower, p))
        };
        let mut last_edition: HashMap<String, (String, String)> = HashMap::new();
        let mut order: Vec<usize> = (0..self.mentions.len()).collect();
        order.sort_by_key(|&m| self.mentions[m].start);
        for index in order {
            let m = &self.mentions[index];
            if m.kind != EntityKind::Summit || m.new_entity {
                continue;
            }
            let (first, mut n) = (m.first_token, m.n_tokens);
            let sentence = m.sentence;
            let last_word = &self.tokens[first + n - 1];
            if !summit_noun(last_word)
                && let Some(next) = self.tokens.get(first + n)
                && next.sentence == sentence
                && summit_noun(next)
            {
                n += 1;
            }
            let ordinal = first
                .checked_sub(1)
                .map(|p| &self.tokens[p])
                .filter(|t| t.sentence == sentence)
                .and_then(|t| self.kb.ordinal(&t.lower));
            let start_token = if ordinal.is_some() { first - 1 } else { first };
            let format_key = m.key.clone();
            let format_name = m.name.clone();
            let edition = match ordinal {
                Some(number) => {
                    let suffix = match number % 10 {
                        1 if number % 100 != 11 => "st",
                        2 if number % 100 != 12 => "nd",
                        3 if number % 100 != 13 => "rd",
                        _ => "th",
                    };
                    let key = format!("{format_key}#{number}");
                    let name = format!("{number}{suffix} {format_name}");
                    last_edition.insert(format_key.clone(), (key.clone(), name.clone()));
                    Some((key, name))
                }
                None => last_edition.get(&format_key).cloned(),
            };
            let surface = self.surface(start_token, first + n - start_token);
            let end = self.tokens[first + n - 1].end;
            let start = self.tokens[start_token].start;
            let m = &mut self.mentions[index];
            m.surface = surface;
            m.start = start;
            m.end = end;
            m.first_token = start_token;
            m.n_tokens = first + n - start_token;
            if let Some((key, name)) = edition {
                m.key = key;
                m.name = name;
                m.format_key = Some(format_key);
                m.new_entity = true;
            }
        }
    }

    /// Bilateral summits named by a compound adjective: «российско-американского саммита
    /// на Аляске» → the Russia–United States summit (Alaska).
    fn bilateral_summits(&mut self) {
        let morph = &self.kb.morph;
        for i in 0..self.tokens.len().saturating_sub(1) {
            let t = &self.tokens[i];
            let parts: Vec<&str> = t.lower.split('-').collect();
            if parts.len() != 2 {
                continue;
            }
            let (Some(a), Some(b)) = (
                self.kb.country_of_adjective(parts[0]),
                self.kb.country_of_adjective(parts[1]),
            ) else {
                continue;
            };
            let next = &self.tokens[i + 1];
            if next.sentence != t.sentence
                || !["саммит*", "summit*"]
                    .iter()
                    .any(|p| word_fits(morph, &next.lower, p))
            {
                continue;
            }
            let mut n = 2;
            let mut place = None;
            if let Some(prep) = self.tokens.get(i + 2)
                && matches!(prep.lower.as_str(), "на" | "в" | "во" | "in")
                && let Some(pm) = self
                    .mentions
                    .iter()
                    .find(|m| m.first_token == i + 3 && m.kind == EntityKind::Place)
            {
                place = Some((pm.key.clone(), pm.name.clone()));
                n = 3 + pm.n_tokens;
            }
            let (ea, eb) = (&self.kb.entities[a], &self.kb.entities[b]);
            let codes = format!(
                "{}-{}",
                ea.country.clone().unwrap_or_default(),
                eb.country.clone().unwrap_or_default()
            )
            .to_lowercase();
            let (key, name) = match &place {
                Some((pkey, pname)) => (
                    format!("summit/~{codes}@{}", pkey.rsplit('/').next().unwrap_or("")),
                    format!("{}–{} summit ({pname})", ea.name, eb.name),
                ),
                None => (
                    format!("summit/~{codes}"),
                    format!("{}–{} summit", ea.name, eb.name),
                ),
            };
            self.push_new(EntityKind::Summit, key, name, i, n);
        }
    }

    /// A summit noun next to an organisation that holds summits names that organisation's
    /// summit format: «Түркі мемлекеттері ұйымының 10-шы мерейтойлық саммитіне» (the
    /// organisation in the genitive, then up to two modifiers and the noun), «саммите
    /// Шанхайской организации сотрудничества», "the Summit of the Organization of Turkic
    /// States", "CSTO summit". The surface spans the whole phrase.
    fn organisation_summits(&mut self) {
        const MAX_GAP: usize = 2;
        let morph = &self.kb.morph;
        let is_summit_noun = |t: &Token| {
            ["саммит*", "summit*"]
                .iter()
                .any(|p| word_fits(morph, &t.lower, p))
        };
        let mut found = Vec::new();
        for m in self
            .mentions
            .iter()
            .filter(|m| m.kind == EntityKind::Organization && !m.by_role)
        {
            let org_id = m.key.strip_prefix("org/").unwrap_or(&m.key);
            let Some(&format) = self.kb.summit_of_org.get(org_id) else {
                continue;
            };
            let sentence = m.sentence;
            let last = m.first_token + m.n_tokens.max(1) - 1;
            // Noun after the organisation (kk, en): skip modifiers, not other nouns' names.
            let after = (1..=MAX_GAP + 1).map(|d| last + d).find(|&i| {
                self.tokens
                    .get(i)
                    .is_some_and(|t| t.sentence == sentence && is_summit_noun(t))
            });
            let after = after.filter(|&i| {
                (last + 1..i).all(|j| {
                    !self.tokens[j].capitalized
                        || self.tokens[j].lower.chars().any(|c| c.is_ascii_digit())
                })
            });
            // Noun before it (ru, en "summit of the …").
            let before = (1..=MAX_GAP + 1)
                .filter_map(|d| m.first_token.checked_sub(d))
                .find(|&i| self.tokens[i].sentence == sentence && is_summit_noun(&self.tokens[i]))
                .filter(|&i| {
                    (i + 1..m.first_token)
                        .all(|j| matches!(self.tokens[j].lower.as_str(), "of" | "the"))
                });
            let span = match (before, after) {
                (_, Some(end)) => Some((m.first_token, end + 1 - m.first_token)),
                (Some(start), None) => Some((start, last + 1 - start)),
                (None, None) => None,
            };
            if let Some((first, n)) = span {
                found.push((format, first, n));
            }
        }
        for (format, first, n) in found {
            let key = &self.kb.entities[format].key;
            let already = self.mentions.iter().any(|x| {
                &x.key == key && x.first_token < first + n && first < x.first_token + x.n_tokens
            });
            if !already {
                self.push_kb(format, first, n, false);
            }
        }
    }

    /// Bodies named after two countries («азербайджано-казахстанского Высшего
    /// межгосударственного совета», «Қазақстан мен Әзербайжанның Жоғары мемлекетаралық
    /// кеңесі»): the pair comes from the sentence, Kazakhstan first.
    fn bilateral_bodies(&mut self) {
        let morph = &self.kb.morph;
        let mut found = Vec::new();
        for i in 0..self.tokens.len() {
            for body in &self.kb.bilateral_bodies {
                let Some(n) = body
                    .patterns
                    .iter()
                    .filter(|words| {
                        words.iter().enumerate().all(|(k, w)| {
                            self.tokens.get(i + k).is_some_and(|t| {
                                t.sentence == self.tokens[i].sentence
                                    && word_fits(morph, &t.lower, w)
                            })
                        })
                    })
                    .map(Vec::len)
                    .max()
                else {
                    continue;
                };
                let sentence = self.tokens[i].sentence;
                let mut countries: Vec<String> = Vec::new();
                for m in self.mentions.iter().filter(|m| m.sentence == sentence) {
                    let code = match m.kind {
                        EntityKind::Country => m.country.clone(),
                        EntityKind::Person => m.country.clone(),
                        _ => None,
                    };
                    if let Some(code) = code
                        && !countries.contains(&code)
                    {
                        countries.push(code);
                    }
                }
                if countries.len() != 2 {
                    continue;
                }
                countries.sort_by_key(|c| (c != "KZ", c.clone()));
                let names: Vec<String> = countries
                    .iter()
                    .filter_map(|c| self.kb.country_index(c))
                    .map(|ix| self.kb.entities[ix].name.clone())
                    .collect();
                if names.len() != 2 {
                    continue;
                }
                let key = format!(
                    "org/~{}-{}-{}",
                    countries[0].to_lowercase(),
                    countries[1].to_lowercase(),
                    body.id
                );
                let name = format!("{}–{} {}", names[0], names[1], body.name);
                found.push((key, name, i, n));
            }
        }
        for (key, name, first, n) in found {
            self.push_new(EntityKind::Organization, key, name, first, n);
        }
    }

    /// Country adjectives inside compounds and phrases: казахстанско-американский.
    fn adjectives(&mut self) {
        for i in 0..self.tokens.len() {
            if self.consumed[i] {
                continue;
            }
            let t = &self.tokens[i];
            let raw_parts: Vec<&str> = t.text(self.text).split('-').collect();
            for (index, part) in t.lower.split('-').enumerate() {
                if part.chars().count() < 5 {
                    continue;
                }
                // «Ресей-АҚШ»: a country's own name inside a compound names the country.
                let compound_name = raw_parts.len() > 1
                    && raw_parts
                        .get(index)
                        .and_then(|p| p.chars().next())
                        .is_some_and(char::is_uppercase);
                let exact = compound_name
                    .then(|| {
                        self.kb
                            .alias_index
                            .get(&crate::kb::lookup_key(part))
                            .into_iter()
                            .flatten()
                            .find(|&&a| {
                                let alias = &self.kb.aliases[a];
                                alias.words.len() == 1
                                    && alias.words[0] == part
                                    && self.kb.entities[alias.entity].kind == EntityKind::Country
                            })
                    })
                    .flatten();
                if let Some(&alias) = exact {
                    let country = self.kb.aliases[alias].entity;
                    self.push_kb(country, i, 1, false);
                    continue;
                }
                // The first part of a Russian compound adjective drops -ск- before its
                // linking -о-: азербайджано-казахстанский, американо-китайский.
                let compound_stem = (raw_parts.len() > 1 && index + 1 < raw_parts.len())
                    .then(|| part.strip_suffix('о').map(|stem| format!("{stem}ск")))
                    .flatten();
                let country = self.kb.country_of_adjective(part).or_else(|| {
                    compound_stem
                        .as_deref()
                        .and_then(|stem| self.kb.country_of_adjective(stem))
                });
                if let Some(country) = country {
                    let e = &self.kb.entities[country];
                    let (key, name, code) = (e.key.clone(), e.name.clone(), e.country.clone());
                    self.mentions.push(EntityMention {
                        key,
                        kind: EntityKind::Country,
                        name,
                        surface: t.text(self.text).to_string(),
                        start: t.start,
                        end: t.end,
                        first_token: i,
                        n_tokens: 1,
                        sentence: t.sentence,
                        by_role: false,
                        adjective: true,
                        new_entity: false,
                        country: code,
                        format_key: None,
                    });
                }
            }
        }
    }

    fn country_mention_at(&self, at: usize) -> Option<&EntityMention> {
        match self.starts.get(at) {
            Some(&(Some(m), _)) => self.mentions.get(m),
            _ => None,
        }
    }

    fn person_at(&self, at: usize) -> bool {
        self.starts.get(at).is_some_and(|s| s.1)
    }

    /// Indexes where country and person mentions start, and which tokens organisations
    /// cover, for the role pass.
    fn index_starts(&mut self) {
        self.starts = vec![(None, false); self.tokens.len() + 1];
        self.in_organization = vec![false; self.tokens.len()];
        for (index, m) in self.mentions.iter().enumerate() {
            if m.kind == EntityKind::Organization {
                let end = (m.first_token + m.n_tokens).min(self.tokens.len());
                self.in_organization[m.first_token.min(end)..end].fill(true);
            }
            let slot = &mut self.starts[m.first_token];
            if m.kind == EntityKind::Country && slot.0.is_none() {
                slot.0 = Some(index);
            }
            if m.kind == EntityKind::Person && !m.by_role {
                slot.1 = true;
            }
        }
    }

    /// Tries one role pattern at token `at`; returns (tokens covered, office owner).
    fn role_at(&self, pattern: &RolePattern, at: usize) -> Option<(usize, String)> {
        let morph = &self.kb.morph;
        let sentence = self.tokens.get(at)?.sentence;
        let mut pos = at;
        let mut owner = pattern.default_of.clone();
        for word in &pattern.words {
            let token = self.tokens.get(pos).filter(|t| t.sentence == sentence)?;
            match word.as_str() {
                "{c}" => {
                    let country = self.country_mention_at(pos)?;
                    owner = country.country.clone();
                    pos += country.n_tokens;
                }
                "{a}" => {
                    let country = self.kb.country_of_adjective(&token.lower)?;
                    owner = self.kb.entities[country].country.clone();
                    pos += 1;
                }
                _ => {
                    // A word already taken by an organisation can still name the office's
                    // body («БҰҰ Бас хатшысы», "UN Secretary-General").
                    let taken = self.consumed[pos] && !self.in_organization[pos];
                    if taken || !word_fits(morph, &token.lower, word) {
                        return None;
                    }
                    pos += 1;
                }
            }
        }
        Some((pos - at, owner?))
    }

    /// A family name next to an honorific: «Си мырза», «господин Си», "Mr Xi".
    fn honorific_names(&mut self) {
        let mut found = Vec::new();
        for i in 0..self.tokens.len() {
            if self.consumed[i] || !self.tokens[i].capitalized {
                continue;
            }
            let Some(&(_, person)) = self
                .kb
                .family_names
                .iter()
                .find(|(name, _)| *name == self.tokens[i].lower)
            else {
                continue;
            };
            let sentence = self.tokens[i].sentence;
            let honorific_at = |at: Option<usize>, before: bool| {
                at.and_then(|j| self.tokens.get(j)).is_some_and(|t| {
                    t.sentence == sentence
                        && self
                            .kb
                            .honorifics
                            .iter()
                            .any(|(b, word)| *b == before && *word == t.lower)
                })
            };
            if honorific_at(i.checked_sub(1), true) || honorific_at(Some(i + 1), false) {
                found.push((person, i));
            }
        }
        for (person, i) in found {
            self.consumed[i] = true;
            self.push_kb(person, i, 1, false);
        }
    }

    /// Role phrases → the person holding the office on the article's date.
    fn roles(&mut self) {
        self.index_starts();
        let mut found = Vec::new();
        let mut i = 0;
        while i < self.tokens.len() {
            let mut matched = None;
            let first_char = self.tokens[i].lower.chars().next();
            let has_adjective = self
                .kb
                .country_of_adjective(&self.tokens[i].lower)
                .is_some();
            for pattern in &self.kb.roles {
                // Cheap pre-check on the first word before the full match.
                let possible = match pattern.words.first().map(String::as_str) {
                    Some("{c}") => self.starts[i].0.is_some(),
                    Some("{a}") => has_adjective,
                    Some(word) => word.chars().next() == first_char,
                    None => false,
                };
                if !possible {
                    continue;
                }
                let Some((n, owner)) = self.role_at(pattern, i) else {
                    continue;
                };
                // A title that introduces a name ("Ресей Президенті Владимир Путин",
                // "Президент Трамп") refers to that name, which is matched on its own.
                if self.person_at(i + n) {
                    continue;
                }
                let has_slot = pattern.words.iter().any(|w| w.starts_with('{'));
                if !has_slot {
                    // A bare title needs a capital and must not introduce a name
                    // ("Президент Трамп"), which then says who is meant.
                    let first = &self.tokens[i];
                    if pattern.words.len() == 1 && !first.capitalized {
                        continue;
                    }
                    // A country right after it may be the office's owner ("глава
                    // государства Узбекистана"); in the dative it is a destination
                    // («Мемлекет басшысы Ресейге барды»), and the default owner stands.
                    let destination = self
                        .tokens
                        .get(i + n)
                        .is_some_and(|t| self.kb.morph.is_kk_dative(&t.lower));
                    if self.country_mention_at(i + n).is_some() && !destination {
                        continue;
                    }
                }
                let holder = match owner.strip_suffix("-FIRST") {
                    Some(country) => self
                        .kb
                        .entities
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| {
                            e.offices
                                .iter()
                                .any(|o| o.role == pattern.role && o.of == country)
                        })
                        .min_by_key(|(_, e)| e.offices.iter().filter_map(|o| o.from).min())
                        .map(|(index, _)| index),
                    None => self.kb.office_holder(&pattern.role, &owner, self.anchor),
                };
                if let Some(person) = holder {
                    matched = Some((n, person));
                    break;
                }
            }
            match matched {
                Some((n, person)) => {
                    found.push((person, i, n));
                    i += n;
                }
                None => i += 1,
            }
        }
        for (person, first, n) in found {
            self.push_kb(person, first, n, true);
        }
    }

    fn is_given_name(&self, token: &Token) -> Option<String> {
        if !token.capitalized || token.all_caps {
            return None;
        }
        let lower = token.lower.as_str();
        if self.kb.given_names.contains(lower) {
            return Some(lower.to_string());
        }
        let lemma = self.kb.morph.name_lemma(lower);
        if self.kb.given_names.contains(&lemma) {
            return Some(lemma);
        }
        // Russian oblique forms of consonant-final names: Шавката, Магжана, Руслану.
        for ending in ["а", "у", "ом", "ым", "е", "я", "ю", "ем"] {
            if let Some(stem) = lower.strip_suffix(ending)
                && self.kb.given_names.contains(stem)
            {
                return Some(stem.to_string());
            }
        }
        None
    }

    /// Whether `word` is a title noun that introduces a person's name («елшісі», "Ambassador").
    fn is_title_noun(&self, word: &str) -> bool {
        self.kb
            .title_nouns
            .iter()
            .any(|pattern| word_fits(&self.kb.morph, word, pattern))
    }

    /// People missing from the knowledge base: a known given name + a capitalised surname.
    fn unknown_people(&mut self) {
        let mut surnames: HashMap<String, (String, String)> = HashMap::new(); // surname lemma → (key, name)
        let mut i = 0;
        while i + 1 < self.tokens.len() {
            let (first, second) = (&self.tokens[i], &self.tokens[i + 1]);
            let candidate = !self.consumed[i]
                && !self.consumed[i + 1]
                && first.sentence == second.sentence
                && second.capitalized
                && !second.all_caps
                && second.lower.chars().count() >= 3
                && !second.lower.contains(|c: char| c.is_ascii_digit());
            let surname = if candidate {
                self.kb.morph.name_lemma(&second.lower)
            } else {
                String::new()
            };
            // A known given name, or any capitalised word right after a title noun
            // («елшісі Хань Чуньлинь», "Ambassador Yasumasa Iijima").
            let given = if candidate {
                self.is_given_name(first).or_else(|| {
                    let plain_word = first.capitalized
                        && !first.all_caps
                        && first.lower.chars().count() >= 2
                        && first.lower.chars().all(char::is_alphabetic);
                    let after_title = plain_word
                        && i.checked_sub(1).map(|p| &self.tokens[p]).is_some_and(|t| {
                            t.sentence == first.sentence && self.is_title_noun(&t.lower)
                        });
                    if after_title {
                        return Some(first.lower.clone());
                    }
                    // Any capitalised word before a surname of the Russian pattern
                    // («Таалатбека Масадыкова»), unless it is itself a title noun.
                    let surname_shaped = self.kb.surname_suffixes.iter().any(|suffix| {
                        surname.ends_with(suffix.as_str())
                            && surname.chars().count() >= suffix.chars().count() + 3
                    });
                    (plain_word
                        && surname_shaped
                        && !self.is_title_noun(&first.lower)
                        && first.lower.chars().count() >= 3)
                        .then(|| self.kb.morph.name_lemma(&first.lower))
                })
            } else {
                None
            };
            let Some(given) = given else {
                i += 1;
                continue;
            };
            if self.is_given_name(second).is_some()
                && !second.lower.ends_with("ов")
                && !second.lower.ends_with("ев")
            {
                i += 1;
                continue;
            }
            let mut n = 2;
            if let Some(third) = self.tokens.get(i + 2)
                && third.sentence == first.sentence
                && third.capitalized
                && !self.consumed[i + 2]
                && ["ұлы", "улы", "қызы", "ович", "евич", "овна", "евна"]
                    .iter()
                    .any(|p| third.lower.contains(p))
            {
                n = 3;
            }
            let name = format!(
                "{} {}",
                title_case(&transliterate(&given)),
                title_case(&transliterate(&surname))
            );
            let key = format!("person/~{}", phonetic_key(&name));
            surnames.insert(phonetic_key(&surname), (key.clone(), name.clone()));
            self.push_new(EntityKind::Person, key, name, i, n);
            for k in i..i + n {
                self.consumed[k] = true;
            }
            i += n;
        }
        // Later mentions by surname alone: «Желдибай», «Ілиясов».
        for i in 0..self.tokens.len() {
            let t = &self.tokens[i];
            if self.consumed[i] || !t.capitalized || t.all_caps {
                continue;
            }
            let lemma = phonetic_key(&self.kb.morph.name_lemma(&t.lower));
            if let Some((key, name)) = surnames.get(&lemma).cloned() {
                self.consumed[i] = true;
                self.push_new(EntityKind::Person, key, name, i, 1);
            }
        }
    }

    /// Records a mention of an entity the knowledge base does not have, over tokens
    /// `first..first + n`.
    fn push_new(&mut self, kind: EntityKind, key: String, name: String, first: usize, n: usize) {
        self.mentions.push(EntityMention {
            key,
            kind,
            name,
            surface: self.surface(first, n),
            start: self.tokens[first].start,
            end: self.tokens[first + n - 1].end,
            first_token: first,
            n_tokens: n,
            sentence: self.tokens[first].sentence,
            by_role: false,
            adjective: false,
            new_entity: true,
            country: None,
            format_key: None,
        });
    }
}

/// Finds every entity mention, in text order. `anchor` dates role phrases (who was
/// president on that day); without it the current office holder is used.
pub fn find_entities(
    kb: &KnowledgeBase,
    tokens: &[Token],
    text: &str,
    anchor: Option<NaiveDate>,
) -> Vec<EntityMention> {
    let mut finder = Finder {
        kb,
        tokens,
        text,
        anchor,
        consumed: vec![false; tokens.len()],
        mentions: Vec::new(),
        starts: Vec::new(),
        in_organization: Vec::new(),
    };
    finder.quoted_names();
    finder.gazetteer();
    finder.organisation_summits();
    finder.summit_editions();
    finder.honorific_names();
    finder.roles();
    finder.unknown_people();
    finder.adjectives();
    finder.bilateral_summits();
    finder.bilateral_bodies();
    let mut mentions = finder.mentions;
    mentions.retain(|m| !names_a_place(tokens, m));
    mentions.sort_by_key(|m| (m.start, m.by_role));
    mentions
}

/// A person's name that is part of a place's name: «Гейдар Әлиев атындағы әуежай»,
/// «аэропорт имени Гейдара Алиева», "Heydar Aliyev International Airport". The place is named
/// after the person; the person takes part in nothing.
fn names_a_place(tokens: &[Token], mention: &EntityMention) -> bool {
    if mention.kind != EntityKind::Person {
        return false;
    }
    let after = |k: usize| tokens.get(mention.first_token + mention.n_tokens + k);
    let before = mention
        .first_token
        .checked_sub(1)
        .and_then(|i| tokens.get(i));
    let named_after = after(0).is_some_and(|t| t.lower.starts_with("атында"));
    let named_for = before.is_some_and(|t| matches!(t.lower.as_str(), "имени" | "им"));
    let english = after(0)
        .is_some_and(|t| matches!(t.lower.as_str(), "airport" | "international" | "university"))
        && after(0).is_some_and(|t| t.capitalized);
    named_after || named_for || english
}

/// The distinct entity keys an article names (role-only people and adjectives excluded).
pub fn named_keys(mentions: &[EntityMention]) -> HashSet<&str> {
    mentions
        .iter()
        .filter(|m| !m.by_role && !m.adjective)
        .map(|m| m.key.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn found(text: &str) -> Vec<(String, bool)> {
        let kb = KnowledgeBase::load();
        let tokens = tokenize(text);
        let anchor = NaiveDate::from_ymd_opt(2025, 10, 9);
        find_entities(&kb, &tokens, text, anchor)
            .into_iter()
            .filter(|m| !m.adjective)
            .map(|m| (m.name, m.by_role))
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        found(text).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn an_office_named_with_its_organisation_and_a_destination_is_its_holder() {
        let people = found(
            "Айта кетейік, БҰҰ Бас хатшысы Қазақстанға соңғы рет 2024 жылдың шілдесінде келген еді.",
        );
        assert!(
            people.contains(&("António Guterres".to_string(), true)),
            "{people:?}"
        );
        let head = found("Мемлекет басшысы Ресейге барды.");
        assert!(
            head.contains(&("Kassym-Jomart Tokayev".to_string(), true)),
            "a destination is not the office's country: {head:?}"
        );
    }

    #[test]
    fn a_summit_noun_next_to_an_organisation_names_its_summit() {
        assert!(
            names("Президент Түркі мемлекеттері ұйымының 10-шы мерейтойлық саммитіне қатысты.")
                .contains(&"OTS summit".to_string())
        );
        assert!(
            names("Токаев выступит на саммите Организации тюркских государств.")
                .contains(&"OTS summit".to_string())
        );
        assert!(
            names("He invited Erdogan to the Summit of the Organization of Turkic States.")
                .contains(&"OTS summit".to_string())
        );
        // The organisation alone, or with another noun, is not its summit.
        assert!(
            !names("Организация тюркских государств приняла заявление.")
                .contains(&"OTS summit".to_string())
        );
    }

    #[test]
    fn a_person_a_place_is_named_after_is_not_a_participant() {
        for text in [
            "Мирзиёевті Нұрсұлтан Назарбаев атындағы халықаралық әуежайда Тоқаев қарсы алды.",
            "Мирзиёева в аэропорту имени Нурсултана Назарбаева встретил Токаев.",
            "Mirziyoyev landed at Nursultan Nazarbayev International Airport, where Tokayev met him.",
        ] {
            let people = names(text);
            assert!(
                !people.iter().any(|n| n == "Nursultan Nazarbayev"),
                "{text}: {people:?}"
            );
            assert!(
                people.iter().any(|n| n == "Kassym-Jomart Tokayev"),
                "{text}: {people:?}"
            );
        }
    }

    #[test]
    fn a_family_name_with_an_honorific_names_the_person() {
        for text in [
            "Си мырза қонақтарды қарсы алды.",
            "Господин Си встретил гостей.",
            "Mr Xi welcomed the guests.",
        ] {
            assert!(names(text).contains(&"Xi Jinping".to_string()), "{text}");
        }
        // Alone, the family name is just a syllable.
        assert!(!names("Си встретил гостей.").contains(&"Xi Jinping".to_string()));
    }

    #[test]
    fn bodies_named_after_two_countries() {
        assert!(
            names("В Астане состоится заседание азербайджано-казахстанского Высшего межгосударственного совета.")
                .contains(&"Kazakhstan–Azerbaijan Supreme Interstate Council".to_string())
        );
        assert!(
            names("Өзбекстан мен Қазақстанның Жоғары мемлекетаралық кеңесі өтті.")
                .contains(&"Kazakhstan–Uzbekistan Supreme Interstate Council".to_string())
        );
        // Three countries: no pair to name the body after.
        assert!(
            !names("Россия, Китай и Казахстан обсудили работу Высшего межгосударственного совета.")
                .iter()
                .any(|n| n.contains("Supreme Interstate Council"))
        );
    }

    #[test]
    fn kazakh_inflected_names() {
        assert_eq!(
            names("Қасым-Жомарт Тоқаевтың Ресейге сапары. Душанбедегі саммит, Ақорданың хабары."),
            ["Kassym-Jomart Tokayev", "Russia", "Dushanbe", "Akorda"]
        );
        assert_eq!(names("БҰҰ-дағы жұмыс"), ["United Nations"]);
    }

    #[test]
    fn russian_declined_names() {
        assert_eq!(
            names("Касым-Жомарта Токаева встретили в Астане, переговоры с Президентом России."),
            [
                "Kassym-Jomart Tokayev",
                "Astana",
                "Vladimir Putin",
                "Russia"
            ]
        );
        assert_eq!(
            names("на сессии Генеральной Ассамблеи ООН"),
            ["United Nations General Assembly", "United Nations"]
        );
    }

    #[test]
    fn english_names_and_possessives() {
        assert_eq!(
            names("Russia's President Vladimir Putin visited Astana"),
            ["Russia", "Vladimir Putin", "Astana"]
        );
    }

    #[test]
    fn role_phrases_resolve_to_office_holders() {
        assert_eq!(
            found("Мемлекет басшысы айтты."),
            [("Kassym-Jomart Tokayev".to_string(), true)]
        );
        assert_eq!(
            found("Глава государства отметил."),
            [("Kassym-Jomart Tokayev".to_string(), true)]
        );
        let putin = found("Ресей Президенті сөз сөйледі.");
        assert!(
            putin.contains(&("Vladimir Putin".to_string(), true)),
            "{putin:?}"
        );
    }

    #[test]
    fn derived_words_and_lowercase_homographs_are_not_entities() {
        assert!(names("Ресейлік және қазақстандық сарапшылар").is_empty());
        assert!(
            names("Қытай астанасы үлкен қала.")
                .iter()
                .all(|n| n != "Astana")
        );
        assert!(names("Ол үйіне оралды.").is_empty());
    }

    #[test]
    fn a_name_after_a_title_noun_is_a_person_without_a_known_given_name() {
        assert!(
            names("Қытайдың Қазақстандағы елшісі Хань Чуньлинь сұхбат берді.")
                .iter()
                .any(|n| n.starts_with("Khan") || n.starts_with("Han")),
        );
        assert!(
            names("Ambassador Yasumasa Iijima spoke to reporters.")
                .contains(&"Yasumasa Iijima".to_string())
        );
        // A title noun before a country is not a person.
        assert!(
            names("Посол Казахстана в Москве выступил.")
                .iter()
                .all(|n| n != "Kazakhstana V")
        );
    }

    #[test]
    fn unknown_people_get_their_own_entity() {
        let people = names("Басылымның бас редакторы Бауыржан Бабажанұлына берген сұхбаты.");
        assert_eq!(people, ["Bauyrzhan Babazhanuly"]);
        assert!(
            names("Сегодня Президент выступил.")
                .iter()
                .all(|n| !n.contains("Segodnya"))
        );
    }

    #[test]
    fn a_russian_pattern_surname_makes_a_name_of_an_unknown_given_name() {
        assert_eq!(
            names("Генеральным секретарем назначен Таалатбек Масадыков."),
            ["Taalatbek Masadykov"]
        );
        assert_eq!(
            names("Решение о назначении Таалатбека Масадыкова утверждено."),
            ["Taalatbek Masadykov"]
        );
        assert_eq!(names("The envoy Talgat Umarov arrived."), ["Talgat Umarov"]);
        // A title noun is not a given name; a lower-case word is not a name at all.
        assert!(
            names("Посол Иванов прибыл.")
                .iter()
                .all(|n| !n.contains("Posol"))
        );
        assert_eq!(names("встреча министров Казахстана"), ["Kazakhstan"]);
    }

    #[test]
    fn quoted_newspaper_is_an_organization() {
        let kb = KnowledgeBase::load();
        let text = "«Turkistan» газетіне сұхбат берді";
        let mentions = find_entities(&kb, &tokenize(text), text, None);
        assert_eq!(mentions[0].kind, EntityKind::Organization);
        assert_eq!(mentions[0].surface, "Turkistan");
    }

    #[test]
    fn quoted_names_typed_by_their_noun() {
        let kb = KnowledgeBase::load();
        let text =
            "«Қазақстан темір жолы» ҰК мен «Алтын Көпір» саммиті туралы, «Жаңа әлем» фильмі.";
        let found: Vec<(EntityKind, String)> = find_entities(&kb, &tokenize(text), text, None)
            .into_iter()
            .map(|m| (m.kind, m.surface))
            .collect();
        assert!(
            found.contains(&(EntityKind::Organization, "Қазақстан темір жолы".to_string())),
            "{found:?}"
        );
        assert!(
            found.contains(&(EntityKind::Summit, "Алтын Көпір» саммиті".to_string())),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|(_, s)| s.contains("Жаңа")),
            "a film is not an entity: {found:?}"
        );
    }

    #[test]
    fn common_words_that_spell_a_country_are_not_countries() {
        assert!(
            names("Сонымен қатар Орталық Азия және Ресей арасында")
                .iter()
                .all(|n| n != "Qatar")
        );
        assert!(names("Қатар әмірі Астанаға келді").contains(&"Qatar".to_string()));
    }

    #[test]
    fn phonetic_keys_merge_spellings() {
        assert_eq!(phonetic_key("Ильясов"), phonetic_key("Ілиясов"));
        assert_eq!(
            transliterate("Бауыржан Бабажанұлы"),
            "Bauyrzhan Babazhanuly"
        );
    }
}
