// eventgraph web app: a timeline and a graph view over the GraphQL API at /graphql, live
// through the graphql-transport-ws subscription at /graphql/ws. Plain ES module, no build
// step; vis-timeline and cytoscape are vendored globals (window.vis; window.cytoscape, loaded
// when the graph view first opens).

const MAX_EVENTS = 500; // events drawn on the timeline at most (5 pages of 100)
const KINDS = ["VISIT", "SUMMIT", "MEETING", "PHONE_CALL", "INTERVIEW", "STATEMENT", "ADDRESS",
  "SPEECH", "AGREEMENT", "OTHER"];
const NODE_KINDS = ["PERSON", "COUNTRY", "ORGANIZATION", "SUMMIT", "PLACE", "EVENT"];

// ---------------------------------------------------------------- interface language
const TEXT = {
  en: {
    timeline: "Timeline", graph: "Graph", searchEntity: "Search a person, country, organisation…",
    language: "Language", playground: "GraphQL", kinds: "Kinds", from: "From", to: "To",
    sourceLanguage: "Source language", status: "Status", any: "any", happened: "happened",
    planned: "planned", lanes: "Lanes", byKind: "by kind", byCountry: "by country", export: "Export",
    show: "Show", pathTo: "Path to…", avoidHubs: "avoid hubs",
    clickHint: "Click an event to see its sources.", undated: "Undated",
    shown: (n, total) => `${n} of ${total} events shown` + (n < total ? " — narrow the filters to see the rest" : ""),
    date: "Date", participants: "Participants", countries: "Countries", places: "Places",
    organizations: "Organisations", summits: "Summits", sources: "Sources", reportedBy: "reported by",
    mentionedBy: "mentioned by", evidence: "Evidence", outlets: "Outlets", newEvent: "New event",
    noPath: "No path within 8 links.", pathLength: (n) => `Path of ${n} links`, noCountry: "no country",
    error: "Request failed", allEvents: "All events",
    kind: { VISIT: "Visit", SUMMIT: "Summit", MEETING: "Meeting", PHONE_CALL: "Phone call",
      INTERVIEW: "Interview", STATEMENT: "Statement", ADDRESS: "Address", SPEECH: "Speech",
      AGREEMENT: "Agreement", OTHER: "Other" },
    node: { PERSON: "people", COUNTRY: "countries", ORGANIZATION: "organisations", SUMMIT: "summits",
      PLACE: "places", EVENT: "events" },
  },
  ru: {
    timeline: "Хронология", graph: "Граф", searchEntity: "Найти человека, страну, организацию…",
    language: "Язык", playground: "GraphQL", kinds: "Типы", from: "С", to: "По",
    sourceLanguage: "Язык источника", status: "Статус", any: "любой", happened: "состоялось",
    planned: "запланировано", lanes: "Дорожки", byKind: "по типу", byCountry: "по стране",
    export: "Экспорт", show: "Показать", pathTo: "Путь к…", avoidHubs: "в обход узлов-хабов",
    clickHint: "Нажмите на событие, чтобы увидеть источники.", undated: "Без даты",
    shown: (n, total) => `Показано ${n} из ${total} событий` + (n < total ? " — сузьте фильтры, чтобы увидеть остальные" : ""),
    date: "Дата", participants: "Участники", countries: "Страны", places: "Места",
    organizations: "Организации", summits: "Саммиты", sources: "Источники", reportedBy: "сообщает",
    mentionedBy: "упоминает", evidence: "Основание", outlets: "СМИ", newEvent: "Новое событие",
    noPath: "Нет пути длиной до 8 связей.", pathLength: (n) => `Путь из ${n} связей`, noCountry: "без страны",
    error: "Ошибка запроса", allEvents: "Все события",
    kind: { VISIT: "Визит", SUMMIT: "Саммит", MEETING: "Встреча", PHONE_CALL: "Телефонный разговор",
      INTERVIEW: "Интервью", STATEMENT: "Заявление", ADDRESS: "Обращение", SPEECH: "Выступление",
      AGREEMENT: "Соглашение", OTHER: "Другое" },
    node: { PERSON: "люди", COUNTRY: "страны", ORGANIZATION: "организации", SUMMIT: "саммиты",
      PLACE: "места", EVENT: "события" },
  },
  kk: {
    timeline: "Хронология", graph: "Граф", searchEntity: "Адамды, елді, ұйымды іздеу…",
    language: "Тіл", playground: "GraphQL", kinds: "Түрлері", from: "Бастап", to: "Дейін",
    sourceLanguage: "Дереккөз тілі", status: "Мәртебе", any: "кез келген", happened: "өтті",
    planned: "жоспарланған", lanes: "Жолақтар", byKind: "түрі бойынша", byCountry: "ел бойынша",
    export: "Экспорт", show: "Көрсету", pathTo: "Жол…", avoidHubs: "хабтарды айналып өту",
    clickHint: "Дереккөздерін көру үшін оқиғаны басыңыз.", undated: "Күні белгісіз",
    shown: (n, total) => `${total} оқиғаның ${n} көрсетілді` + (n < total ? " — қалғанын көру үшін сүзгіні тарылтыңыз" : ""),
    date: "Күні", participants: "Қатысушылар", countries: "Елдер", places: "Орындар",
    organizations: "Ұйымдар", summits: "Саммиттер", sources: "Дереккөздер", reportedBy: "хабарлайды",
    mentionedBy: "атап өтеді", evidence: "Негіздеме", outlets: "БАҚ", newEvent: "Жаңа оқиға",
    noPath: "8 байланысқа дейінгі жол жоқ.", pathLength: (n) => `${n} байланыстан тұратын жол`, noCountry: "елсіз",
    error: "Сұрау сәтсіз", allEvents: "Барлық оқиғалар",
    kind: { VISIT: "Сапар", SUMMIT: "Саммит", MEETING: "Кездесу", PHONE_CALL: "Телефон арқылы сөйлесу",
      INTERVIEW: "Сұхбат", STATEMENT: "Мәлімдеме", ADDRESS: "Жолдау", SPEECH: "Сөз сөйлеу",
      AGREEMENT: "Келісім", OTHER: "Басқа" },
    node: { PERSON: "адамдар", COUNTRY: "елдер", ORGANIZATION: "ұйымдар", SUMMIT: "саммиттер",
      PLACE: "орындар", EVENT: "оқиғалар" },
  },
};

// ---------------------------------------------------------------- state in the URL
const state = readState();
function readState() {
  const p = new URLSearchParams(location.search);
  const ui = p.get("ui");
  return {
    view: p.get("view") === "graph" ? "graph" : "timeline",
    entity: p.get("entity") || null,
    kinds: (p.get("kinds") || "").split(",").filter((k) => KINDS.includes(k)),
    from: p.get("from") || "",
    to: p.get("to") || "",
    language: p.get("language") || "",
    status: p.get("status") || "",
    lanes: p.get("lanes") === "country" ? "country" : "kind",
    event: p.get("event") || null,
    ui: TEXT[ui] ? ui : "en",
  };
}
function saveState() {
  const p = new URLSearchParams();
  if (state.view !== "timeline") p.set("view", state.view);
  if (state.entity) p.set("entity", state.entity);
  if (state.kinds.length) p.set("kinds", state.kinds.join(","));
  for (const key of ["from", "to", "language", "status"]) if (state[key]) p.set(key, state[key]);
  if (state.lanes !== "kind") p.set("lanes", state.lanes);
  if (state.event) p.set("event", state.event);
  if (state.ui !== "en") p.set("ui", state.ui);
  const query = p.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}
const t = (key) => TEXT[state.ui][key] ?? TEXT.en[key];
const nameLanguage = () => state.ui.toUpperCase();

// ---------------------------------------------------------------- helpers
const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
}

function showError(error) {
  console.error(error);
  toast(`${t("error")}: ${error.message}`);
}

/** Date shown at its precision, in the interface language. */
function formatDate(event) {
  if (!event.date) return "—";
  const locale = { en: "en-GB", ru: "ru-RU", kk: "kk-KZ" }[state.ui];
  const day = new Date(`${event.date}T00:00:00Z`);
  const options = { timeZone: "UTC" };
  if (event.datePrecision === "YEAR") options.year = "numeric";
  else if (event.datePrecision === "MONTH") Object.assign(options, { year: "numeric", month: "long" });
  else Object.assign(options, { year: "numeric", month: "long", day: "numeric" });
  const format = new Intl.DateTimeFormat(locale, options);
  let text = format.format(day);
  if (event.datePrecision === "DAY" && event.endDate && event.endDate !== event.date) {
    text += ` – ${format.format(new Date(`${event.endDate}T00:00:00Z`))}`;
  }
  return text;
}

/** The day after a date (vis-timeline ranges end exclusive). */
function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- queries
const EVENT_FIELDS = `id kind title label date endDate datePrecision status
  countries { id name(language: $l) } participants { id name(language: $l) }`;
const EVENTS = `query Events($entity: ID, $from: Date, $to: Date, $kinds: [EventKind!], $status: EventStatus,
    $language: Language, $after: String, $l: Language) {
  events(entity: $entity, from: $from, to: $to, kinds: $kinds, status: $status, language: $language,
         first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${EVENT_FIELDS} }
  }
}`;
const SEARCH = `query Search($s: String!, $l: Language) {
  entities(search: $s, first: 8) { nodes { id kind name(language: $l) eventCount } }
}`;
const ENTITY = `query Entity($id: ID!, $l: Language) {
  node(id: $id) { ... on Entity { id kind name(language: $l) } }
}`;
const DETAILS = `query Details($id: ID!, $l: Language) {
  node(id: $id) { ... on Event {
    id kind title label date endDate datePrecision status
    participants { id name(language: $l) } countries { id name(language: $l) }
    places { id name(language: $l) } organizations { id name(language: $l) }
    summits { id name(language: $l) } sources { id name(language: $l) }
    reportedBy { id source title language publishedOn url outlet }
    mentionedBy { id source title language publishedOn url outlet }
    links { kind outgoing node { id } evidence { text article { id } } }
  } }
}`;
const NEIGHBORHOOD = `query Around($id: ID!, $l: Language) {
  neighborhood(id: $id, depth: 2, first: 12) {
    nodes { __typename
      ... on Entity { id kind name(language: $l) eventCount }
      ... on Event { id kind label date }
      ... on Article { id title } }
    edges { from to kind }
  }
}`;
const PATH = `query Path($from: ID!, $to: ID!, $avoid: [ID!], $l: Language) {
  path(from: $from, to: $to, maxLength: 8, avoid: $avoid) {
    length nodes { __typename ... on Entity { id kind name(language: $l) eventCount }
      ... on Event { id kind label date } }
  }
}`;
const HUBS = `{ entities(first: 2) { nodes { id } } }`;

// ---------------------------------------------------------------- entity search
function attachSearch(input, list, onPick) {
  let timer = null;
  let seq = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const data = await gql(SEARCH, { s: text, l: nameLanguage() });
        if (mine !== seq) return;
        list.replaceChildren(...data.entities.nodes.map((e) => el("li", {
          role: "option", "data-id": e.id,
          onmousedown: (ev) => { ev.preventDefault(); list.hidden = true; input.value = ""; onPick(e); },
        }, e.name, el("small", {}, `${t("node")[e.kind] ?? e.kind} · ${e.eventCount}`))));
        list.hidden = data.entities.nodes.length === 0;
      } catch (error) { showError(error); }
    }, 150);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") list.querySelector("li")?.dispatchEvent(new MouseEvent("mousedown"));
    if (ev.key === "Escape") list.hidden = true;
  });
  input.addEventListener("blur", () => { setTimeout(() => { list.hidden = true; }, 100); });
}

async function setEntity(id, name) {
  state.entity = id;
  state.event = null;
  saveState();
  await showEntityChip(name);
  subscribeLive();
  await refresh();
}

async function showEntityChip(knownName) {
  const chip = $("entity-chip");
  if (!state.entity) { chip.hidden = true; return; }
  let name = knownName;
  if (!name) {
    try {
      const data = await gql(ENTITY, { id: state.entity, l: nameLanguage() });
      name = data.node?.name ?? state.entity;
    } catch (error) { name = state.entity; }
  }
  $("entity-name").textContent = name;
  chip.hidden = false;
}

// ---------------------------------------------------------------- timeline
let timeline = null;
const items = new vis.DataSet();
const groups = new vis.DataSet();
let loaded = []; // events of the current filters, newest first

function laneOf(event) {
  if (state.lanes === "country") return event.countries[0]?.name ?? t("noCountry");
  return event.kind;
}

function laneLabel(lane) {
  return state.lanes === "kind" ? (t("kind")[lane] ?? lane) : lane;
}

/** A short label in the interface language: kind and up to two participants' surnames. */
function labelOf(event) {
  const kind = t("kind")[event.kind] ?? event.kind;
  const people = (event.participants ?? []).slice(0, 2).map((p) => p.name.split(" ").pop());
  return people.length ? `${kind}: ${people.join(", ")}` : kind;
}

function timelineItem(event, fresh = false) {
  const content = el("span", { "data-event-id": event.id }, labelOf(event));
  let start = event.date;
  let end = null;
  if (event.datePrecision === "MONTH") {
    const [y, m] = event.date.split("-").map(Number);
    end = new Date(Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 1)).toISOString().slice(0, 10);
  } else if (event.datePrecision === "YEAR") {
    end = `${Number(event.date.slice(0, 4)) + 1}-01-01`;
  } else if (event.endDate && event.endDate !== event.date) {
    end = nextDay(event.endDate);
  }
  return {
    id: event.id, content, start, end: end ?? undefined, type: end ? "range" : "box",
    group: laneOf(event),
    className: `kind-${event.kind} ${event.status.toLowerCase()}${fresh ? " fresh" : ""}`,
    title: `${event.title} (${formatDate(event)})`,
  };
}

function matchesFilters(event) {
  if (state.kinds.length && !state.kinds.includes(event.kind)) return false;
  if (state.status && event.status !== state.status) return false;
  if (state.from && (!event.date || event.date < state.from)) return false;
  if (state.to && (!event.date || event.date > state.to)) return false;
  return true;
}

function drawTimeline(fit = true) {
  const dated = loaded.filter((e) => e.date);
  const undated = loaded.filter((e) => !e.date);
  const lanes = [...new Set(dated.map(laneOf))].sort();
  groups.clear();
  groups.add(lanes.map((lane) => ({ id: lane, content: laneLabel(lane) })));
  items.clear();
  items.add(dated.map((e) => timelineItem(e)));
  const box = $("undated");
  box.replaceChildren();
  if (undated.length) {
    box.append(el("strong", {}, `${t("undated")} (${undated.length}): `),
      ...undated.map((e) => el("button", { "data-event-id": e.id, onclick: () => selectEvent(e.id) }, labelOf(e))));
  }
  if (!timeline) {
    timeline = new vis.Timeline($("timeline"), items, groups, {
      stack: true, orientation: "top", zoomMin: 24 * 3600 * 1000, margin: { item: 6 },
      tooltip: { followMouse: true }, height: "100%",
    });
    timeline.on("select", ({ items: picked }) => { if (picked.length) selectEvent(picked[0]); });
  }
  if (dated.length && fit) {
    if (state.from && state.to) timeline.setWindow(state.from, state.to, { animation: false });
    else timeline.fit({ animation: false });
  }
  if (state.event && items.get(state.event)) timeline.setSelection([state.event]);
  $("timeline").dataset.items = String(dated.length);
}

let loadSeq = 0;

/** Reads the filtered events page by page (at most MAX_EVENTS): the first page is drawn as
 *  soon as it arrives (the view is then ready), later pages are added to the drawing without
 *  moving the window. A newer load makes an older one stop. */
async function loadEvents() {
  const mine = ++loadSeq;
  const variables = {
    entity: state.entity, from: state.from || null, to: state.to || null,
    kinds: state.kinds.length ? state.kinds : null,
    status: state.status || null, language: state.language || null, l: nameLanguage(), after: null,
  };
  const first = (await gql(EVENTS, variables)).events;
  loaded = [...first.nodes];
  $("count").textContent = t("shown")(loaded.length, first.totalCount);
  drawTimeline(true);
  let page = first;
  const rest = async () => {
    while (page.pageInfo.hasNextPage && loaded.length < MAX_EVENTS) {
      variables.after = page.pageInfo.endCursor;
      page = (await gql(EVENTS, variables)).events;
      if (mine !== loadSeq) return;
      loaded.push(...page.nodes);
      drawTimeline(false);
      $("count").textContent = t("shown")(loaded.length, page.totalCount);
    }
  };
  rest().catch(showError);
}

// ---------------------------------------------------------------- details
function entityList(list) {
  return list.length ? list.map((e) => e.name).join(", ") : "—";
}

async function selectEvent(id) {
  state.event = id;
  saveState();
  if (timeline && items.get(id)) timeline.setSelection([id]);
  const panel = $("details");
  try {
    const data = await gql(DETAILS, { id, l: nameLanguage() });
    const e = data.node;
    if (!e) { panel.replaceChildren(el("p", { class: "hint" }, t("clickHint"))); return; }
    const sentences = new Map(); // article id → evidence sentences of the event
    for (const link of e.links) {
      if (link.outgoing || !["REPORTS", "MENTIONS"].includes(link.kind)) continue;
      for (const ev of link.evidence) {
        const key = ev.article?.id ?? link.node.id;
        if (!sentences.has(key)) sentences.set(key, []);
        sentences.get(key).push(ev.text);
      }
    }
    const source = (a, how) => el("li", { "data-article-id": a.id },
      el("span", { class: "badge" }, a.language.toLowerCase()), " ",
      el("strong", {}, a.url ? el("a", { href: a.url, target: "_blank", rel: "noopener" }, a.title) : a.title), " ",
      el("small", {}, `${how} · ${a.outlet ?? a.source}${a.publishedOn ? ` · ${a.publishedOn}` : ""}`),
      ...(sentences.get(a.id) ?? []).map((s) => el("blockquote", {}, s)));
    const row = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
    panel.replaceChildren(
      el("h2", {}, e.title),
      el("p", {},
        el("span", { class: "badge" }, t("kind")[e.kind] ?? e.kind), " ",
        el("span", { class: `badge ${e.status.toLowerCase()}` }, t(e.status.toLowerCase()))),
      el("dl", {},
        row(t("date"), `${formatDate(e)} (${e.datePrecision})`),
        row(t("participants"), entityList(e.participants)),
        row(t("countries"), entityList(e.countries)),
        row(t("places"), entityList(e.places)),
        row(t("organizations"), entityList(e.organizations)),
        e.summits.length ? row(t("summits"), entityList(e.summits)) : [],
        e.sources.length ? row(t("outlets"), entityList(e.sources)) : []),
      el("h3", {}, t("sources")),
      el("ul", { class: "sources" },
        e.reportedBy.map((a) => source(a, t("reportedBy"))),
        e.mentionedBy.map((a) => source(a, t("mentionedBy")))),
    );
    panel.dataset.event = e.id;
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- graph view
let cy = null;
let hubs = null;

function graphNode(n) {
  if (n.__typename === "Entity") return { data: { id: n.id, label: n.name, type: n.kind, weight: n.eventCount } };
  if (n.__typename === "Event") return { data: { id: n.id, label: `${n.label}${n.date ? ` · ${n.date}` : ""}`, type: "EVENT" } };
  return { data: { id: n.id, label: n.title, type: "ARTICLE" } };
}

async function expand(id) {
  const data = await gql(NEIGHBORHOOD, { id, l: nameLanguage() });
  const hood = data.neighborhood;
  const fresh = [];
  for (const n of hood.nodes) if (cy.getElementById(n.id).empty()) fresh.push(graphNode(n));
  for (const e of hood.edges) {
    const edgeId = `${e.from}|${e.to}|${e.kind}`;
    if (cy.getElementById(edgeId).empty()) fresh.push({ data: { id: edgeId, source: e.from, target: e.to, kind: e.kind } });
  }
  cy.add(fresh);
  applyNodeFilters();
  cy.layout({ name: "cose", animate: false, fit: true, padding: 20, nodeRepulsion: () => 9000 }).run();
  $("graph").dataset.nodes = String(cy.nodes().length);
}

function applyNodeFilters() {
  if (!cy) return;
  for (const box of document.querySelectorAll("#node-filters input")) {
    cy.nodes(`[type = "${box.value}"]`).style("display", box.checked ? "element" : "none");
  }
}

/** Loads a vendored script once (cytoscape is fetched only when the graph view opens, so
 *  the timeline does not wait for it). */
function loadScript(src) {
  loadScript.pending ??= new Map();
  if (!loadScript.pending.has(src)) {
    loadScript.pending.set(src, new Promise((resolve, reject) => {
      const script = el("script", { src });
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    }));
  }
  return loadScript.pending.get(src);
}

async function drawGraph() {
  await loadScript("/app/cytoscape.min.js");
  let centre = state.entity;
  if (!centre) {
    const data = await gql(HUBS);
    centre = data.entities.nodes[0]?.id;
  }
  if (!cy) {
    cy = cytoscape({
      container: $("graph"),
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120, "background-color": "#94a3b8", width: 18, height: 18 } },
        { selector: 'node[type = "PERSON"]', style: { "background-color": "#2563eb" } },
        { selector: 'node[type = "COUNTRY"]', style: { "background-color": "#059669", shape: "round-rectangle" } },
        { selector: 'node[type = "ORGANIZATION"]', style: { "background-color": "#d97706", shape: "hexagon" } },
        { selector: 'node[type = "SUMMIT"]', style: { "background-color": "#db2777", shape: "star" } },
        { selector: 'node[type = "PLACE"]', style: { "background-color": "#0891b2", shape: "triangle" } },
        { selector: 'node[type = "EVENT"]', style: { "background-color": "#e5e7eb", "border-width": 1, "border-color": "#6b7280", shape: "diamond", width: 14, height: 14 } },
        { selector: "edge", style: { width: 1, "line-color": "#cbd5e1", "curve-style": "bezier" } },
        { selector: ".on-path", style: { "line-color": "#f59e0b", "background-color": "#f59e0b", width: 3 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#111827" } },
      ],
      maxZoom: 2,
    });
    cy.on("tap", "node", async (ev) => {
      const node = ev.target;
      if (node.data("type") === "EVENT") selectEvent(node.id());
      try { await expand(node.id()); } catch (error) { showError(error); }
    });
  }
  cy.elements().remove();
  if (centre) await expand(centre);
}

async function findPath(target) {
  const from = state.entity ?? cy?.nodes()[0]?.id();
  if (!from) return;
  const result = $("path-result");
  try {
    let avoid = [];
    if ($("avoid-hubs").checked) {
      hubs ??= (await gql(HUBS)).entities.nodes.map((n) => n.id);
      avoid = hubs.filter((h) => h !== from && h !== target.id);
    }
    const data = await gql(PATH, { from, to: target.id, avoid, l: nameLanguage() });
    cy.elements().removeClass("on-path");
    if (!data.path) { result.textContent = t("noPath"); return; }
    const ids = data.path.nodes.map((n) => n.id);
    for (const n of data.path.nodes) {
      if (cy.getElementById(n.id).empty()) {
        cy.add(graphNode(n));
      }
    }
    for (let i = 1; i < ids.length; i++) {
      const edgeId = `${ids[i - 1]}|${ids[i]}|PATH`;
      if (cy.getElementById(edgeId).empty()) cy.add({ data: { id: edgeId, source: ids[i - 1], target: ids[i], kind: "PATH" } });
      cy.getElementById(edgeId).addClass("on-path");
    }
    ids.forEach((id) => cy.getElementById(id).addClass("on-path"));
    cy.layout({ name: "cose", animate: false, fit: true, padding: 20 }).run();
    result.textContent = `${t("pathLength")(data.path.length)}: ${data.path.nodes.map((n) => n.name ?? n.label).join(" → ")}`;
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- live updates
let socket = null;
function subscribeLive() {
  if (socket && socket.readyState <= 1) socket.close();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/ws`;
  const ws = new WebSocket(url, "graphql-transport-ws");
  socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init" }));
  ws.onmessage = (message) => {
    const msg = JSON.parse(message.data);
    if (msg.type === "connection_ack") {
      for (const field of ["eventAdded", "eventUpdated"]) {
        ws.send(JSON.stringify({
          id: field, type: "subscribe",
          payload: {
            query: `subscription Live($entity: ID, $l: Language) {
              ${field}(filter: { entity: $entity }) { ${EVENT_FIELDS} } }`,
            variables: { entity: state.entity, l: nameLanguage() },
          },
        }));
      }
      document.body.dataset.live = "open";
    } else if (msg.type === "next" && msg.payload?.data?.eventUpdated) {
      // An event gained a source, an entity or a date: redraw it (and its details).
      const event = msg.payload.data.eventUpdated;
      const at = loaded.findIndex((e) => e.id === event.id);
      if (at < 0) return;
      loaded[at] = event;
      if (event.date && matchesFilters(event)) {
        const lane = laneOf(event);
        if (!groups.get(lane)) groups.add({ id: lane, content: laneLabel(lane) });
        items.update(timelineItem(event, true));
      }
      if (state.event === event.id) selectEvent(event.id);
    } else if (msg.type === "next" && msg.payload?.data?.eventAdded) {
      const event = msg.payload.data.eventAdded;
      if (!matchesFilters(event) || loaded.some((e) => e.id === event.id)) return;
      loaded.unshift(event);
      if (event.date && timeline) {
        const lane = laneOf(event);
        if (!groups.get(lane)) groups.add({ id: lane, content: laneLabel(lane) });
        items.add(timelineItem(event, true));
        $("timeline").dataset.items = String(items.length);
      } else {
        drawTimeline(false);
      }
      toast(`${t("newEvent")}: ${labelOf(event)} — ${event.title}`);
    } else if (msg.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return; // replaced on purpose
    document.body.dataset.live = "closed";
    setTimeout(subscribeLive, 2000);
  };
}

// ---------------------------------------------------------------- wiring
function translate() {
  document.documentElement.lang = state.ui;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  $("kind-filters").replaceChildren(...KINDS.map((kind) => el("label", {},
    el("input", { type: "checkbox", value: kind, checked: state.kinds.includes(kind), onchange: onKinds }),
    el("span", { class: `swatch kind-${kind}` }), t("kind")[kind])));
  $("node-filters").replaceChildren(...NODE_KINDS.map((kind) => el("label", {},
    el("input", { type: "checkbox", value: kind, checked: true, onchange: applyNodeFilters }), " ", t("node")[kind], " ")));
}

function onKinds() {
  state.kinds = [...document.querySelectorAll("#kind-filters input:checked")].map((b) => b.value);
  changed();
}

function exportLinks() {
  const p = new URLSearchParams();
  if (state.entity) p.set("entity", state.entity);
  if (state.kinds.length) p.set("kinds", state.kinds.join(","));
  for (const key of ["from", "to", "status"]) if (state[key]) p.set(key, state[key]);
  if (state.language) p.set("language", state.language.toLowerCase());
  const query = p.toString() ? `?${p}` : "";
  const files = ["timelinejs.json", "vis-timeline.json", "graph.graphml", "graph.cyjs", "events.csv", "links.csv", "graph.jsonld"];
  $("exports").replaceChildren(...files.map((f) => el("li", {}, el("a", { href: `/export/${f}${query}`, download: f }, f))));
}

function showView() {
  $("timeline-view").hidden = state.view !== "timeline";
  $("graph-view").hidden = state.view !== "graph";
  for (const tab of document.querySelectorAll("nav button")) tab.setAttribute("aria-selected", String(tab.dataset.view === state.view));
}

async function refresh() {
  exportLinks();
  showView();
  try {
    if (state.view === "timeline") {
      await loadEvents();
    } else {
      await drawGraph();
    }
    if (state.event) await selectEvent(state.event);
  } catch (error) { showError(error); }
  // Milliseconds from navigation to the first complete view (read by benches/app_load.sh).
  document.body.dataset.readyMs ??= String(Math.round(performance.now()));
  document.body.dataset.state = "ready";
}

function changed() {
  saveState();
  refresh();
}

function init() {
  $("ui-language").value = state.ui;
  $("from").value = state.from;
  $("to").value = state.to;
  $("source-language").value = state.language;
  $("status").value = state.status;
  $("lanes").value = state.lanes;
  translate();
  attachSearch($("entity-search"), $("suggestions"), (e) => setEntity(e.id, e.name));
  attachSearch($("path-to"), $("path-suggestions"), (e) => findPath(e));
  $("entity-clear").addEventListener("click", () => setEntity(null));
  for (const tab of document.querySelectorAll("nav button")) {
    tab.addEventListener("click", () => { state.view = tab.dataset.view; changed(); });
  }
  for (const [id, key] of [["from", "from"], ["to", "to"], ["source-language", "language"], ["status", "status"], ["lanes", "lanes"]]) {
    $(id).addEventListener("change", () => { state[key] = $(id).value; changed(); });
  }
  $("ui-language").addEventListener("change", async () => {
    state.ui = $("ui-language").value;
    translate();
    await showEntityChip();
    subscribeLive();
    changed();
  });
  window.eventgraph = { state, items, get timeline() { return timeline; }, get cy() { return cy; } };
  showEntityChip();
  subscribeLive();
  refresh();
}

init();
